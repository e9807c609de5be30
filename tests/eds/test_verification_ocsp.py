"""OCSP in verification: asked only without a current CRL, with a nonce, the answer's signature
and responder checked; an unreachable or untrustworthy responder is `revocation_unknown`."""

from __future__ import annotations

import datetime as dt
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509 import ocsp
from freezegun import freeze_time

from bekitu.devtools.ocsp_responder import run_in_thread
from bekitu.devtools.testpki import PASSWORD, TestPki, build_test_pki, cached_keys
from bekitu.eds import revocation
from bekitu.eds.verification import verify_request

from .verify_helpers import signed_request

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def aia_pki(tmp_path_factory: pytest.TempPathFactory, test_pki: TestPki) -> Iterator[TestPki]:
    """A test PKI whose certificates name a running responder (AIA) and CRL addresses (CDP)."""
    outdir = tmp_path_factory.mktemp("aia-pki")
    with run_in_thread(outdir) as running:
        yield build_test_pki(
            outdir,
            persons=test_pki.persons,
            providers=test_pki.providers,
            ocsp_url=running.url,
            crl_url=running.url + "crl/",
            key_source=cached_keys(),
        )


@pytest.fixture
def only_root_crl(tmp_path: Path) -> Path:
    """A CRL folder that covers the intermediate CA (root.crl) but not the persons."""
    folder = tmp_path / "crl"
    folder.mkdir()
    return folder


def _use(settings: Any, pki: TestPki, crl_dir: Path) -> None:
    settings.EDS_TRUST_DIR = pki.trust_dir
    settings.EDS_CRL_DIR = crl_dir
    settings.EDS_OCSP_URL = ""


def test_without_a_crl_the_responder_in_the_certificate_is_asked(
    aia_pki: TestPki, settings: Any, only_root_crl: Path
) -> None:
    shutil.copy(aia_pki.root_crl, only_root_crl)
    _use(settings, aia_pki, only_root_crl)
    result = verify_request(signed_request(aia_pki), expect_iin=aia_pki.person.iin)
    assert result.valid is True, result.detail


def test_the_responder_says_revoked(aia_pki: TestPki, settings: Any, only_root_crl: Path) -> None:
    shutil.copy(aia_pki.root_crl, only_root_crl)
    _use(settings, aia_pki, only_root_crl)
    data = signed_request(aia_pki, p12=aia_pki.negative("revoked"))
    result = verify_request(data, expect_iin=aia_pki.person.iin)
    assert (result.valid, result.reason) == (False, "revoked")


def test_a_ca_that_declares_a_crl_without_a_current_one_is_revocation_unknown(
    aia_pki: TestPki, settings: Any, only_root_crl: Path
) -> None:
    # The intermediate names root.crl in its distribution points: hard-fail for CAs.
    _use(settings, aia_pki, only_root_crl)
    result = verify_request(signed_request(aia_pki), expect_iin=aia_pki.person.iin)
    assert (result.valid, result.reason) == (False, "revocation_unknown")


def test_with_a_current_crl_no_network_is_used(
    test_pki: TestPki, eds_settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("OCSP asked although a current CRL exists")

    monkeypatch.setattr(revocation, "fetch_ocsp", no_network)
    eds_settings.EDS_OCSP_URL = "http://127.0.0.1:9/"
    result = verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin)
    assert result.valid is True, result.detail


def test_the_configured_responder_serves_certificates_that_name_none(
    test_pki: TestPki, eds_settings: Any, tmp_path: Path
) -> None:
    eds_settings.EDS_CRL_DIR = tmp_path
    with run_in_thread(test_pki.outdir) as running:
        eds_settings.EDS_OCSP_URL = running.url
        result = verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin)
    assert result.valid is True, result.detail


def test_an_unreachable_responder_is_revocation_unknown(
    test_pki: TestPki, eds_settings: Any, tmp_path: Path
) -> None:
    eds_settings.EDS_CRL_DIR = tmp_path
    with run_in_thread(tmp_path) as running:  # bound, then closed: nobody listens there
        url = running.url
    eds_settings.EDS_OCSP_URL = url
    eds_settings.EDS_HTTP_TIMEOUT = 2
    result = verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin)
    assert (result.valid, result.reason) == (False, "revocation_unknown")


# --- a responder whose answers the test shapes ---------------------------------------------


@dataclass
class FakeResponder:
    """Answers `good` (or `status`) for any request, signed by `signer`, echoing the nonce
    unless told otherwise; remembers the requests it got."""

    signer_cert: x509.Certificate
    signer_key: rsa.RSAPrivateKey
    nonce: str = "echo"  # echo | omit | wrong
    status: ocsp.OCSPCertStatus = ocsp.OCSPCertStatus.GOOD
    next_update: bool = True
    requests: list[ocsp.OCSPRequest] = field(default_factory=list)

    def answer(self, body: bytes) -> bytes:
        request = ocsp.load_der_ocsp_request(body)
        self.requests.append(request)
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        builder = (
            ocsp.OCSPResponseBuilder()
            .add_response_by_hash(
                issuer_name_hash=request.issuer_name_hash,
                issuer_key_hash=request.issuer_key_hash,
                serial_number=request.serial_number,
                algorithm=hashes.SHA1(),  # noqa: S303 - what the request used
                cert_status=self.status,
                this_update=now - dt.timedelta(minutes=1),
                next_update=now + dt.timedelta(hours=1) if self.next_update else None,
                revocation_time=None,
                revocation_reason=None,
            )
            .responder_id(ocsp.OCSPResponderEncoding.HASH, self.signer_cert)
            .certificates([self.signer_cert])
        )
        if self.nonce != "omit":
            sent = request.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce
            nonce = sent if self.nonce == "echo" else bytes(reversed(sent))
            builder = builder.add_extension(x509.OCSPNonce(nonce), critical=False)
        response = builder.sign(self.signer_key, hashes.SHA256())
        return response.public_bytes(serialization.Encoding.DER)


@pytest.fixture
def serve() -> Iterator[Any]:
    servers: list[ThreadingHTTPServer] = []

    def start(fake: FakeResponder) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                reply = fake.answer(body)
                self.send_response(200)
                self.send_header("Content-Type", "application/ocsp-response")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: object) -> None:
                return

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def _p12(path: Path) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key, cert, _ = pkcs12.load_key_and_certificates(path.read_bytes(), PASSWORD.encode())
    assert isinstance(key, rsa.RSAPrivateKey) and cert is not None
    return cert, key


def _pem_pair(cert_path: Path, key_path: Path) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = serialization.load_pem_private_key(key_path.read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return x509.load_pem_x509_certificate(cert_path.read_bytes()), key


def _verify_with(fake: FakeResponder, serve: Any, pki: TestPki, settings: Any, crl: Path) -> Any:
    settings.EDS_CRL_DIR = crl
    settings.EDS_OCSP_URL = serve(fake)
    return verify_request(signed_request(pki), expect_iin=pki.person.iin)


def test_the_request_carries_a_fresh_nonce(
    test_pki: TestPki, eds_settings: Any, serve: Any, tmp_path: Path
) -> None:
    eds_settings.EDS_OCSP_CACHE_SECONDS = 0  # ask at every verification
    fake = FakeResponder(*_pem_pair(test_pki.ocsp_cert, test_pki.ocsp_key))
    first = _verify_with(fake, serve, test_pki, eds_settings, tmp_path)
    second = verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin)
    assert first.valid and second.valid, (first.detail, second.detail)
    nonces = [
        r.extensions.get_extension_for_class(x509.OCSPNonce).value.nonce for r in fake.requests
    ]
    assert len(nonces) == 2 and len(nonces[0]) == 16 and nonces[0] != nonces[1]


def test_an_answer_signed_by_the_issuing_ca_itself_is_accepted(
    test_pki: TestPki, eds_settings: Any, serve: Any, tmp_path: Path
) -> None:
    fake = FakeResponder(*_pem_pair(test_pki.intermediate_cert, test_pki.intermediate_key))
    result = _verify_with(fake, serve, test_pki, eds_settings, tmp_path)
    assert result.valid is True, result.detail


def test_an_answer_signed_by_a_key_without_ocsp_authority_is_revocation_unknown(
    test_pki: TestPki, eds_settings: Any, serve: Any, tmp_path: Path
) -> None:
    other = test_pki.persons[1]
    fake = FakeResponder(*_p12(test_pki.person_sign_p12(other.iin)))
    result = _verify_with(fake, serve, test_pki, eds_settings, tmp_path)
    assert (result.valid, result.reason) == (False, "revocation_unknown")
    assert result.detail == "the OCSP answer cannot be trusted"


def test_an_answer_from_a_foreign_ca_is_revocation_unknown(
    test_pki: TestPki, eds_settings: Any, serve: Any, tmp_path: Path
) -> None:
    fake = FakeResponder(*_p12(test_pki.negative("impostor")))
    result = _verify_with(fake, serve, test_pki, eds_settings, tmp_path)
    assert (result.valid, result.reason) == (False, "revocation_unknown")
    assert result.detail == "the OCSP answer cannot be trusted"


@pytest.mark.parametrize("nonce", ["omit", "wrong"])
def test_an_answer_that_does_not_echo_the_nonce_is_revocation_unknown(
    nonce: str, test_pki: TestPki, eds_settings: Any, serve: Any, tmp_path: Path
) -> None:
    fake = FakeResponder(*_pem_pair(test_pki.ocsp_cert, test_pki.ocsp_key), nonce=nonce)
    result = _verify_with(fake, serve, test_pki, eds_settings, tmp_path)
    assert (result.valid, result.reason) == (False, "revocation_unknown")
    assert result.detail == "no current CRL and no usable OCSP answer"
    assert len(fake.requests) == 1


def test_an_unknown_status_is_revocation_unknown(
    test_pki: TestPki, eds_settings: Any, serve: Any, tmp_path: Path
) -> None:
    fake = FakeResponder(
        *_pem_pair(test_pki.ocsp_cert, test_pki.ocsp_key), status=ocsp.OCSPCertStatus.UNKNOWN
    )
    result = _verify_with(fake, serve, test_pki, eds_settings, tmp_path)
    assert (result.valid, result.reason) == (False, "revocation_unknown")


# --- answers kept a while (EDS_OCSP_CACHE_SECONDS) -----------------------------------------


def test_a_good_answer_is_reused_for_that_certificate_until_it_expires(
    test_pki: TestPki, eds_settings: Any, serve: Any, tmp_path: Path
) -> None:
    eds_settings.EDS_OCSP_CACHE_SECONDS = 300
    fake = FakeResponder(*_pem_pair(test_pki.ocsp_cert, test_pki.ocsp_key))
    start = dt.datetime.now(dt.UTC)
    with freeze_time(start) as clock:
        assert _verify_with(fake, serve, test_pki, eds_settings, tmp_path).valid
        assert verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin).valid
        assert len(fake.requests) == 1  # the second verification used the kept answer
        clock.move_to(start + dt.timedelta(seconds=301))
        assert verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin).valid
        assert len(fake.requests) == 2


def test_a_kept_answer_answers_for_its_own_certificate_only(
    test_pki: TestPki, eds_settings: Any, serve: Any, tmp_path: Path
) -> None:
    fake = FakeResponder(*_pem_pair(test_pki.ocsp_cert, test_pki.ocsp_key))
    assert _verify_with(fake, serve, test_pki, eds_settings, tmp_path).valid
    other = test_pki.persons[1]
    data = signed_request(test_pki, p12=test_pki.person_sign_p12(other.iin), iin=other.iin)
    assert verify_request(data, expect_iin=other.iin).valid
    assert len(fake.requests) == 2
    assert fake.requests[0].serial_number != fake.requests[1].serial_number


def test_an_answer_without_next_update_is_never_reused(
    test_pki: TestPki, eds_settings: Any, serve: Any, tmp_path: Path
) -> None:
    # RFC 6960 4.2.2.1: no nextUpdate means newer information is always available.
    fake = FakeResponder(*_pem_pair(test_pki.ocsp_cert, test_pki.ocsp_key), next_update=False)
    assert _verify_with(fake, serve, test_pki, eds_settings, tmp_path).valid
    assert verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin).valid
    assert len(fake.requests) == 2


def test_an_unknown_status_is_never_kept(
    test_pki: TestPki, eds_settings: Any, serve: Any, tmp_path: Path
) -> None:
    fake = FakeResponder(
        *_pem_pair(test_pki.ocsp_cert, test_pki.ocsp_key), status=ocsp.OCSPCertStatus.UNKNOWN
    )
    result = _verify_with(fake, serve, test_pki, eds_settings, tmp_path)
    assert (result.valid, result.reason) == (False, "revocation_unknown")
    fake.status = ocsp.OCSPCertStatus.GOOD
    assert verify_request(signed_request(test_pki), expect_iin=test_pki.person.iin).valid
    assert len(fake.requests) == 2
