"""A parent acts for a child only while the population register records the child as theirs
and under 18, a representative only while the power of attorney is in force: on the day the
request is submitted, not only on the day it was prepared. A draft made the day before the
child's 18th birthday, before the relation ended, or before the power of attorney expired, is
not sent (R9.5), and is kept."""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from bekitu.devtools.testpki import TestPki
from bekitu.gateway.models import OutboxMessage
from bekitu.portal import sessions
from bekitu.portal.models import Account, CitizenRequest, Draft
from bekitu.registry.models import Person, PersonRelation
from tests.portal.test_requests_api import (
    PDF,
    _for_a_principal,
    account_of,
    body,
    draft,
    sign,
    submit,
)

pytestmark = pytest.mark.django_db

COPIES = [
    {"code": c, "filename": f"{c}.pdf", "content_base64": base64.b64encode(PDF).decode()}
    for c in ("birth_certificate", "applicant_identity_document")
]


@pytest.fixture
def auth(citizen: Person, channel: Any) -> dict[str, str]:
    token = sessions.token_issue(account_of(citizen))
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def _childs_draft(client: Any, auth: dict[str, str], child: Person, provider: Any) -> Any:
    made = draft(
        client,
        auth,
        body(provider, recipient_iin=child.iin, applicant_role="parent", documents=COPIES),
    )
    assert made.status_code == 201, made.json()
    return made.json()


def _adult_today(child: Person) -> None:
    today = timezone.localdate()
    eighteenth = dt.date(today.year - 18, today.month, min(today.day, 28))
    Person.objects.filter(pk=child.pk).update(birth_date=eighteenth)


def _relation_ended(child: Person) -> None:
    PersonRelation.objects.filter(person=child).update(valid_to=timezone.localdate())


@pytest.mark.parametrize("change", [_adult_today, _relation_ended])
def test_a_parents_draft_is_not_sent_once_the_child_is_no_longer_theirs_to_act_for(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    child: Person,
    provider: Any,
    test_pki: TestPki,
    change: Any,
) -> None:
    made = _childs_draft(client, auth, child, provider)
    change(child)
    signed = sign(test_pki, citizen.iin, made["xml_to_sign"])
    refused = submit(client, auth, made["draft_id"], signed)
    assert refused.status_code == 403, refused.json()
    assert refused.json()["code"] == "not_a_dependant" and refused.json()["message"]
    assert not CitizenRequest.objects.exists()
    assert not OutboxMessage.objects.exists()


def test_the_sign_page_says_why_and_sends_nothing(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    child: Person,
    provider: Any,
    test_pki: TestPki,
) -> None:
    made = _childs_draft(client, auth, child, provider)
    _relation_ended(child)
    page = Client()
    page.force_login(Account.objects.get(iin=citizen.iin).user)
    signed = sign(test_pki, citizen.iin, made["xml_to_sign"])
    answer = page.post(
        f"/portal/requests/sign/{made['draft_id']}/",
        {"signed_xml": signed},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 200
    assert "does not record you as this child" in answer.content.decode()
    assert not CitizenRequest.objects.exists()
    assert not OutboxMessage.objects.exists()


def _representatives_draft(client: Any, auth: dict[str, str], provider: Any) -> Any:
    """A draft under a power of attorney that ends tomorrow."""
    principal, _codes, copies = _for_a_principal(client, auth)
    today = timezone.localdate()
    poa = {
        "number": "12-345",
        "issued_by": "notary Abenova",
        "issued_on": (today - dt.timedelta(days=10)).isoformat(),
        "valid_until": (today + dt.timedelta(days=1)).isoformat(),
    }
    made = draft(
        client,
        auth,
        body(
            provider,
            recipient_iin=principal.iin,
            applicant_role="representative",
            documents=copies,
            power_of_attorney=poa,
        ),
    )
    assert made.status_code == 201, made.json()
    return made.json()


def test_a_representatives_draft_is_not_sent_once_the_power_of_attorney_expired(
    client: Any, auth: dict[str, str], citizen: Person, provider: Any, test_pki: TestPki
) -> None:
    made = _representatives_draft(client, auth, provider)
    signed = sign(test_pki, citizen.iin, made["xml_to_sign"])
    with freeze_time(timezone.now() + dt.timedelta(days=2), tick=True):
        later = sessions.token_issue(Account.objects.get(iin=citizen.iin))
        auth = {"HTTP_AUTHORIZATION": f"Bearer {later}"}
        refused = client.post(
            f"/portal/api/v1/attachment-requests/{made['draft_id']}/submit",
            {"signed_xml": signed},
            content_type="application/json",
            HTTP_ACCEPT_LANGUAGE="ru",
            **auth,
        )
    # As the draft's own refusal: `invalid`, the field and its message.
    assert refused.status_code == 400, refused.json()
    assert refused.json()["code"] == "invalid"
    assert refused.json()["fields"] == {"poa_valid_until": ["Срок действия доверенности истёк."]}
    assert refused.json()["message"] == "Срок действия доверенности истёк."
    assert not CitizenRequest.objects.exists()
    assert not OutboxMessage.objects.exists()
    assert Draft.objects.filter(pk=made["draft_id"]).exists()


def test_the_sign_page_says_the_power_of_attorney_expired_and_sends_nothing(
    client: Any, auth: dict[str, str], citizen: Person, provider: Any, test_pki: TestPki
) -> None:
    made = _representatives_draft(client, auth, provider)
    signed = sign(test_pki, citizen.iin, made["xml_to_sign"])
    with freeze_time(timezone.now() + dt.timedelta(days=2), tick=True):
        page = Client()
        page.force_login(Account.objects.get(iin=citizen.iin).user)
        answer = page.post(
            f"/portal/requests/sign/{made['draft_id']}/",
            {"signed_xml": signed},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert answer.status_code == 200
    assert "The power of attorney has expired." in answer.content.decode()
    assert not CitizenRequest.objects.exists()
    assert not OutboxMessage.objects.exists()
