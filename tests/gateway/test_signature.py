"""Message-level authenticity (R9.8): envelopes are signed by the sending system and verified
on receipt; what fails never reaches a handler."""

from __future__ import annotations

import pytest
from django.utils import timezone

from bekitu.core.models import AuditEntry
from bekitu.eds.signing import sign_xml_with_p12
from bekitu.gateway import envelope
from bekitu.gateway.envelope import Header, Part, Request
from bekitu.gateway.models import Participant
from bekitu.gateway.signature import Rejected, envelope_sign, envelope_verify
from tests.gateway.conftest import GatewayPki, Org

pytestmark = pytest.mark.django_db


def _xml(sender: Org, route: Org, **changes: str) -> bytes:
    header = Header(
        message_id=envelope.new_message_id(),
        service_id="test.service",
        sender_id=changes.get("sender_id", sender.system_id),
        route_id=route.system_id,
        date=timezone.localtime(),
    )
    return envelope.build_request(Request(header, (Part("request.xml", b"<r>1</r>"),)))


def test_a_signed_envelope_verifies_and_is_read_from_its_signed_content(gw: GatewayPki) -> None:
    xml = _xml(gw.portal, gw.clinic_a)
    verified = envelope_verify(envelope_sign(xml=xml, signer_bin=gw.portal.bin))
    assert verified.kind == "request"
    assert verified.request is not None
    assert verified.header.sender_id == gw.portal.system_id
    assert verified.request.part("request.xml") == b"<r>1</r>"
    assert verified.signer_serial
    # eds audits each verification, as for every signed document
    assert AuditEntry.objects.filter(action="eds.verify", data__outcome="valid").exists()


def test_signing_the_same_envelope_twice_gives_the_same_bytes(gw: GatewayPki) -> None:
    xml = _xml(gw.portal, gw.clinic_a)
    assert envelope_sign(xml=xml, signer_bin=gw.portal.bin) == envelope_sign(
        xml=xml, signer_bin=gw.portal.bin
    )


def _rejected(data: bytes, **kwargs: str) -> Rejected:
    with pytest.raises(Rejected) as caught:
        envelope_verify(data, **kwargs)
    return caught.value


def test_an_envelope_changed_after_signing_is_refused(gw: GatewayPki) -> None:
    signed = envelope_sign(xml=_xml(gw.portal, gw.clinic_a), signer_bin=gw.portal.bin)
    tampered = signed.replace(b"<serviceId>test.service<", b"<serviceId>test.servicf<")
    rejected = _rejected(tampered)
    assert (rejected.code, rejected.reason) == (envelope.SIGNATURE_NOT_CONFIRMED, "bad_signature")


def test_another_participant_cannot_sign_as_the_portal(gw: GatewayPki) -> None:
    # clinic A's key on an envelope that claims to come from the portal
    signed = envelope_sign(xml=_xml(gw.portal, gw.clinic_b), signer_bin=gw.clinic_a.bin)
    rejected = _rejected(signed)
    assert (rejected.code, rejected.reason) == (envelope.SIGNATURE_NOT_CONFIRMED, "bin_mismatch")
    assert rejected.claimed_sender == gw.portal.system_id


def test_a_person_s_key_is_not_a_system_s_key(gw: GatewayPki) -> None:
    person = gw.pki.person
    signed = sign_xml_with_p12(
        p12_path=gw.pki.person_sign_p12(person.iin),
        password=gw.pki.password,
        xml=_xml(gw.portal, gw.clinic_a),
    )
    rejected = _rejected(signed)
    assert (rejected.code, rejected.reason) == (
        envelope.SIGNATURE_NOT_CONFIRMED,
        "not_organization",
    )


def test_an_unsigned_envelope_is_refused(gw: GatewayPki) -> None:
    rejected = _rejected(_xml(gw.portal, gw.clinic_a))
    assert (rejected.code, rejected.reason) == (envelope.SIGNATURE_NOT_CONFIRMED, "malformed")


def test_an_unknown_or_inactive_sender_is_refused(gw: GatewayPki) -> None:
    stranger = _xml(gw.portal, gw.clinic_a, sender_id="stranger")
    assert _rejected(envelope_sign(xml=stranger, signer_bin=gw.portal.bin)).code == (
        envelope.UNKNOWN_PARTICIPANT
    )
    Participant.objects.filter(system_id=gw.portal.system_id).update(active=False)
    signed = envelope_sign(xml=_xml(gw.portal, gw.clinic_a), signer_bin=gw.portal.bin)
    assert _rejected(signed).code == envelope.UNKNOWN_PARTICIPANT


def test_an_answer_from_another_than_the_asked_route_is_refused(gw: GatewayPki) -> None:
    signed = envelope_sign(xml=_xml(gw.clinic_b, gw.portal), signer_bin=gw.clinic_b.bin)
    rejected = _rejected(signed, expect_sender=gw.clinic_a.system_id)
    assert rejected.code == envelope.UNKNOWN_PARTICIPANT


@pytest.mark.parametrize(
    "data",
    [b"not xml", b"<x/>", b"<!DOCTYPE x><x/>", b"<gw:SendMessage xmlns:gw='urn:other'/>"],
)
def test_what_is_not_an_envelope_is_refused_before_any_key_is_touched(
    gw: GatewayPki, data: bytes
) -> None:
    assert _rejected(data).code == envelope.ENVELOPE_INVALID
    assert not AuditEntry.objects.filter(action="eds.verify").exists()


def test_an_envelope_over_the_size_limit_is_refused(gw: GatewayPki, settings: object) -> None:
    signed = envelope_sign(xml=_xml(gw.portal, gw.clinic_a), signer_bin=gw.portal.bin)
    settings.GATEWAY_MAX_ENVELOPE_BYTES = len(signed) - 1  # type: ignore[attr-defined]
    assert _rejected(signed).code == envelope.ENVELOPE_INVALID
