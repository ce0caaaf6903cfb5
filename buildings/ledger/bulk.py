"""Set-based INSERT and UPDATE of many rows of one model, for the ledger import.

Django's bulk_create spends ~70 µs of Python per 22-column row compiling each value, and
bulk_update builds a CASE WHEN per field that grows with the batch (quadratic): measured
on 100,000 ledger rows, 7-8 s of bulk_create and over 60 s of bulk_update, against a 15 s
budget for the whole import. Here a statement is one multi-row VALUES list of parameters
(table and column names come from model metadata, quoted; every value is a parameter:
hence the S608 exemptions below) on SQLite; on PostgreSQL the rows go through COPY
(psycopg's client-side parameter splitting is itself quadratic in the statement size).
Both then cost about as much as reading the rows. Backends other than SQLite and
PostgreSQL fall back to bulk_create / bulk_update.
"""

from __future__ import annotations

import sqlite3
from contextlib import suppress
from typing import TYPE_CHECKING, Any

from django.db import connections

from buildings.ledger.utils import batched

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.models import Field, Model

BATCH = 2000
# Values the import produces already are what the driver takes for these field types.
_PLAIN = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "ForeignKey",
    "IntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SmallIntegerField",
    "TextField",
}


def _fields(model: type[Model], attnames: Sequence[str]) -> list[Field[Any, Any]]:
    by_attname = {f.attname: f for f in model._meta.concrete_fields}
    return [by_attname[name] for name in attnames]


def _adapters(
    fields: Sequence[Field[Any, Any]], connection: BaseDatabaseWrapper
) -> list[Callable[[Any], Any] | None]:
    def adapter(field: Field[Any, Any]) -> Callable[[Any], Any] | None:
        if field.get_internal_type() in _PLAIN:
            return None
        return lambda value: field.get_db_prep_save(value, connection)

    return [adapter(f) for f in fields]


def _rows_per_statement(connection: BaseDatabaseWrapper, columns: int) -> int:
    limit = connection.features.max_query_params
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        # Django assumes SQLite's old default of 999; ask the library for the real limit.
        with suppress(AttributeError, sqlite3.Error):
            limit = connection.connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)
    return max(1, min(BATCH, (limit or BATCH * columns) // columns))


def _params(rows: Sequence[Sequence[Any]], adapters: Sequence[Any]) -> list[Any]:
    if not any(adapters):
        return [value for row in rows for value in row]
    params = []
    for row in rows:
        for value, adapt in zip(row, adapters, strict=True):
            params.append(value if adapt is None or value is None else adapt(value))
    return params


def insert_rows(
    model: type[Model], attnames: Sequence[str], rows: Sequence[Sequence[Any]], using: str
) -> None:
    """INSERT rows (values in `attnames` order) into the model's table."""
    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        model._default_manager.using(using).bulk_create(
            [model(**dict(zip(attnames, row, strict=True))) for row in rows], batch_size=BATCH
        )
        return
    qn = connection.ops.quote_name
    fields = _fields(model, attnames)
    adapters = _adapters(fields, connection)
    table = qn(model._meta.db_table)
    columns = ", ".join(qn(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _copy(cursor, f"COPY {table} ({columns}) FROM STDIN", rows, adapters)
            return
        head = f"INSERT INTO {table} ({columns}) VALUES "  # noqa: S608 (see top)
        placeholder = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for chunk in batched(rows, _rows_per_statement(connection, len(fields))):
            cursor.execute(head + ", ".join([placeholder] * len(chunk)), _params(chunk, adapters))


def update_rows(
    model: type[Model], attnames: Sequence[str], rows: Sequence[Sequence[Any]], using: str
) -> None:
    """UPDATE the given columns; each row is (pk, *values in `attnames` order)."""
    connection = connections[using]
    if connection.vendor not in ("sqlite", "postgresql"):
        objects = [model(pk=row[0], **dict(zip(attnames, row[1:], strict=True))) for row in rows]
        model._default_manager.using(using).bulk_update(objects, list(attnames), batch_size=500)
        return
    qn = connection.ops.quote_name
    fields = _fields(model, attnames)
    adapters = [None, *_adapters(fields, connection)]
    table, pk = qn(model._meta.db_table), qn(model._meta.pk.column)
    sets = ", ".join(f"{qn(f.column)} = v.{qn(f.column)}" for f in fields)
    columns = ", ".join(qn(f.column) for f in fields)
    key = qn("ledger_pk")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # The new values go to a temporary copy of the columns (same types), then one
            # UPDATE ... FROM joins it on the primary key.
            temp = qn("ledger_update")
            cursor.execute(
                f"CREATE TEMPORARY TABLE {temp} AS SELECT {pk} AS {key}, {columns} "  # noqa: S608 (see top)
                f"FROM {table} WITH NO DATA"
            )
            _copy(cursor, f"COPY {temp} ({key}, {columns}) FROM STDIN", rows, adapters)
            update = f"UPDATE {table} SET {sets} FROM {temp} AS v WHERE {table}.{pk} = v.{key}"  # noqa: S608 (see top)
            cursor.execute(update)
            cursor.execute(f"DROP TABLE {temp}")
            return
        # SQLite: a VALUES list as a common table expression (SQLite >= 3.33 for UPDATE FROM).
        names = ", ".join([key, columns])
        placeholder = "(" + ", ".join(["%s"] * (len(fields) + 1)) + ")"
        for chunk in batched(rows, _rows_per_statement(connection, len(fields) + 1)):
            values = ", ".join([placeholder] * len(chunk))
            cursor.execute(
                f"WITH v ({names}) AS (VALUES {values}) "  # noqa: S608 (see top)
                f"UPDATE {table} SET {sets} FROM v WHERE {table}.{pk} = v.{key}",
                _params(chunk, adapters),
            )


def _copy(
    cursor: Any, statement: str, rows: Sequence[Sequence[Any]], adapters: Sequence[Any]
) -> None:
    """PostgreSQL COPY ... FROM STDIN through psycopg: no SQL text grows with the rows."""
    plain = not any(adapters)
    with cursor.cursor.copy(statement) as copy:
        for row in rows:
            if plain:
                copy.write_row(row)
            else:
                copy.write_row(
                    [
                        value if adapt is None or value is None else adapt(value)
                        for value, adapt in zip(row, adapters, strict=True)
                    ]
                )
