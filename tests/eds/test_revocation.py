"""CRLs: which count (signature, nextUpdate, newest), their refresh, and the periodic task."""

from __future__ import annotations

import datetime as dt
import functools
import io
import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.management import call_command
from django.utils import timezone

from bekitu.devtools import testpki_certs
from bekitu.devtools.testpki import TestPki
from bekitu.devtools.testpki_certs import Issued
from bekitu.eds.crl_refresh import crl_addresses, crl_file_name
from bekitu.eds.revocation import current_crls, load_crls, read_crl
from bekitu.eds.trust import build_store, load_trust_store
from bekitu.eds.verification import verify_request

from .verify_helpers import signed_request

pytestmark = pytest.mark.django_db

DER = serialization.Encoding.DER


def _ca(pki: TestPki) -> Issued:
    key = serialization.load_pem_private_key(pki.intermediate_key.read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return Issued(x509.load_pem_x509_certificate(pki.intermediate_cert.read_bytes()), key)


def _revoked_cert(pki: TestPki) -> x509.Certificate:
    from bekitu.eds.signing import load_p12

    return load_p12(pki.negative("revoked"), pki.password).certificate


def _crl(ca: Issued, revoked: list[x509.Certificate], *, this_update: dt.datetime) -> bytes:
    crl = testpki_certs.make_crl(
        ca, revoked, this_update=this_update, days=7, at=this_update - timedelta(days=2)
    )
    return crl.public_bytes(DER)


@pytest.fixture
def crl_dir(test_pki: TestPki, eds_settings: Any, tmp_path: Path) -> Path:
    """An empty CRL folder but for the root's CRL (which covers the intermediate)."""
    folder = tmp_path / "crl"
    folder.mkdir()
    shutil.copy(test_pki.root_crl, folder)
    eds_settings.EDS_CRL_DIR = folder
    return folder


def _verify(pki: TestPki, p12: Path | None = None) -> tuple[bool, str | None]:
    result = verify_request(signed_request(pki, p12=p12), expect_iin=pki.person.iin)
    return result.valid, result.reason


def test_a_crl_with_a_broken_signature_is_not_used(test_pki: TestPki, crl_dir: Path) -> None:
    data = bytearray(test_pki.intermediate_crl.read_bytes())
    data[-5] ^= 0x01  # inside the signature value
    (crl_dir / "intermediate.crl").write_bytes(bytes(data))
    assert _verify(test_pki) == (False, "revocation_unknown")


def test_a_crl_signed_by_another_key_in_the_issuers_name_is_not_used(
    test_pki: TestPki, crl_dir: Path
) -> None:
    genuine = _ca(test_pki)
    forger = Issued(genuine.cert, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    (crl_dir / "forged.crl").write_bytes(_crl(forger, [], this_update=timezone.now()))
    assert _verify(test_pki) == (False, "revocation_unknown")


def test_a_pem_crl_is_read_like_a_der_one(test_pki: TestPki, crl_dir: Path) -> None:
    crl = read_crl(test_pki.intermediate_crl.read_bytes())
    (crl_dir / "intermediate.crl").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    assert _verify(test_pki) == (True, None)
    assert _verify(test_pki, test_pki.negative("revoked")) == (False, "revoked")


def test_the_newest_crl_of_an_issuer_decides(test_pki: TestPki, crl_dir: Path) -> None:
    ca, revoked, now = _ca(test_pki), _revoked_cert(test_pki), timezone.now()
    (crl_dir / "a-older.crl").write_bytes(_crl(ca, [revoked], this_update=now - timedelta(hours=3)))
    (crl_dir / "b-newer.crl").write_bytes(_crl(ca, [], this_update=now))
    assert _verify(test_pki, test_pki.negative("revoked")) == (True, None)
    (crl_dir / "c-newest.crl").write_bytes(
        _crl(ca, [revoked], this_update=now + timedelta(minutes=30))
    )
    assert _verify(test_pki, test_pki.negative("revoked")) == (False, "revoked")


def test_a_stale_crl_is_not_current(test_pki: TestPki, eds_settings: Any) -> None:
    store = load_trust_store(test_pki.trust_dir)
    loaded = load_crls(test_pki.crl_dir, store, None)
    assert {c.name for c in loaded} == {"intermediate.crl", "root.crl"}
    assert len(current_crls(loaded, timezone.now())) == 2
    assert current_crls(loaded, timezone.now() + timedelta(days=8)) == []


def test_the_crl_addresses_come_from_the_trust_store_then_the_settings(
    test_pki: TestPki,
) -> None:
    key = _ca(test_pki).key
    root = testpki_certs.make_ca(key, _name("R"), None, timezone.now(), years=1)
    inter = testpki_certs.make_ca(
        key, _name("I"), root, timezone.now(), years=1, crl_url="http://crl.example/root.crl"
    )
    store = build_store([root.cert, inter.cert])
    configured = ["http://crl.example/nca_rsa.crl", "http://crl.example/root.crl"]
    assert crl_addresses(store, configured) == [
        "http://crl.example/root.crl",
        "http://crl.example/nca_rsa.crl",
    ]


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, cn)])


def test_crl_file_names_are_stable_and_distinct() -> None:
    a = crl_file_name("http://crl.pki.gov.kz/nca_rsa.crl")
    assert a == crl_file_name("http://crl.pki.gov.kz/nca_rsa.crl")
    assert a.startswith("nca_rsa-") and a.endswith(".crl")
    assert a != crl_file_name("http://mirror.example/nca_rsa.crl")


# --- bekitu eds refresh-crl ---------------------------------------------------------------


@contextmanager
def _static(directory: Path) -> Iterator[str]:
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

    handler = functools.partial(Quiet, directory=str(directory))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def _refresh(*args: str) -> tuple[int, Any]:
    out = io.StringIO()
    try:
        call_command("eds", "refresh-crl", "--json", *args, stdout=out)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return code, json.loads(out.getvalue())


def test_refresh_downloads_checks_and_writes_the_crls(
    test_pki: TestPki, eds_settings: Any, tmp_path: Path
) -> None:
    target = tmp_path / "fresh"
    eds_settings.EDS_CRL_DIR = target
    with _static(test_pki.crl_dir) as base:
        eds_settings.EDS_CRL_URLS = [base + "intermediate.crl", base + "root.crl"]
        code, outcomes = _refresh()
    assert code == 0
    assert [o["ok"] for o in outcomes] == [True, True]
    assert sorted(p.name for p in target.iterdir()) == sorted(o["file"] for o in outcomes)
    assert _verify(test_pki) == (True, None)
    assert _verify(test_pki, test_pki.negative("revoked")) == (False, "revoked")


def test_refresh_refuses_stale_forged_and_broken_crls_and_reports_them(
    test_pki: TestPki, eds_settings: Any, tmp_path: Path
) -> None:
    served, target = tmp_path / "served", tmp_path / "crl"
    served.mkdir()
    ca, now = _ca(test_pki), timezone.now()
    (served / "stale.crl").write_bytes(_crl(ca, [], this_update=now - timedelta(days=30)))
    forger = Issued(ca.cert, rsa.generate_private_key(public_exponent=65537, key_size=2048))
    (served / "forged.crl").write_bytes(_crl(forger, [], this_update=now))
    (served / "junk.crl").write_bytes(b"not a crl")
    shutil.copy(test_pki.intermediate_crl, served / "good.crl")
    eds_settings.EDS_CRL_DIR = target
    with _static(served) as base:
        names = ["stale", "forged", "junk", "missing", "good"]
        code, outcomes = _refresh(*[arg for n in names for arg in ("--url", f"{base}{n}.crl")])
    assert code == 1
    assert [o["ok"] for o in outcomes] == [False, False, False, False, True]
    assert [p.name for p in target.iterdir()] == [outcomes[-1]["file"]]


def test_refresh_replaces_the_file_atomically(
    test_pki: TestPki, eds_settings: Any, tmp_path: Path
) -> None:
    served, target = tmp_path / "served", tmp_path / "crl"
    served.mkdir()
    ca, now = _ca(test_pki), timezone.now()
    eds_settings.EDS_CRL_DIR = target
    with _static(served) as base:
        for this_update in (now - timedelta(hours=2), now):
            (served / "ca.crl").write_bytes(_crl(ca, [], this_update=this_update))
            assert _refresh("--url", base + "ca.crl")[0] == 0
    files = list(target.iterdir())
    assert len(files) == 1  # no temporary files left behind
    assert read_crl(files[0].read_bytes()).last_update_utc > now - timedelta(hours=2)


def test_refresh_with_nothing_to_fetch_says_so(
    test_pki: TestPki, eds_settings: Any, tmp_path: Path
) -> None:
    eds_settings.EDS_CRL_URLS = []
    out = io.StringIO()
    call_command("eds", "refresh-crl", stdout=out)
    assert "no CRL addresses" in out.getvalue()


# --- the periodic task --------------------------------------------------------------------


def test_the_refresh_task_is_scheduled_periodically(settings: Any) -> None:
    from bekitu.celery import app
    from bekitu.eds import tasks

    entry = app.conf.beat_schedule[tasks.SCHEDULE_ENTRY]
    assert entry["task"] == tasks.TASK_NAME == "eds.refresh_crl"
    assert entry["schedule"] == timedelta(minutes=settings.EDS_CRL_REFRESH_MINUTES)
    assert tasks.TASK_NAME in app.tasks


def test_the_refresh_task_counts_successes_and_failures(
    test_pki: TestPki, eds_settings: Any, tmp_path: Path
) -> None:
    from bekitu.eds.tasks import refresh_crl

    eds_settings.EDS_CRL_DIR = tmp_path / "crl"
    with _static(test_pki.crl_dir) as base:
        eds_settings.EDS_CRL_URLS = [base + "intermediate.crl", base + "nowhere.crl"]
        assert refresh_crl.apply().get() == {"ok": 1, "failed": 1}


def _scoped_crl(ca: Issued, revoked: list[x509.Certificate], now: dt.datetime) -> bytes:
    """A CRL with a critical issuing distribution point (users' certificates only)."""
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca.cert.subject)
        .last_update(now - timedelta(hours=1))
        .next_update(now + timedelta(days=1))
        .add_extension(
            x509.IssuingDistributionPoint(None, None, True, False, None, False, False), True
        )
    )
    for cert in revoked:
        entry = x509.RevokedCertificateBuilder().serial_number(cert.serial_number)
        builder = builder.add_revoked_certificate(entry.revocation_date(now).build())
    return builder.sign(ca.key, hashes.SHA256()).public_bytes(DER)


def test_a_plain_crl_is_indexed_and_a_scoped_one_is_left_to_certvalidator(
    test_pki: TestPki, crl_dir: Path
) -> None:
    ca, revoked, now = _ca(test_pki), _revoked_cert(test_pki), timezone.now()
    (crl_dir / "scoped.crl").write_bytes(_scoped_crl(ca, [revoked], now - timedelta(hours=2)))
    store = load_trust_store(test_pki.trust_dir)
    loaded = {c.name: c for c in load_crls(crl_dir, store, None)}
    assert loaded["root.crl"].index == {}
    assert loaded["scoped.crl"].index is None
    assert _verify(test_pki, test_pki.negative("revoked")) == (False, "revoked")
    assert _verify(test_pki) == (True, None)
