"""EDS verification throughput: full checks beside bare RSA, with the same key, in one run.

Full = `verify_request`: parse, pinned XML-DSig (digest + RSA), path to the root, validity, CRL
(signature and nextUpdate), the NCA profile and the audit row. Bare = one RSA-SHA256 verify
of the same SignatureValue over the same SignedInfo. Printed: verifications per second of
each and the ratio, for the test PKI's small CRL and for a CRL with many revoked serials.

    .venv/bin/python bench/eds_verify.py [--seconds 3] [--big-crl 50000]
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
from bekitu.devtools.testpki import PASSWORD, PersonSpec, TestPki, build_test_pki  # noqa: E402
from bekitu.eds import verification  # noqa: E402
from bekitu.eds.signing import sign_xml_with_p12  # noqa: E402

DS = "{http://www.w3.org/2000/09/xmldsig#}"


def rate(fn: Callable[[], object], seconds: float) -> float:
    """Calls per second of `fn`, measured for about `seconds` after one warm-up call."""
    fn()
    count, start = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - start) < seconds:
        fn()
        count += 1
    return count / elapsed


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


def big_crl(pki: TestPki, entries: int, folder: Path) -> Path:
    """The intermediate's CRL with `entries` more revoked serials, written to `folder`."""
    key = serialization.load_pem_private_key(pki.intermediate_key.read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    issuer = x509.load_pem_x509_certificate(pki.intermediate_cert.read_bytes())
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=1))
    )
    for serial in range(1, entries + 1):
        entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(now)
        builder = builder.add_revoked_certificate(entry.build())
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "root.crl").write_bytes(pki.root_crl.read_bytes())
    path = folder / "intermediate-big.crl"
    path.write_bytes(builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER))
    return path


def measure(label: str, data: bytes, iin: str, seconds: float) -> None:
    """Print full (with and without the audit row) and bare rates, and the ratio."""
    result = verification.verify_request(data, expect_iin=iin)
    assert result.valid, result.detail
    full = rate(lambda: verification.verify_request(data, expect_iin=iin), seconds)
    with mock.patch.object(verification, "audit_record"):
        checks = rate(lambda: verification.verify_request(data, expect_iin=iin), seconds)
    bare = rate(bare_rsa(data), seconds)
    print(f"[{label}]")
    print(f"  full verifications/s (with audit row):  {full:9.1f}  ({1000 / full:6.2f} ms each)")
    print(
        f"  full verifications/s (no audit row):    {checks:9.1f}  ({1000 / checks:6.2f} ms each)"
    )
    print(f"  bare RSA-2048 verifications/s:          {bare:9.1f}  ({1000 / bare:6.3f} ms each)")
    print(f"  ratio bare/full: {bare / full:.1f}x (with audit), {bare / checks:.1f}x (no audit)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    parser.add_argument("--big-crl", type=int, default=50_000, help="revoked serials (0: skip)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    iin = make_iin(dt.date(1985, 3, 14), "male", 101)
    assert iin is not None
    pki = build_test_pki(_TMP / "pki", persons=[PersonSpec(iin, "TESTOV", "ASAN")], providers=[])
    settings.EDS_TRUST_DIR, settings.EDS_CRL_DIR = pki.trust_dir, pki.crl_dir
    request = f"<attachmentRequest><recipient><iin>{iin}</iin></recipient></attachmentRequest>"
    data = sign_xml_with_p12(
        p12_path=pki.person_sign_p12(iin), password=PASSWORD, xml=request.encode()
    )
    print(f"EDS verification, {len(data)} bytes request, RSA-2048, chain root+intermediate+leaf")
    measure("test PKI CRL (1 revoked serial)", data, iin, args.seconds)
    if args.big_crl:
        big = big_crl(pki, args.big_crl, _TMP / "crl-big")
        settings.EDS_CRL_DIR = big.parent
        size = big.stat().st_size
        measure(
            f"CRL with {args.big_crl} revoked serials, {size // 1024} KiB", data, iin, args.seconds
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
