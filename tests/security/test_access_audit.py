"""Every change of a staff profile, user, group or permission is in the hash-chained audit
with before and after, whoever makes it (the admin, or code such as a command)."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.test import Client
from django.urls import reverse

from bekitu.core.audit import audit_verify
from bekitu.core.models import AuditEntry
from tests.workstation.conftest import Desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(django_user_model: Any) -> Client:
    root = django_user_model.objects.create_superuser("root", password="Root-Pass-12345")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(root)
    return client


def _rows(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("pk"))


def test_changing_a_role_and_provider_in_the_admin_is_audited_with_before_and_after(
    desk: Desk, admin_client: Client
) -> None:
    profile = desk.users["specialist"].staff_profile
    url = reverse("admin:workstation_staffprofile_change", args=[profile.pk])
    form = {"user": profile.user_id, "provider": desk.other.pk, "role": "head", "kato_prefix": ""}
    assert admin_client.post(url, form).status_code == 302
    [row] = _rows("access.workstation.staffprofile.change")
    assert (row.actor, row.channel) == ("admin:root", "admin")
    assert row.data["before"] == {"role": "statistics_specialist", "provider_id": desk.provider.pk}
    assert row.data["after"] == {"role": "head", "provider_id": desk.other.pk}
    assert audit_verify().ok


def test_a_superuser_flag_and_a_password_set_in_the_admin_are_audited_without_the_hash(
    desk: Desk, admin_client: Client
) -> None:
    user = desk.users["head"]
    url = reverse("admin:core_user_change", args=[user.pk])
    page = admin_client.get(url).context["adminform"].form
    form = {k: v for k, v in page.initial.items() if v is not None and k != "password"}
    form.update(
        {
            "is_superuser": "on",
            "is_active": "on",
            "date_joined_0": "2026-01-01",
            "date_joined_1": "10:00:00",
            "groups": [],
            "user_permissions": [],
        }
    )
    form = {k: v for k, v in form.items() if k not in ("date_joined", "last_login", "groups")}
    assert admin_client.post(url, form).status_code == 302
    rows = _rows("access.core.user.change")
    assert rows and rows[-1].data["after"].get("is_superuser") is True
    assert rows[-1].data["before"].get("is_superuser") is False
    password_url = reverse("admin:auth_user_password_change", args=[user.pk]).replace(
        "auth/user", "core/user"
    )
    new = {"password1": "Brand-New-Pass-77", "password2": "Brand-New-Pass-77"}
    response = admin_client.post(password_url, {**new, "usable_password": "true"})
    assert response.status_code == 302
    last = _rows("access.core.user.change")[-1]
    assert last.data["after"] == {"password": "changed"} and last.actor == "admin:root"
    user.refresh_from_db()
    assert not AuditEntry.objects.filter(data__icontains=user.password[-20:]).exists()


def test_group_and_permission_changes_are_audited(desk: Desk) -> None:
    user = desk.users["head"]
    group = Group.objects.create(name="auditors")
    permission = Permission.objects.get(codename="view_auditentry")
    group.permissions.add(permission)
    user.groups.add(group)
    group.user_set.remove(user)
    assert _rows("access.auth.group.create")[0].data["after"]["name"] == "auditors"
    [perm] = _rows("access.auth.group.permissions")
    assert perm.data == {"before": {"permissions": []}, "after": {"permissions": [permission.pk]}}
    groups = _rows("access.core.user.groups")
    assert [r.data["after"]["groups"] for r in groups] == [[group.pk], []]
    assert audit_verify().ok


def test_a_row_edited_with_its_own_hash_recomputed_is_named_not_the_next_one() -> None:
    from bekitu.core.audit import audit_context, audit_record, entry_hash

    with audit_context(actor="user:1", channel="desk"):
        rows = [audit_record(action="test.event", data={"n": i}) for i in range(3)]
    edited = AuditEntry.objects.get(pk=rows[1].pk)
    edited.data = {"n": 99}
    edited.hash = entry_hash(edited)
    edited.save()
    report = audit_verify()
    assert (report.ok, report.first_broken_seq, report.problem) == (False, rows[1].seq, "rehashed")
