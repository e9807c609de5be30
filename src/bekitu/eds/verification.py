"""Verify a signed XML document: a citizen's request (R9.6) or a provider's talon (R9.12).

The checks run in the order of REASONS and the first failure names the refusal: the XML and
its one enveloped signature (`xmlcheck`), the path to a configured root with validity
(`path_cache`, `trust`), the signer's revocation (`revocation`), then the NCA profile
(`profile`). It fails closed: anything unexpected is a refusal, never an exception and never
valid. Every call is audited (outcome, reason, certificate serial; never the document).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import timezone
from lxml import etree

from bekitu.core.audit import audit_record
from bekitu.eds.backends.registry import get_backend
from bekitu.eds.path_cache import PathInput, validated_chain
from bekitu.eds.profile import CertificateProfile, check_holder, read_profile
from bekitu.eds.refusal import REASON_MESSAGES, REASONS, Refused
from bekitu.eds.revocation import LeafRevocationInput, check_leaf, current_crls, load_crls
from bekitu.eds.trust import load_trust_store
from bekitu.eds.xmlcheck import SignedXml, check_xml

__all__ = [
    "REASONS",
    "REASON_MESSAGES",
    "SignerInfo",
    "VerificationResult",
    "verify_authentication",
    "verify_provider_document",
    "verify_request",
]

log = logging.getLogger("bekitu.eds")

# What an unexpected error means, by the stage it happened in: fail closed.
_STAGE_REASON = {
    "xml": "malformed",
    "signature": "bad_signature",
    "chain": "untrusted_chain",
    "revocation": "revocation_unknown",
    "holder": "malformed",
}


@dataclass(frozen=True)
class SignerInfo:
    """Who signed, as the certificate says. Trust it only when the result is valid."""

    iin: str | None
    bin: str | None
    common_name: str
    organization: str | None
    serial: str
    not_before: datetime
    not_after: datetime

    def as_json(self) -> dict[str, Any]:
        """The signer as `bekitu eds verify --json` prints it."""
        return {
            "iin": self.iin,
            "bin": self.bin,
            "common_name": self.common_name,
            "organization": self.organization,
            "serial": self.serial,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
        }


@dataclass(frozen=True)
class VerificationResult:
    """The outcome. `signed_root` is only what the signature covers, and only when valid."""

    valid: bool
    reason: str | None
    signer: SignerInfo | None
    signed_root: etree._Element | None
    detail: str = field(default="", compare=False)

    def as_json(self) -> dict[str, Any]:
        """`{"valid", "reason", "signer"}` as the command prints it."""
        signer = self.signer.as_json() if self.signer else None
        return {"valid": self.valid, "reason": self.reason, "signer": signer}


def _signer(profile: CertificateProfile) -> SignerInfo:
    return SignerInfo(
        iin=profile.iin,
        bin=profile.bin,
        common_name=profile.common_name,
        organization=profile.organization,
        serial=profile.serial,
        not_before=profile.not_before,
        not_after=profile.not_after,
    )


@dataclass
class _Progress:
    stage: str = "xml"
    signer: SignerInfo | None = None


def _chain_and_revocation(signed: SignedXml, moment: datetime, progress: _Progress) -> str:
    backend = get_backend()
    store = load_trust_store(settings.EDS_TRUST_DIR)
    loaded = load_crls(settings.EDS_CRL_DIR, store, backend)
    crls = current_crls(loaded, moment)
    paths = PathInput(store=store, loaded=loaded, current=crls, backend=backend, moment=moment)
    chain = validated_chain(signed.certificate, signed.certificate_der, paths)
    progress.stage = "revocation"
    revocation = LeafRevocationInput(
        store=store,
        crls=crls,
        moment=moment,
        backend=backend,
        fallback_ocsp_url=settings.EDS_OCSP_URL,
        timeout=float(settings.EDS_HTTP_TIMEOUT),
        ocsp_cache_seconds=settings.EDS_OCSP_CACHE_SECONDS,
        ocsp_max_bytes=settings.EDS_OCSP_MAX_BYTES,
        now=timezone.now(),
    )
    return check_leaf(chain, revocation)


def _checks(
    data: bytes, *, kind: str, expected: str, moment: datetime, progress: _Progress, max_bytes: int
) -> etree._Element:
    signed = check_xml(data, max_bytes=max_bytes, backend=get_backend())
    progress.stage = "holder"
    profile = read_profile(signed.certificate)
    progress.signer = _signer(profile)
    progress.stage = "chain"
    _chain_and_revocation(signed, moment, progress)
    progress.stage = "holder"
    check_holder(profile, kind=kind, expected=expected)
    return signed.signed_root


def _is_number(value: str) -> bool:
    return len(value) == 12 and value.isascii() and value.isdigit()


def _moment(at: datetime | None) -> datetime:
    if at is None:
        return timezone.now()
    return at if timezone.is_aware(at) else timezone.make_aware(at)


def _verify(
    data: bytes, *, kind: str, expected: str, at: datetime | None, max_bytes: int | None = None
) -> VerificationResult:
    progress = _Progress()
    limit = settings.EDS_MAX_REQUEST_BYTES if max_bytes is None else max_bytes
    try:
        root = _checks(
            data,
            kind=kind,
            expected=expected,
            moment=_moment(at),
            progress=progress,
            max_bytes=limit,
        )
        result = VerificationResult(True, None, progress.signer, root)
    except Refused as refusal:
        result = VerificationResult(False, refusal.reason, progress.signer, None, refusal.detail)
    except Exception as exc:
        log.exception("eds.verify.unexpected", extra={"fields": {"stage": progress.stage}})
        reason = _STAGE_REASON[progress.stage]
        result = VerificationResult(False, reason, progress.signer, None, exc.__class__.__name__)
    return _audited(result, kind=kind, expected=expected)


def _audited(result: VerificationResult, *, kind: str, expected: str) -> VerificationResult:
    serial = result.signer.serial if result.signer else ""
    fields = {
        "outcome": "valid" if result.valid else "refused",
        "reason": result.reason,
        "profile": kind,
        "signer_serial": serial or None,
    }
    try:
        audit_record(
            action="eds.verify",
            object_type="eds.certificate",
            object_id=serial,
            subject_iin=expected if kind != "organization" and _is_number(expected) else "",
            data=fields if kind != "organization" else {**fields, "expect_bin": expected},
        )
    except Exception:
        # Unaudited means unchecked: refuse as "could not be confirmed now".
        log.exception("eds.verify.audit_failed", extra={"fields": {"signer_serial": serial}})
        reason = result.reason or "revocation_unknown"
        return VerificationResult(False, reason, result.signer, None, "audit failed")
    log.info("eds.verify", extra={"fields": fields})
    return result


def verify_request(
    data: bytes, *, expect_iin: str, at: datetime | None = None
) -> VerificationResult:
    """Verify a citizen's signed request: individual profile, the IIN must match (R9.6)."""
    return _verify(data, kind="individual", expected=expect_iin, at=at)


def verify_authentication(
    data: bytes, *, expect_iin: str, at: datetime | None = None
) -> VerificationResult:
    """Verify a challenge a citizen signed with their authentication key to prove who they
    are (registration and login on the portal, R9.1-R9.2): individual profile, clientAuth,
    the IIN must match. A signing key is refused here, as an authentication key is for a
    request."""
    return _verify(data, kind="authentication", expected=expect_iin, at=at)


def verify_provider_document(
    data: bytes, *, expect_bin: str, at: datetime | None = None, max_bytes: int | None = None
) -> VerificationResult:
    """Verify a document an organization signed (the provider's talon, R9.12; a gateway
    envelope, R9.8): organization profile and BIN. `max_bytes` replaces
    EDS_MAX_REQUEST_BYTES for documents that carry e-copies (the gateway's envelopes)."""
    return _verify(data, kind="organization", expected=expect_bin, at=at, max_bytes=max_bytes)
