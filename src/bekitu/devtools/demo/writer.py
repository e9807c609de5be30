"""Bulk writes of generated rows: COPY on PostgreSQL, one executemany per chunk elsewhere.

Rows arrive as tuples in the column order of `plan.COLUMNS`, with their primary keys already
set, so nothing needs to be read back from the database. The ORM's bulk_create would build a
model instance per row and overwrite `Attachment.created_at` (auto_now_add) with the time of
the load, which would make two loads of one seed differ.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, cast

from django.core.management.color import no_style
from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper

from bekitu.devtools.demo.plan import COLUMNS
from bekitu.registry import models as registry

MODELS: dict[str, type[models.Model]] = {
    "locality": registry.Locality,
    "street": registry.Street,
    "provider": registry.Provider,
    "doctor": registry.Doctor,
    "district": registry.District,
    "servicearea": registry.ServiceArea,
    "address": registry.Address,
    "person": registry.Person,
    "personrelation": registry.PersonRelation,
    "attachment": registry.Attachment,
}
_ADAPTED = ("DateField", "DateTimeField", "TimeField")


class TableWriter:
    """Writes rows of the generator's tables on one database connection."""

    def __init__(self, connection: BaseDatabaseWrapper) -> None:
        self.connection = connection
        self.copy = connection.vendor == "postgresql"
        if self.copy:
            # Check foreign keys row by row rather than queueing a million checks for the
            # commit: faster, and the server does not hold the queue in memory.
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")

    def write(self, table: str, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert the rows into the table, inside the caller's transaction."""
        if not rows:
            return
        model = MODELS[table]
        fields = [cast(models.Field, model._meta.get_field(name)) for name in COLUMNS[table]]
        quote = self.connection.ops.quote_name
        columns = ", ".join(quote(f.column) for f in fields)
        target = f"{quote(model._meta.db_table)} ({columns})"
        with self.connection.cursor() as cursor:
            if self.copy:
                with cursor.copy(f"COPY {target} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
                return
            adapters = [self._adapter(f) for f in fields]
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(
                f"INSERT INTO {target} VALUES ({marks})",  # noqa: S608 - names from the models
                [
                    tuple(a(v) if a else v for a, v in zip(adapters, row, strict=True))
                    for row in rows
                ],
            )

    def write_copy_text(self, table: str, data: bytes) -> None:
        """Send rows already in COPY's text format (`copy_text`) to the table (PostgreSQL)."""
        if not data:
            return
        quote = self.connection.ops.quote_name
        model = MODELS[table]
        columns = ", ".join(
            quote(cast(models.Field, model._meta.get_field(name)).column) for name in COLUMNS[table]
        )
        sql = f"COPY {quote(model._meta.db_table)} ({columns}) FROM STDIN"
        with self.connection.cursor() as cursor, cursor.copy(sql) as copy:
            copy.write(data)

    def _adapter(self, field: Any) -> Callable[[Any], Any] | None:
        """Dates and times go through the backend's own conversion (e.g. to UTC text on SQLite)."""
        if field.get_internal_type() not in _ADAPTED:
            return None
        return lambda value: field.get_db_prep_value(value, self.connection)

    def finish(self) -> None:
        """Move the id sequences past the ids the generator set (PostgreSQL needs it), and give
        the rest of an enclosing transaction back its deferred foreign-key checks."""
        statements = self.connection.ops.sequence_reset_sql(no_style(), list(MODELS.values()))
        if self.copy:
            statements.append("SET CONSTRAINTS ALL DEFERRED")
        with self.connection.cursor() as cursor:
            for sql in statements:
                cursor.execute(sql)


def _escape(text: str) -> str:
    if "\\" in text or "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\\", "\\\\").replace("\t", "\\t")
        text = text.replace("\n", "\\n").replace("\r", "\\r")
    return text


_FORMAT: dict[type, Callable[[Any], str]] = {
    str: _escape,
    int: str,
    bool: lambda value: "t" if value else "f",
    type(None): lambda _value: "\\N",
    dt.date: dt.date.isoformat,
    dt.datetime: dt.datetime.isoformat,
    dt.time: dt.time.isoformat,
}


_NULL = "\\N"
_SPECIAL = ("\\", "\t", "\n", "\r")


def copy_text(rows: Sequence[tuple[Any, ...]]) -> bytes:
    """The rows in PostgreSQL COPY's text format: tab-separated, `\\N` for NULL, ISO dates.
    Made where the rows are generated (another process), so that the loading process only
    streams bytes to the server. Formatted a column at a time: a column of one type is
    converted by one call over all its values."""
    if not rows:
        return b""
    columns = [_column(values) for values in zip(*rows, strict=True)]
    return ("\n".join(map("\t".join, zip(*columns, strict=True))) + "\n").encode()


def _column(values: tuple[Any, ...]) -> Sequence[str]:
    """One column's values in COPY's text format."""
    kinds = set(map(type, values))
    if kinds == {str}:
        joined = "".join(values)
        if any(special in joined for special in _SPECIAL):
            return [_escape(value) for value in values]
        return values
    if dt.datetime in kinds:
        return _moments(values)
    if len(kinds) == 1:
        return list(map(_FORMAT[kinds.pop()], values))
    fmt = _FORMAT
    return [_NULL if value is None else fmt[type(value)](value) for value in values]


def _moments(values: tuple[Any, ...]) -> list[str]:
    """A column of times with their zones (or NULL): each distinct object is formatted once,
    as the zone's offset is looked up for every formatting. The generator hands out one
    object per day and hour; the tuple holds every object, so their ids stay distinct."""
    ids = list(map(id, values))
    distinct = dict(zip(ids, values, strict=True))  # a few hundred objects per chunk
    texts = {key: _FORMAT[type(value)](value) for key, value in distinct.items()}
    return list(map(texts.__getitem__, ids))
