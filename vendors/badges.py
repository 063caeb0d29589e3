"""The colours of the vendor registry's badges (outsourcing/badges.py).

Statuses wear the tones of the one status scale (outsourcing/status.py); steps that
are neither good nor bad keep a plain colour.
"""

from outsourcing.badges import register
from outsourcing.status import BAD, GOOD, OK, WARN

from .models import Vendor

register(
    "vendor_status",
    Vendor.Status,
    {
        "prospect": "secondary",
        "qualified": "info",
        "approved": "primary",
        "active": GOOD,
        "on_watch": WARN,
        "suspended": BAD,
        "offboarded": "dark",
    },
)
# A vendor's tier reads like a risk level: high is amber on the heat map and here.
register(
    "vendor_tier",
    Vendor.Tier,
    {"critical": BAD, "high": WARN, "medium": OK, "low": GOOD},
)
register(
    "vendor_standing",
    Vendor.Standing,
    {"excellent": GOOD, "good": OK, "watch": WARN, "poor": BAD, "no_data": "secondary"},
)
