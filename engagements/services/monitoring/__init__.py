"""Step 4 workflows: the scheduled rollup (rollup), scorecards, standings, review flags
and imports of measurements, one module each. The rollup is the way in."""

from .rollup import RollupReport, rollup_kpis
from .scorecards import write_scorecards

__all__ = ["RollupReport", "rollup_kpis", "write_scorecards"]
