"""P3's own logic, without a benchmark run: the ratios and the goals in its table."""

from typing import Any

from engagements.bench.rollup import p3_table


def result(*, floor: float, full: float, incremental: float) -> dict[str, Any]:
    report = {
        "rollups": 10,
        "rollups_without_data": 1,
        "scorecards": 2,
        "standings": 1,
        "reviews_opened": 0,
    }
    return {
        "measurements": 1000,
        "added": 10,
        "floor": {"seconds": floor, "rows": 9, "queries": 1},
        "full": {
            "seconds": full,
            "queries": 40,
            "report": report,
            "rollup_rows": 10,
            "scorecard_rows": 2,
            "history_rows": 2,
        },
        "incremental": {
            "seconds": incremental,
            "queries": 20,
            "report": report,
            "history_rows_added": 0,
        },
    }


def test_p3_meets_its_goals_at_three_times_the_floor_and_a_twentieth_of_the_full_run() -> None:
    text, ok = p3_table(result(floor=2.0, full=6.0, incremental=0.3))

    assert ok
    assert "| 6.0 s | 2.0 s | 3.00 ✓ | ≤ 3 |" in text
    assert "| 0.30 s | 6.0 s | 0.050 ✓ | ≤ 0.05 |" in text


def test_p3_fails_when_either_ratio_is_over_its_goal() -> None:
    assert not p3_table(result(floor=2.0, full=7.0, incremental=0.1))[1]
    assert not p3_table(result(floor=2.0, full=6.0, incremental=0.4))[1]
