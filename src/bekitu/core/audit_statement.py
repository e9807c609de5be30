"""A read and its audit row in one statement (PostgreSQL): the statement that finds an object
also calls `bekitu_audit_append` (migration core/0004) for the row that says it was read.

The row is the one `audit_record` would write: the same context, time, fields and hash, the
same chain and head lock. Only its object's id is unknown before the statement runs, so the
caller names the SQL expression that gives it (an integer id of the row the statement reads)
and the server puts its digits into the row's canonical JSON before hashing: the hash is
SHA-256 of before + id + middle + previous hash + '","seq":' + seq + after. When the statement
finds nothing the function is not called and no row is written, as with `audit_record` after
an empty read.

Used where `audit_record` would write the row at once or with the request's reads; inside an
`audit_write_batch` the caller reads and records the row as before (`core.audit.in_statement`)."""

from __future__ import annotations

import json
from typing import Any

from bekitu.core.audit import canonical_parts
from bekitu.core.models import AuditEntry

# The canonical JSON's keys are sorted: "object_id" comes after "data" (an object, which may
# hold any key) and before "object_type", "on_behalf_of" and "prev_hash", whose values are
# JSON strings and so hold no unescaped quote; the last occurrence of this text is the row's.
_EMPTY_ID = b'"object_id":"",'
_ID_OPENS = b'"object_id":"'


def append_sql(object_id: str) -> str:
    """The call of `bekitu_audit_append` for one row whose object id is the value of the SQL
    expression `object_id` (an integer), to embed in a statement (`FROM …, LATERAL` it); its
    parameters are `append_params`. The text is the same for every row, so it may be
    prepared once."""
    return (
        "bekitu_audit_append(%s::integer, "
        f"ARRAY[%s::bytea || convert_to(({object_id})::text, 'UTF8') || %s::bytea], "
        "ARRAY[%s::bytea], ARRAY[%s::timestamptz], ARRAY[%s::text], ARRAY[%s::text], "
        f"ARRAY[%s::text], ARRAY[%s::text], ARRAY[%s::text], ARRAY[({object_id})::text], "
        "ARRAY[%s::text], ARRAY[%s::jsonb])"
    )


def append_params(entry: AuditEntry) -> list[Any]:
    """The parameters of `append_sql` for a row made by `audit_entry` without an object id."""
    if entry.object_id:
        raise ValueError("the statement supplies the audit row's object id")
    before, after = canonical_parts(entry)
    head, marker, middle = before.rpartition(_EMPTY_ID)
    if not marker:
        raise ValueError("the canonical form of an audit row lacks its object id")
    return [
        entry.chain,
        head + _ID_OPENS,
        b'",' + middle,
        after,
        entry.at,
        entry.actor,
        entry.on_behalf_of,
        entry.channel,
        entry.action,
        entry.object_type,
        entry.subject_iin,
        json.dumps(entry.data),
    ]


def appended(entry: AuditEntry, object_id: int, row: tuple[Any, ...], alias: str) -> AuditEntry:
    """The entry as written: its object id, and the id, sequence number, previous hash and
    hash the function returned (`row`)."""
    entry.object_id = str(object_id)
    entry.pk, entry.seq, entry.prev_hash, entry.hash = row
    entry._state.adding, entry._state.db = False, alias
    return entry
