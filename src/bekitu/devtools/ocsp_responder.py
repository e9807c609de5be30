"""An OCSP responder (RFC 6960) over HTTP for the test PKI: development and tests only.

It answers for certificates issued by the test PKI's intermediate CA: `revoked` when the
intermediate's CRL lists the serial, `good` when the manifest lists it as issued, `unknown`
otherwise (and for any other issuer). Responses are signed by the delegated responder
certificate (EKU OCSPSigning) and echo the request's nonce. POST (application/ocsp-request)
and GET (`/<url-encoded base64 of the request>`) are both accepted; the CRLs are also served
at `/crl/intermediate.crl` and `/crl/root.crl` so that CRL distribution points can point here.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509 import ocsp

from bekitu.devtools.testpki import TestPki

log = logging.getLogger("bekitu.eds")

OCSP_REQUEST_TYPE = "application/ocsp-request"
OCSP_RESPONSE_TYPE = "application/ocsp-response"
MAX_REQUEST_BYTES = 64 * 1024
NEXT_UPDATE = dt.timedelta(hours=1)
_HASHES: dict[str, type[hashes.HashAlgorithm]] = {
    "sha1": hashes.SHA1,  # RFC 6960 CertIDs are usually SHA-1 hashes of names and keys
    "sha256": hashes.SHA256,
    "sha384": hashes.SHA384,
    "sha512": hashes.SHA512,
}


@dataclass(frozen=True)
class Revocation:
    at: dt.datetime
    reason: x509.ReasonFlags | None


class OcspAuthority:
    """The state the responder answers from: the issuer, the responder key, CRL and issued
    serials. The CRL is read again when its file changes."""

    def __init__(self, pki: TestPki) -> None:
        self.pki = pki
        self.issuer = x509.load_pem_x509_certificate(pki.intermediate_cert.read_bytes())
        self.responder = x509.load_pem_x509_certificate(pki.ocsp_cert.read_bytes())
        key = serialization.load_pem_private_key(pki.ocsp_key.read_bytes(), None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise TypeError("the test PKI's OCSP responder key must be RSA")
        self._key = key
        self.issued = {int(serial, 16) for serial in pki.serials}
        self._crl_mtime = -1.0
        self._revoked: dict[int, Revocation] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_dir(cls, pki_dir: Path) -> OcspAuthority:
        """Load the authority of a test PKI directory (its manifest.json)."""
        return cls(TestPki.load(pki_dir))

    def revoked(self) -> dict[int, Revocation]:
        """Serial -> revocation, from the intermediate's CRL as it is on disk now."""
        with self._lock:
            mtime = self.pki.intermediate_crl.stat().st_mtime
            if mtime != self._crl_mtime:
                crl = x509.load_der_x509_crl(self.pki.intermediate_crl.read_bytes())
                self._revoked = {entry.serial_number: _revocation(entry) for entry in crl}
                self._crl_mtime = mtime
            return self._revoked

    def _matches_issuer(self, request: ocsp.OCSPRequest) -> bool:
        algorithm = request.hash_algorithm
        name_hash = hashes.Hash(algorithm)
        name_hash.update(self.issuer.subject.public_bytes())
        key_hash = hashes.Hash(algorithm)
        key_hash.update(_public_key_bits(self.issuer))
        return (request.issuer_name_hash, request.issuer_key_hash) == (
            name_hash.finalize(),
            key_hash.finalize(),
        )

    def status_of(self, request: ocsp.OCSPRequest) -> tuple[ocsp.OCSPCertStatus, Revocation | None]:
        """good / revoked / unknown for the certificate the request names."""
        if not self._matches_issuer(request):
            return ocsp.OCSPCertStatus.UNKNOWN, None
        revocation = self.revoked().get(request.serial_number)
        if revocation is not None:
            return ocsp.OCSPCertStatus.REVOKED, revocation
        if request.serial_number in self.issued:
            return ocsp.OCSPCertStatus.GOOD, None
        return ocsp.OCSPCertStatus.UNKNOWN, None

    def respond(self, request_der: bytes, *, now: dt.datetime | None = None) -> bytes:
        """The DER OCSP response to a DER OCSP request (malformedRequest when unreadable)."""
        try:
            request = ocsp.load_der_ocsp_request(request_der)
            algorithm = _HASHES[request.hash_algorithm.name]()
        except (ValueError, KeyError, UnsupportedAlgorithm):
            return _unsuccessful(ocsp.OCSPResponseStatus.MALFORMED_REQUEST)
        status, revocation = self.status_of(request)
        at = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response_by_hash(
                issuer_name_hash=request.issuer_name_hash,
                issuer_key_hash=request.issuer_key_hash,
                serial_number=request.serial_number,
                algorithm=algorithm,
                cert_status=status,
                this_update=at,
                next_update=at + NEXT_UPDATE,
                revocation_time=revocation.at if revocation else None,
                revocation_reason=revocation.reason if revocation else None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, self.responder)
            .certificates([self.responder])
        )
        builder = _echo_nonce(builder, request)
        response = builder.sign(self._key, hashes.SHA256())
        log.info("eds.ocsp.answer", extra={"fields": {"status": status.name.lower()}})
        return response.public_bytes(serialization.Encoding.DER)


def _revocation(entry: x509.RevokedCertificate) -> Revocation:
    try:
        reason: x509.ReasonFlags | None = entry.extensions.get_extension_for_class(
            x509.CRLReason
        ).value.reason
    except x509.ExtensionNotFound:
        reason = None
    return Revocation(entry.revocation_date_utc, reason)


def _public_key_bits(cert: x509.Certificate) -> bytes:
    """The subjectPublicKey BIT STRING's contents, which the CertID's key hash covers: for
    RSA, the PKCS#1 RSAPublicKey."""
    return cert.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.PKCS1
    )


def _echo_nonce(
    builder: ocsp.OCSPResponseBuilder, request: ocsp.OCSPRequest
) -> ocsp.OCSPResponseBuilder:
    try:
        nonce = request.extensions.get_extension_for_class(x509.OCSPNonce).value
    except x509.ExtensionNotFound:
        return builder
    return builder.add_extension(nonce, critical=False)


def _unsuccessful(status: ocsp.OCSPResponseStatus) -> bytes:
    return ocsp.OCSPResponseBuilder.build_unsuccessful(status).public_bytes(
        serialization.Encoding.DER
    )


class _Handler(BaseHTTPRequestHandler):
    server: _OcspHttpServer
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_REQUEST_BYTES:
            self._reply(413, b"", "text/plain")
            return
        body = self.rfile.read(length)
        self._reply(200, self.server.authority.respond(body), OCSP_RESPONSE_TYPE)

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path.startswith("/crl/"):
            self._crl(path.removeprefix("/crl/"))
            return
        encoded = unquote(path.lstrip("/").removeprefix("ocsp/"))
        try:
            body = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            body = b""
        self._reply(200, self.server.authority.respond(body), OCSP_RESPONSE_TYPE)

    def _crl(self, name: str) -> None:
        files = {"intermediate.crl": self.server.authority.pki.intermediate_crl}
        files["root.crl"] = self.server.authority.pki.root_crl
        if name not in files:
            self._reply(404, b"not found", "text/plain")
            return
        self._reply(200, files[name].read_bytes(), "application/pkix-crl")

    def _reply(self, code: int, body: bytes, content_type: str) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("eds.ocsp.http", extra={"fields": {"line": format % args}})


class _OcspHttpServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], pki_dir: Path) -> None:
        super().__init__(address, _Handler)
        self.pki_dir = pki_dir
        self._authority: OcspAuthority | None = None
        self._lock = threading.Lock()

    @property
    def authority(self) -> OcspAuthority:
        # Loaded on the first request, so that a test can learn the port first and then
        # build a PKI whose certificates name this responder.
        with self._lock:
            if self._authority is None:
                self._authority = OcspAuthority.from_dir(self.pki_dir)
            return self._authority


def make_server(pki_dir: Path, *, host: str = "127.0.0.1", port: int = 8089) -> _OcspHttpServer:
    """An HTTP OCSP responder bound to host:port (port 0: a free port), not yet serving. The
    test PKI in `pki_dir` is read at the first request."""
    return _OcspHttpServer((host, port), pki_dir)


@dataclass(frozen=True)
class RunningResponder:
    """A responder serving in a thread; `url` is its base address (ends with "/")."""

    url: str


@contextmanager
def run_in_thread(
    pki_dir: Path, *, host: str = "127.0.0.1", port: int = 0
) -> Iterator[RunningResponder]:
    """Serve OCSP for the test PKI in a background thread for the duration of the block."""
    server = make_server(pki_dir, host=host, port=port)
    thread = threading.Thread(target=server.serve_forever, name="ocsp-responder", daemon=True)
    thread.start()
    bound_host, bound_port = server.server_address[:2]
    try:
        yield RunningResponder(f"http://{bound_host!s}:{bound_port}/")
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
