"""Co-owner changes join the engagement's history.

Each engagement's latest history row gets a snapshot of its co-owners as they are now,
so the first change after this migration shows what really changed, not everyone.
"""

from typing import Any

import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


def snapshot_current_co_owners(apps: Any, schema_editor: Any) -> None:
    engagement = apps.get_model("engagements", "Engagement")
    history = apps.get_model("engagements", "HistoricalEngagement")
    snapshot = apps.get_model("engagements", "HistoricalEngagement_co_owners")
    latest: dict[int, int] = {}
    for engagement_id, history_id in history.objects.order_by("id", "-history_id").values_list(
        "id", "history_id"
    ):
        latest.setdefault(engagement_id, history_id)
    through = engagement._meta.get_field("co_owners").remote_field.through
    snapshot.objects.bulk_create(
        [
            snapshot(
                history_id=latest[row.engagement_id],
                engagement_id=row.engagement_id,
                user_id=row.user_id,
            )
            for row in through.objects.all()
            if row.engagement_id in latest
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0009_role_permissions"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="engagement",
            name="co_owners",
            field=models.ManyToManyField(
                blank=True,
                related_name="co_owned_engagements",
                to=settings.AUTH_USER_MODEL,
                verbose_name="co-owners",
            ),
        ),
        migrations.CreateModel(
            name="HistoricalEngagement_co_owners",
            fields=[
                (
                    "id",
                    models.BigIntegerField(
                        auto_created=True, blank=True, db_index=True, verbose_name="ID"
                    ),
                ),
                ("m2m_history_id", models.AutoField(primary_key=True, serialize=False)),
                (
                    "engagement",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="engagements.engagement",
                    ),
                ),
                (
                    "history",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        to="engagements.historicalengagement",
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_tablespace="",
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "HistoricalEngagement_co_owners",
            },
            bases=(simple_history.models.HistoricalChanges, models.Model),
        ),
        migrations.RunPython(snapshot_current_co_owners, migrations.RunPython.noop),
    ]
