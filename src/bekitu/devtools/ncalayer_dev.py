"""NCALayer for development: a local websocket server that speaks NCALayer's protocol and signs
with a test key, so that the demo (and browser tests) can sign requests without NCALayer.

Protocol (as NCALayer 1.4 speaks it): on connection the server sends
`{"result": {"version": "..."}}`; the client sends `{"module": "kz.gov.pki.knca.commonUtils",
"method": "signXml", "args": [storageType, keyType, xml, tbsElementXPath,
signatureParentElementXPath]}` and gets `{"code": "200", "responseObject": "<signed xml>"}`,
or `{"code": "500", "message": "..."}`. Only the whole document is signed (empty XPaths), in
the profile of `bekitu.eds.signing.sign_xml_with_key`. Loopback only; not for production.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import ssl
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response
from websockets.sync.server import Server, ServerConnection, serve

from bekitu.core.errors import DomainError
from bekitu.eds.signing import SigningKey, load_p12, sign_xml_with_key

log = logging.getLogger("bekitu.eds")

MODULE = "kz.gov.pki.knca.commonUtils"
VERSION = "1.4-bekitu-dev"
HEARTBEAT = "--heartbeat--"
MAX_MESSAGE_BYTES = 4 * 1024 * 1024
DEFAULT_PORT = 13579


def _ok(value: Any) -> dict[str, Any]:
    return {"code": "200", "responseObject": value}


def _error(message: str) -> dict[str, Any]:
    return {"code": "500", "message": message}


def key_info(key: SigningKey) -> dict[str, Any]:
    """What NCALayer's getKeyInfo tells about the key: names, serial, validity, PEM."""
    cert = key.certificate
    common = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    issuer = cert.issuer.get_attributes_for_oid(NameOID.COMMON_NAME)
    return {
        "alias": key.serial_hex,
        "keyId": key.serial_hex,
        "algorithm": "RSA",
        "subjectCn": str(common[0].value) if common else "",
        "subjectDn": cert.subject.rfc4514_string(),
        "issuerCn": str(issuer[0].value) if issuer else "",
        "issuerDn": cert.issuer.rfc4514_string(),
        "serialNumber": key.serial_hex,
        "certNotBefore": str(int(cert.not_valid_before_utc.timestamp() * 1000)),
        "certNotAfter": str(int(cert.not_valid_after_utc.timestamp() * 1000)),
        "pem": cert.public_bytes(serialization.Encoding.PEM).decode(),
    }


def _sign_xml(key: SigningKey, args: list[Any]) -> dict[str, Any]:
    if len(args) != 5 or not all(isinstance(a, str) for a in args):
        return _error("signXml expects [storageType, keyType, xml, tbsXPath, parentXPath]")
    _storage, _key_type, xml, tbs_xpath, parent_xpath = args
    if tbs_xpath or parent_xpath:
        return _error("ncalayer-dev signs the whole document only (empty XPaths)")
    try:
        return _ok(sign_xml_with_key(key=key, xml=xml.encode("utf-8")).decode("utf-8"))
    except DomainError as exc:
        return _error(str(exc.message))


def handle_message(key: SigningKey, text: str) -> dict[str, Any] | None:
    """The answer to one message from the browser (None for a heartbeat)."""
    if text == HEARTBEAT:
        return None
    try:
        message = json.loads(text)
    except ValueError:
        return _error("the request is not JSON")
    if not isinstance(message, dict) or message.get("module") != MODULE:
        return _error(f"unknown module; only {MODULE} is served")
    method, args = message.get("method"), message.get("args") or []
    if not isinstance(args, list):
        return _error("args must be a list")
    if method == "signXml":
        return _sign_xml(key, args)
    if method == "getKeyInfo":
        return _ok(key_info(key))
    if method == "getActiveTokens":
        return _ok([])
    if method == "changeLocale":
        return _ok(None)
    return _error(f"method {method!r} is not served by ncalayer-dev")


def _connection_handler(key: SigningKey) -> Any:
    def handler(connection: ServerConnection) -> None:
        connection.send(json.dumps({"result": {"version": VERSION}}))
        try:
            for text in connection:
                answer = handle_message(key, text if isinstance(text, str) else text.decode())
                if answer is not None:
                    log.info("eds.ncalayer_dev.answer", extra={"fields": {"code": answer["code"]}})
                    connection.send(json.dumps(answer, ensure_ascii=False))
        except ConnectionClosed:
            return

    return handler


def _plain_http(connection: ServerConnection, request: Request) -> Response | None:
    """A browser visiting https://127.0.0.1:13579/ (to accept the certificate) gets a page."""
    if request.headers.get("Upgrade", "").lower() == "websocket":
        return None
    return connection.respond(HTTPStatus.OK, "NCALayer (Bekitu development) is running.\n")


def is_loopback(host: str) -> bool:
    """Whether host names this machine only (the dev servers refuse anything else)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def self_signed_tls(directory: Path, host: str) -> ssl.SSLContext:
    """A TLS context with a fresh self-signed certificate for `host` (written to directory)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "NCALayer dev (Bekitu)")])
    now = dt.datetime.now(dt.UTC)
    san: list[x509.GeneralName] = [x509.DNSName("localhost")]
    if host != "localhost":
        san.append(x509.IPAddress(ipaddress.ip_address(host)))
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName(san), False)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = directory / "tls.pem", directory / "tls.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    return context


# Seconds the server gives a client to finish the opening handshake.
OPEN_TIMEOUT = 60.0


def make_server(
    key: SigningKey,
    *,
    host: str = "127.0.0.1",
    port: int = DEFAULT_PORT,
    tls: ssl.SSLContext | None = None,
) -> Server:
    """A websocket server bound to a loopback host:port (0: a free port), not yet serving."""
    if not is_loopback(host):
        raise ValueError("ncalayer-dev listens on loopback only")
    return serve(
        _connection_handler(key),
        host,
        port,
        ssl=tls,
        process_request=_plain_http,
        max_size=MAX_MESSAGE_BYTES,
        server_header="ncalayer-dev",
        # The opening handshake (TLS included) on loopback: a browser, or a test, on a machine
        # busy with other work may take longer than the library's 10 seconds to finish it.
        open_timeout=OPEN_TIMEOUT,
    )


@dataclass(frozen=True)
class RunningNcaLayer:
    """A dev server serving in a thread; `url` is the address to give the JS client."""

    url: str


@contextmanager
def run_in_thread(
    *, p12_path: Path, password: str, host: str = "127.0.0.1", port: int = 0, use_tls: bool = False
) -> Iterator[RunningNcaLayer]:
    """Serve NCALayer's protocol with the key in `p12_path` in a background thread."""
    key = load_p12(p12_path, password)
    with tempfile.TemporaryDirectory(prefix="ncalayer-dev-") as tmp:
        tls = self_signed_tls(Path(tmp), host) if use_tls else None
        server = make_server(key, host=host, port=port, tls=tls)
        thread = threading.Thread(target=server.serve_forever, name="ncalayer-dev", daemon=True)
        thread.start()
        bound_port = server.socket.getsockname()[1]
        try:
            yield RunningNcaLayer(f"{'wss' if tls else 'ws'}://{host}:{bound_port}")
        finally:
            server.shutdown()
            thread.join(timeout=5)
