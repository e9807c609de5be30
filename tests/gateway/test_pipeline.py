"""Faults over the portal channel's whole pipeline, on each transport (memory, the queue
table, real RabbitMQ): the citizen's signed request through the gateway to the provider's
handler (R9.8-R9.12) and the statuses back. A request delivered twice, requests out of
order, a poison request parked, 50 submissions for one person: no application lost or made
twice, and exactly one open attachment per person."""

from __future__ import annotations

import datetime as dt
import random
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import close_old_connections, connection, transaction
from django.utils import timezone

from bekitu.gateway import handlers
from bekitu.gateway.contracts import attachment_status
from bekitu.gateway.envelope import Part
from bekitu.gateway.inbox import inbox_retry_due
from bekitu.gateway.models import InboxMessage, OutboxMessage
from bekitu.gateway.outbox import outbox_relay
from bekitu.gateway.services import message_send
from bekitu.gateway.signature import envelope_sign
from bekitu.gateway.worker import gateway_drain
from bekitu.registry.models import Attachment, District, Person, Provider
from bekitu.service.models import Application, PortalRequest
from bekitu.talons.models import Talon
from bekitu.talons.services import talon_pdf_make
from tests.factories import PersonFactory, ProviderFactory, ServiceAreaFactory
from tests.gateway.conftest import GatewayPki
from tests.service.portal_helpers import PDF, request_number, request_parts, signed_request

COPIES = {"identity_document": PDF}


@pytest.fixture
def statuses() -> Iterator[list[attachment_status.AttachmentStatus]]:
    """The portal's side of the statuses: what reached it, in order (whatever handler the
    portal app registers is put back after the test)."""
    service = attachment_status.SERVICE_ID
    kept = (handlers.message_handler(service), handlers.receipt_handler(service))
    handlers.handler_unregister(service_id=service)
    seen: list[attachment_status.AttachmentStatus] = []
    handlers.handler_register(
        service_id=service,
        handler=lambda m: seen.append(attachment_status.parse_status(m.part("status.xml"))),
    )
    yield seen
    handlers.handler_unregister(service_id=service)
    if kept[0] is not None:
        handlers.handler_register(service_id=service, handler=kept[0])
    if kept[1] is not None:
        handlers.receipt_register(service_id=service, handler=kept[1])


@pytest.fixture
def clinic(gw: GatewayPki, settings: Any, tmp_path: Any) -> Provider:
    """Clinic A of the gateway's PKI as a provider, with a GP district over one street."""
    settings.MEDIA_ROOT = tmp_path / "media"
    provider = ProviderFactory(bin=gw.clinic_a.bin)
    ServiceAreaFactory(district__provider=provider, district__kind=District.Kind.GP)
    return provider


@pytest.fixture
def citizen(gw: GatewayPki, clinic: Provider) -> Person:
    """The gateway PKI's person (keys of her own), living in the clinic's area."""
    street = clinic.districts.get().areas.get().street
    iin = gw.pki.persons[0].iin
    return PersonFactory(
        iin=iin, birth_date=dt.date(1979, 5, 4), sex="female", address__street=street
    )


def _submit(gw: GatewayPki, citizen: Person, number: str | None = None) -> str:
    """The portal's submission: the signed request into the outbox (R9.8)."""
    number = number or request_number()
    signed = signed_request(
        p12=gw.pki.person_sign_p12(citizen.iin),
        number=number,
        account_iin=citizen.iin,
        recipient_iin=citizen.iin,
        provider_bin=gw.clinic_a.bin,
        copies=COPIES,
    )
    with transaction.atomic():
        message_send(
            service_id="bekitu.attachment.request",
            sender_id=gw.portal.system_id,
            route_id=gw.clinic_a.bin,
            correlation_id=number,
            parts=request_parts(signed, COPIES),
        )
    return number


def _through(transport: Any, passes: int = 50) -> Any:
    """The background worker: deliver and handle what is due; make the talons' PDFs (after
    the decisions committed), which sends the talons to the portal; deliver that too."""
    report = gateway_drain(transport=transport, passes=passes)
    for talon_id in Talon.objects.filter(pdf__isnull=True).values_list("pk", flat=True):
        talon_pdf_make(talon_id=talon_id)
    gateway_drain(transport=transport, passes=passes)
    return report


def _one_open_attachment(person: Person) -> None:
    assert Attachment.objects.filter(person=person, valid_to__isnull=True).count() == 1


def _every_request_answered_once(numbers: list[str]) -> None:
    """Each portal request has one record: an application, or the reason none was made."""
    assert sorted(PortalRequest.objects.values_list("number", flat=True)) == sorted(numbers)
    made = Application.objects.filter(portal_request__number__in=numbers).count()
    rejected = PortalRequest.objects.filter(application__isnull=True).count()
    assert made + rejected == len(numbers)


@pytest.mark.django_db
def test_a_request_goes_through_to_a_talon_and_its_statuses_back(
    gw: GatewayPki, transport: Any, citizen: Person, statuses: list[Any]
) -> None:
    number = _submit(gw, citizen)

    _through(transport)

    application = Application.objects.get(portal_request__number=number)
    assert application.state == "talon_issued"
    # Registered and checked on receipt are told in one message, each step with its time.
    assert [[step.status for step in s.steps] for s in statuses] == [
        ["registered", "checked"],
        ["talon_issued"],
    ]
    assert {s.number for s in statuses} == {number}
    _one_open_attachment(citizen)
    assert not OutboxMessage.objects.exclude(status="sent").exists()
    requests = OutboxMessage.objects.filter(kind="request")
    assert set(requests.values_list("receipt_code", flat=True)) == {"SCSS001"}


@pytest.mark.django_db
def test_a_request_delivered_twice_makes_one_application(
    gw: GatewayPki, transport: Any, citizen: Person, statuses: list[Any]
) -> None:
    number = _submit(gw, citizen)
    outbox_relay(transport=transport)
    row = OutboxMessage.objects.get(correlation_id=number, service_id="bekitu.attachment.request")
    body = envelope_sign(xml=bytes(row.envelope), signer_bin=gw.portal.bin)
    transport.publish(route_id=row.route_id, body=body, message_id=str(row.message_id))
    # ... and the portal sending the same request again in a new message.
    signed_again = request_parts(
        signed_request(
            p12=gw.pki.person_sign_p12(citizen.iin),
            number=number,
            account_iin=citizen.iin,
            recipient_iin=citizen.iin,
            provider_bin=gw.clinic_a.bin,
            copies=COPIES,
        ),
        COPIES,
    )
    with transaction.atomic():
        message_send(
            service_id="bekitu.attachment.request",
            sender_id=gw.portal.system_id,
            route_id=gw.clinic_a.bin,
            correlation_id=number,
            parts=signed_again,
        )

    report = _through(transport)

    assert report.received.duplicate == 1
    assert Application.objects.filter(recipient=citizen).count() == 1
    _every_request_answered_once([number])
    assert [step.status for s in statuses for step in s.steps] == [
        "registered",
        "checked",
        "talon_issued",
    ]
    _one_open_attachment(citizen)


@pytest.mark.django_db
def test_requests_out_of_order_are_each_answered_once(
    gw: GatewayPki, transport: Any, citizen: Person, statuses: list[Any]
) -> None:
    numbers = [_submit(gw, citizen) for _ in range(6)]
    rows = list(OutboxMessage.objects.filter(service_id="bekitu.attachment.request"))
    random.Random(5).shuffle(rows)
    for row in rows:
        body = envelope_sign(xml=bytes(row.envelope), signer_bin=gw.portal.bin)
        transport.publish(route_id=row.route_id, body=body, message_id=str(row.message_id))
    OutboxMessage.objects.filter(service_id="bekitu.attachment.request").update(
        status="sent",
        sent_at=timezone.now(),
        next_attempt_at=timezone.now() + dt.timedelta(hours=1),
    )

    _through(transport)

    _every_request_answered_once(numbers)
    _one_open_attachment(citizen)
    first = PortalRequest.objects.exclude(application=None).order_by("received_at").first()
    assert first is not None and first.number == rows[0].correlation_id
    assert Application.objects.filter(recipient=citizen, state="talon_issued").count() == 1
    # Every request is answered: the talon for one, a refusal for each of the others.
    final = {s.number: s.status for s in statuses if s.status in ("talon_issued", "refused")}
    assert sorted(final) == sorted(numbers)


@pytest.mark.django_db
def test_a_poison_request_is_parked_and_the_others_go_through(
    gw: GatewayPki, transport: Any, citizen: Person, statuses: list[Any], settings: Any
) -> None:
    settings.GATEWAY_MAX_ATTEMPTS = 3
    with transaction.atomic():
        poison = message_send(  # no request number: the handler can never take it
            service_id="bekitu.attachment.request",
            sender_id=gw.portal.system_id,
            route_id=gw.clinic_a.bin,
            parts=[Part("request.xml", b"<AttachmentRequest/>", "application/xml")],
        )
    number = _submit(gw, citizen)

    gateway_drain(transport=transport)
    for _ in range(3):
        InboxMessage.objects.update(next_attempt_at=timezone.now() - dt.timedelta(seconds=1))
        inbox_retry_due()
    _through(transport)

    parked = InboxMessage.objects.get(status="parked")
    assert str(parked.message_id) == str(poison.message_id)
    assert OutboxMessage.objects.get(message_id=poison.message_id).receipt_code == "ESRV002"
    assert Application.objects.get(portal_request__number=number).state == "talon_issued"
    _every_request_answered_once([number])


@pytest.mark.django_db
def test_fifty_submissions_for_one_person_make_one_open_attachment(
    gw: GatewayPki, transport: Any, citizen: Person, statuses: list[Any]
) -> None:
    numbers = [_submit(gw, citizen) for _ in range(50)]

    _through(transport, passes=200)

    _every_request_answered_once(numbers)
    _one_open_attachment(citizen)
    assert Application.objects.filter(recipient=citizen, state="talon_issued").count() == 1
    final = {s.number for s in statuses if s.status in ("talon_issued", "refused")}
    assert final == set(numbers)


@pytest.mark.django_db(transaction=True)
def test_fifty_submissions_handled_by_four_receivers_at_once_make_one_open_attachment(
    gw: GatewayPki, citizen: Person, statuses: list[Any], settings: Any
) -> None:
    """Four receivers in threads take the 50 requests from the queue table concurrently
    (PostgreSQL: row locks and the one-open-application constraint decide the races)."""
    if connection.vendor != "postgresql":
        pytest.skip("concurrent receivers need PostgreSQL (SQLite writes one at a time)")
    from bekitu.gateway.transports.database import DatabaseTransport

    numbers = [_submit(gw, citizen) for _ in range(50)]
    outbox_relay(transport=DatabaseTransport(poll=0.01), limit=100)
    errors: list[BaseException] = []

    def receive() -> None:
        transport = DatabaseTransport(poll=0.01)
        try:
            for _ in range(40):
                gateway_drain(transport=transport, passes=5)
                for _retry in range(2):
                    InboxMessage.objects.filter(status="retrying").update(
                        next_attempt_at=timezone.now()
                    )
                    inbox_retry_due()
        except BaseException as exc:
            errors.append(exc)
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=receive) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors
    _every_request_answered_once(numbers)
    _one_open_attachment(citizen)
    assert Application.objects.filter(recipient=citizen, state="talon_issued").count() == 1
