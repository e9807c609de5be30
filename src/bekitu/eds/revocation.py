"""Revocation: the CRLs on disk, their refresh, and the OCSP client.

A CRL counts only when a trust-store CA's key verifies its signature, that CA may sign CRLs
(keyUsage cRLSign, when the extension is there) and was valid at the CRL's thisUpdate, and its
nextUpdate is not past; the newest per issuer is used. Where such a CRL covers the signer, no
network is needed. Otherwise OCSP is asked (the certificate's AIA address, else
`EDS_OCSP_URL`) with a fresh nonce that the answer must echo; pyhanko-certvalidator then checks
the answer's signature, the responder's authority (the CA itself, or a certificate the CA
issued with EKU OCSPSigning, valid at the moment) and freshness. No current CRL and no OCSP
answer: `revocation_unknown`.

CRLs are parsed once per file (and again when the file changes); an OCSP answer that said
good or revoked is reused for the same certificate until the first of its nextUpdate and
`EDS_OCSP_CACHE_SECONDS`, and checked again (signature, responder, freshness) at each use.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from pyhanko_certvalidator.errors import (
    CRLValidationError,
    OCSPValidationError,
    RevokedError,
)
from pyhanko_certvalidator.revinfo.validate_crl import verify_crl
from pyhanko_certvalidator.revinfo.validate_ocsp import verify_ocsp_response

from bekitu.eds.backends.base import CryptoBackend, is_gost_oid
from bekitu.eds.ocsp_client import (
    DEFAULT_MAX_BYTES,
    OCSP_CACHE,
    OcspAnswer,
    OcspError,
    fetch_ocsp,
    ocsp_urls,
)
from bekitu.eds.refusal import Refused
from bekitu.eds.trust import TrustStore, ValidatedChain, folder_state, run_sync, validation_context

log = logging.getLogger("bekitu.eds")

CRL_SUFFIXES = (".crl",)


@dataclass(frozen=True)
class LoadedCrl:
    """A CRL a trust-store CA vouches for (`checked_crl_signer`)."""

    name: str
    crl: x509.CertificateRevocationList
    asn1: asn1_crl.CertificateList
    digest: bytes  # SHA-256 of the CRL: two loads of the same bytes are the same CRL
    issuer_fingerprint: bytes
    is_delta: bool
    # Serial -> revocation time, for a plain complete CRL (no critical extension anywhere):
    # then a lookup answers for the issuer's certificates. None: leave it to certvalidator.
    index: dict[int, datetime] | None

    def is_current(self, moment: datetime) -> bool:
        """Its nextUpdate is not past at `moment` (a CRL without one is never current)."""
        next_update = self.crl.next_update_utc
        return next_update is not None and moment <= next_update


def read_crl(data: bytes) -> x509.CertificateRevocationList:
    """A CRL from PEM or DER bytes."""
    if b"-----BEGIN" in data:
        return x509.load_pem_x509_crl(data)
    return x509.load_der_x509_crl(data)


def _spki(cert: x509.Certificate) -> bytes:
    der = cert.public_bytes(Encoding.DER)
    return asn1_x509.Certificate.load(der).public_key.dump()


def crl_signature_valid(
    crl: x509.CertificateRevocationList, ca: x509.Certificate, backend: CryptoBackend | None
) -> bool:
    """Whether `ca`'s key verifies the CRL's signature (GOST through the backend)."""
    oid = crl.signature_algorithm_oid.dotted_string
    if is_gost_oid(oid) or is_gost_oid(ca.public_key_algorithm_oid.dotted_string):
        if backend is None or not backend.handles(oid):
            return False
        data = crl.tbs_certlist_bytes
        return backend.verify(
            algorithm=oid, public_key_info=_spki(ca), signature=crl.signature, data=data
        )
    try:
        return crl.is_signature_valid(ca.public_key())  # type: ignore[arg-type]
    except Exception:
        return False


class CrlSignerError(ValueError):
    """No trust-store CA may vouch for the CRL: none verifies its signature, or the one that
    does lacks the cRLSign key usage or was not valid when the CRL was issued."""


def _may_sign_crls(ca: x509.Certificate) -> bool:
    # RFC 5280 4.2.1.3: a key whose keyUsage lacks cRLSign must not be used to verify a CRL.
    # Without the extension the key is not restricted (as the RFC reads, and certvalidator):
    # the NCA's CA certificates carry it; an operator's v1 root may not.
    try:
        usage = ca.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return True
    return usage.crl_sign


def _valid_at(ca: x509.Certificate, moment: datetime) -> bool:
    return ca.not_valid_before_utc <= moment <= ca.not_valid_after_utc


def checked_crl_signer(
    crl: x509.CertificateRevocationList, store: TrustStore, backend: CryptoBackend | None
) -> x509.Certificate:
    """The trust-store CA of the CRL's issuer name whose key verifies it, that may sign CRLs
    (cRLSign) and was valid at the CRL's thisUpdate; `CrlSignerError` saying which failed."""
    verifying = [ca for ca in store.issued_to(crl.issuer) if crl_signature_valid(crl, ca, backend)]
    if not verifying:
        raise CrlSignerError("no trust-store CA verifies the CRL's signature")
    entitled = [ca for ca in verifying if _may_sign_crls(ca)]
    if not entitled:
        raise CrlSignerError("the CRL's signer lacks the cRLSign key usage")
    for ca in entitled:
        if _valid_at(ca, crl.last_update_utc):
            return ca
    raise CrlSignerError("the CRL's signer was not valid at the CRL's thisUpdate")


def crl_signer(
    crl: x509.CertificateRevocationList, store: TrustStore, backend: CryptoBackend | None
) -> x509.Certificate | None:
    """The CA that vouches for the CRL (`checked_crl_signer`), or None."""
    try:
        return checked_crl_signer(crl, store, backend)
    except CrlSignerError:
        return None


def _is_delta(crl: x509.CertificateRevocationList) -> bool:
    try:
        crl.extensions.get_extension_for_class(x509.DeltaCRLIndicator)
    except x509.ExtensionNotFound:
        return False
    return True


def _index(crl: x509.CertificateRevocationList) -> dict[int, datetime] | None:
    """The revoked serials of a plain complete CRL; None for any other (delta, scoped by an
    issuing distribution point, indirect, or with a critical extension we do not read)."""
    if any(ext.critical for ext in crl.extensions) or _is_delta(crl):
        return None
    try:
        crl.extensions.get_extension_for_class(x509.IssuingDistributionPoint)
        return None
    except x509.ExtensionNotFound:
        pass
    index: dict[int, datetime] = {}
    for entry in crl:
        if any(ext.critical for ext in entry.extensions):
            return None
        index[entry.serial_number] = entry.revocation_date_utc
    return index


def _load_one(path: Path, store: TrustStore, backend: CryptoBackend | None) -> LoadedCrl | None:
    try:
        data = path.read_bytes()
        crl = read_crl(data)
    except (OSError, ValueError):
        log.warning("eds.crl.unreadable", extra={"fields": {"file": path.name}})
        return None
    try:
        signer = checked_crl_signer(crl, store, backend)
    except CrlSignerError as exc:
        fields = {"file": path.name, "error": str(exc)}
        log.warning("eds.crl.bad_signature", extra={"fields": fields})
        return None
    der = crl.public_bytes(Encoding.DER)
    fingerprint = signer.fingerprint(hashes.SHA256())
    asn1 = asn1_crl.CertificateList.load(der)
    digest = hashlib.sha256(der).digest()
    return LoadedCrl(path.name, crl, asn1, digest, fingerprint, _is_delta(crl), _index(crl))


_lock = threading.Lock()
_cache: dict[str, tuple[object, list[LoadedCrl]]] = {}


def load_crls(directory: Path, store: TrustStore, backend: CryptoBackend | None) -> list[LoadedCrl]:
    """Every CRL in `directory` whose signature a CA of `store` verifies. Parsed once: read
    again when a file changes (`folder_state`), or the trust store or backend does."""
    files = folder_state(directory, CRL_SUFFIXES)
    state = (files, store.token, id(backend))
    with _lock:
        cached = _cache.get(str(directory))
        if cached is None or cached[0] != state:
            loaded = [_load_one(directory / name, store, backend) for name, *_ in files]
            cached = (state, [c for c in loaded if c is not None])
            _cache[str(directory)] = cached
        return cached[1]


def current_crls(crls: list[LoadedCrl], moment: datetime) -> list[LoadedCrl]:
    """The newest current complete CRL (and delta) of each issuer."""
    newest: dict[tuple[bytes, bool], LoadedCrl] = {}
    for item in crls:
        if not item.is_current(moment):
            continue
        slot = (item.issuer_fingerprint, item.is_delta)
        held = newest.get(slot)
        if held is None or item.crl.last_update_utc > held.crl.last_update_utc:
            newest[slot] = item
    return list(newest.values())


@dataclass(frozen=True)
class LeafRevocationInput:
    """What checking the signer's revocation needs besides its validated path."""

    store: TrustStore
    crls: list[LoadedCrl]
    moment: datetime
    backend: CryptoBackend | None
    fallback_ocsp_url: str
    timeout: float
    ocsp_cache_seconds: int = 0
    ocsp_max_bytes: int = DEFAULT_MAX_BYTES
    now: datetime | None = None  # the wall clock, for the OCSP cache (the moment may be `--at`)


def _by_index(serial: int, crls: list[LoadedCrl], moment: datetime) -> bool:
    """Answer from the issuer's plain complete CRL, if that is all there is: a dict lookup
    instead of certvalidator's scan of every entry (a national CRL has many)."""
    if len(crls) != 1 or crls[0].index is None:
        return False
    revoked_at = crls[0].index.get(serial)
    if revoked_at is not None and revoked_at <= moment:
        raise Refused("revoked", "listed on the issuer's CRL")
    return True


async def _by_full_crl(chain: ValidatedChain, inp: LeafRevocationInput) -> bool:
    context = validation_context(
        inp.store, moment=inp.moment, backend=inp.backend, crls=[c.asn1 for c in inp.crls]
    )
    try:
        await verify_crl(chain.leaf, chain.path, context)
    except RevokedError as exc:
        raise Refused("revoked", "listed on the issuer's CRL") from exc
    except CRLValidationError:
        serial = format(chain.serial, "x")
        log.warning("eds.crl.unusable", extra={"fields": {"serial": serial}})
        return False
    return True


def _by_crl(chain: ValidatedChain, inp: LeafRevocationInput) -> bool:
    """Whether the issuer's current CRL (signature checked at load) answered; `Refused` if it
    lists the certificate as revoked at the moment."""
    own = [c for c in inp.crls if c.issuer_fingerprint == chain.issuer_fingerprint]
    if not own:
        return False
    if _by_index(chain.serial, own, inp.moment):
        return True
    return run_sync(_by_full_crl(chain, inp))


def _fetch_any(
    leaf: x509.Certificate, issuer: x509.Certificate, inp: LeafRevocationInput
) -> tuple[str, OcspAnswer]:
    urls = ocsp_urls(leaf) or ([inp.fallback_ocsp_url] if inp.fallback_ocsp_url else [])
    if not urls:
        raise Refused("revocation_unknown", "no current CRL and no OCSP responder")
    for url in urls:
        try:
            return url, fetch_ocsp(
                leaf, issuer, url, timeout=inp.timeout, max_bytes=inp.ocsp_max_bytes
            )
        except OcspError as exc:
            log.warning("eds.ocsp.failed", extra={"fields": {"url": url, "error": str(exc)}})
    raise Refused("revocation_unknown", "no current CRL and no usable OCSP answer")


async def _verify_answer(
    chain: ValidatedChain, answer: asn1_ocsp.OCSPResponse, inp: LeafRevocationInput
) -> None:
    """certvalidator's checks of the answer: signature, responder authority, freshness,
    status. Raises RevokedError or OCSPValidationError."""
    context = validation_context(
        inp.store,
        moment=inp.moment,
        backend=inp.backend,
        crls=[c.asn1 for c in inp.crls],
        ocsps=[answer],
    )
    await verify_ocsp_response(chain.leaf, chain.path, context)


def _cache_key(chain: ValidatedChain, url: str) -> tuple[bytes, bytes, str]:
    return (hashlib.sha256(chain.leaf_der).digest(), chain.issuer_fingerprint, url)


def _from_cache(chain: ValidatedChain, urls: list[str], inp: LeafRevocationInput) -> bool:
    """Whether a kept answer decided (good: True; revoked: `Refused`). An answer that no
    longer passes the checks is dropped, and the responder is asked."""
    now = inp.now or inp.moment
    for url in urls:
        key = _cache_key(chain, url)
        kept = OCSP_CACHE.get(key, now)
        if kept is None:
            continue
        try:
            run_sync(_verify_answer(chain, kept.response, inp))
        except RevokedError as exc:
            raise Refused("revoked", "the OCSP responder says revoked") from exc
        except OCSPValidationError:
            OCSP_CACHE.drop(key)
            continue
        return True
    return False


def _keep(chain: ValidatedChain, url: str, answer: OcspAnswer, inp: LeafRevocationInput) -> None:
    # Without nextUpdate the responder says newer information is always available (RFC 6960
    # 4.2.2.1): such an answer is never reused.
    if inp.ocsp_cache_seconds <= 0 or answer.next_update is None:
        return
    now = inp.now or inp.moment
    until = min(answer.next_update, now + timedelta(seconds=inp.ocsp_cache_seconds))
    if until > now:
        OCSP_CACHE.put(_cache_key(chain, url), answer, until)


def _by_ocsp(chain: ValidatedChain, inp: LeafRevocationInput) -> None:
    leaf_c = x509.load_der_x509_certificate(chain.leaf_der)
    urls = ocsp_urls(leaf_c) or ([inp.fallback_ocsp_url] if inp.fallback_ocsp_url else [])
    if inp.ocsp_cache_seconds > 0 and _from_cache(chain, urls, inp):
        return
    issuer_c = x509.load_der_x509_certificate(chain.issuer.dump())
    url, answer = _fetch_any(leaf_c, issuer_c, inp)
    try:
        run_sync(_verify_answer(chain, answer.response, inp))
    except RevokedError as exc:
        _keep(chain, url, answer, inp)
        raise Refused("revoked", "the OCSP responder says revoked") from exc
    except OCSPValidationError as exc:
        raise Refused("revocation_unknown", "the OCSP answer cannot be trusted") from exc
    _keep(chain, url, answer, inp)


def check_leaf(chain: ValidatedChain, inp: LeafRevocationInput) -> str:
    """Whether the signer's certificate was revoked at the moment: "crl" or "ocsp" said good,
    or `Refused` with `revoked` / `revocation_unknown`."""
    if _by_crl(chain, inp):
        return "crl"
    _by_ocsp(chain, inp)
    return "ocsp"
