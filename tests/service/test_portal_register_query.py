"""The register answers the personal cabinet through the gateway (R9.8): a person's current
attachment and history, and a parent's children, by a synchronous signed query."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from bekitu.core.models import AuditEntry
from bekitu.gateway.contracts import register_query as contract
from bekitu.gateway.errors import GatewayRefused
from bekitu.gateway.inbox import inbox_receive
from bekitu.gateway.services import message_call, participant_register
from bekitu.gateway.transports.memory import MemoryTransport
from bekitu.registry.models import Attachment
from tests.factories import AttachmentFactory, PersonFactory, PersonRelationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def register(eds_settings: Any, test_pki: Any, settings: Any) -> Iterator[MemoryTransport]:
    """The portal and the register take part in the gateway; the register answers here."""
    settings.GATEWAY_KEYS_DIR = ""
    participant_register(system_id="egov-portal", bin=test_pki.providers[1].bin, local=True)
    participant_register(
        system_id=settings.GATEWAY_REGISTER_SYSTEM_ID, bin=test_pki.provider.bin, local=True
    )
    transport = MemoryTransport()
    transport.serve = lambda: inbox_receive(transport=transport, wait=2)  # type: ignore[attr-defined]
    yield transport
    transport.close()


def _ask(
    transport: MemoryTransport, settings: Any, iin: str, children: bool, sender: str = "egov-portal"
) -> Any:
    response = message_call(
        service_id=contract.SERVICE_ID,
        sender_id=sender,
        route_id=settings.GATEWAY_REGISTER_SYSTEM_ID,
        parts={contract.PART_QUERY: contract.build_query(contract.AttachmentsQuery(iin, children))},
        transport=transport,
        timeout=5,
    )
    return contract.parse_answer(response.part(contract.PART_ANSWER))


def test_a_parent_reads_their_attachment_its_history_and_their_childs(
    register: MemoryTransport, settings: Any
) -> None:
    parent = PersonFactory(birth_date=dt.date(1988, 2, 11))
    earlier = AttachmentFactory(
        person=parent,
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2024, 1, 15),
        end_reason=Attachment.EndReason.TRANSFER,
    )
    now = AttachmentFactory(person=parent, valid_from=dt.date(2024, 1, 15), home_visits=False)
    child = PersonRelationFactory(relative=parent).person
    AttachmentFactory(person=child, valid_from=dt.date(2019, 6, 1))
    adult_child = PersonRelationFactory(relative=parent, person__birth_date=dt.date(2001, 1, 1))

    [me, kid] = _ask(register, settings, parent.iin, children=True)

    assert (me.iin, me.relation) == (parent.iin, "self")
    assert me.current is not None and me.current.provider.bin == now.provider.bin
    assert me.current.since == dt.date(2024, 1, 15) and me.current.home_visits is False
    assert me.current.district == str(now.district.number)
    assert [p.provider.bin for p in me.history] == [now.provider.bin, earlier.provider.bin]
    assert me.history[1].valid_to == dt.date(2024, 1, 15)
    assert (kid.iin, kid.relation) == (child.iin, "child")
    assert kid.current is not None and kid.current.since == dt.date(2019, 6, 1)
    assert adult_child.person.iin not in {me.iin, kid.iin}
    read = AuditEntry.objects.filter(action="service.register.attachments")
    assert {(e.subject_iin, e.data["asked_by"]) for e in read} == {
        (parent.iin, "egov-portal"),
        (child.iin, "egov-portal"),
    }


def test_without_children_only_the_person_is_answered(
    register: MemoryTransport, settings: Any
) -> None:
    parent = PersonFactory(birth_date=dt.date(1988, 2, 11))
    PersonRelationFactory(relative=parent)

    [me] = _ask(register, settings, parent.iin, children=False)

    assert me.iin == parent.iin and me.current is None and me.history == ()


def test_an_unknown_person_is_refused_with_a_code(register: MemoryTransport, settings: Any) -> None:
    with pytest.raises(GatewayRefused) as refused:
        _ask(register, settings, "850314300011", children=False)

    assert refused.value.detail == "person_not_found"


def test_only_the_portal_is_answered_a_persons_attachments(
    register: MemoryTransport, settings: Any, test_pki: Any
) -> None:
    """The register answers the citizen's cabinet, through the portal: another participant of
    the gateway (a provider's system) is not told who is attached where, nor whose children
    are whose, and nothing is read for it."""
    participant_register(system_id="other-system", bin=test_pki.providers[1].bin, local=True)
    parent = PersonFactory(birth_date=dt.date(1988, 2, 11))
    AttachmentFactory(person=parent, valid_from=dt.date(2024, 1, 15))

    with pytest.raises(GatewayRefused) as refused:
        _ask(register, settings, parent.iin, children=True, sender="other-system")

    assert refused.value.detail == "not_the_portal"
    assert not AuditEntry.objects.filter(action="service.register.attachments").exists()


def test_only_the_portal_is_answered_which_providers_cover_a_persons_address(
    register: MemoryTransport, settings: Any, test_pki: Any
) -> None:
    """The providers' query tells, for a recipient, whether their registered address is in
    each provider's area and how many changes they have left: for the portal's citizen, not
    for another participant of the gateway."""
    from bekitu.gateway.contracts import portal_providers

    participant_register(system_id="other-system", bin=test_pki.providers[1].bin, local=True)
    person = PersonFactory(birth_date=dt.date(1988, 2, 11))
    query = portal_providers.ProvidersQuery(recipient_iin=person.iin, disclose=True)

    with pytest.raises(GatewayRefused) as refused:
        message_call(
            service_id=portal_providers.SERVICE_ID,
            sender_id="other-system",
            route_id=settings.GATEWAY_REGISTER_SYSTEM_ID,
            parts={portal_providers.PART_QUERY: portal_providers.build_query(query)},
            transport=register,
            timeout=5,
        )

    assert refused.value.detail == "not_the_portal"
