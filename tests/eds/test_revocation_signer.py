"""Who may vouch for a CRL: the issuer's key, in a certificate that allows signing CRLs
(keyUsage cRLSign, when it has the extension; RFC 5280 4.2.1.3) and was valid when the CRL
was issued (its thisUpdate). A CRL that fails is not used: revocation is then unknown."""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.utils import timezone

from bekitu.devtools import testpki_certs
from bekitu.devtools.testpki import TestPki
from bekitu.devtools.testpki_certs import Issued
from bekitu.eds.revocation import CrlSignerError, checked_crl_signer, load_crls
from bekitu.eds.trust import build_store
from bekitu.eds.verification import verify_request

from .verify_helpers import signed_request

DER = serialization.Encoding.DER


def _key(path: Path) -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def _ca_cert(
    key: rsa.RSAPrivateKey,
    subject: x509.Name,
    *,
    issuer: Issued | None = None,
    crl_sign: bool | None = True,
    not_before: dt.datetime,
    not_after: dt.datetime,
) -> Issued:
    """A CA certificate; `crl_sign=None` leaves the keyUsage extension out."""
    issuer_name = issuer.cert.subject if issuer else subject
    signer = issuer.key if issuer else key
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(signer.public_key()), False
        )
    )
    if crl_sign is not None:
        usage = x509.KeyUsage(
            digital_signature=True,
            content_commitment=False,
            key_encipherment=False,
            data_encipherment=False,
            key_agreement=False,
            key_cert_sign=True,
            crl_sign=crl_sign,
            encipher_only=False,
            decipher_only=False,
        )
        builder = builder.add_extension(usage, True)
    return Issued(builder.sign(signer, hashes.SHA256()), key)


def _crl(ca: Issued, this_update: dt.datetime, days: int = 7) -> x509.CertificateRevocationList:
    # make_crl dates thisUpdate an hour before `this_update`
    return testpki_certs.make_crl(ca, [], this_update=this_update, days=days, at=this_update)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, cn)])


@pytest.fixture(scope="module")
def ca_key(test_pki: TestPki) -> rsa.RSAPrivateKey:
    return _key(test_pki.intermediate_key)  # any RSA key: no generation in the test


def _signer_error(ca: Issued, crl: x509.CertificateRevocationList) -> str | None:
    try:
        checked_crl_signer(crl, build_store([ca.cert]), None)
    except CrlSignerError as exc:
        return str(exc)
    return None


def _loaded(ca: Issued, crl: x509.CertificateRevocationList, folder: Path) -> list[str]:
    folder.mkdir(exist_ok=True)
    (folder / "ca.crl").write_bytes(crl.public_bytes(DER))
    return [c.name for c in load_crls(folder, build_store([ca.cert]), None)]


def test_a_crl_signed_by_a_key_without_crl_sign_is_not_used(
    ca_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    now = timezone.now()
    span = {"not_before": now - timedelta(days=1), "not_after": now + timedelta(days=365)}
    barred = _ca_cert(ca_key, _name("CA"), crl_sign=False, **span)
    assert _signer_error(barred, _crl(barred, now)) == (
        "the CRL's signer lacks the cRLSign key usage"
    )
    assert _loaded(barred, _crl(barred, now), tmp_path / "barred") == []
    allowed = _ca_cert(ca_key, _name("CA"), crl_sign=True, **span)
    assert _loaded(allowed, _crl(allowed, now), tmp_path / "allowed") == ["ca.crl"]


def test_a_ca_without_a_key_usage_extension_may_sign_crls(ca_key: rsa.RSAPrivateKey) -> None:
    # RFC 5280 4.2.1.3 restricts a key only through a keyUsage that is there
    now = timezone.now()
    bare = _ca_cert(
        ca_key, _name("CA"), crl_sign=None, not_before=now - timedelta(days=1), not_after=now
    )
    assert _signer_error(bare, _crl(bare, now - timedelta(hours=1))) is None


def test_a_crl_whose_signer_had_expired_at_this_update_is_not_used(
    ca_key: rsa.RSAPrivateKey, tmp_path: Path
) -> None:
    now = timezone.now()
    expired = _ca_cert(
        ca_key,
        _name("CA"),
        not_before=now - timedelta(days=400),
        not_after=now - timedelta(days=30),
    )
    late = _crl(expired, now, days=7)  # current, but issued after its signer expired
    assert _signer_error(expired, late) == (
        "the CRL's signer was not valid at the CRL's thisUpdate"
    )
    assert _loaded(expired, late, tmp_path / "late") == []
    in_time = _crl(expired, now - timedelta(days=60), days=90)  # issued while it was valid
    assert _loaded(expired, in_time, tmp_path / "in-time") == ["ca.crl"]


def test_a_crl_issued_before_its_signer_was_valid_is_not_used(
    ca_key: rsa.RSAPrivateKey,
) -> None:
    now = timezone.now()
    young = _ca_cert(
        ca_key, _name("CA"), not_before=now - timedelta(minutes=5), not_after=now + timedelta(1)
    )
    assert _signer_error(young, _crl(young, now)) == (
        "the CRL's signer was not valid at the CRL's thisUpdate"
    )


def test_of_two_certificates_of_the_issuers_key_the_one_that_may_sign_crls_counts(
    ca_key: rsa.RSAPrivateKey,
) -> None:
    now = timezone.now()
    span = {"not_before": now - timedelta(days=1), "not_after": now + timedelta(days=365)}
    barred = _ca_cert(ca_key, _name("CA"), crl_sign=False, **span)
    allowed = _ca_cert(ca_key, _name("CA"), crl_sign=True, **span)
    store = build_store([barred.cert, allowed.cert])
    assert checked_crl_signer(_crl(allowed, now), store, None) == allowed.cert


# --- in a verification: the intermediate's certificate in the trust store is re-issued (the
# same name and key, so the person's certificate still chains to it) without the right to sign
# its CRL, or valid only from after the CRL was issued: the CRL is not used, no OCSP is
# configured, and the request is refused as revocation_unknown.


def _reissued_intermediate(pki: TestPki, **kwargs: Any) -> Issued:
    root_cert = x509.load_pem_x509_certificate(pki.root_cert.read_bytes())
    root = Issued(root_cert, _key(pki.root_key))
    subject = x509.load_pem_x509_certificate(pki.intermediate_cert.read_bytes()).subject
    return _ca_cert(_key(pki.intermediate_key), subject, issuer=root, **kwargs)


def _verify_with_intermediate(pki: TestPki, own_dirs: Any, inter: Issued) -> tuple[bool, Any]:
    dirs = own_dirs(pki)
    (dirs.trust / "intermediate.pem").write_bytes(
        inter.cert.public_bytes(serialization.Encoding.PEM)
    )
    result = verify_request(signed_request(pki), expect_iin=pki.person.iin)
    return result.valid, result.reason


def _span() -> dict[str, dt.datetime]:
    now = timezone.now()
    return {"not_before": now - timedelta(days=30), "not_after": now + timedelta(days=365)}


@pytest.mark.django_db
def test_a_verification_uses_the_crl_of_a_reissued_intermediate_that_may_sign_it(
    test_pki: TestPki, own_dirs: Any
) -> None:
    allowed = _reissued_intermediate(test_pki, crl_sign=True, **_span())
    assert _verify_with_intermediate(test_pki, own_dirs, allowed) == (True, None)


@pytest.mark.django_db
def test_a_verification_does_not_use_a_crl_its_signer_may_not_sign(
    test_pki: TestPki, own_dirs: Any
) -> None:
    barred = _reissued_intermediate(test_pki, crl_sign=False, **_span())
    assert _verify_with_intermediate(test_pki, own_dirs, barred) == (False, "revocation_unknown")


@pytest.mark.django_db
def test_a_verification_does_not_use_a_crl_issued_outside_its_signers_validity(
    test_pki: TestPki, own_dirs: Any
) -> None:
    crl = x509.load_der_x509_crl(test_pki.intermediate_crl.read_bytes())
    later = _reissued_intermediate(
        test_pki,
        not_before=crl.last_update_utc + timedelta(minutes=1),
        not_after=timezone.now() + timedelta(days=365),
    )
    assert _verify_with_intermediate(test_pki, own_dirs, later) == (False, "revocation_unknown")
