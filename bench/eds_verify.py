"""EDS verification throughput: full checks beside bare RSA, with the same key, in one run.

Full = `verify_request`: parse, pinned XML-DSig (digest + RSA), path to the root, validity, CRL
(signature and nextUpdate), the NCA profile; once without and once with the audit row (SQLite).
Bare = one RSA-SHA256 verify of the same SignatureValue over the same SignedInfo: the floor.
The requests are signed by many different certificates of one CA, taken in turn, so that
nothing is reused from one signer to the next but what the CA's signers share.

Per core = calls per second of this process's CPU time; the wall-clock rate is printed beside
it (the machine is shared: the wall-clock figure moves with the others' load, the CPU-time
figure much less). Full and bare are measured in alternating slices, so that a change of load
during the run touches both alike and their ratio holds. The last line is the summary.

    .venv/bin/python bench/eds_verify.py [--seconds 6] [--signers 200] [--big-crl 50000]
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import os
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

_TMP = Path(tempfile.mkdtemp(prefix="bekitu-bench-eds-"))
os.environ["BEKITU_VAR_DIR"] = str(_TMP)
os.environ["DATABASE_URL"] = f"sqlite:///{_TMP / 'bench.sqlite3'}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bekitu.settings")
os.environ.setdefault("BEKITU_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from cryptography import x509  # noqa: E402
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding, rsa  # noqa: E402
from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from lxml import etree  # noqa: E402

from bekitu.core.iin import make_iin  # noqa: E402
from bekitu.devtools import testpki_certs  # noqa: E402
from bekitu.devtools.testpki import (  # noqa: E402
    PASSWORD,
    PersonSpec,
    TestPki,
    build_test_pki,
    person_name,
)
from bekitu.eds import verification  # noqa: E402
from bekitu.eds.signing import (  # noqa: E402
    SigningKey,
    load_p12,
    sign_xml_with_key,
)
from bekitu.eds.trust import RACY_SECONDS  # noqa: E402

DS = "{http://www.w3.org/2000/09/xmldsig#}"


@dataclass
class Rate:
    """Calls counted over wall-clock and CPU seconds."""

    calls: int = 0
    wall: float = 0.0
    cpu: float = 0.0

    @property
    def per_core(self) -> float:
        """Calls per second of CPU time."""
        return self.calls / self.cpu

    @property
    def per_second(self) -> float:
        """Calls per second of wall-clock time."""
        return self.calls / self.wall


def _slice(fn: Callable[[], object], seconds: float, into: Rate) -> None:
    wall, cpu, calls = time.perf_counter(), time.process_time(), 0
    while time.perf_counter() - wall < seconds:
        fn()
        calls += 1
    into.calls += calls
    into.wall += time.perf_counter() - wall
    into.cpu += time.process_time() - cpu


def alternate(
    fns: dict[str, Callable[[], object]], seconds: float, slices: int = 10
) -> dict[str, Rate]:
    """Each function measured for about `seconds` in all, in `slices` turns taken in rotation."""
    rates = {name: Rate() for name in fns}
    for fn in fns.values():
        fn()  # warm-up: caches filled, code paths imported
    for _ in range(slices):
        for name, fn in fns.items():
            _slice(fn, seconds / slices, rates[name])
    return rates


def bare_rsa(data: bytes) -> Callable[[], None]:
    """One RSA-SHA256 verification of the request's SignatureValue over its SignedInfo."""
    signature = etree.fromstring(data).find(f"{DS}Signature")
    assert signature is not None
    signed_info = etree.tostring(signature.find(f"{DS}SignedInfo"), method="c14n")
    value = base64.b64decode("".join(signature.findtext(f"{DS}SignatureValue", "").split()))
    cert_b64 = "".join(
        signature.findtext(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate", "").split()
    )
    key = x509.load_der_x509_certificate(base64.b64decode(cert_b64)).public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    return lambda: key.verify(value, signed_info, padding.PKCS1v15(), hashes.SHA256())


def _intermediate(pki: TestPki) -> testpki_certs.Issued:
    key = serialization.load_pem_private_key(pki.intermediate_key.read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return testpki_certs.Issued(
        x509.load_pem_x509_certificate(pki.intermediate_cert.read_bytes()), key
    )


def signed_requests(pki: TestPki, count: int) -> list[tuple[bytes, str]]:
    """`count` requests, each signed by a certificate of its own (its own IIN and serial) that
    the test PKI's intermediate issued; one RSA key serves them all, to save generating keys."""
    key = load_p12(pki.person_sign_p12(pki.person.iin), PASSWORD).private_key
    issuer, now = _intermediate(pki), dt.datetime.now(dt.UTC)
    requests: list[tuple[bytes, str]] = []
    for n in range(count * 2):
        iin = make_iin(dt.date(1960, 1, 1) + dt.timedelta(days=97 * n), "female", 100 + n)
        if iin is None or len(requests) == count:
            continue  # a serial whose check digit is unusable
        subject = person_name(PersonSpec(iin, "TESTOVA", f"SIGNER {n}"))
        cert = testpki_certs.issue_leaf(key, subject, issuer, testpki_certs.signing_profile(now))
        xml = f"<attachmentRequest><recipient><iin>{iin}</iin></recipient></attachmentRequest>"
        data = sign_xml_with_key(key=SigningKey(cert.cert, key), xml=xml.encode())
        requests.append((data, iin))
    return requests


def in_turn(requests: list[tuple[bytes, str]]) -> Callable[[], None]:
    """Verify the next request (round robin); fail loudly if one is refused."""
    position = [0]

    def verify() -> None:
        data, iin = requests[position[0] % len(requests)]
        position[0] += 1
        result = verification.verify_request(data, expect_iin=iin)
        assert result.valid, result.detail

    return verify


def big_crl(pki: TestPki, entries: int, folder: Path) -> Path:
    """The intermediate's CRL with `entries` more revoked serials, written to `folder`."""
    issuer = _intermediate(pki)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.cert.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=1))
    )
    for serial in range(1, entries + 1):
        entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now)
        builder = builder.add_revoked_certificate(entry.build())
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "root.crl").write_bytes(pki.root_crl.read_bytes())
    path = folder / "intermediate-big.crl"
    crl = builder.sign(issuer.key, hashes.SHA256())
    path.write_bytes(crl.public_bytes(serialization.Encoding.DER))
    return path


def _line(label: str, rate: Rate) -> str:
    return (
        f"  {label:<34} {rate.per_core:9.1f}/s per core ({1000 / rate.per_core:6.3f} ms CPU)"
        f"   {rate.per_second:9.1f}/s wall"
    )


def measure(label: str, requests: list[tuple[bytes, str]], seconds: float) -> tuple[Rate, Rate]:
    """Print full (without and with the audit row) and bare rates and the ratios."""
    with mock.patch.object(verification, "audit_record", lambda **_: None):
        rates = alternate({"full": in_turn(requests), "bare": bare_rsa(requests[0][0])}, seconds)
    audited = alternate({"audited": in_turn(requests)}, seconds / 2, slices=2)["audited"]
    full, bare = rates["full"], rates["bare"]
    print(f"[{label}]")
    print(_line("full verification (no audit row)", full))
    print(_line("full verification + audit row", audited))
    print(_line("bare RSA-2048 verify (floor)", bare))
    ratio, with_audit = bare.per_core / full.per_core, bare.per_core / audited.per_core
    print(f"  ratio floor/full: {ratio:.1f}x ({with_audit:.1f}x with the audit row)")
    return full, bare


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=6.0, help="time per measurement")
    parser.add_argument("--signers", type=int, default=200, help="different signing certificates")
    parser.add_argument("--big-crl", type=int, default=50_000, help="revoked serials (0: skip)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    iin = make_iin(dt.date(1985, 3, 14), "male", 101)
    assert iin is not None
    pki = build_test_pki(_TMP / "pki", persons=[PersonSpec(iin, "TESTOV", "ASAN")], providers=[])
    settings.EDS_TRUST_DIR, settings.EDS_CRL_DIR = pki.trust_dir, pki.crl_dir
    requests = signed_requests(pki, args.signers)
    load = os.getloadavg()[0]
    print(
        f"EDS verification: {len(requests[0][0])}-byte requests, RSA-2048, root + intermediate"
        f" + leaf, {len(requests)} signers in turn; {os.cpu_count()} cores, load {load:.1f}"
    )
    full, bare = measure("test PKI CRL (1 revoked serial)", requests, args.seconds)
    if args.big_crl:
        big = big_crl(pki, args.big_crl, _TMP / "crl-big")
        settings.EDS_CRL_DIR = big.parent
        size = big.stat().st_size // 1024
        time.sleep(RACY_SECONDS)  # a file this young is hashed at every look (trust.py)
        measure(f"CRL with {args.big_crl} revoked serials, {size} KiB", requests, args.seconds)
    print(
        f"eds verify: {full.per_core:.0f} full verifications/s per core;"
        f" floor {bare.per_core:.0f}/s; ratio {bare.per_core / full.per_core:.0f}x"
        f" (load {os.getloadavg()[0]:.1f})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
