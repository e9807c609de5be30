"""The request through the portal's API (R9.5-R9.7), end to end over the gateway: the form is
checked, the XML to sign carries each e-copy's SHA-256, condition 2 runs on submission, the
provider's side registers, checks and decides, and the cabinet shows the talon or the
refusal."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from bekitu.core.audit import audit_verify
from bekitu.core.models import AuditEntry, User
from bekitu.devtools.testpki import TestPki
from bekitu.eds.signing import sign_xml_with_p12
from bekitu.gateway.models import OutboxMessage
from bekitu.portal import sessions
from bekitu.portal.models import Account, CitizenRequest, Draft
from bekitu.registry.models import Person
from bekitu.service.models import Application
from tests.factories import POA_DATE
from tests.portal.conftest import P12_PASSWORD, drain

API = "/portal/api/v1/"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"

pytestmark = pytest.mark.django_db


def account_of(person: Person) -> Account:
    user = User.objects.create_user(person.iin, iin=person.iin, password="Zhasyl-Alma-2026")
    return Account.objects.create(
        user=user, iin=person.iin, proof="eds", registered_at=timezone.now()
    )


@pytest.fixture
def auth(citizen: Person, channel: Any) -> dict[str, str]:
    token = sessions.token_issue(account_of(citizen))
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def body(provider: Any, **changes: Any) -> dict[str, Any]:
    data = {
        "provider_bin": provider.bin,
        "reason": "choice",
        "phone": "+7 701 555 12 34",
        "email": "asan@example.kz",
        "documents": [
            {
                "code": "identity_document",
                "filename": "id.pdf",
                "content_base64": base64.b64encode(PDF).decode(),
            }
        ],
    }
    data.update(changes)
    return data


def sign(test_pki: TestPki, iin: str, xml: str, *, key: str = "sign") -> str:
    p12 = test_pki.person_sign_p12(iin) if key == "sign" else test_pki.person_auth_p12(iin)
    return sign_xml_with_p12(p12_path=p12, password=P12_PASSWORD, xml=xml.encode()).decode()


def draft(client: Any, auth: dict[str, str], data: dict[str, Any], **headers: Any) -> Any:
    return client.post(
        API + "attachment-requests", data, content_type="application/json", **auth, **headers
    )


def submit(client: Any, auth: dict[str, str], draft_id: str, signed: str) -> Any:
    return client.post(
        API + f"attachment-requests/{draft_id}/submit",
        {"signed_xml": signed},
        content_type="application/json",
        **auth,
    )


def submitted(client: Any, auth: dict[str, str], provider: Any, citizen: Any, pki: Any) -> str:
    """A request for the citizen themselves drafted, signed and submitted; its number."""
    made = draft(client, auth, body(provider)).json()
    signed = sign(pki, citizen.iin, made["xml_to_sign"])
    assert submit(client, auth, made["draft_id"], signed).status_code == 202
    return str(made["number"])


def test_requirements_are_the_desks_checklist(
    client: Any, auth: dict[str, str], citizen: Person, child: Person
) -> None:
    own = client.get(API + "services/attachment/requirements", **auth).json()
    assert [d["code"] for d in own["documents"]] == ["identity_document"]
    assert own["documents"][0]["required"] is True
    kid = client.get(
        API + f"services/attachment/requirements?recipient_iin={child.iin}", **auth
    ).json()
    assert [d["code"] for d in kid["documents"]] == [
        "birth_certificate",
        "applicant_identity_document",
    ]


def test_provider_search_says_whether_the_address_is_in_the_area(
    client: Any, auth: dict[str, str], provider: Any
) -> None:
    found = client.get(API + "providers?q=ЕМХАНА", **auth).json()
    assert [p["bin"] for p in found["providers"]] == [provider.bin]
    assert found["providers"][0]["covers_address"] is True
    assert found["providers"][0]["home_visits"] is True
    assert {"edition", "window", "open", "max_voluntary_changes", "changes_left"} <= set(
        found["policy"]
    )
    districts = found["providers"][0]["districts"]
    assert districts and all(set(d) == {"number", "kind", "doctor"} for d in districts)


def test_the_whole_way_self_ends_with_the_talon_in_the_cabinet(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    provider: Any,
    test_pki: TestPki,
    channel: Any,
) -> None:
    made = draft(client, auth, body(provider))
    assert made.status_code == 201, made.json()
    xml = made.json()["xml_to_sign"]
    assert "identity_document" in xml and citizen.iin in xml
    import hashlib

    assert hashlib.sha256(PDF).hexdigest() in xml  # the signature covers the e-copy
    sent = submit(client, auth, made.json()["draft_id"], sign(test_pki, citizen.iin, xml))
    assert sent.status_code == 202, sent.json()
    number = sent.json()["number"]
    assert sent.json()["status"] == "sent"
    assert OutboxMessage.objects.filter(correlation_id=number, route_id=provider.bin).count() == 1

    drain(channel)  # the relay, the provider's side, the status messages back

    shown = client.get(API + f"attachment-requests/{number}", **auth).json()
    assert shown["status"] == "talon_issued", shown
    steps = [e["status"] for e in shown["events"]]
    assert steps == ["submitted", "sent", "delivered", "registered", "checked", "talon_issued"]
    # Told together by the provider, each step keeps the time the provider took it at.
    events = {e["status"]: dt.datetime.fromisoformat(e["at"]) for e in shown["events"]}
    application = Application.objects.get(portal_request__number=number)
    taken = dict(application.steps.values_list("action", "at"))
    assert events["registered"] == taken["register"].replace(microsecond=0)
    assert events["checked"] == taken["check"].replace(microsecond=0)
    assert shown["deadline"] and shown["refusal"] is None
    talon = shown["talon"]
    assert talon["number"] and talon["verify_url"]
    xml_file = client.get(talon["xml_url"], **auth)
    assert xml_file.status_code == 200 and xml_file.content.startswith(b"<?xml")
    pdf_file = client.get(talon["pdf_url"], **auth)
    assert pdf_file.status_code == 200 and pdf_file.content.startswith(b"%PDF")


def test_a_parent_applies_for_their_child(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    child: Person,
    provider: Any,
    test_pki: TestPki,
    channel: Any,
) -> None:
    copies = [
        {"code": c, "filename": f"{c}.pdf", "content_base64": base64.b64encode(PDF).decode()}
        for c in ("birth_certificate", "applicant_identity_document")
    ]
    made = draft(
        client,
        auth,
        body(provider, recipient_iin=child.iin, applicant_role="parent", documents=copies),
    )
    assert made.status_code == 201, made.json()
    sent = submit(
        client,
        auth,
        made.json()["draft_id"],
        sign(test_pki, citizen.iin, made.json()["xml_to_sign"]),
    )
    assert sent.status_code == 202
    drain(channel)
    shown = client.get(API + f"attachment-requests/{sent.json()['number']}", **auth).json()
    assert shown["recipient_iin"] == child.iin
    assert shown["status"] == "talon_issued", shown


def test_the_dependants_are_the_registers_children_under_18_and_wards(
    client: Any, auth: dict[str, str], citizen: Person, child: Person
) -> None:
    from tests.factories import PersonFactory, PersonRelationFactory

    adult = PersonFactory(birth_date=dt.date(2000, 1, 1))
    PersonRelationFactory(person=adult, relative=citizen, kind="parent")
    ward = PersonFactory(birth_date=dt.date(1960, 6, 1))
    PersonRelationFactory(person=ward, relative=citizen, kind="guardian")
    ended = PersonFactory(birth_date=dt.date(2015, 2, 2))
    PersonRelationFactory(
        person=ended, relative=citizen, kind="guardian", valid_to=dt.date(2020, 1, 1)
    )
    dead = PersonFactory(birth_date=dt.date(2016, 3, 3), death_date=dt.date(2020, 1, 1))
    PersonRelationFactory(person=dead, relative=citizen, kind="parent")
    PersonRelationFactory(person=PersonFactory(birth_date=dt.date(2017, 1, 1)))  # not theirs
    listed = client.get(API + "me/dependants", **auth)
    assert listed.status_code == 200
    assert listed.json() == {
        "dependants": [
            {
                "iin": ward.iin,
                "name": f"{ward.surname} {ward.given_name} {ward.patronymic}".strip(),
                "birth_date": "1960-06-01",
                "relation": "guardian",
            },
            {
                "iin": child.iin,
                "name": f"{child.surname} {child.given_name} {child.patronymic}".strip(),
                "birth_date": "2018-05-20",
                "relation": "parent",
            },
        ]
    }
    assert client.get(API + "me/dependants").status_code == 401


@pytest.mark.parametrize("who", ["stranger", "adult", "ward_as_child"])
def test_a_recipient_not_ones_child_or_ward_is_refused_with_its_code(
    client: Any, auth: dict[str, str], citizen: Person, provider: Any, who: str
) -> None:
    from tests.factories import PersonFactory, PersonRelationFactory

    if who == "stranger":
        recipient = PersonFactory(birth_date=dt.date(2019, 1, 1))
        PersonRelationFactory(person=recipient)
    elif who == "adult":
        recipient = PersonFactory(birth_date=dt.date(2000, 1, 1))
        PersonRelationFactory(person=recipient, relative=citizen, kind="parent")
    else:
        recipient = PersonFactory(birth_date=dt.date(2016, 1, 1))
        PersonRelationFactory(person=recipient, relative=citizen, kind="guardian")
    made = draft(
        client,
        auth,
        body(provider, recipient_iin=recipient.iin, applicant_role="parent"),
        HTTP_ACCEPT_LANGUAGE="ru",
    )
    assert made.status_code == 403, made.json()
    assert made.json()["code"] == "not_a_dependant"
    expected = {
        "stranger": "не являетесь родителем этого ребёнка",
        "adult": "до 18 лет",
        "ward_as_child": "не являетесь родителем этого ребёнка",
    }[who]
    assert expected in made.json()["message"]
    assert not Draft.objects.exists()


def test_form_errors_by_field_before_anything_is_signed(
    client: Any, auth: dict[str, str], provider: Any
) -> None:
    bad = body(
        provider,
        reason="nonsense",
        phone="12",
        documents=[
            {"code": "identity_document", "filename": "x.exe", "content_base64": "TVqQAA=="}
        ],
    )
    made = draft(client, auth, bad)
    assert made.status_code == 400
    fields = made.json()["fields"]
    assert {"reason", "phone", "copy_identity_document"} <= set(fields)
    assert not Draft.objects.exists()


def test_a_missing_document_is_named(client: Any, auth: dict[str, str], provider: Any) -> None:
    made = draft(client, auth, body(provider, documents=[]))
    assert made.status_code == 400
    assert "copy_identity_document" in made.json()["fields"]


@pytest.mark.parametrize(
    ("how", "reason"),
    [("auth_key", "wrong_key_usage"), ("other_person", "iin_mismatch"), ("expired", "expired")],
)
def test_eds_not_confirmed_is_refused_and_nothing_is_sent(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    provider: Any,
    test_pki: TestPki,
    how: str,
    reason: str,
) -> None:
    made = draft(client, auth, body(provider)).json()
    xml = made["xml_to_sign"]
    if how == "auth_key":
        signed = sign(test_pki, citizen.iin, xml, key="auth")
    elif how == "other_person":
        signed = sign(test_pki, test_pki.persons[1].iin, xml)
    else:
        signed = sign_xml_with_p12(
            p12_path=test_pki.negative("expired"), password=P12_PASSWORD, xml=xml.encode()
        ).decode()
    refused = submit(client, auth, made["draft_id"], signed)
    assert refused.status_code == 422
    assert refused.json()["code"] == "eds_not_confirmed"
    assert refused.json()["reason"] == reason
    assert refused.json()["message"]
    assert not CitizenRequest.objects.exists()
    assert not OutboxMessage.objects.exists()
    # The check and the refusal are audited (committed, though nothing was sent).
    verified = AuditEntry.objects.filter(action="eds.verify", data__outcome="refused")
    assert verified.filter(data__reason=reason).exists()
    assert AuditEntry.objects.filter(action="portal.request.eds_refused").count() == 1


def test_a_submission_audits_its_check_and_itself_in_one_transaction(
    client: Any, auth: dict[str, str], citizen: Person, provider: Any, test_pki: TestPki
) -> None:
    made = draft(client, auth, body(provider)).json()
    signed = sign(test_pki, citizen.iin, made["xml_to_sign"])
    before = AuditEntry.objects.count()

    assert submit(client, auth, made["draft_id"], signed).status_code == 202

    rows = list(AuditEntry.objects.order_by("pk")[before:])
    assert sorted(r.action for r in rows) == ["eds.verify", "portal.request.submit"]
    assert audit_verify().ok


def test_a_request_altered_after_signing_is_refused(
    client: Any, auth: dict[str, str], citizen: Person, provider: Any, test_pki: TestPki
) -> None:
    made = draft(client, auth, body(provider)).json()
    altered = made["xml_to_sign"].replace(
        "<reason>choice</reason>", "<reason>change_of_residence</reason>"
    )
    refused = submit(client, auth, made["draft_id"], sign(test_pki, citizen.iin, altered))
    assert refused.status_code == 400
    assert refused.json()["code"] == "request_altered"
    assert not OutboxMessage.objects.exists()


def test_the_same_signed_request_twice_makes_one_request(
    client: Any, auth: dict[str, str], citizen: Person, provider: Any, test_pki: TestPki
) -> None:
    made = draft(client, auth, body(provider)).json()
    signed = sign(test_pki, citizen.iin, made["xml_to_sign"])
    first = submit(client, auth, made["draft_id"], signed)
    again = submit(client, auth, made["draft_id"], signed)
    assert first.status_code == again.status_code == 202
    assert first.json()["number"] == again.json()["number"]
    assert CitizenRequest.objects.count() == 1
    assert OutboxMessage.objects.count() == 1


def test_another_citizens_request_is_not_found(
    client: Any, auth: dict[str, str], citizen: Person, provider: Any, test_pki: TestPki
) -> None:
    made = draft(client, auth, body(provider)).json()
    number = submit(
        client, auth, made["draft_id"], sign(test_pki, citizen.iin, made["xml_to_sign"])
    ).json()["number"]
    from tests.factories import PersonFactory

    other = sessions.token_issue(account_of(PersonFactory()))
    response = client.get(
        API + f"attachment-requests/{number}", HTTP_AUTHORIZATION=f"Bearer {other}"
    )
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_providers_system_silent_is_a_clear_message(
    client: Any, auth: dict[str, str], provider: Any, channel: Any
) -> None:
    channel.serve = lambda: None  # nobody answers the query
    from django.test import override_settings

    with override_settings(GATEWAY_CALL_TIMEOUT_SECONDS=0):
        made = draft(client, auth, body(provider))
    assert made.status_code == 504
    assert made.json()["code"] == "provider_unavailable"


def test_an_iin_the_register_does_not_know_is_said_so_not_that_nobody_answered(
    client: Any, auth: dict[str, str], channel: Any
) -> None:
    answer = client.get(
        API + "services/attachment/requirements",
        {"recipient_iin": "000000000000", "applicant_role": "representative"},
        HTTP_ACCEPT_LANGUAGE="ru",
        **auth,
    )
    assert answer.status_code == 403
    assert answer.json()["code"] == "person_not_found"


def _for_a_principal(client: Any, auth: dict[str, str]) -> tuple[Any, list[str], list[Any]]:
    """A principal (an adult of the register), the checklist's codes for their representative,
    and an e-copy of each."""
    from tests.factories import PersonFactory

    principal = PersonFactory(birth_date=dt.date(1950, 1, 1))
    codes = client.get(
        API
        + f"services/attachment/requirements?recipient_iin={principal.iin}"
        + "&applicant_role=representative",
        **auth,
    ).json()["documents"]
    copies = [
        {"code": d["code"], "filename": "x.pdf", "content_base64": base64.b64encode(PDF).decode()}
        for d in codes
    ]
    return principal, [d["code"] for d in codes], copies


def test_a_representative_gives_the_power_of_attorney(
    client: Any, auth: dict[str, str], provider: Any
) -> None:
    principal, codes, copies = _for_a_principal(client, auth)
    assert "power_of_attorney" in codes
    base = body(
        provider, recipient_iin=principal.iin, applicant_role="representative", documents=copies
    )
    expired = draft(
        client,
        auth,
        {
            **base,
            "power_of_attorney": {
                "number": "12-345",
                "issued_on": "2024-01-10",
                "valid_until": "2025-01-10",
                "issued_by": "notary Abenova",
            },
        },
    )
    assert expired.status_code == 400
    assert "poa_valid_until" in expired.json()["fields"]
    missing = draft(client, auth, base)
    assert {"poa_number", "poa_issued_on"} <= set(missing.json()["fields"])
    valid = draft(
        client,
        auth,
        {
            **base,
            "power_of_attorney": {
                "number": "12-345",
                "issued_on": POA_DATE.isoformat(),
                "issued_by": "notary Abenova",
            },
        },
    )
    assert valid.status_code == 201, valid.json()
    xml = valid.json()["xml_to_sign"]
    assert "<powerOfAttorney>" in xml and "12-345" in xml


def test_a_guardian_applies_for_their_ward_and_only_for_them(
    client: Any, auth: dict[str, str], citizen: Person, provider: Any
) -> None:
    from tests.factories import PersonFactory, PersonRelationFactory

    ward = PersonFactory(birth_date=dt.date(1960, 6, 1))
    stranger = PersonFactory(birth_date=dt.date(1961, 6, 1))
    PersonRelationFactory(person=ward, relative=citizen, kind="guardian")
    codes = client.get(
        API + f"services/attachment/requirements?recipient_iin={ward.iin}&applicant_role=guardian",
        **auth,
    ).json()["documents"]
    copies = [
        {"code": d["code"], "filename": "x.pdf", "content_base64": base64.b64encode(PDF).decode()}
        for d in codes
    ]
    assert "guardianship_decision" in {d["code"] for d in codes}
    made = draft(
        client,
        auth,
        body(provider, recipient_iin=ward.iin, applicant_role="guardian", documents=copies),
    )
    assert made.status_code == 201, made.json()
    refused = draft(
        client,
        auth,
        body(provider, recipient_iin=stranger.iin, applicant_role="guardian", documents=copies),
    )
    assert refused.status_code == 403 and refused.json()["code"] == "not_a_dependant"


def test_a_power_of_attorney_not_in_force_is_corrected_before_anything_is_signed(
    client: Any, auth: dict[str, str], provider: Any
) -> None:
    """As the provider's authority check counts it (R9.11 `no_authority` otherwise): without
    a stated term a power of attorney is valid one year from its date, and one that ends
    before its date is in force on no day."""
    principal, _codes, copies = _for_a_principal(client, auth)
    base = body(
        provider, recipient_iin=principal.iin, applicant_role="representative", documents=copies
    )
    today = timezone.localdate()
    poa = {"number": "12-345", "issued_by": "notary Abenova"}
    old = {**poa, "issued_on": (today - dt.timedelta(days=400)).isoformat()}
    answer = draft(client, auth, {**base, "power_of_attorney": old}, HTTP_ACCEPT_LANGUAGE="ru")
    assert answer.status_code == 400
    assert "один год" in " ".join(answer.json()["fields"]["poa_issued_on"])
    reversed_dates = {
        **poa,
        "issued_on": (today - dt.timedelta(days=10)).isoformat(),
        "valid_until": (today - dt.timedelta(days=20)).isoformat(),
    }
    answer = draft(client, auth, {**base, "power_of_attorney": reversed_dates})
    assert answer.status_code == 400 and "poa_valid_until" in answer.json()["fields"]
    with_term = {**old, "valid_until": (today + dt.timedelta(days=30)).isoformat()}
    assert draft(client, auth, {**base, "power_of_attorney": with_term}).status_code == 201
