"""P4's own logic, without a benchmark run: the moment, the goals, the table."""

import datetime

from engagements.bench.digest import BATCH_SIZES, digest_moment, p4_table


def result(queue_s: float, floor_s: float, peaks: tuple[float, float], outbox: int = 0) -> dict:
    return {
        "database": "outsourcing_bench_large",
        "now": "2026-12-07T16:00:00+00:00",
        "outbox": [outbox, 0],
        "queue": {
            "seconds": queue_s,
            "drafting": queue_s / 2,
            "emails": 940,
            "queries": 60,
            "people": 1686,
            "items": 11103,
        },
        "floor": {"seconds": floor_s, "rows": 11648, "people": 940},
        "floor_jit": {"seconds": 4.0, "rows": 11648, "people": 940},
        "memory": {
            str(size): {"seconds": 1.0, "emails": 940, "queries": 60, "peak_mb": peak}
            for size, peak in zip(BATCH_SIZES, peaks, strict=True)
        },
        "load": (1.0, 1.0, 1.0),
    }


def test_the_digest_moment_is_the_next_monday_at_16_utc() -> None:
    wednesday, monday = datetime.date(2026, 12, 2), datetime.date(2026, 12, 7)

    assert digest_moment(wednesday) == datetime.datetime(2026, 12, 7, 16, tzinfo=datetime.UTC)
    assert digest_moment(monday) == datetime.datetime(2026, 12, 7, 16, tzinfo=datetime.UTC)


def test_it_meets_its_goals_when_fast_and_bounded_by_the_batch() -> None:
    text, met = p4_table(result(1.2, 0.5, (5.0, 30.0)))

    assert met
    assert "1.20 s ÷ 0.50 s = 2.4 ✓" in text
    assert "940 digests queued listing 11,103 items" in text


def test_it_misses_when_slow_held_whole_or_the_outbox_changed() -> None:
    assert not p4_table(result(3.0, 0.5, (5.0, 30.0)))[1]
    assert not p4_table(result(1.0, 0.5, (30.0, 32.0)))[1]
    assert not p4_table(result(1.0, 0.5, (5.0, 30.0), outbox=1))[1]
