"""Keep a test PKI's CRLs current, so that a demo keeps verifying signatures for months.

A verification without a current CRL is refused (`revocation_unknown`, fail closed), and the
test CRLs run for only a few days, like the NCA's. Re-issuing the CRLs with the same CA keys
and the same revoked entries keeps every key and every talon signed so far valid; rebuilding
the PKI would not.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from bekitu.devtools.testpki import CRL_DAYS, TestPki


def renew_crls(
    pki: TestPki, *, now: dt.datetime | None = None, min_days_left: int = 2
) -> list[Path]:
    """Re-issue each CRL of the test PKI whose nextUpdate is less than `min_days_left` days
    away; return the paths renewed."""
    now = (now or dt.datetime.now(dt.UTC)).replace(microsecond=0)
    renewed = []
    for crl_path, cert_path, key_path in (
        (pki.intermediate_crl, pki.intermediate_cert, pki.intermediate_key),
        (pki.root_crl, pki.root_cert, pki.root_key),
    ):
        old = x509.load_der_x509_crl(crl_path.read_bytes())
        next_update = old.next_update_utc
        if next_update is not None and next_update - now >= dt.timedelta(days=min_days_left):
            continue
        crl = _reissue(old, cert_path, key_path, now)
        tmp = crl_path.with_suffix(".tmp")
        tmp.write_bytes(crl.public_bytes(serialization.Encoding.DER))
        tmp.replace(crl_path)
        renewed.append(crl_path)
    return renewed


def _reissue(
    old: x509.CertificateRevocationList, cert_path: Path, key_path: Path, now: dt.datetime
) -> x509.CertificateRevocationList:
    ca_cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    ca_key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    assert isinstance(ca_key, rsa.RSAPrivateKey)
    number = old.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(ca_cert.subject)
        .last_update(now - dt.timedelta(hours=1))
        .next_update(now + dt.timedelta(days=CRL_DAYS))
        .add_extension(x509.CRLNumber(number + 1), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
        )
    )
    for entry in old:
        builder = builder.add_revoked_certificate(entry)
    return builder.sign(ca_key, hashes.SHA256())
