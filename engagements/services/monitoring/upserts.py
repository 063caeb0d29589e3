"""The rollup's writes: rows upserted on their natural key only where something changed.

Why raw SQL rather than `bulk_create(update_conflicts=True)`:

- Django cannot add the `WHERE` of `ON CONFLICT … DO UPDATE … WHERE`, so every run
  rewrote every row it recomputed – a new row version each time, `computed_at` moved
  though nothing changed, and no way to tell which scorecards changed for their history.
- On PostgreSQL, bulk_create sends each column as one array parameter, which psycopg
  quotes element by element in Python: most of a full run's time went there (issue 15,
  P3). Here the rows travel as one JSON text parameter, quoted once, and the database
  unpacks it (`jsonb_to_recordset` on PostgreSQL, `json_each` on SQLite).

The SQL text is built from model metadata only (table and column names); every value
is a parameter. `computed_at` is written only with a change, so it says when the row last
got the figures it holds. SQLite needs 3.35 for RETURNING (Django 5.2's own bulk inserts
use it there too).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from django.db.models import Model

# A column of the JSON rows: its name and its PostgreSQL type.
Column = tuple[str, str]


def _is_postgresql() -> bool:
    return connection.vendor == "postgresql"


@contextmanager
def without_jit() -> Iterator[None]:
    """A transaction whose statements PostgreSQL runs without JIT compilation.

    The rollup's statements read set-returning functions the planner guesses a thousand
    rows each for (generate_series per KPI, the JSON parameters), so it judges them
    costly enough to compile, and compiling took 1.5 s a statement even for one KPI –
    more than running any of them."""
    with transaction.atomic():
        if _is_postgresql():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL jit = off")
        yield


def computed_in_database() -> bool:
    """Whether the database finds the due periods and computes the scorecards itself
    (PostgreSQL: rollup.py, scorecards.py); elsewhere Python does, by the same rules."""
    return _is_postgresql()


def distinct() -> str:
    """The null-safe "differs" operator: SQLite's IS NOT means it for any values."""
    return "IS DISTINCT FROM" if _is_postgresql() else "IS NOT"


def json_rows(columns: Sequence[Column], placeholder: str = "%s") -> str:
    """SQL for a row set read from one JSON parameter (a list of objects, json_param)
    at `placeholder`. PostgreSQL gets the columns typed (jsonb_to_recordset), so its
    planner sees dates it can use in an index range, not casts of text."""
    quote = connection.ops.quote_name
    if _is_postgresql():
        typed = ", ".join(f"{quote(name)} {kind}" for name, kind in columns)
        return f"SELECT * FROM jsonb_to_recordset({placeholder}::jsonb) AS r({typed})"  # nosec B608
    picked = ", ".join(f"json_extract(r.value, '$.{name}') AS {quote(name)}" for name, _ in columns)
    return f"SELECT {picked} FROM json_each({placeholder}) AS r"  # nosec B608


def json_param(columns: Sequence[Column], rows: Iterable[Sequence[Any]]) -> str:
    """Rows (tuples in the order of `columns`) as the JSON parameter json_rows reads."""
    names = [name for name, _ in columns]
    return json.dumps([dict(zip(names, row, strict=True)) for row in rows])


def json_column(value: Any) -> Any:
    """A JSONField value for json_param: PostgreSQL reads it as jsonb; SQLite stores
    the text as JSONField writes it, so its text comparison sees no change."""
    return value if _is_postgresql() else json.dumps(value)


def ids_param(ids: Iterable[int]) -> str:
    return json.dumps(sorted(ids))


def ids_in_json(placeholder: str = "%s") -> str:
    """SQL for the ids of one JSON list parameter (at `placeholder`), for `id IN (…)`."""
    if _is_postgresql():
        return f"SELECT json_array_elements_text({placeholder}::json)::bigint"
    return f"SELECT value FROM json_each({placeholder})"  # nosec B608 - a placeholder


def stamp(moment: datetime.datetime) -> Any:
    """A datetime as the database takes it for a DateTimeField."""
    return connection.ops.adapt_datetimefield_value(moment)


def upsert_changed(
    model: type[Model],
    *,
    keys: Sequence[Column],
    values: Sequence[Column],
    rows: Sequence[Sequence[Any]],
    computed_at: datetime.datetime,
    returning: str = "",
) -> list[tuple[Any, ...]]:
    """Insert `rows` (keys then values, in order) with `computed_at`, or update the
    stored row of the same keys where one of the values differs. Returns the
    `returning` columns of the rows written (new or changed), none when it is empty."""
    if not rows:
        return []
    return upsert_changed_from(
        model,
        keys=[name for name, _ in keys],
        values=[name for name, _ in values],
        source=json_rows([*keys, *values], "%(rows)s"),
        params={"rows": json_param([*keys, *values], rows)},
        computed_at=computed_at,
        returning=returning,
    )


def upsert_changed_from(
    model: type[Model],
    *,
    keys: Sequence[str],
    values: Sequence[str],
    source: str,
    params: Mapping[str, Any],
    computed_at: datetime.datetime,
    returning: str = "",
) -> list[tuple[Any, ...]]:
    """upsert_changed with the rows read by a query: `source` is SQL (with `params` for
    its named placeholders) giving a row set with the key and value columns by name."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    names = [quote(name) for name in (*keys, *values)]
    updated = [quote(name) for name in values]
    # Table and column names from model metadata, `source` from constant SQL; every
    # value is a parameter.
    sql = (
        f"INSERT INTO {table} ({', '.join(names)}, {quote('computed_at')}) "  # nosec B608
        f"SELECT {', '.join(names)}, %(computed_at)s "
        f"FROM ({source}) AS incoming WHERE true "
        f"ON CONFLICT ({', '.join(quote(name) for name in keys)}) DO UPDATE SET "
        + ", ".join(f"{name} = excluded.{name}" for name in [*updated, quote("computed_at")])
        + " WHERE "
        + " OR ".join(f"{table}.{name} {distinct()} excluded.{name}" for name in updated)
        + (f" RETURNING {returning}" if returning else "")
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, {**params, "computed_at": stamp(computed_at)})
        return list(cursor.fetchall()) if returning else []


def json_moment(moment: datetime.datetime) -> str:
    """A datetime inside json_param's rows, as the database reads it for a DateTimeField."""
    value = stamp(moment)
    return value if isinstance(value, str) else value.isoformat()


def insert_missing(
    model: type[Model], *, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert `rows` (values in the order of the fields named in `columns`), leaving out
    any that clashes with a stored row on a unique key: bulk_create(ignore_conflicts=True)
    with the rows as one JSON parameter rather than one array per column."""
    if not rows:
        return
    quote = connection.ops.quote_name
    fields = [model._meta.get_field(name) for name in columns]
    typed: list[Column] = [
        (str(field.column), str(field.db_type(connection)))  # type: ignore[union-attr]
        for field in fields
    ]
    names = ", ".join(quote(column) for column, _ in typed)
    # Table and column names from model metadata; the rows are one parameter.
    sql = (
        f"INSERT INTO {quote(model._meta.db_table)} ({names}) "  # nosec B608
        f"SELECT {names} FROM ({json_rows(typed)}) AS incoming WHERE true "
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [json_param(typed, rows)])
