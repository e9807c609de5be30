"""Synchronous queries through the gateway: request, signed answer, timeout (the cabinet reads
a person's attachment from the register this way)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from bekitu.core.errors import DomainError
from bekitu.gateway import envelope
from bekitu.gateway.errors import GatewayError, GatewayRefused, GatewayTimeout, GatewayUnavailable
from bekitu.gateway.handlers import handler_unregister, query_register
from bekitu.gateway.inbox import inbox_receive
from bekitu.gateway.models import InboxMessage, OutboxMessage
from bekitu.gateway.services import message_call
from bekitu.gateway.transports import TransportError
from tests.gateway.conftest import QUERY, GatewayPki

pytestmark = pytest.mark.django_db


@pytest.fixture
def answered(transport: Any) -> Iterator[list[Any]]:
    """A query handler for QUERY, and the transport answering in the calling thread."""
    asked: list[Any] = []

    def answer(message: Any) -> dict[str, bytes]:
        asked.append(message)
        if message.property("iin") == "refuse":
            raise DomainError("no", code="person_not_found")
        if message.property("iin") == "crash":
            raise ValueError("a bug")
        return {"attachment.xml": b"<attachment provider='clinic A'/>"}

    query_register(service_id=QUERY, handler=answer)
    transport.serve = lambda: inbox_receive(transport=transport, wait=2)
    yield asked
    handler_unregister(service_id=QUERY)


def _call(gw: GatewayPki, transport: Any, iin: str = "ok", **kwargs: Any) -> Any:
    return message_call(
        service_id=kwargs.pop("service_id", QUERY),
        sender_id=gw.portal.system_id,
        route_id=gw.clinic_a.system_id,
        properties=[("iin", iin)],
        transport=transport,
        timeout=kwargs.pop("timeout", 5),
        **kwargs,
    )


def test_a_query_is_answered_signed_by_the_route(
    gw: GatewayPki, transport: Any, answered: list[Any]
) -> None:
    response = _call(gw, transport)
    assert response.status_code == envelope.SUCCESS
    assert response.header.sender_id == gw.clinic_a.system_id
    assert response.part("attachment.xml") == b"<attachment provider='clinic A'/>"
    assert [m.sender_id for m in answered] == [gw.portal.system_id]
    # A query changes nothing: no outbox, no inbox.
    assert not OutboxMessage.objects.exists()
    assert not InboxMessage.objects.exists()


def test_a_query_without_a_handler_is_refused_with_unknown_service(
    gw: GatewayPki, transport: Any, answered: list[Any]
) -> None:
    with pytest.raises(GatewayRefused) as caught:
        _call(gw, transport, service_id="test.nothing")
    assert caught.value.status_code == envelope.UNKNOWN_SERVICE


def test_a_handler_refusal_and_a_handler_bug_come_back_as_statuses(
    gw: GatewayPki, transport: Any, answered: list[Any]
) -> None:
    with pytest.raises(GatewayRefused) as refused:
        _call(gw, transport, iin="refuse")
    assert (refused.value.status_code, refused.value.detail) == (
        envelope.SERVICE_REFUSED,
        "person_not_found",
    )
    with pytest.raises(GatewayRefused) as failed:
        _call(gw, transport, iin="crash")
    assert failed.value.status_code == envelope.SERVICE_FAILED
    assert "a bug" not in failed.value.detail


def test_no_answer_in_time_is_a_clear_error(gw: GatewayPki, transport: Any) -> None:
    query_register(service_id=QUERY, handler=lambda m: {})
    try:
        started = time.monotonic()
        with pytest.raises(GatewayTimeout) as caught:
            _call(gw, transport, timeout=0.3)  # nobody receives: no answer
    finally:
        handler_unregister(service_id=QUERY)
    assert time.monotonic() - started < 3
    assert "did not answer in time" in str(caught.value.message)
    assert caught.value.code == "gateway_timeout"


def test_a_query_whose_caller_has_given_up_is_not_answered(
    gw: GatewayPki, transport: Any, answered: list[Any], settings: Any
) -> None:
    settings.GATEWAY_CALL_TIMEOUT_SECONDS = 0  # every request is already too old to answer
    with pytest.raises(GatewayTimeout):
        _call(gw, transport, timeout=0.3)
    assert answered == []


def test_a_transport_that_is_down_is_said_so(gw: GatewayPki) -> None:
    class Down:
        name = "down"

        def call(self, **kwargs: Any) -> bytes | None:
            raise TransportError("connection refused")

    with pytest.raises(GatewayUnavailable):
        _call(gw, Down())


def test_an_answer_not_signed_by_the_route_is_refused(
    gw: GatewayPki, transport: Any, answered: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from bekitu.gateway import inbox

    real = inbox.envelope_sign
    # The answering side signs with another organization's key than the route's.
    monkeypatch.setattr(
        inbox, "envelope_sign", lambda *, xml, signer_bin: real(xml=xml, signer_bin=gw.clinic_b.bin)
    )
    with pytest.raises(GatewayError) as caught:
        _call(gw, transport)
    assert caught.value.code == "gateway_answer_not_confirmed"
