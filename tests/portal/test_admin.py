"""The portal's admin pages: accounts (lock and unlock, audited; no password hash shown) and
requests (status and timeline; no document's content), in the admin user's language, every
list and record opened audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from bekitu.core.models import AuditEntry, User
from bekitu.portal import sessions
from bekitu.portal.models import ApiToken, CitizenRequest, Draft, RequestEvent, Status
from bekitu.registry.models import Person
from tests.portal.conftest import PASSWORD
from tests.portal.test_requests_api import account_of

pytestmark = pytest.mark.django_db

ACCOUNTS = "/admin/portal/account/"
REQUESTS = "/admin/portal/citizenrequest/"
SIGNED = b"<AttachmentRequest><secret>SIGNED-CONTENT</secret></AttachmentRequest>"


def login(client: Any, iin: str) -> Any:
    body = {"iin": iin, "password": PASSWORD}
    return client.post("/portal/api/v1/auth/login", body, content_type="application/json")


def admin_client(lang: str = "en") -> Client:
    user = User.objects.create_superuser("site-admin", password="Adm1n-Pa55word!")
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    client.force_login(user)
    return client


def a_request(account: Any, status: str = Status.TALON_ISSUED) -> CitizenRequest:
    now = timezone.now()
    draft = Draft.objects.create(
        account=account,
        number="P-20261127-000042",
        recipient_iin=account.iin,
        applicant_role="self",
        provider_bin="050140000110",
        provider_name="ГКП «ЕМХАНА №1»",
        xml=SIGNED,
        created_at=now,
    )
    request = CitizenRequest.objects.create(
        number=draft.number,
        account=account,
        draft=draft,
        recipient_iin=account.iin,
        provider_bin=draft.provider_bin,
        provider_name=draft.provider_name,
        signed_xml=SIGNED,
        signed_sha256="a" * 64,
        status=status,
        submitted_at=now,
        deadline=now + dt.timedelta(hours=20),
        talon_number="T-2026-000007",
        talon_xml=b"<Talon>TALON-CONTENT</Talon>",
        talon_pdf=b"%PDF-1.4 PDF-CONTENT",
    )
    for step in (Status.SUBMITTED, Status.SENT, Status.TALON_ISSUED):
        RequestEvent.objects.create(request=request, status=step, at=now)
    return request


def test_the_accounts_list_shows_no_password_hash_and_is_audited(citizen: Person) -> None:
    account = account_of(citizen)
    client = admin_client()
    page = client.get(ACCOUNTS).content.decode()
    assert citizen.iin in page
    assert "argon2" not in page and "pbkdf2" not in page and "md5$" not in page
    opened = client.get(f"{ACCOUNTS}{account.pk}/change/").content.decode()
    digest = account.user.password
    assert digest and digest not in opened and digest.split("$")[-1] not in opened
    assert 'name="password"' not in opened and "argon2" not in opened
    listed = AuditEntry.objects.get(action="portal.account.list")
    assert listed.data["ids"] == [account.pk]
    read = AuditEntry.objects.get(action="portal.account.read")
    assert read.subject_iin == citizen.iin and read.actor == "admin:site-admin"
    assert client.get(f"{ACCOUNTS}add/").status_code == 403


def test_an_account_locked_in_the_admin_cannot_log_in_until_unlocked(
    client: Any, citizen: Person
) -> None:
    account = account_of(citizen)
    sessions.token_issue(account)
    admin = admin_client("ru")
    locked = admin.post(ACCOUNTS, {"action": "lock", "_selected_action": [account.pk]}, follow=True)
    assert "1 учётная запись заблокирована." in locked.content.decode()
    account.user.refresh_from_db()
    assert account.user.is_active is False
    assert not ApiToken.objects.filter(account=account).exists()
    entry = AuditEntry.objects.get(action="portal.account.lock")
    assert entry.actor == "admin:site-admin" and entry.subject_iin == citizen.iin
    assert entry.data["tokens_revoked"] == 1
    refused = login(client, citizen.iin)
    assert refused.status_code == 403 and refused.json()["code"] == "account_disabled"

    again = admin.post(ACCOUNTS, {"action": "lock", "_selected_action": [account.pk]})
    assert again.status_code == 302
    assert AuditEntry.objects.filter(action="portal.account.lock").count() == 1  # no change

    admin.post(ACCOUNTS, {"action": "unlock", "_selected_action": [account.pk]})
    account.user.refresh_from_db()
    assert account.user.is_active is True
    assert AuditEntry.objects.filter(action="portal.account.unlock").count() == 1
    assert login(client, citizen.iin).status_code == 200


def test_a_staff_user_without_the_permission_cannot_lock(citizen: Person) -> None:
    from django.contrib.auth.models import Permission

    account = account_of(citizen)
    viewer = User.objects.create_user("viewer", password="V1ewer-Pa55word!", is_staff=True)
    viewer.user_permissions.add(
        Permission.objects.get(codename="view_account", content_type__app_label="portal")
    )
    client = Client()
    client.force_login(viewer)
    page = client.get(ACCOUNTS).content.decode()
    assert citizen.iin in page and 'value="lock"' not in page
    client.post(ACCOUNTS, {"action": "lock", "_selected_action": [account.pk]})
    account.user.refresh_from_db()
    assert account.user.is_active is True
    assert not AuditEntry.objects.filter(action="portal.account.lock").exists()


@pytest.mark.parametrize(("lang", "label"), [("kk", "талон берілді"), ("ru", "талон выдан")])
def test_a_request_shows_its_status_and_timeline_and_no_document(
    citizen: Person, lang: str, label: str
) -> None:
    request = a_request(account_of(citizen))
    client = admin_client(lang)
    listed = client.get(REQUESTS).content.decode()
    assert request.number in listed and label in listed
    page = client.get(f"{REQUESTS}{request.pk}/change/").content.decode()
    assert request.number in page and request.talon_number in page
    assert page.count(label) >= 2  # the status, and the last step of the timeline
    for content in ("SIGNED-CONTENT", "TALON-CONTENT", "PDF-CONTENT"):
        assert content not in page
    read = AuditEntry.objects.get(action="portal.request.read")
    assert read.object_id == request.number and read.subject_iin == citizen.iin
    assert AuditEntry.objects.filter(action="portal.request.list").exists()
    assert client.get(f"{REQUESTS}{request.pk}/delete/").status_code == 403
