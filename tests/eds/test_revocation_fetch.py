"""Downloads of CRLs and OCSP answers: a redirect is not followed, and a body past the cap is
not read to its end (the connection is dropped at the cap); either way the download fails and
nothing it sent is used."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from django.utils import timezone

from bekitu.devtools.testpki import TestPki
from bekitu.eds.crl_refresh import refresh_crls
from bekitu.eds.fetch import FetchError, fetch_capped
from bekitu.eds.ocsp_client import OcspError, fetch_ocsp
from bekitu.eds.signing import load_p12
from bekitu.eds.trust import load_trust_store

CHUNK = 64 * 1024


@dataclass
class Site:
    """What the test server answers at each path, and what it was asked and sent."""

    routes: dict[str, Callable[[BaseHTTPRequestHandler], None]]
    asked: list[str] = field(default_factory=list)
    sent: dict[str, int] = field(default_factory=dict)
    url: str = ""


def _serve(site: Site) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _any(self) -> None:
            site.asked.append(self.path)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            route = site.routes.get(self.path)
            if route is None:
                self.send_error(404)
                return
            route(self)

        do_GET = do_POST = _any

        def log_message(self, format: str, *args: object) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    site.url = f"http://127.0.0.1:{server.server_address[1]}"
    return server


@pytest.fixture
def site() -> Iterator[Site]:
    served = Site(routes={})
    server = _serve(served)
    yield served
    server.shutdown()
    server.server_close()


def _body(data: bytes, content_type: str = "application/pkix-crl") -> Any:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(data)))
        handler.end_headers()
        handler.wfile.write(data)

    return answer


def _redirect(to: str) -> Any:
    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(302)
        handler.send_header("Location", to)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return answer


def _endless(site: Site, path: str, total: int, *, declare: bool = False) -> Any:
    """`total` bytes of zeros in chunks, without a Content-Length unless `declare`; counts
    what it managed to send before the client hung up."""

    def answer(handler: BaseHTTPRequestHandler) -> None:
        handler.protocol_version = "HTTP/1.0"  # the body ends when the connection closes
        handler.send_response(200)
        if declare:
            handler.send_header("Content-Length", str(total))
        handler.end_headers()
        site.sent[path] = 0
        chunk = bytes(CHUNK)
        try:
            while site.sent[path] < total:
                handler.wfile.write(chunk)
                site.sent[path] += len(chunk)
        except OSError:  # the client dropped the connection
            return

    return answer


def _refresh(pki: TestPki, url: str, folder: Path, max_bytes: int = 1_000_000) -> Any:
    (outcome,) = refresh_crls(
        directory=folder,
        store=load_trust_store(pki.trust_dir),
        urls=[url],
        backend=None,
        now=timezone.now(),
        timeout=5,
        max_bytes=max_bytes,
    )
    return outcome


def test_a_crl_within_the_cap_is_downloaded(test_pki: TestPki, site: Site, tmp_path: Path) -> None:
    site.routes["/nca.crl"] = _body(test_pki.intermediate_crl.read_bytes())
    outcome = _refresh(test_pki, site.url + "/nca.crl", tmp_path)
    assert outcome.ok, outcome.detail
    assert (tmp_path / outcome.file).read_bytes() == test_pki.intermediate_crl.read_bytes()


def test_a_redirecting_crl_address_is_not_followed(
    test_pki: TestPki, site: Site, tmp_path: Path
) -> None:
    site.routes["/nca.crl"] = _body(test_pki.intermediate_crl.read_bytes())
    site.routes["/moved.crl"] = _redirect(site.url + "/nca.crl")
    outcome = _refresh(test_pki, site.url + "/moved.crl", tmp_path)
    assert not outcome.ok
    assert "redirect" in outcome.detail and "302" in outcome.detail
    assert site.asked == ["/moved.crl"]  # the new address was never asked
    assert not (tmp_path / outcome.file).exists()


def test_an_oversize_crl_download_stops_at_the_cap(
    test_pki: TestPki, site: Site, tmp_path: Path
) -> None:
    total = 256 * 1024 * 1024  # would take the worker's memory if it were read to the end
    site.routes["/huge.crl"] = _endless(site, "/huge.crl", total)
    outcome = _refresh(test_pki, site.url + "/huge.crl", tmp_path, max_bytes=1_000_000)
    assert not outcome.ok
    assert "more than 1000000 bytes" in outcome.detail
    assert site.sent["/huge.crl"] < 32 * 1024 * 1024  # socket buffers at most, not the body
    assert not (tmp_path / outcome.file).exists()


def test_a_crl_announced_larger_than_the_cap_is_not_read(
    test_pki: TestPki, site: Site, tmp_path: Path
) -> None:
    site.routes["/big.crl"] = _endless(site, "/big.crl", 50 * 1024 * 1024, declare=True)
    outcome = _refresh(test_pki, site.url + "/big.crl", tmp_path, max_bytes=1_000_000)
    assert not outcome.ok
    assert "announced 52428800 bytes" in outcome.detail


def test_the_cap_allows_a_body_of_exactly_its_size(site: Site) -> None:
    site.routes["/x"] = _body(b"x" * 1000)
    assert fetch_capped("GET", site.url + "/x", timeout=5, max_bytes=1000) == b"x" * 1000
    with pytest.raises(FetchError):
        fetch_capped("GET", site.url + "/x", timeout=5, max_bytes=999)


def _ocsp_pair(pki: TestPki) -> tuple[x509.Certificate, x509.Certificate]:
    person = load_p12(pki.person_sign_p12(pki.person.iin), pki.password).certificate
    issuer = x509.load_pem_x509_certificate(pki.intermediate_cert.read_bytes())
    return person, issuer


def test_a_redirecting_ocsp_responder_is_not_followed(test_pki: TestPki, site: Site) -> None:
    site.routes["/ocsp"] = _body(b"never asked", "application/ocsp-response")
    site.routes["/old-ocsp"] = _redirect(site.url + "/ocsp")
    with pytest.raises(OcspError, match="redirect"):
        fetch_ocsp(*_ocsp_pair(test_pki), site.url + "/old-ocsp", timeout=5)
    assert site.asked == ["/old-ocsp"]


def test_an_oversize_ocsp_answer_is_not_read(test_pki: TestPki, site: Site) -> None:
    site.routes["/ocsp"] = _endless(site, "/ocsp", 256 * 1024 * 1024)
    with pytest.raises(OcspError, match="more than 65536 bytes"):
        fetch_ocsp(*_ocsp_pair(test_pki), site.url + "/ocsp", timeout=5, max_bytes=65536)
    assert site.sent["/ocsp"] < 32 * 1024 * 1024


def test_a_server_that_trickles_is_cut_off_at_the_downloads_time(site: Site) -> None:
    """Each read comes within the timeout, so only the whole download's bound stops it."""

    def trickle(handler: BaseHTTPRequestHandler) -> None:
        handler.protocol_version = "HTTP/1.0"
        handler.send_response(200)
        handler.end_headers()
        site.sent["/slow"] = 0
        try:
            for _ in range(400):
                handler.wfile.write(b"x")
                handler.wfile.flush()
                site.sent["/slow"] += 1
                time.sleep(0.02)
        except OSError:
            return

    site.routes["/slow"] = trickle
    started = time.monotonic()
    with pytest.raises(FetchError, match="longer than a download may take"):
        fetch_capped("GET", site.url + "/slow", timeout=0.1, max_bytes=1_000_000)
    assert time.monotonic() - started < 4  # about ten timeouts (1 s), not the 8 s it would send
