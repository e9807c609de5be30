"""Message-level authenticity (R9.8): every envelope is signed with the sending system's
organization key and verified on receipt, beyond whatever the transport itself guarantees.

A participant (the portal, a provider) signs with the organization certificate of its BIN, in
the same XML-DSig profile as every other signed document here (enveloped, C14N, RSA-SHA256,
only the leaf in KeyInfo). The receiver checks it with `eds.verify_provider_document`: path to
a trusted root, revocation, organization profile, and the BIN of the participant the envelope
names as its sender. Anything that fails is `Rejected` and never reaches a handler; the fields
of an accepted envelope are read from what the signature covers only.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from lxml import etree

from bekitu.eds.signing import DirectoryKeyStore, ProviderKeyStore, sign_xml_with_key
from bekitu.eds.verification import verify_provider_document
from bekitu.gateway import envelope
from bekitu.gateway.envelope import (
    ENVELOPE_INVALID,
    SIGNATURE_NOT_CONFIRMED,
    UNKNOWN_PARTICIPANT,
    EnvelopeInvalid,
    Header,
    Request,
    Response,
)
from bekitu.gateway.selectors import active_participants


def key_store() -> ProviderKeyStore:
    """The local participants' keys: BEKITU_GATEWAY_KEYS_DIR, else the providers' key folder."""
    folder = settings.GATEWAY_KEYS_DIR
    return DirectoryKeyStore(Path(folder) if folder else None)


def envelope_sign(*, xml: bytes, signer_bin: str, keys: ProviderKeyStore | None = None) -> bytes:
    """Sign an envelope with the organization key of `signer_bin`. RSA PKCS#1 v1.5 is
    deterministic, so signing the same envelope again gives the same bytes."""
    key = (keys or key_store()).load(signer_bin)
    return sign_xml_with_key(key=key, xml=xml)


class Rejected(Exception):
    """The envelope is refused on receipt: `code` is a status code of envelope.STATUS_TEXT."""

    def __init__(
        self, code: str, reason: str, *, claimed_sender: str = "", claimed_message_id: str = ""
    ) -> None:
        super().__init__(f"{code}: {reason}")
        self.code = code
        self.reason = reason
        self.claimed_sender = claimed_sender
        self.claimed_message_id = claimed_message_id


@dataclass(frozen=True)
class Verified:
    """An envelope whose signature and schema checked out, read from its signed content."""

    kind: str
    request: Request | None
    response: Response | None
    signer_serial: str

    @property
    def header(self) -> Header:
        """The routing fields of the request or the response."""
        message = self.request or self.response
        assert message is not None
        return message.header


def _claims(root: etree._Element) -> tuple[str, str]:
    """The sender and message id an envelope claims, before anything is trusted."""
    info = root.find("request/requestInfo")
    if info is None:
        info = root.find("response/responseInfo")
    if info is None:
        return "", ""
    return (info.findtext("sender/senderId") or "")[:64], (info.findtext("messageId") or "")[:64]


def envelope_verify(data: bytes, *, expect_sender: str | None = None) -> Verified:
    """Check an envelope: well-formed and within the size limit, valid against the schema,
    sent by an active participant (`expect_sender` if given), signed with an organization
    certificate of that participant's BIN. Raise `Rejected` otherwise."""
    try:
        root = envelope.parse(data, max_bytes=settings.GATEWAY_MAX_ENVELOPE_BYTES)
        envelope.validate(root)
        kind = envelope.kind_of(root)
    except EnvelopeInvalid as exc:
        raise Rejected(ENVELOPE_INVALID, str(exc)[:200]) from exc
    sender, message_id = _claims(root)
    claims = {"claimed_sender": sender, "claimed_message_id": message_id}
    if expect_sender is not None and sender != expect_sender:
        raise Rejected(UNKNOWN_PARTICIPANT, "not the expected sender", **claims)
    participant = active_participants([sender]).get(sender)
    if participant is None:
        raise Rejected(UNKNOWN_PARTICIPANT, "the sender is not an active participant", **claims)
    result = verify_provider_document(
        data, expect_bin=participant.bin, max_bytes=settings.GATEWAY_MAX_ENVELOPE_BYTES
    )
    if not result.valid or result.signed_root is None or result.signer is None:
        raise Rejected(SIGNATURE_NOT_CONFIRMED, result.reason or "not valid", **claims)
    try:
        if kind == "request":
            request, response = envelope.read_request(result.signed_root), None
        else:
            request, response = None, envelope.read_response(result.signed_root)
    except EnvelopeInvalid as exc:
        raise Rejected(ENVELOPE_INVALID, str(exc)[:200], **claims) from exc
    verified = Verified(kind, request, response, result.signer.serial)
    if verified.header.sender_id != sender:
        # The signed content is the document itself, so this cannot differ; if it ever did,
        # the signature would vouch for another sender than the one whose BIN was checked.
        raise Rejected(
            SIGNATURE_NOT_CONFIRMED, "the signed sender is not the one checked", **claims
        )
    return verified
