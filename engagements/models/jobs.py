"""The bookkeeping of scheduled jobs (the KPI rollup reads and moves its watermark)."""

from __future__ import annotations

from django.db import models


class JobRun(models.Model):
    """When a scheduled job last finished well, so the next run can pick up from there."""

    name = models.CharField(max_length=100, unique=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_succeeded_at = models.DateTimeField(null=True, blank=True)
    # Start time of the last successful run: changes after it are the next run's work.
    watermark = models.DateTimeField(null=True, blank=True)
    last_result = models.CharField(max_length=250, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
