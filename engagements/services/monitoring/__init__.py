"""Step 4 workflows: the scheduled rollup (rollup), the recompute of one KPI right after
its values changed (recompute), scorecards, standings, review flags and imports of
measurements, one module each. The rollup is the way in."""

from .recompute import recompute_kpi
from .rollup import RollupReport, rollup_kpis
from .scorecards import write_scorecards

__all__ = ["RollupReport", "recompute_kpi", "rollup_kpis", "write_scorecards"]
