"""Input the request's XML cannot carry gets field messages, not a server error; a signed
value the schema admits but no date can be is a refusal; a status message from a provider
other than the request's is kept out of the cabinet."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from bekitu.core.models import AuditEntry
from bekitu.gateway.contracts import attachment_status as status_contract
from bekitu.gateway.envelope import Part
from bekitu.gateway.handlers import Message
from bekitu.portal import requests as portal_requests
from bekitu.portal.models import CitizenRequest, Draft, Status
from tests.portal import test_requests_api as api
from tests.portal.test_requests_api import account_of, body, draft, sign, submit

pytestmark = pytest.mark.django_db

auth = api.auth  # the API tests' fixture: the logged-in citizen's bearer header

PDF = "JVBERi0xLjQKMSAwIG9iajw8Pj5lbmRvYmoKdHJhaWxlcjw8Pj4KJSVFT0YK"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"district_number": "1\x01"}, "district_number"),
        (
            {
                "documents": [
                    {"code": "identity_document", "filename": "id\x01.pdf", "content_base64": PDF}
                ]
            },
            "copy_identity_document",
        ),
        (
            {
                "basis": {"kind": "work", "atu_code": "١٢٣٤٥٦٧٨٩", "address": "Abai 1"},
                "documents": [
                    {"code": code, "filename": "x.pdf", "content_base64": PDF}
                    for code in ("identity_document", "employment_certificate")
                ],
            },
            None,
        ),
    ],
)
def test_text_the_xml_cannot_carry_is_a_field_message(
    client: Any, auth: dict[str, str], provider: Any, changes: Any, field: str | None
) -> None:
    client.raise_request_exception = False
    response = draft(client, auth, body(provider, **changes))
    assert response.status_code == 400, response.content
    assert response.json()["code"] != "server_error"
    if field is not None:
        assert field in str(response.json())
    assert not Draft.objects.exists()


def test_a_house_in_other_digits_on_the_form_is_no_server_error(
    citizen: Any, provider: Any
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(account_of(citizen).user)
    client.raise_request_exception = False
    url = "/portal/requests/new/?applicant_role=self&basis=temporary_residence&q="
    response = client.post(url, {"basis_house": "²", "basis_street": "Abai"})
    assert response.status_code == 200


def test_a_signed_date_no_calendar_has_is_refused_as_altered(
    client: Any, auth: dict[str, str], citizen: Any, provider: Any, test_pki: Any
) -> None:
    made = draft(client, auth, body(provider)).json()
    xml = re.sub(r"<submittedAt>\d{4}", "<submittedAt>10000", made["xml_to_sign"])
    assert "10000-" in xml
    client.raise_request_exception = False
    response = submit(client, auth, made["draft_id"], sign(test_pki, citizen.iin, xml))
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "request_altered"
    assert not CitizenRequest.objects.exists()


def test_a_status_from_another_provider_is_kept_out_and_audited(
    client: Any, auth: dict[str, str], citizen: Any, provider: Any, test_pki: Any, settings: Any
) -> None:
    made = draft(client, auth, body(provider)).json()
    signed = sign(test_pki, citizen.iin, made["xml_to_sign"])
    assert submit(client, auth, made["draft_id"], signed).status_code == 202
    number = made["number"]
    forged = status_contract.AttachmentStatus(
        number=number,
        status="refused",
        at=timezone.now(),
        refusal=status_contract.Refusal(
            "already_attached",
            {"kk": "x", "ru": "x", "en": "x"},
            {"kk": "forged", "ru": "forged", "en": "forged"},
        ),
    )
    message = Message(
        message_id=str(uuid.uuid4()),
        correlation_id=number,
        service_id=status_contract.SERVICE_ID,
        sender_id="999999999999",
        route_id=settings.PORTAL_SYSTEM_ID,
        date=timezone.now(),
        parts=(
            Part(
                status_contract.PART_STATUS, status_contract.build_status(forged), "application/xml"
            ),
        ),
    )
    portal_requests.status_receive(message)
    row = CitizenRequest.objects.get(number=number)
    assert row.status == Status.SENT
    assert not row.refusal_message
    assert AuditEntry.objects.filter(action="portal.request.status_foreign").exists()


def test_the_district_signed_for_is_the_applications(
    client: Any,
    auth: dict[str, str],
    citizen: Any,
    provider: Any,
    test_pki: Any,
    channel: Any,
    area: Any,
) -> None:
    from bekitu.registry.models import District
    from bekitu.service.models import Application
    from tests.factories import ServiceAreaFactory
    from tests.portal.conftest import drain

    chosen = ServiceAreaFactory(
        district__provider=provider, district__kind=District.Kind.GP, street=area.street
    ).district
    made = draft(client, auth, body(provider, district_number=str(chosen.number)))
    assert made.status_code == 201, made.content
    signed = sign(test_pki, citizen.iin, made.json()["xml_to_sign"])
    assert submit(client, auth, made.json()["draft_id"], signed).status_code == 202
    drain(channel)
    application = Application.objects.get()
    assert application.district_id == chosen.pk
    assert application.attachment.district_id == chosen.pk


def test_a_district_the_provider_has_not_is_a_field_message(
    client: Any, auth: dict[str, str], provider: Any
) -> None:
    response = draft(client, auth, body(provider, district_number="not-a-district"))
    assert response.status_code == 400, response.content
    assert "district_number" in str(response.json())
    assert not Draft.objects.exists()
