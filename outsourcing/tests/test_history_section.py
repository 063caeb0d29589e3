"""The history section shows the latest few changes and folds the rest behind a control
that works without JavaScript (templates/_history.html)."""

from __future__ import annotations

import datetime
import re

from django.template.loader import render_to_string

from outsourcing.history import HISTORY_SHOWN, History, HistoryEntry

START = datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC)


def history(count: int, *, more: bool = False) -> History:
    entries = History(
        HistoryEntry(
            when=START - datetime.timedelta(hours=n),
            user=None,
            subject=f"Change {n}",
            action="changed",
            changes=[],
        )
        for n in range(1, count + 1)
    )
    entries.more = more
    return entries


def section(entries: History) -> str:
    return render_to_string("_history.html", {"entries": entries, "section_id": "h"})


def subjects(html: str) -> list[str]:
    return re.findall(r'<span class="fw-semibold">(Change \d+)</span>', html)


def test_a_long_history_shows_the_latest_five_and_folds_the_rest_behind_show_all() -> None:
    html = section(history(12))
    shown, folded = html.split("<details", 1)

    assert HISTORY_SHOWN == 5
    assert subjects(shown) == [f"Change {n}" for n in range(1, 6)]
    assert "<summary" in folded and "Show all 12 changes</summary>" in folded
    assert subjects(folded) == [f"Change {n}" for n in range(6, 13)]
    assert folded.index("</summary>") < folded.index("Change 6") < folded.index("</details>")


def test_a_short_history_shows_everything_and_no_control() -> None:
    html = section(history(HISTORY_SHOWN))

    assert subjects(html) == [f"Change {n}" for n in range(1, 6)]
    assert "<details" not in html and "Show all" not in html


def test_a_history_cut_at_the_limit_says_it_shows_the_latest_not_all() -> None:
    html = section(history(20, more=True))

    assert "Show the latest 20 changes</summary>" in html
    assert "Show all" not in html
    assert len(subjects(html)) == 20


def test_an_empty_history_says_so() -> None:
    assert "No changes recorded yet." in section(history(0))
