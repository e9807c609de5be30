"""The OCSP client: ask a responder about one certificate, and keep its answers a while.

The request carries a fresh 16-byte nonce, and an answer that does not echo it is not used. A
redirect is not followed and an answer past `BEKITU_EDS_OCSP_MAX_BYTES` is not read (`fetch`).
An answer's signature, its responder's authority and its freshness are checked by
pyhanko-certvalidator at each use (`revocation`), not here.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import ocsp as asn1_ocsp
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509 import ocsp

from bekitu.eds.fetch import FetchError, fetch_capped

NONCE_BYTES = 16
DEFAULT_MAX_BYTES = 65_536  # BEKITU_EDS_OCSP_MAX_BYTES


class OcspError(Exception):
    """The responder could not be reached or gave no usable answer."""


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


@dataclass(frozen=True)
class OcspAnswer:
    """A responder's answer that echoed our nonce; its signature is checked at each use."""

    response: asn1_ocsp.OCSPResponse
    next_update: datetime | None


def _next_update(answer: ocsp.OCSPResponse) -> datetime | None:
    try:
        return answer.next_update_utc
    except ValueError:  # several single responses: none is reused
        return None


def check_ocsp_answer(body: bytes, nonce: bytes) -> OcspAnswer:
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
    return OcspAnswer(asn1_ocsp.OCSPResponse.load(body), _next_update(answer))


def fetch_ocsp(
    cert: x509.Certificate,
    issuer: x509.Certificate,
    url: str,
    *,
    timeout: float,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> OcspAnswer:
    """Ask `url` about `cert` with a fresh nonce (no redirect followed, at most `max_bytes`
    read); the signature is checked by the caller."""
    nonce = os.urandom(NONCE_BYTES)
    try:
        body = fetch_capped(
            "POST",
            url,
            data=ocsp_request(cert, issuer, nonce),
            headers={"Content-Type": "application/ocsp-request"},
            timeout=timeout,
            max_bytes=max_bytes,
        )
    except FetchError as exc:
        raise OcspError(str(exc)) from exc
    return check_ocsp_answer(body, nonce)


class OcspCache:
    """OCSP answers by certificate (SHA-256 of the signer's and its issuer's) and responder,
    each until it expires; least recently used first out."""

    def __init__(self, max_entries: int = 4096) -> None:
        self._lock = threading.Lock()
        self._max = max_entries
        self._entries: OrderedDict[tuple[bytes, bytes, str], tuple[datetime, OcspAnswer]] = (
            OrderedDict()
        )

    def get(self, key: tuple[bytes, bytes, str], now: datetime) -> OcspAnswer | None:
        """The answer kept for `key`, unless it has expired by `now`."""
        with self._lock:
            held = self._entries.get(key)
            if held is None or now >= held[0]:
                self._entries.pop(key, None)
                return None
            self._entries.move_to_end(key)
            return held[1]

    def put(self, key: tuple[bytes, bytes, str], answer: OcspAnswer, until: datetime) -> None:
        """Keep `answer` until `until`."""
        with self._lock:
            self._entries[key] = (until, answer)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max:
                self._entries.popitem(last=False)

    def drop(self, key: tuple[bytes, bytes, str]) -> None:
        """Forget the answer for `key`."""
        with self._lock:
            self._entries.pop(key, None)

    def clear(self) -> None:
        """Forget every answer."""
        with self._lock:
            self._entries.clear()


OCSP_CACHE = OcspCache()
