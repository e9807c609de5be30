"""A citizen's request never stays behind the provider's word: a status message the gateway
lost on the way (parked by the provider's relay after its last attempt and discarded by its
operator) leaves the request as it was, until the portal, finding it silent for
BEKITU_PORTAL_STATUS_SILENT_MINUTES, asks the provider where it stands and applies the answer
as the status message would have been applied: the same timeline, talon or refusal and
notification, once."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

import pytest
from django.core.management import call_command
from django.db.models import F

from bekitu.celery import app as celery_app
from bekitu.core.models import AuditEntry
from bekitu.eds.verification import verify_provider_document
from bekitu.gateway import handlers, services
from bekitu.gateway.contracts import attachment_status, status_query
from bekitu.gateway.errors import GatewayRefused
from bekitu.gateway.models import InboxMessage, OutboxMessage
from bekitu.gateway.services import message_call, participant_register
from bekitu.gateway.transports import TransportError
from bekitu.portal.models import CitizenRequest, RequestEvent
from bekitu.portal.reconcile import request_reconcile, requests_reconcile
from bekitu.registry.models import Person
from bekitu.service.models import Application, PortalSetting
from bekitu.talons.services import talons_sign_pending
from tests.factories import AttachmentFactory
from tests.portal import test_requests_api as api
from tests.portal.conftest import drain
from tests.portal.test_requests_api import submitted

pytestmark = pytest.mark.django_db

auth = api.auth  # the API tests' fixture: the logged-in citizen's bearer header


@pytest.fixture(autouse=True)
def _one_attempt(settings: Any) -> None:
    settings.GATEWAY_MAX_ATTEMPTS = 1  # parked at the first failure
    settings.PORTAL_STATUS_SILENT_MINUTES = 60


def _statuses_lost(channel: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """Relay and receive as the worker does, but every status message the provider's relay
    sends fails (its last attempt: parked) and its operator discards it."""
    publish = channel.publish

    def failing(*, route_id: str, body: bytes, message_id: str) -> None:
        if OutboxMessage.objects.filter(
            message_id=message_id, service_id=attachment_status.SERVICE_ID
        ).exists():
            raise TransportError("the portal cannot be reached")
        publish(route_id=route_id, body=body, message_id=message_id)

    monkeypatch.setattr(channel, "publish", failing)
    drain(channel)
    monkeypatch.setattr(channel, "publish", publish)
    parked = OutboxMessage.objects.filter(
        service_id=attachment_status.SERVICE_ID, status=OutboxMessage.Status.PARKED
    )
    assert parked.exists()
    for message_id in parked.values_list("message_id", flat=True):
        services.outbox_discard(message_id=str(message_id))
    drain(channel)


def _an_hour_later() -> None:
    """The request's steps (and any question about it) an hour and more in the past."""
    back = dt.timedelta(minutes=61)
    RequestEvent.objects.update(at=F("at") - back)
    CitizenRequest.objects.filter(status_asked_at__isnull=False).update(
        status_asked_at=F("status_asked_at") - back
    )


def _steps(number: str) -> list[str]:
    return list(
        RequestEvent.objects.filter(request__number=number)
        .order_by("at", "pk")
        .values_list("status", flat=True)
    )


def test_a_talon_whose_status_messages_were_discarded_reaches_the_cabinet(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    provider: Any,
    test_pki: Any,
    channel: Any,
    told: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    number = submitted(client, auth, provider, citizen, test_pki)
    _statuses_lost(channel, monkeypatch)
    application = Application.objects.get(portal_request__number=number)
    assert application.state == "talon_issued"
    request = CitizenRequest.objects.get(number=number)
    assert request.status == "sent" and not request.talon_number  # behind the provider

    assert requests_reconcile().asked == 0  # not silent long enough yet
    _an_hour_later()
    report = requests_reconcile()

    assert (report.asked, report.changed) == (1, 1)
    request.refresh_from_db()
    assert request.status == "talon_issued"
    assert request.talon_number == application.talon_number
    assert bytes(request.talon_pdf or b"").startswith(b"%PDF")
    assert bytes(request.talon_xml or b"").startswith(b"<?xml")
    assert request.registration_number == application.number
    assert _steps(number) == [
        *("submitted", "sent", "delivered"),
        *("registered", "checked", "talon_issued"),
    ]
    # Each step at the time the provider took it, as its status message would have told.
    taken = dict(application.steps.values_list("action", "at"))
    events = dict(RequestEvent.objects.filter(request=request).values_list("status", "at"))
    assert events["registered"] == taken["register"].replace(microsecond=0)
    assert told == ["talon_issued"]
    reconciled = AuditEntry.objects.get(action="portal.request.reconciled", object_id=number)
    assert reconciled.data["from"] == "sent" and reconciled.data["to"] == "talon_issued"
    assert AuditEntry.objects.filter(action="portal.request.reconcile").count() == 1

    _an_hour_later()
    assert requests_reconcile().asked == 0  # decided: never asked again


def test_a_refusal_whose_status_message_was_discarded_reaches_the_cabinet(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    provider: Any,
    test_pki: Any,
    channel: Any,
    told: list[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    AttachmentFactory(person=citizen, provider=provider)  # already attached there
    number = submitted(client, auth, provider, citizen, test_pki)
    _statuses_lost(channel, monkeypatch)
    application = Application.objects.get(portal_request__number=number)
    assert application.state == "refused"
    _an_hour_later()

    assert request_reconcile(number=number) == "changed"  # the operator's way, one request

    request = CitizenRequest.objects.get(number=number)
    assert request.status == "refused"
    assert request.refusal_code == application.refusal_code
    assert set(request.refusal_legal_ground) == {"kk", "ru", "en"}
    assert request.refusal_message["ru"] and not request.talon_number
    assert _steps(number)[-1] == "refused" and "delivered" in _steps(number)
    assert told == ["refused"]


def test_an_answer_that_tells_nothing_new_changes_nothing(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    provider: Any,
    test_pki: Any,
    channel: Any,
    told: list[str],
) -> None:
    PortalSetting.objects.create(provider=provider, decision=PortalSetting.Decision.SPECIALIST)
    number = submitted(client, auth, provider, citizen, test_pki)
    drain(channel)  # registered and checked, told; a specialist decides
    request = CitizenRequest.objects.get(number=number)
    assert request.status == "checked"
    _an_hour_later()
    before = list(RequestEvent.objects.filter(request=request).values_list("status", "at"))
    seen = list(told)

    report = requests_reconcile()

    assert (report.asked, report.unchanged) == (1, 1)
    request.refresh_from_db()
    assert request.status == "checked" and request.status_asked_at is not None
    assert list(RequestEvent.objects.filter(request=request).values_list("status", "at")) == before
    assert told == seen
    assert not AuditEntry.objects.filter(action="portal.request.reconciled").exists()
    # Asked once per silent period, not at every run of the beat.
    assert requests_reconcile().asked == 0
    _an_hour_later()
    assert requests_reconcile().asked == 1


def test_a_request_the_provider_does_not_know_is_left_as_it_is(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    provider: Any,
    test_pki: Any,
    channel: Any,
    told: list[str],
) -> None:
    number = submitted(client, auth, provider, citizen, test_pki)
    channel.fail_next(1)  # the portal's outbox parks it: held up, never at the provider
    drain(channel)
    assert CitizenRequest.objects.get(number=number).status == "held_up"
    _an_hour_later()
    seen = list(told)

    report = requests_reconcile()

    assert (report.asked, report.unknown) == (1, 1)
    assert CitizenRequest.objects.get(number=number).status == "held_up"
    assert told == seen
    unknown = AuditEntry.objects.filter(
        action="portal.request.unknown_to_provider", object_id=number
    )
    assert unknown.count() == 1
    # Asked again each silent period (an operator may replay it), audited only the first time.
    _an_hour_later()
    assert requests_reconcile().unknown == 1
    assert unknown.count() == 1


def test_the_provider_answers_of_an_unknown_number_that_it_is_unknown(
    settings: Any, provider: Any, channel: Any
) -> None:
    answer = message_call(
        service_id=status_query.SERVICE_ID,
        sender_id=settings.PORTAL_SYSTEM_ID,
        route_id=provider.bin,
        parts={status_query.PART_QUERY: status_query.build_query("P-20990101-999999")},
        timeout=5,
    )

    said = status_query.parse_answer(answer.part(status_query.PART_ANSWER))
    assert (said.number, said.known) == ("P-20990101-999999", False)
    assert [p.name for p in answer.parts] == [status_query.PART_ANSWER]


def test_a_provider_that_does_not_answer_leaves_the_request_to_be_asked_later(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    provider: Any,
    test_pki: Any,
    channel: Any,
    told: list[str],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    number = submitted(client, auth, provider, citizen, test_pki)
    _statuses_lost(channel, monkeypatch)
    _an_hour_later()
    channel.fail_next(1)  # the gateway cannot be reached

    report = requests_reconcile()

    assert (report.asked, report.unanswered) == (1, 1)
    assert CitizenRequest.objects.get(number=number).status == "sent"
    assert told == []
    assert "portal.request.status_unanswered" in caplog.text
    # Not connected (the provider's participant deactivated): the same.
    participant_register(system_id=provider.bin, bin=provider.bin, local=True, active=False)
    _an_hour_later()
    assert requests_reconcile().unanswered == 1
    assert CitizenRequest.objects.get(number=number).status == "sent"

    participant_register(system_id=provider.bin, bin=provider.bin, local=True)
    assert requests_reconcile().asked == 0  # asked a moment ago: later
    _an_hour_later()
    assert requests_reconcile().changed == 1
    assert CitizenRequest.objects.get(number=number).status == "talon_issued"


def test_only_the_portal_is_told_where_a_request_stands(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    provider: Any,
    test_pki: Any,
    channel: Any,
    settings: Any,
) -> None:
    """The answer carries the talon, with the person's data: another participant of the
    gateway (another provider's system) asking of the portal's request is refused, and
    nothing is read for it."""
    number = submitted(client, auth, provider, citizen, test_pki)
    drain(channel)
    participant_register(system_id="other-system", bin=test_pki.providers[1].bin, local=True)

    with pytest.raises(GatewayRefused) as refused:
        message_call(
            service_id=status_query.SERVICE_ID,
            sender_id="other-system",
            route_id=provider.bin,
            parts={status_query.PART_QUERY: status_query.build_query(number)},
            timeout=5,
        )

    assert refused.value.detail == "not_the_portal"
    assert not AuditEntry.objects.filter(action="service.portal_request.status_asked").exists()


def test_the_operators_command_asks_for_one_request(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    provider: Any,
    test_pki: Any,
    channel: Any,
    told: list[str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    number = submitted(client, auth, provider, citizen, test_pki)
    _statuses_lost(channel, monkeypatch)  # not silent long enough for the beat: asked now

    call_command("portal-status", number)

    assert json.loads(capsys.readouterr().out) == {"number": number, "outcome": "changed"}
    assert CitizenRequest.objects.get(number=number).status == "talon_issued"
    entry = AuditEntry.objects.get(action="portal.request.reconciled", object_id=number)
    assert (entry.actor, entry.data["to"]) == ("cli", "talon_issued")


def test_a_status_message_the_portals_inbox_parked_and_discarded_is_repaired(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    provider: Any,
    test_pki: Any,
    channel: Any,
    told: list[str],
) -> None:
    """The other way a status message is lost: it reached the portal, whose handler failed
    its last attempt (parked in the portal's inbox), and the operator discarded it."""

    def failing(message: Any) -> None:
        raise RuntimeError("the portal's database refused the write")

    number = submitted(client, auth, provider, citizen, test_pki)
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(
            handlers._MESSAGES.entries,
            attachment_status.SERVICE_ID,
            failing,
        )
        drain(channel)
    parked = InboxMessage.objects.filter(
        service_id=attachment_status.SERVICE_ID, status=InboxMessage.Status.PARKED
    )
    assert parked.exists()
    for message_id in parked.values_list("message_id", flat=True):
        services.inbox_discard(message_id=str(message_id))
    drain(channel)
    assert CitizenRequest.objects.get(number=number).status != "talon_issued"
    _an_hour_later()

    assert requests_reconcile().changed == 1

    request = CitizenRequest.objects.get(number=number)
    assert request.status == "talon_issued" and bytes(request.talon_pdf or b"")
    assert told[-1] == "talon_issued" and told.count("talon_issued") == 1


def test_a_signed_talon_whose_message_was_lost_replaces_the_talon_pending(
    client: Any,
    auth: dict[str, str],
    citizen: Person,
    provider: Any,
    test_pki: Any,
    channel: Any,
    key_away: Callable[[], None],
    told: list[str],
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    """Decided while the provider's key was away (R3.1): the portal heard `talon_pending`;
    the signed talon's message, once the key was back, was lost on the way."""
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", True)
    number = submitted(client, auth, provider, citizen, test_pki)
    with django_capture_on_commit_callbacks(execute=True):
        drain(channel)
    assert CitizenRequest.objects.get(number=number).status == "talon_pending"
    key_away()  # put back
    assert talons_sign_pending() == (1, 0)
    with django_capture_on_commit_callbacks(execute=True):
        _statuses_lost(channel, monkeypatch)
    assert CitizenRequest.objects.get(number=number).status == "talon_pending"
    _an_hour_later()

    assert requests_reconcile().changed == 1

    request = CitizenRequest.objects.get(number=number)
    assert request.status == "talon_issued"
    assert verify_provider_document(bytes(request.talon_xml or b""), expect_bin=provider.bin).valid
    assert {"talon_pending", "talon_issued"} <= set(_steps(number))
    assert told[-1] == "talon_issued"
