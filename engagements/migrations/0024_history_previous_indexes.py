"""Indexes for "the version before this one" in history tables (issue 15).

A history row's previous version is the same object's row with the next lower
history_id (outsourcing/history.py shows what changed; the rollup finds the day a moved
measurement left). With only simple_history's single-column indexes PostgreSQL walked
the primary key backwards and threw away every other object's rows: 8 ms of the KPIs
tab's 34 at the benchmark's large size, for 21 history rows.

- scorecard_history_prev_idx: the KPIs tab's scorecard history (what changed).
- measurement_history_prev_idx: the rollup's deleted and moved measurements.

Database only, as in 0021: simple_history generates these models, whose Meta has no
place for them, so the migration state leaves them out.
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("engagements", "0023_outbox_rendered_when_sent"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AddIndex(
                    model_name="historicalscorecard",
                    index=models.Index(
                        fields=["id", "-history_id"], name="scorecard_history_prev_idx"
                    ),
                ),
                migrations.AddIndex(
                    model_name="historicalmeasurement",
                    index=models.Index(
                        fields=["id", "-history_id"], name="measurement_history_prev_idx"
                    ),
                ),
            ],
        ),
    ]
