"""Who may do what is audited like people's data: every change of a user (password, superuser
or staff flag, active), a group, a permission or a staff profile (role, provider, region),
in the admin or by code, goes into the hash-chained audit with the fields before and after.

Django's own admin log (LogEntry) is an editable table with no chain; these rows are in the
audit chain. A password is never written, not even its hash: the row says it changed. The
admin's requests run in the admin user's audit context (`AdminAuditContextMiddleware`), so
the row names who made the change; other paths name their own context (a command: `cli`).

The models are named by label (`workstation.StaffProfile`), so core imports no app above it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.apps import apps
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

from bekitu.core.audit import audit_context, audit_record

# The models whose every change is audited, and fields left out of the rows: the password
# (its change is recorded, not its hash) and the last login (every login writes it).
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
        uid = f"bekitu.core.audit_changes.{label}"
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
