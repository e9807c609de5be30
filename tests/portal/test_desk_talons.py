"""A talon issued at the provider's desk or by telephone reaches the person's portal cabinet
through the gateway (the provider's status message with the signed e-talon and its PDF), is
filed there as an application of that channel, and the person is told by one SMS after
commit (decision 13): the portal's for a desk talon, the provider's for a telephone one; a
person without a portal account gets nothing filed."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from bekitu.celery import app as celery_app
from bekitu.core.models import AuditEntry, User
from bekitu.portal import sessions
from bekitu.portal.models import Account, CitizenRequest
from bekitu.registry.models import Person
from bekitu.workstation.services import staff_create
from tests.portal.conftest import drain

pytestmark = pytest.mark.django_db


def _account(person: Person) -> Client:
    user = User.objects.create_user(person.iin, iin=person.iin, password="Zhasyl-Alma-2026")
    Account.objects.create(user=user, iin=person.iin, proof="eds", registered_at=timezone.now())
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(user)
    return client


def _desk_talon(provider: Any, person: Person, channel: str) -> str:
    """Intake, action 1 and action 2 through the workstation's API; the application number."""
    staff = staff_create(
        username="clerk",
        password="desk-Pass-42",
        provider_bin=provider.bin,
        role="statistics_specialist",
    ).user
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(staff)
    payload: dict[str, Any] = {"recipient_iin": person.iin, "channel": channel, "reason": "choice"}
    if channel == "phone":
        address = person.address
        payload["caller"] = {
            "birth_date": person.birth_date.isoformat(),
            "street": address.street.name_ru,
            "house": f"{address.house}{address.building}",
        }
    created = api.post(reverse("workstation-api:applications"), payload, format="json")
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    documents = [item["code"] for item in created.json()["checklist"]]
    url = reverse("workstation-api:accept-documents", args=[number])
    assert api.post(url, {"documents": documents}, format="json").status_code == 200
    issued = api.post(reverse("workstation-api:issue-talon", args=[number]), format="json")
    assert issued.json()["state"] == "talon_issued", issued.content
    return str(number)


@pytest.mark.parametrize("way", ["desk", "phone"])
def test_a_desk_talon_is_filed_in_the_cabinet_and_the_person_told_by_sms(
    citizen: Person,
    provider: Any,
    channel: Any,
    sms: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    way: str,
) -> None:
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", True)
    cabinet = _account(citizen)
    # Each commit runs what waits for it: the talon's PDF, the SMS, the portal's filing.
    with django_capture_on_commit_callbacks(execute=True):
        number = _desk_talon(provider, citizen, way)
    with django_capture_on_commit_callbacks(execute=True):
        drain(channel)

    filed = CitizenRequest.objects.get(number=number)
    assert (filed.channel, filed.status, filed.recipient_iin) == (way, "talon_issued", citizen.iin)
    assert filed.draft is None and filed.provider_bin == provider.bin
    assert bytes(filed.talon_pdf).startswith(b"%PDF") and b"<" in bytes(filed.talon_xml)
    assert filed.talon_number and filed.talon_verify_url
    page = cabinet.get(reverse("portal:cabinet")).content.decode()
    assert number in page
    detail = cabinet.get(reverse("portal:request", args=[number])).content.decode()
    assert filed.talon_number in detail and 'id="talon-pdf"' in detail
    assert 'data-channel="' + way in detail
    # The timeline's own heading, not the handbook's column of step counts ("Шагов").
    assert '<h2 id="steps-title">Ход запроса</h2>' in detail
    pdf = cabinet.get(reverse("portal:talon-pdf", args=[number]))
    assert pdf.status_code == 200 and pdf.content == bytes(filed.talon_pdf)
    token = sessions.token_issue(filed.account)
    listed = Client().get(
        "/portal/api/v1/attachment-requests", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert [(r["number"], r["channel"]) for r in listed.json()["requests"]] == [(number, way)]
    # One SMS per talon: a caller (no paper) hears from the provider that it is ready there;
    # a desk applicant holds the printed talon and hears that it is on the portal.
    assert [(m.phone, m.segments) for m in sms] == [("+77015551234", 1)]
    assert (number in sms[0].text and "портал" in sms[0].text) == (way == "desk")
    assert ("готов" in sms[0].text) == (way == "phone")
    assert AuditEntry.objects.filter(action="portal.provider_talon.filed").count() == 1


def test_no_account_no_cabinet_and_nothing_kept(
    citizen: Person,
    provider: Any,
    channel: Any,
    sms: list[Any],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", True)
    number = _desk_talon(provider, citizen, "desk")
    with django_capture_on_commit_callbacks(execute=True):
        drain(channel)
    assert not CitizenRequest.objects.filter(number=number).exists()
    assert not sms
    assert AuditEntry.objects.filter(action="portal.provider_talon.no_account").count() == 1


def test_the_status_contract_carries_a_desk_talon_and_refuses_a_channel_elsewhere() -> None:
    from bekitu.gateway.contracts import attachment_status as contract

    at = timezone.now().replace(microsecond=0)
    desk = contract.AttachmentStatus(
        number="A-2026-000001",
        status="talon_issued",
        at=at,
        registration_number="A-2026-000001",
        talon_number="T-1",
        verify_url="https://bekitu.kz/verify/X",
        channel="phone",
        recipient_iin="900412300018",
        provider_name="Емхана",
    )
    assert contract.parse_status(contract.build_status(desk)) == desk
    portal = contract.AttachmentStatus(number="P-1", status="registered", at=at)
    assert contract.parse_status(contract.build_status(portal)).channel == ""
    with pytest.raises(contract.ContractInvalid):
        contract.build_status(
            contract.AttachmentStatus(
                number="P-1", status="registered", at=at, channel="desk", recipient_iin="1" * 12
            )
        )
