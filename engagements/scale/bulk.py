"""Writing generated rows fast: PostgreSQL's COPY, or batched INSERTs elsewhere.

Each row is a mapping of field name to value (`{"id": …, "engagement": …}`), with the
ids the generator chose, so rows of one table can point at rows of another before either
is written. Nothing goes through `save()` or `bulk_create`: `bulk_create` calls
`pre_save` on every field, which stamps `auto_now`/`auto_now_add` fields with the
present moment and would overwrite the dates the generator gives every row (a
measurement entered the evening of its day, a check-in recorded when it was held).
So whatever a model's `save()` would fill in (a contract's notice deadline, a
risk's next review) the generator computes itself, with the model's own method.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from django.core.management.color import no_style
from django.db import connection, models
from psycopg import sql

# Rows per INSERT batch where there is no COPY (SQLite): the command and its test.
INSERT_BATCH = 2_000


def insert(model: type[models.Model], rows: Iterable[Mapping[str, Any]]) -> int:
    """Write `rows` into the model's table: each maps field names to values, and every
    row names the same fields as the first (the table's columns)."""
    iterator = iter(rows)
    first = next(iterator, None)
    if first is None:
        return 0
    names = list(first)
    fields: list[Any] = [model._meta.get_field(name) for name in names]
    columns: list[str] = [field.column for field in fields]
    table = model._meta.db_table
    values = _values(model, names, itertools.chain([first], iterator))
    if connection.vendor == "postgresql":
        return _copy(table, columns, values)
    return _insert_batches(table, columns, fields, values)


def _values(
    model: type[models.Model], names: list[str], rows: Iterable[Mapping[str, Any]]
) -> Iterator[list[Any]]:
    """Each row's values in the order of `names`; a row naming other fields is a mistake."""
    expected = set(names)
    for number, row in enumerate(rows, start=1):
        if row.keys() != expected:
            missing, extra = sorted(expected - row.keys()), sorted(row.keys() - expected)
            raise ValueError(
                f"Row {number} for {model._meta.label} does not name the fields of the first "
                f"row: missing {missing}, extra {extra}."
            )
        yield [row[name] for name in names]


def _copy(table: str, columns: list[str], rows: Iterable[Sequence[Any]]) -> int:
    statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    written = 0
    with connection.cursor() as cursor, cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
            written += 1
    return written


def _insert_batches(
    table: str, columns: list[str], fields: list[Any], rows: Iterable[Sequence[Any]]
) -> int:
    quote = connection.ops.quote_name
    # Table and column names come from the models' meta, quoted; values are parameters.
    names, marks = ", ".join(map(quote, columns)), ", ".join(["%s"] * len(columns))
    statement = f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})"  # nosec B608
    written = 0
    with connection.cursor() as cursor:
        iterator = iter(rows)
        while batch := list(itertools.islice(iterator, INSERT_BATCH)):
            cursor.executemany(
                statement,
                [
                    [
                        field.get_db_prep_save(field.to_python(value), connection)
                        for field, value in zip(fields, row, strict=True)
                    ]
                    for row in batch
                ],
            )
            written += len(batch)
    return written


def reset_sequences(written: Iterable[type[models.Model]]) -> None:
    """Move each table's id sequence past the ids the generator chose (PostgreSQL)."""
    statements = connection.ops.sequence_reset_sql(no_style(), list(written))
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def vacuum_analyze(written: Iterable[type[models.Model]]) -> None:
    """Leave the tables just filled as a database in service has them: planner
    statistics (ANALYZE) and the visibility map (VACUUM), which autovacuum would get to
    eventually – and never does where it is switched off. Without the map an index-only
    scan visits the table for every row it finds (the digest's "no measurements in the
    last period" read 7,000 table rows for the index it had). VACUUM cannot run inside a
    transaction (a test's, say): there, the statistics alone."""
    if connection.vendor != "postgresql":
        return
    command = "ANALYZE {}" if connection.in_atomic_block else "VACUUM (ANALYZE) {}"
    with connection.cursor() as cursor:
        for model in written:
            table = sql.Identifier(model._meta.db_table)
            cursor.execute(sql.SQL(command).format(table))
