"""The audit log: who read or changed what, when, on whose behalf, through which channel.

Rows are hash-chained: each row's hash covers its content and the previous row's hash, so an
edited, inserted or deleted row breaks the chain, and `bekitu audit verify` names the first one
(a row edited with its own hash recomputed is named too, as `rehashed`: the next row still
points at its old hash).
Someone who can write the database can also recompute every later hash; `bekitu audit anchor`
prints the chains' heads to be kept outside the database (signed, printed, sent away), and
`audit verify --anchor FILE` proves the chain still holds them.

There are AUDIT_CHAINS chains, and an actor always writes to the same one (by a hash of the
actor): appending locks only that chain's head row, so one specialist's long transaction (a
talon being signed) does not hold up everyone else's reads and writes.

Who may do what is audited like people's data: every change of a user (password, superuser
or staff flag, active), a group, a permission or a staff profile (role, provider, region),
in the admin or by code, goes into the chain with the fields before and after (`connect`).
Django's own admin log (LogEntry) is an editable table with no chain. A password is never
written, not even its hash: the row says it changed. The admin's requests run in the admin
user's audit context (`AdminAuditContextMiddleware`), so the row names who made the change;
other paths name their own context (a command: `cli`). The models are named by label
(`workstation.StaffProfile`), so core imports no app above it.
"""

from __future__ import annotations

import contextvars
import hashlib
import json
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import Any

from django.apps import apps
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils import timezone

from bekitu.core.models import AuditChainHead, AuditEntry
from bekitu.core.transactions import Mark, mark_taken

GENESIS = "0" * 64
CHANNELS = ("desk", "phone", "portal", "api", "admin", "system", "cli", "public")


@dataclass(frozen=True)
class AuditContext:
    actor: str = "system"
    channel: str = "system"
    on_behalf_of: str = ""


_SYSTEM = AuditContext()
_context: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "bekitu_audit_context", default=None
)


def current_context() -> AuditContext:
    """The actor and channel that audit rows written now are attributed to."""
    return _context.get() or _SYSTEM


@contextmanager
def audit_context(**changes: str) -> Iterator[AuditContext]:
    """Attribute the audit rows written inside the block to an actor, channel or principal."""
    ctx = replace(current_context(), **changes)
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


def _body(entry: AuditEntry) -> dict[str, Any]:
    return {
        "seq": entry.seq,
        "at": entry.at.isoformat(),
        "actor": entry.actor,
        "on_behalf_of": entry.on_behalf_of,
        "channel": entry.channel,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "subject_iin": entry.subject_iin,
        "data": entry.data,
        "prev_hash": entry.prev_hash,
    }


def _dumps(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def _canonical(entry: AuditEntry) -> bytes:
    return _dumps(_body(entry)).encode()


# In the canonical JSON the keys are sorted, so the row's previous hash and sequence number
# stand together ("prev_hash", "seq") and only the plain string "subject_iin" follows them:
# the last occurrence of this text is theirs, whatever `data` holds.
_HEAD_VALUES = '"prev_hash":"","seq":0,'


def canonical_parts(entry: AuditEntry) -> tuple[bytes, bytes]:
    """The row's canonical JSON before and after `<prev_hash>","seq":<seq>`, the two values
    only the chain's head knows: the hash is SHA-256 of before + prev_hash + '","seq":' +
    seq + after, which the database computes when it appends the row."""
    body = _body(entry) | {"prev_hash": "", "seq": 0}
    before, marker, after = _dumps(body).rpartition(_HEAD_VALUES)
    if not marker:
        raise ValueError("the canonical form of an audit row lacks its chain fields")
    return (before + '"prev_hash":"').encode(), ("," + after).encode()


def entry_hash(entry: AuditEntry) -> str:
    """The hash a row must carry, computed from its content and its predecessor's hash."""
    return hashlib.sha256(_canonical(entry)).hexdigest()


def chain_of(actor: str) -> int:
    """The chain an actor's rows go to (1..AUDIT_CHAINS), the same for every process."""
    return 1 + zlib.crc32(actor.encode()) % max(1, settings.AUDIT_CHAINS)


def audit_entry(
    *,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    subject_iin: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """A row attributed to the current context and timed now, not yet chained or written."""
    ctx = current_context()
    # Microseconds are dropped so the ISO form is the same after a round trip
    # through every database backend.
    return AuditEntry(
        chain=chain_of(ctx.actor),
        at=timezone.now().replace(microsecond=0),
        actor=ctx.actor,
        on_behalf_of=ctx.on_behalf_of,
        channel=ctx.channel,
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        subject_iin=subject_iin,
        data=data or {},
    )


def audit_record(
    *,
    action: str,
    object_type: str = "",
    object_id: str | int = "",
    subject_iin: str = "",
    data: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one row to the audit log, in the caller's transaction.

    `action` is a dotted event name such as `registry.attachment.create` or
    `registry.person.read`. `data` must hold no document bodies.

    Inside `audit_batch()` (every web request), a row recorded outside a transaction (a read)
    is kept and written with the block's other such rows when it ends; its `seq` and `hash`
    are set then. A row recorded inside a transaction is written in it at once, as always.
    """
    entry = audit_entry(
        action=action,
        object_type=object_type,
        object_id=object_id,
        subject_iin=subject_iin,
        data=data,
    )
    in_transaction = transaction.get_connection().in_atomic_block
    writes = _writes.get()
    pending = _batch.get()
    if writes is not None and in_transaction:
        # The mark says whether the row's savepoint still stands when the batch is written.
        writes.append((entry, mark_taken()))
    elif pending is not None and not in_transaction:
        pending.append(entry)
    else:
        _append([entry])
    return entry


_batch: contextvars.ContextVar[list[AuditEntry] | None] = contextvars.ContextVar(
    "bekitu_audit_batch", default=None
)
_Held = list[tuple[AuditEntry, Mark | None]]
_writes: contextvars.ContextVar[_Held | None] = contextvars.ContextVar(
    "bekitu_audit_writes", default=None
)


def audit_held_for_commit() -> bool:
    """Whether a row recorded now would be held for the end of an `audit_write_batch` (in
    the caller's transaction) rather than written at once or with the request's reads."""
    return _writes.get() is not None and transaction.get_connection().in_atomic_block


def in_statement() -> bool:
    """Whether a read's audit row may be appended by the reading statement itself: on
    PostgreSQL, unless the caller's transaction holds its rows for an `audit_write_batch`."""
    return transaction.get_connection().vendor == "postgresql" and not audit_held_for_commit()


@contextmanager
def audit_write_batch() -> Iterator[None]:
    """Write the audit rows recorded in the block inside the caller's transaction together when
    the block ends, still in that transaction: one lock and one update of each chain's head
    and one insert instead of one of each per row, and the head is locked from the block's end
    to the commit instead of from its first row. A row recorded in a savepoint that was rolled
    back is dropped with it, as it would have been if written at once; when the transaction
    can no longer be used (it is being rolled back) nothing is written. Entered outside a
    transaction it changes nothing. Nested blocks write with the outermost one."""
    connection = transaction.get_connection()
    if _writes.get() is not None or not connection.in_atomic_block:
        yield
        return
    token = _writes.set([])
    try:
        yield
    finally:
        recorded = _writes.get() or []
        _writes.reset(token)
        standing = {id(func) for _sids, func, _robust in connection.run_on_commit}
        entries = [entry for entry, marker in recorded if id(marker) in standing]
        if entries and connection.in_atomic_block and not connection.needs_rollback:
            _append(entries)


@contextmanager
def audit_batch() -> Iterator[None]:
    """Write the audit rows of the reads made in the block together when it ends (also when
    it ends by an exception): one transaction and one update of each chain's head instead of
    one per read. The rows keep the time of their read; the chain's guarantees are the same.
    Nested blocks write with the outermost one."""
    if _batch.get() is not None:
        yield
        return
    token = _batch.set([])
    try:
        yield
    finally:
        pending = _batch.get() or []
        _batch.reset(token)
        if pending:
            _append(pending)


def _append(entries: list[AuditEntry]) -> None:
    """Chain the entries onto their chains' heads and insert them: one head lock and one head
    update per chain, heads locked in the order of their numbers, all chains in one
    transaction (the caller's, if any)."""
    chains: dict[int, list[AuditEntry]] = {}
    for entry in entries:
        chains.setdefault(entry.chain, []).append(entry)
    connection = transaction.get_connection()
    if connection.vendor == "postgresql":
        if len(chains) == 1 or connection.in_atomic_block:
            # One statement per chain; alone, it is its own transaction: one round trip.
            for chain in sorted(chains):
                _append_postgresql(connection, chain, chains[chain])
            return
        with transaction.atomic():
            for chain in sorted(chains):
                _append_postgresql(connection, chain, chains[chain])
        return
    # No savepoint of its own: rows that cannot be written fail the caller's transaction.
    with transaction.atomic(savepoint=False):
        for chain in sorted(chains):
            head, _ = AuditChainHead.objects.select_for_update().get_or_create(id=chain)
            for entry in chains[chain]:
                entry.seq, entry.prev_hash = head.last_seq + 1, head.last_hash
                entry.hash = entry_hash(entry)
                head.last_seq, head.last_hash = entry.seq, entry.hash
            if len(chains[chain]) == 1:
                chains[chain][0].save()
            else:
                AuditEntry.objects.bulk_create(chains[chain])
            head.save(update_fields=["last_seq", "last_hash"])


_APPEND_SQL = (
    "SELECT entry_id, entry_seq, entry_prev_hash, entry_hash FROM bekitu_audit_append("
    "%s, %s::bytea[], %s::bytea[], %s::timestamptz[], %s::text[], %s::text[], %s::text[], "
    "%s::text[], %s::text[], %s::text[], %s::text[], %s::jsonb[])"
)


def _append_postgresql(connection: Any, chain: int, entries: list[AuditEntry]) -> None:
    """Lock the chain's head, chain and insert the entries and move the head in one statement
    (`bekitu_audit_append`, migration core/0004); the server computes each row's hash from
    its canonical JSON around the previous hash and sequence number."""
    parts = [canonical_parts(entry) for entry in entries]
    params = [
        chain,
        [before for before, _after in parts],
        [after for _before, after in parts],
        [e.at for e in entries],
        [e.actor for e in entries],
        [e.on_behalf_of for e in entries],
        [e.channel for e in entries],
        [e.action for e in entries],
        [e.object_type for e in entries],
        [e.object_id for e in entries],
        [e.subject_iin for e in entries],
        [json.dumps(e.data) for e in entries],
    ]
    with connection.cursor() as cursor:
        cursor.execute(_APPEND_SQL, params)
        appended = cursor.fetchall()
    if len(appended) != len(entries):
        raise RuntimeError("the audit log appended fewer rows than it was given")
    for entry, (pk, seq, prev_hash, hash_) in zip(entries, appended, strict=True):
        entry.pk, entry.seq, entry.prev_hash, entry.hash = pk, seq, prev_hash, hash_
        entry._state.adding, entry._state.db = False, connection.alias


class AuditBatchMiddleware:
    """Each request's audited reads are written together at its end (`audit_batch`)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with audit_batch():
            return self.get_response(request)


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    checked: int
    first_broken_seq: int | None = None
    problem: str | None = None
    chain: int | None = None


def audit_verify(*, batch: int = 5000) -> ChainReport:
    """Walk every chain in order; report the first row that is edited, missing or foreign."""
    chains = set(AuditEntry.objects.values_list("chain", flat=True).distinct())
    heads = {head.id: head for head in AuditChainHead.objects.all()}
    checked = 0
    for chain in sorted(chains | set(heads)):
        report = _verify_chain(chain, heads.get(chain), batch)
        checked += report.checked
        if not report.ok:
            return replace(report, checked=checked)
    return ChainReport(True, checked)


def _verify_chain(chain: int, head: AuditChainHead | None, batch: int) -> ChainReport:
    expected_prev, expected_seq, checked = GENESIS, 1, 0
    rows = AuditEntry.objects.filter(chain=chain).order_by("seq")
    for entry in rows.iterator(chunk_size=batch):
        problem = (
            "missing"
            if entry.seq != expected_seq
            else "prev_hash"
            if entry.prev_hash != expected_prev
            else "content"
            if entry.hash != entry_hash(entry)
            else None
        )
        if problem == "prev_hash" and entry.hash == entry_hash(entry) and checked:
            # This row is intact and points at its predecessor's old hash: the predecessor
            # was edited and its own hash recomputed. Name it, not this row.
            return ChainReport(False, checked - 1, entry.seq - 1, "rehashed", chain)
        if problem:
            seq = expected_seq if problem == "missing" else entry.seq
            return ChainReport(False, checked, seq, problem, chain)
        expected_prev, expected_seq, checked = entry.hash, entry.seq + 1, checked + 1
    if head is None or (head.last_seq, head.last_hash) != (expected_seq - 1, expected_prev):
        return ChainReport(False, checked, expected_seq, "missing", chain)
    return ChainReport(True, checked, chain=chain)


def audit_anchor() -> dict[str, Any]:
    """The chains' heads now: what to keep outside the database to detect a rewrite."""
    heads = AuditChainHead.objects.order_by("id")
    return {
        "at": timezone.now().isoformat(),
        "heads": [{"chain": h.id, "seq": h.last_seq, "hash": h.last_hash} for h in heads],
    }


def anchor_check(anchor: dict[str, Any]) -> ChainReport:
    """Whether every head in an earlier anchor is still the row it was: a rewritten chain
    (every hash recomputed after an edit) passes `audit_verify` but fails here."""
    checked = 0
    for head in anchor.get("heads", []):
        chain, seq, expected = int(head["chain"]), int(head["seq"]), str(head["hash"])
        if seq == 0:
            continue
        row = AuditEntry.objects.filter(chain=chain, seq=seq).values_list("hash", flat=True)
        if row.first() != expected:
            return ChainReport(False, checked, seq, "anchor", chain)
        checked += 1
    return ChainReport(True, checked)


# Changes of users, groups, permissions and staff profiles, audited with before and after.

WATCHED: dict[str, frozenset[str]] = {
    "core.User": frozenset({"password", "last_login"}),
    "auth.Group": frozenset(),
    "auth.Permission": frozenset(),
    "workstation.StaffProfile": frozenset(),
}
# The many-to-many fields whose additions and removals are audited, by model.
RELATIONS: dict[str, tuple[str, ...]] = {
    "core.User": ("groups", "user_permissions"),
    "auth.Group": ("permissions",),
    "workstation.StaffProfile": (),
}

_BEFORE = "_bekitu_audit_before"


def _label(model: type[Model]) -> str:
    return model._meta.label


def _plain(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def snapshot(instance: Model) -> dict[str, Any]:
    """The audited fields of a row, as JSON values (relations by primary key)."""
    skip = WATCHED[_label(type(instance))]
    values = {
        field.attname: getattr(instance, field.attname)
        for field in instance._meta.concrete_fields
        if field.name not in skip and field.attname not in skip
    }
    if "password" in skip:
        values["password"] = getattr(instance, "password", "")
    return _plain(values)


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, dict[str, Any]]:
    changed = [key for key in after if before.get(key) != after.get(key)]
    out = {
        "before": {k: before.get(k) for k in changed if k != "password"},
        "after": {k: after.get(k) for k in changed if k != "password"},
    }
    if "password" in changed:
        out["after"]["password"] = "changed" if before.get("password") else "set"
    return out


def _subject(instance: Model) -> str:
    return str(getattr(instance, "iin", "") or "")


def _on_pre_save(sender: type[Model], instance: Model, update_fields: Any = None, **_: Any) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    if instance.pk is None or instance._state.adding:
        setattr(instance, _BEFORE, None)
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    setattr(instance, _BEFORE, snapshot(old) if old is not None else None)


def _on_post_save(
    sender: type[Model], instance: Model, created: bool, update_fields: Any = None, **_: Any
) -> None:
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    before = getattr(instance, _BEFORE, None)
    after = snapshot(instance)
    if created or before is None:
        change = _diff({}, after)
        change["before"] = {}
        action = "create"
    else:
        change = _diff(before, after)
        if not change["after"]:
            return
        action = "change"
    audit_record(
        action=f"access.{_label(sender).lower()}.{action}",
        object_type=_label(sender).lower(),
        object_id=instance.pk,
        subject_iin=_subject(instance),
        data=change,
    )


def _on_post_delete(sender: type[Model], instance: Model, **_: Any) -> None:
    before = snapshot(instance)
    before.pop("password", None)
    audit_record(
        action=f"access.{_label(sender).lower()}.delete",
        object_type=_label(sender).lower(),
        object_id=instance.pk,
        subject_iin=_subject(instance),
        data={"before": before, "after": {}},
    )


def _relation_handler(owner: type[Model], field: str) -> Callable[..., None]:
    def handler(
        sender: Any, instance: Model, action: str, reverse: bool, model: Any, pk_set: Any, **_: Any
    ) -> None:
        if action.startswith("pre_") and action != "pre_clear":
            return
        manager = getattr(instance, field) if not reverse else None
        if action == "pre_clear" and manager is not None:
            setattr(instance, f"{_BEFORE}_{field}", sorted(manager.values_list("pk", flat=True)))
            return
        if reverse:
            # A group's users or a permission's groups changed from the other side: record it
            # on each owner row.
            for pk in sorted(pk_set or []):
                row = owner._base_manager.filter(pk=pk).first()
                if row is not None:
                    _record_relation(owner, row, field, action, [instance.pk])
            return
        if action == "post_clear":
            removed = getattr(instance, f"{_BEFORE}_{field}", [])
            _record_relation(owner, instance, field, "post_remove", removed)
            return
        _record_relation(owner, instance, field, action, sorted(pk_set or []))

    return handler


def _record_relation(
    owner: type[Model], instance: Model, field: str, action: str, pks: list[Any]
) -> None:
    if not pks:
        return
    now = sorted(getattr(instance, field).values_list("pk", flat=True))
    added = action == "post_add"
    before = sorted(set(now) - set(pks)) if added else sorted(set(now) | set(pks))
    audit_record(
        action=f"access.{_label(owner).lower()}.{field}",
        object_type=_label(owner).lower(),
        object_id=instance.pk,
        subject_iin=_subject(instance),
        data={"before": {field: before}, "after": {field: now}},
    )


def connect() -> None:
    """Connect the signals for every watched model that is installed."""
    for label in WATCHED:
        try:
            model = apps.get_model(label)
        except LookupError:
            continue
        uid = f"bekitu.core.audit.{label}"
        pre_save.connect(_on_pre_save, sender=model, dispatch_uid=uid)
        post_save.connect(_on_post_save, sender=model, dispatch_uid=uid)
        post_delete.connect(_on_post_delete, sender=model, dispatch_uid=uid)
        for field in RELATIONS.get(label, ()):
            through = getattr(model, field).through
            m2m_changed.connect(
                _relation_handler(model, field),
                sender=through,
                dispatch_uid=f"{uid}.{field}",
                weak=False,
            )


class AdminAuditContextMiddleware:
    """Everything an admin request writes to the audit is attributed to the admin user."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and request.path.startswith(reverse("admin:index"))
        ):
            with audit_context(actor=f"admin:{user.get_username()}", channel="admin"):
                return self.get_response(request)
        return self.get_response(request)
