"""The measuring child of `make bench`: one database, every P1 page, JSON on stdout.

Run by `python -m engagements.bench` with DATABASE_URL pointing at a generated
database and DEBUG off; not meant to be run by hand (though it can be).
"""

import json
import os
import sys
import time
from typing import Any

import django


def chosen_objects() -> dict[str, Any]:
    """The same objects at every size: the lowest-id active engagement, its owner and vendor."""
    from engagements.models import Engagement

    engagement = (
        Engagement.objects.active().select_related("owner", "vendor").order_by("pk").first()
    )
    if engagement is None or engagement.owner is None:
        raise SystemExit("No active engagement with an owner: is this a generate_scale database?")
    return {"user": engagement.owner, "engagement": engagement, "vendor": engagement.vendor}


def measure(*, warmup: int, requests: int) -> dict[str, Any]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from engagements.bench import PAGES, median_ms
    from engagements.models import Engagement, Kpi, Measurement

    chosen = chosen_objects()
    client = Client()
    client.force_login(chosen["user"])
    pages: dict[str, Any] = {}
    for page in PAGES:
        args = [chosen[page.needs].pk] if page.needs else []
        url = reverse(page.route, args=args)
        for _ in range(warmup):
            client.get(url, secure=True)
        # Counted apart from the timed requests: capturing costs a little itself.
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, secure=True)
        # Now: the captured list is a slice of the connection's log, which the next
        # request clears.
        query_count = len(queries)
        if response.status_code != 200:
            raise SystemExit(f"{page.label}: {url} answered {response.status_code}, not 200.")
        seconds = []
        for _ in range(requests):
            started = time.perf_counter()
            client.get(url, secure=True)
            seconds.append(time.perf_counter() - started)
        pages[page.label] = {
            "url": url,
            "queries": query_count,
            "bytes": len(response.content),
            "median_ms": median_ms(seconds),
            "seconds": seconds,
        }
    return {
        "database": connection.settings_dict["NAME"],
        "user": chosen["user"].username,
        "engagement": chosen["engagement"].pk,
        "vendor": chosen["vendor"].pk,
        "counts": {
            "engagements": Engagement.objects.count(),
            "KPIs": Kpi.objects.count(),
            "measurements": Measurement.objects.count(),
        },
        "pages": pages,
    }


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "outsourcing.settings")
    django.setup()
    warmup, requests = (int(arg) for arg in sys.argv[1:3])
    json.dump(measure(warmup=warmup, requests=requests), sys.stdout)


if __name__ == "__main__":
    main()
