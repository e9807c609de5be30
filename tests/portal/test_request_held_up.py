"""A request the gateway cannot get through (R9.8) is never left "sent" for ever: held up (parked
at the portal's outbox or at the provider's inbox; an operator looks into it) the citizen is
told so, and the request goes on when the operator replays it; discarded by an operator, it is
undeliverable, the citizen is told to apply again, and a new request for the same person goes
through. The gateway's word never moves a request back, nor past what the provider said."""

from __future__ import annotations

import datetime as dt
from typing import Any
from unittest import mock

import pytest
from django.db.models import F
from django.test import Client
from django.utils import timezone

from bekitu.core.models import AuditEntry
from bekitu.gateway import envelope, services
from bekitu.gateway.contracts import attachment_request, attachment_status
from bekitu.gateway.envelope import Part
from bekitu.gateway.handlers import Message, Receipt, Undelivered
from bekitu.gateway.models import InboxMessage
from bekitu.portal.models import Account, CitizenRequest, RequestEvent
from bekitu.portal.requests import receipt_receive, status_receive, undelivered_receive
from bekitu.registry.models import Person
from tests.factories import PersonFactory
from tests.portal import test_requests_api as api
from tests.portal.conftest import drain
from tests.portal.test_requests_api import API, account_of, submitted

pytestmark = pytest.mark.django_db

auth = api.auth  # the API tests' fixture: the logged-in citizen's bearer header

FAILING = "bekitu.service.portal_requests._verify"  # the provider's handler, made to fail


@pytest.fixture(autouse=True)
def _one_attempt(settings: Any) -> None:
    settings.GATEWAY_MAX_ATTEMPTS = 1  # parked at the first failure


def _shown(client: Any, auth: dict[str, str], number: str, lang: str = "en") -> dict[str, Any]:
    answer = client.get(API + f"attachment-requests/{number}", HTTP_ACCEPT_LANGUAGE=lang, **auth)
    assert answer.status_code == 200
    return dict(answer.json())


def _steps(shown: dict[str, Any]) -> list[str]:
    return [e["status"] for e in shown["events"]]


def _a_while_later() -> None:
    RequestEvent.objects.update(at=F("at") - dt.timedelta(minutes=10))


def _parked_at_the_provider(number: str) -> InboxMessage:
    return InboxMessage.objects.get(correlation_id=number, service_id=attachment_request.SERVICE_ID)


def test_a_request_the_provider_parks_is_held_up_and_goes_on_when_replayed(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    provider: Any,
    test_pki: Any,
    channel: Any,
    told: list[str],
) -> None:
    number = submitted(client, auth, provider, citizen, test_pki)
    with mock.patch(FAILING, side_effect=RuntimeError("the provider's system failed")):
        drain(channel)  # stored there (SCSS001), its handler failed: parked (ESRV002)

    shown = _shown(client, auth, number)
    assert shown["status"] == "held_up"
    assert "being looked into" in shown["status_label"]
    assert _steps(shown) == ["submitted", "sent", "delivered", "held_up"]
    assert told == ["delivered", "held_up"]
    assert AuditEntry.objects.filter(action="portal.request.held_up", object_id=number).exists()
    assert _shown(client, auth, number, "ru")["status_label"] != shown["status_label"]

    _a_while_later()
    services.inbox_replay(message_id=str(_parked_at_the_provider(number).message_id))
    drain(channel)

    shown = _shown(client, auth, number)
    assert shown["status"] == "talon_issued"
    assert _steps(shown) == [
        *("submitted", "sent", "delivered", "held_up"),
        *("registered", "checked", "talon_issued"),
    ]
    assert told[-1] == "talon_issued"


def test_a_request_the_portal_cannot_send_is_held_up_and_goes_on_when_replayed(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    provider: Any,
    test_pki: Any,
    channel: Any,
    told: list[str],
) -> None:
    number = submitted(client, auth, provider, citizen, test_pki)
    channel.fail_next(1)  # the broker does not take it: the portal's outbox parks it
    drain(channel)

    shown = _shown(client, auth, number)
    assert (shown["status"], _steps(shown)) == ("held_up", ["submitted", "sent", "held_up"])
    assert told == ["held_up"]

    _a_while_later()  # the operator replays it (the provider's clock tells whole seconds)
    services.outbox_replay(message_id=CitizenRequest.objects.get(number=number).message_id)
    drain(channel)

    shown = _shown(client, auth, number)
    assert shown["status"] == "talon_issued"
    assert _steps(shown) == [
        *("submitted", "sent", "held_up", "delivered"),
        *("registered", "checked", "talon_issued"),
    ]


def test_a_request_discarded_at_the_portal_is_undeliverable_and_the_person_applies_again(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    provider: Any,
    test_pki: Any,
    channel: Any,
    told: list[str],
) -> None:
    number = submitted(client, auth, provider, citizen, test_pki)
    channel.fail_next(1)
    drain(channel)
    services.outbox_discard(message_id=CitizenRequest.objects.get(number=number).message_id)

    shown = _shown(client, auth, number)
    assert shown["status"] == "undeliverable"
    assert "apply again" in shown["status_label"]
    assert _steps(shown) == ["submitted", "sent", "held_up", "undeliverable"]
    assert told == ["held_up", "undeliverable"]
    page = _page(citizen, number)
    assert 'id="request-undeliverable"' in page and 'href="/portal/requests/new/"' in page

    again = submitted(client, auth, provider, citizen, test_pki)  # the same person
    drain(channel)

    assert _shown(client, auth, again)["status"] == "talon_issued"
    assert _shown(client, auth, number)["status"] == "undeliverable"


def test_a_request_discarded_at_the_provider_is_undeliverable_and_the_person_applies_again(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    provider: Any,
    test_pki: Any,
    channel: Any,
    told: list[str],
) -> None:
    number = submitted(client, auth, provider, citizen, test_pki)
    with mock.patch(FAILING, side_effect=RuntimeError("the provider's system failed")):
        drain(channel)
    services.inbox_discard(message_id=str(_parked_at_the_provider(number).message_id))
    drain(channel)  # the provider's gateway tells the portal (ESRV004)

    shown = _shown(client, auth, number)
    assert shown["status"] == "undeliverable"
    assert _steps(shown) == ["submitted", "sent", "delivered", "held_up", "undeliverable"]
    assert told == ["delivered", "held_up", "undeliverable"]

    # Nothing of the discarded request is open at the provider: the new one is decided.
    again = submitted(client, auth, provider, citizen, test_pki)
    drain(channel)
    assert _shown(client, auth, again)["status"] == "talon_issued"


def test_the_held_up_page_says_what_happens_next(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    provider: Any,
    test_pki: Any,
    channel: Any,
) -> None:
    number = submitted(client, auth, provider, citizen, test_pki)
    channel.fail_next(1)
    drain(channel)
    page = _page(citizen, number)
    assert 'data-status="held_up"' in page and 'id="request-held-up"' in page
    assert "You need not apply again" in page


def _page(citizen: Person, number: str) -> str:
    web = Client(HTTP_ACCEPT_LANGUAGE="en")
    web.force_login(Account.objects.get(iin=citizen.iin).user)
    answer = web.get(f"/portal/requests/{number}/")
    assert answer.status_code == 200
    return str(answer.content.decode())


# --- the order of what the gateway and the provider say -------------------------------------
NUMBER = "P-20261129-000001"
PROVIDER = "050140000110"


@pytest.fixture
def request_sent() -> CitizenRequest:
    account = account_of(PersonFactory())
    return CitizenRequest.objects.create(
        number=NUMBER,
        account=account,
        recipient_iin=account.iin,
        provider_bin=PROVIDER,
        provider_name="ГКП «ЕМХАНА №1»",
        status="sent",
        submitted_at=timezone.now() - dt.timedelta(minutes=5),
    )


def _receipt(code: str, *, ago: int = 0) -> Receipt:
    return Receipt(
        message_id="0b3c2b8e-4d5f-4a8e-9c1d-2f6a7b8c9d0e",
        correlation_id=NUMBER,
        service_id=attachment_request.SERVICE_ID,
        route_id=PROVIDER,
        status_code=code,
        status_message=envelope.STATUS_TEXT[code],
        at=timezone.now() - dt.timedelta(seconds=ago),
    )


def _undelivered(outcome: str) -> Undelivered:
    return Undelivered(
        message_id="0b3c2b8e-4d5f-4a8e-9c1d-2f6a7b8c9d0e",
        correlation_id=NUMBER,
        service_id=attachment_request.SERVICE_ID,
        route_id=PROVIDER,
        outcome=outcome,
        reason="TransportError: down",
        at=timezone.now() - dt.timedelta(minutes=1),
    )


def _checked() -> Message:
    at = timezone.now()
    status = attachment_status.AttachmentStatus(
        number=NUMBER,
        status="checked",
        at=at,
        registration_number="A-2026-000001",
        earlier=(attachment_status.Step("registered", at),),
    )
    return Message(
        message_id="5f0e7f6a-1b2c-4d3e-8f9a-0b1c2d3e4f5a",
        correlation_id=NUMBER,
        service_id=attachment_status.SERVICE_ID,
        sender_id=PROVIDER,
        route_id="egov-portal",
        date=at,
        parts=(Part(attachment_status.PART_STATUS, attachment_status.build_status(status)),),
    )


def _status(request: CitizenRequest) -> str:
    request.refresh_from_db()
    return request.status


def test_a_receipt_alone_tells_the_citizen_the_request_was_delivered(
    request_sent: CitizenRequest, told: list[str]
) -> None:
    receipt_receive(_receipt(envelope.SUCCESS))
    assert (_status(request_sent), told) == ("delivered", ["delivered"])
    receipt_receive(_receipt(envelope.DUPLICATE))  # no news: nobody is told twice
    assert told == ["delivered"]


def test_a_late_receipt_takes_a_held_up_request_on_to_delivered(
    request_sent: CitizenRequest, told: list[str]
) -> None:
    undelivered_receive(_undelivered("parked"))
    assert _status(request_sent) == "held_up"
    receipt_receive(_receipt(envelope.SUCCESS))  # the provider's system had it after all
    assert (_status(request_sent), told) == ("delivered", ["held_up", "delivered"])


def test_the_gateway_never_moves_back_a_request_the_provider_answered(
    request_sent: CitizenRequest, told: list[str]
) -> None:
    status_receive(_checked())
    for late in (envelope.SERVICE_FAILED, envelope.SERVICE_DISCARDED, envelope.SUCCESS):
        receipt_receive(_receipt(late, ago=60))
    undelivered_receive(_undelivered("parked"))
    undelivered_receive(_undelivered("discarded"))
    assert (_status(request_sent), told) == ("checked", ["checked"])
    assert set(request_sent.events.values_list("status", flat=True)) == {
        "delivered",
        "registered",
        "checked",
    }


def test_undeliverable_is_the_gateway_s_last_word_but_the_provider_s_answer_moves_it_on(
    request_sent: CitizenRequest, told: list[str]
) -> None:
    undelivered_receive(_undelivered("discarded"))
    receipt_receive(_receipt(envelope.SUCCESS))
    receipt_receive(_receipt(envelope.SERVICE_FAILED))
    undelivered_receive(_undelivered("parked"))
    assert (_status(request_sent), told) == ("undeliverable", ["undeliverable"])

    status_receive(_checked())  # the provider has it after all (a receipt that was lost)

    assert (_status(request_sent), told) == ("checked", ["undeliverable", "checked"])
    assert "delivered" in set(request_sent.events.values_list("status", flat=True))


def test_the_new_statuses_are_in_the_api_schema() -> None:
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    statuses = schema["components"]["schemas"]["PortalRequestStatusEnum"]["enum"]
    assert {"held_up", "undeliverable"} <= set(statuses)


def test_a_request_held_up_again_ends_its_timeline_held_up(
    request_sent: CitizenRequest, told: list[str]
) -> None:
    """Held up at the portal, delivered by a late receipt, then held up at the provider: the
    timeline shows each status once, at its latest time, and so ends where the request is."""
    undelivered_receive(_undelivered("parked"))
    receipt_receive(_receipt(envelope.SUCCESS, ago=30))
    receipt_receive(_receipt(envelope.SERVICE_FAILED))
    assert _status(request_sent) == "held_up"
    assert told == ["held_up", "delivered", "held_up"]
    timeline = list(request_sent.events.order_by("at").values_list("status", flat=True))
    assert timeline[-1] == "held_up" and timeline.count("held_up") == 1
