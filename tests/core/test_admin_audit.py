"""Admin list pages of people's data, and the audit log itself, are audited reads
(docs/security.md): browsing the register in the admin leaves a trace."""

from __future__ import annotations

import pytest
from django.test import Client

from bekitu.core.audit import audit_record
from bekitu.core.models import AuditEntry, User
from tests.factories import AttachmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(client: Client) -> Client:
    client.force_login(User.objects.create_superuser("chief", password="x-Strong-Password-1"))
    return client


@pytest.mark.parametrize(
    ("url", "action"),
    [
        ("/admin/registry/person/", "registry.person.list"),
        ("/admin/registry/attachment/", "registry.attachment.list"),
        ("/admin/service/application/", "service.application.list"),
        ("/admin/core/auditentry/", "core.audit.list"),
    ],
)
def test_each_list_page_is_an_audited_read(admin: Client, url: str, action: str) -> None:
    attachment = AttachmentFactory()
    assert admin.get(url, {"o": "1"}).status_code == 200
    row = AuditEntry.objects.get(action=action)
    assert (row.actor, row.channel) == ("admin:chief", "admin")
    assert row.data["query"] == "o=1" and row.data["page"] == 1
    assert row.data["shown"] == len(row.data["ids"])
    if action == "registry.person.list":
        assert row.data["ids"] == [attachment.person.pk]


def test_opening_an_audit_row_is_audited(admin: Client) -> None:
    entry = audit_record(action="registry.person.read", subject_iin="870101300123")
    assert admin.get(f"/admin/core/auditentry/{entry.pk}/change/").status_code == 200
    row = AuditEntry.objects.get(action="core.audit.read")
    assert (row.actor, row.data["entry"]) == ("admin:chief", entry.pk)


def test_a_list_page_never_writes_an_iin_into_its_row(admin: Client) -> None:
    attachment = AttachmentFactory()
    admin.get("/admin/registry/person/")
    row = AuditEntry.objects.get(action="registry.person.list")
    assert attachment.person.iin not in str(row.data) and row.subject_iin == ""
