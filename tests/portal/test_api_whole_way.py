"""The portal's API end to end, as the mobile app goes: register with the EDS, log in,
read the checklist and the providers, prepare the request, sign it, submit it, and fetch the
talon once the provider's side decided it. Over each gateway transport: memory, the queue
table (the default) and real RabbitMQ."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from bekitu.devtools.testpki import TestPki
from bekitu.eds.verification import verify_provider_document
from bekitu.gateway.models import OutboxMessage
from bekitu.registry.models import Person
from tests.portal.conftest import PASSWORD, drain, sign_auth, sign_with

API = "/portal/api/v1/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.django_db


def post(client: Any, path: str, body: dict[str, Any], **headers: Any) -> Any:
    return client.post(API + path, body, content_type="application/json", **headers)


def test_register_login_request_sign_submit_talon(
    client: Any, citizen: Person, provider: Any, test_pki: TestPki, any_channel: Any
) -> None:
    challenge = post(client, "auth/challenge", {"iin": citizen.iin}).json()
    registered = post(
        client,
        "auth/register",
        {
            "iin": citizen.iin,
            "password": PASSWORD,
            "challenge_id": challenge["challenge_id"],
            "signed_xml": sign_auth(test_pki, citizen.iin, challenge["xml"]),
        },
    )
    assert registered.status_code == 201, registered.json()
    login = post(client, "auth/login", {"iin": citizen.iin, "password": PASSWORD})
    assert login.status_code == 200, login.json()
    auth = {"HTTP_AUTHORIZATION": f"Bearer {login.json()['token']}"}

    # The checklist and the providers come from the providers' system over the gateway.
    needed = client.get(API + "services/attachment/requirements", **auth)
    assert needed.status_code == 200, needed.json()
    codes = [d["code"] for d in needed.json()["documents"]]
    assert codes == ["identity_document"]
    found = client.get(API + "providers?q=ЕМХАНА", **auth).json()
    assert [p["bin"] for p in found["providers"]] == [provider.bin]

    made = post(
        client,
        "attachment-requests",
        {
            "provider_bin": provider.bin,
            "reason": "choice",
            "phone": "+7 701 555 12 34",
            "documents": [
                {
                    "code": code,
                    "filename": f"{code}.pdf",
                    "content_base64": base64.b64encode(PDF).decode(),
                }
                for code in codes
            ],
        },
        **auth,
    )
    assert made.status_code == 201, made.json()
    signed = sign_with(test_pki, citizen.iin, made.json()["xml_to_sign"])
    submit = f"attachment-requests/{made.json()['draft_id']}/submit"
    sent = post(client, submit, {"signed_xml": signed}, **auth)
    assert sent.status_code == 202, sent.json()
    number = sent.json()["number"]
    assert OutboxMessage.objects.filter(correlation_id=number).count() == 1

    drain(any_channel)  # the relay, the provider's side, its status messages back

    shown = client.get(API + f"attachment-requests/{number}", **auth).json()
    assert shown["status"] == "talon_issued", shown
    assert [e["status"] for e in shown["events"]] == [
        "submitted",
        "sent",
        "delivered",
        "registered",
        "checked",
        "talon_issued",
    ]
    xml = client.get(shown["talon"]["xml_url"], **auth)
    assert xml.status_code == 200 and xml["Content-Type"] == "application/xml"
    assert shown["talon"]["number"].encode() in xml.content
    assert verify_provider_document(xml.content, expect_bin=provider.bin).valid
    pdf = client.get(shown["talon"]["pdf_url"], **auth)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    listed = client.get(API + "attachment-requests", **auth).json()["requests"]
    assert [r["number"] for r in listed] == [number]
