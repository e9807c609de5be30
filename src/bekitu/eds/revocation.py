"""Revocation: the CRLs on disk, their refresh, and the OCSP client.

A CRL counts only when a trust-store CA's key verifies its signature and its nextUpdate is not
past; the newest per issuer is used. Where such a CRL covers the signer, no network is needed.
Otherwise OCSP is asked (the certificate's AIA address, else `EDS_OCSP_URL`) with a fresh nonce
that the answer must echo; pyhanko-certvalidator then checks the answer's signature, the
responder's authority and freshness. No current CRL and no OCSP answer: `revocation_unknown`.
"""

from __future__ import annotations

import logging
import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests
from asn1crypto import crl as asn1_crl
from asn1crypto import ocsp as asn1_ocsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp
from pyhanko_certvalidator.authority import AuthorityWithCert
from pyhanko_certvalidator.errors import (
    CRLValidationError,
    OCSPValidationError,
    RevokedError,
)
from pyhanko_certvalidator.path import ValidationPath
from pyhanko_certvalidator.revinfo.validate_crl import verify_crl
from pyhanko_certvalidator.revinfo.validate_ocsp import verify_ocsp_response

from bekitu.eds.backends.base import CryptoBackend, is_gost_oid
from bekitu.eds.refusal import Refused
from bekitu.eds.trust import CERT_SUFFIXES, TrustStore, folder_state, validation_context

log = logging.getLogger("bekitu.eds")

CRL_SUFFIXES = (".crl",)
NONCE_BYTES = 16


class OcspError(Exception):
    """The responder could not be reached or gave no usable answer."""


@dataclass(frozen=True)
class LoadedCrl:
    """A CRL whose signature a trust-store CA's key verified."""

    name: str
    crl: x509.CertificateRevocationList
    asn1: asn1_crl.CertificateList
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


def crl_signer(
    crl: x509.CertificateRevocationList, store: TrustStore, backend: CryptoBackend | None
) -> x509.Certificate | None:
    """The trust-store CA whose key verifies the CRL, or None."""
    for ca in store.issued_to(crl.issuer):
        if crl_signature_valid(crl, ca, backend):
            return ca
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
    signer = crl_signer(crl, store, backend)
    if signer is None:
        log.warning("eds.crl.bad_signature", extra={"fields": {"file": path.name}})
        return None
    der = crl.public_bytes(Encoding.DER)
    fingerprint = signer.fingerprint(hashes.SHA256())
    asn1 = asn1_crl.CertificateList.load(der)
    return LoadedCrl(path.name, crl, asn1, fingerprint, _is_delta(crl), _index(crl))


_lock = threading.Lock()
_cache: dict[str, tuple[object, list[LoadedCrl]]] = {}


def load_crls(
    directory: Path, store: TrustStore, trust_dir: Path, backend: CryptoBackend | None
) -> list[LoadedCrl]:
    """Every CRL in `directory` with a verified signature; re-read when files change."""
    state = (folder_state(directory, CRL_SUFFIXES), folder_state(trust_dir, CERT_SUFFIXES))
    key = f"{directory}|{id(backend)}"
    with _lock:
        cached = _cache.get(key)
        if cached is None or cached[0] != state:
            loaded = [_load_one(directory / n, store, backend) for n, _, _ in state[0]]
            cached = (state, [c for c in loaded if c is not None])
            _cache[key] = cached
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


def ocsp_urls(cert: x509.Certificate) -> list[str]:
    """The OCSP addresses in the certificate's Authority Information Access."""
    try:
        aia = cert.extensions.get_extension_for_class(x509.AuthorityInformationAccess).value
    except x509.ExtensionNotFound:
        return []
    return [
        str(d.access_location.value)
        for d in aia
        if d.access_method == x509.oid.AuthorityInformationAccessOID.OCSP
        and isinstance(d.access_location, x509.UniformResourceIdentifier)
    ]


def ocsp_request(cert: x509.Certificate, issuer: x509.Certificate, nonce: bytes) -> bytes:
    """A DER OCSP request for one certificate, carrying `nonce`."""
    # SHA-1 only names the certificate (CertID), as RFC 6960 responders expect; no signature.
    builder = ocsp.OCSPRequestBuilder().add_certificate(cert, issuer, hashes.SHA1())  # noqa: S303
    builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
    return builder.build().public_bytes(Encoding.DER)


def check_ocsp_answer(body: bytes, nonce: bytes) -> asn1_ocsp.OCSPResponse:
    """Parse an answer; refuse one that is not `successful` or does not echo our nonce."""
    try:
        answer = ocsp.load_der_ocsp_response(body)
    except ValueError as exc:
        raise OcspError("the answer is not an OCSP response") from exc
    if answer.response_status != ocsp.OCSPResponseStatus.SUCCESSFUL:
        raise OcspError(f"responder status {answer.response_status.name}")
    try:
        echoed = answer.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
    except x509.ExtensionNotFound as exc:
        raise OcspError("the answer does not echo the nonce") from exc
    if echoed != nonce:
        raise OcspError("the answer's nonce differs from the request's")
    return asn1_ocsp.OCSPResponse.load(body)


def fetch_ocsp(
    cert: x509.Certificate, issuer: x509.Certificate, url: str, *, timeout: float
) -> asn1_ocsp.OCSPResponse:
    """Ask `url` about `cert` with a fresh nonce; the signature is checked by the caller."""
    nonce = os.urandom(NONCE_BYTES)
    try:
        reply = requests.post(
            url,
            data=ocsp_request(cert, issuer, nonce),
            headers={"Content-Type": "application/ocsp-request"},
            timeout=timeout,
        )
    except requests.RequestException as exc:
        raise OcspError(f"cannot reach the responder: {exc.__class__.__name__}") from exc
    if reply.status_code != 200:
        raise OcspError(f"responder answered HTTP {reply.status_code}")
    return check_ocsp_answer(reply.content, nonce)


@dataclass(frozen=True)
class LeafRevocationInput:
    """What checking the signer's revocation needs besides its validated path."""

    store: TrustStore
    crls: list[LoadedCrl]
    moment: datetime
    backend: CryptoBackend | None
    fallback_ocsp_url: str
    timeout: float


def _issuer(path: ValidationPath, leaf: asn1_x509.Certificate) -> asn1_x509.Certificate:
    authority = path.find_issuing_authority(leaf)
    if not isinstance(authority, AuthorityWithCert):
        raise Refused("revocation_unknown", "the issuer has no certificate to ask about")
    return authority.certificate


def _by_index(leaf: asn1_x509.Certificate, crls: list[LoadedCrl], moment: datetime) -> bool:
    """Answer from the issuer's plain complete CRL, if that is all there is: a dict lookup
    instead of certvalidator's scan of every entry (a national CRL has many)."""
    if len(crls) != 1 or crls[0].index is None:
        return False
    revoked_at = crls[0].index.get(leaf.serial_number)
    if revoked_at is not None and revoked_at <= moment:
        raise Refused("revoked", "listed on the issuer's CRL")
    return True


async def _by_crl(
    leaf: asn1_x509.Certificate, path: ValidationPath, inp: LeafRevocationInput
) -> bool:
    """Whether the issuer's current CRL (signature checked at load) answered; `Refused` if it
    lists the certificate as revoked at the moment."""
    issuer_fp = hashes.Hash(hashes.SHA256())
    issuer_fp.update(_issuer(path, leaf).dump())
    fingerprint = issuer_fp.finalize()
    own = [c for c in inp.crls if c.issuer_fingerprint == fingerprint]
    if not own:
        return False
    if _by_index(leaf, own, inp.moment):
        return True
    context = validation_context(
        inp.store, moment=inp.moment, backend=inp.backend, crls=[c.asn1 for c in inp.crls]
    )
    try:
        await verify_crl(leaf, path, context)
    except RevokedError as exc:
        raise Refused("revoked", "listed on the issuer's CRL") from exc
    except CRLValidationError:
        serial = format(leaf.serial_number, "x")
        log.warning("eds.crl.unusable", extra={"fields": {"serial": serial}})
        return False
    return True


def _fetch_any(
    leaf: x509.Certificate, issuer: x509.Certificate, inp: LeafRevocationInput
) -> asn1_ocsp.OCSPResponse:
    urls = ocsp_urls(leaf) or ([inp.fallback_ocsp_url] if inp.fallback_ocsp_url else [])
    if not urls:
        raise Refused("revocation_unknown", "no current CRL and no OCSP responder")
    for url in urls:
        try:
            return fetch_ocsp(leaf, issuer, url, timeout=inp.timeout)
        except OcspError as exc:
            log.warning("eds.ocsp.failed", extra={"fields": {"url": url, "error": str(exc)}})
    raise Refused("revocation_unknown", "no current CRL and no usable OCSP answer")


async def check_leaf(
    leaf: asn1_x509.Certificate, path: ValidationPath, inp: LeafRevocationInput
) -> str:
    """Whether the signer's certificate was revoked at the moment: "crl" or "ocsp" said good,
    or `Refused` with `revoked` / `revocation_unknown`."""
    if await _by_crl(leaf, path, inp):
        return "crl"
    leaf_c = x509.load_der_x509_certificate(leaf.dump())
    issuer_c = x509.load_der_x509_certificate(_issuer(path, leaf).dump())
    answer = _fetch_any(leaf_c, issuer_c, inp)
    context = validation_context(
        inp.store,
        moment=inp.moment,
        backend=inp.backend,
        crls=[c.asn1 for c in inp.crls],
        ocsps=[answer],
    )
    try:
        await verify_ocsp_response(leaf, path, context)
    except RevokedError as exc:
        raise Refused("revoked", "the OCSP responder says revoked") from exc
    except OCSPValidationError as exc:
        raise Refused("revocation_unknown", "the OCSP answer cannot be trusted") from exc
    return "ocsp"
