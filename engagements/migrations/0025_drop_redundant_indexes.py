"""Indexes a unique constraint's index already serves, dropped (issue 15).

Each foreign key below had an index on its column alone, while a unique constraint on
the same table leads with that column and answers the same look-ups. The second index
only cost writes: the KPI rollup writes 300,000 rollups, 30,000 scorecards and their
history rows on a large organisation's first run, the check-in schedule and the
reminder queue write in bulk too. The history table's (id) and (engagement) indexes
give way to 0021's and 0024's, which lead with the same columns.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0024_history_previous_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="checkin",
            name="engagement",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="checkins",
                to="engagements.engagement",
            ),
        ),
        # The history table's indexes of 0021 and 0024 live in the database only: an
        # AlterField would have SQLite rebuild the table from the model state, which
        # has none of them. The two single-column indexes are dropped by name instead.
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS engagements_historicalscorecard_engagement_id_d3147a85",
                    reverse_sql="CREATE INDEX "
                    "engagements_historicalscorecard_engagement_id_d3147a85 "
                    "ON engagements_historicalscorecard (engagement_id)",
                ),
                migrations.RunSQL(
                    "DROP INDEX IF EXISTS engagements_historicalscorecard_id_64fcd595",
                    reverse_sql="CREATE INDEX engagements_historicalscorecard_id_64fcd595 "
                    "ON engagements_historicalscorecard (id)",
                ),
            ],
            state_operations=[
                migrations.AlterField(
                    model_name="historicalscorecard",
                    name="engagement",
                    field=models.ForeignKey(
                        blank=True,
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="engagements.engagement",
                    ),
                ),
                migrations.AlterField(
                    model_name="historicalscorecard",
                    name="id",
                    field=models.BigIntegerField(auto_created=True, blank=True, verbose_name="ID"),
                ),
            ],
        ),
        migrations.AlterField(
            model_name="kpirollup",
            name="kpi",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="rollups",
                to="engagements.kpi",
            ),
        ),
        migrations.AlterField(
            model_name="outboundemail",
            name="recipient",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="outbound_emails",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="scorecard",
            name="engagement",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="scorecards",
                to="engagements.engagement",
            ),
        ),
    ]
