"""Certificates at the edges of the NCA profile (docs/security.md): each is issued by the test
PKI's own CAs, so only the property under test can make it fail. A CA's certificate used to
sign, a leaf that claims to be a CA, an unknown critical extension, an expired intermediate,
a certificate that claims to be both an individual's and an organization's, and
anyExtendedKeyUsage are all refused; none is ever valid."""

from __future__ import annotations

import datetime as dt
import logging
import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID, ObjectIdentifier

from bekitu.devtools import testpki_certs as certs
from bekitu.devtools.testpki import PersonSpec, ProviderSpec, TestPki, build_test_pki, person_name
from bekitu.eds.signing import DirectoryKeyStore, SigningKey, sign_xml_with_key
from bekitu.eds.verification import VerificationResult, verify_provider_document, verify_request

from .verify_helpers import request_xml, talon_xml

pytestmark = pytest.mark.django_db

Builder = x509.CertificateBuilder
INDIVIDUAL = ObjectIdentifier(certs.OID_INDIVIDUAL)
ORGANIZATION = ObjectIdentifier(certs.OID_ORGANIZATION)
ORG_HEAD = ObjectIdentifier(certs.OID_ORG_HEAD)
EMAIL = ExtendedKeyUsageOID.EMAIL_PROTECTION


def _ca(cert: Path, key: Path) -> certs.Issued:
    private = serialization.load_pem_private_key(key.read_bytes(), None)
    return certs.Issued(x509.load_pem_x509_certificate(cert.read_bytes()), private)  # type: ignore[arg-type]


def _profile(
    builder: Builder, *, ca: bool = False, eku: tuple[ObjectIdentifier, ...] = (EMAIL, INDIVIDUAL)
) -> Builder:
    usage = certs._key_usage(digital_signature=True, content_commitment=True)
    return (
        builder.add_extension(x509.BasicConstraints(ca=ca, path_length=None), True)
        .add_extension(usage, True)
        .add_extension(x509.ExtendedKeyUsage(list(eku)), False)
    )


def _leaf(
    pki: TestPki,
    shape: Callable[[Builder], Builder],
    *,
    issuer: certs.Issued | None = None,
    subject: x509.Name | None = None,
) -> SigningKey:
    """A leaf for the first person, from the intermediate (or `issuer`), shaped by `shape`."""
    issuer = issuer or _ca(pki.intermediate_cert, pki.intermediate_key)
    key = certs.shared_keys()(f"sign:{pki.person.iin}")
    now = dt.datetime.now(dt.UTC)
    builder = (
        certs._base(subject or person_name(pki.person), key, issuer)
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
    )
    cert = shape(builder).sign(issuer.key, hashes.SHA256())  # type: ignore[arg-type]
    return SigningKey(certificate=cert, private_key=key)


def _verify(pki: TestPki, key: SigningKey) -> VerificationResult:
    data = sign_xml_with_key(key=key, xml=request_xml(pki.person.iin))
    return verify_request(data, expect_iin=pki.person.iin)


def _refused(result: VerificationResult, reason: str) -> None:
    assert (result.valid, result.reason, result.signed_root) == (False, reason, None), result.detail


def test_a_well_formed_leaf_of_this_kind_is_valid(test_pki: TestPki, eds_settings: Any) -> None:
    # The control: the helpers make a valid certificate unless a test changes one thing.
    result = _verify(test_pki, _leaf(test_pki, _profile))
    assert result.valid is True, result.detail


def test_an_unknown_critical_extension_is_refused(test_pki: TestPki, eds_settings: Any) -> None:
    unknown = x509.UnrecognizedExtension(ObjectIdentifier("1.2.3.4.5.6"), b"\x05\x00")
    key = _leaf(test_pki, lambda b: _profile(b).add_extension(unknown, True))
    _refused(_verify(test_pki, key), "untrusted_chain")


def test_a_leaf_that_says_it_is_a_ca_is_not_a_signing_key(
    test_pki: TestPki, eds_settings: Any
) -> None:
    _refused(_verify(test_pki, _leaf(test_pki, lambda b: _profile(b, ca=True))), "wrong_key_usage")


@pytest.mark.parametrize("which", ["intermediate", "root"])
def test_a_ca_certificate_used_to_sign_a_request_is_refused(
    test_pki: TestPki, eds_settings: Any, which: str
) -> None:
    ca = _ca(test_pki.trust_dir / f"{which}.pem", test_pki.outdir / "ca" / f"{which}.key")
    key = SigningKey(certificate=ca.cert, private_key=ca.key)  # type: ignore[arg-type]
    _refused(_verify(test_pki, key), "wrong_key_usage")


def test_a_certificate_without_key_usage_is_refused(test_pki: TestPki, eds_settings: Any) -> None:
    key = _leaf(test_pki, lambda b: b.add_extension(x509.ExtendedKeyUsage([INDIVIDUAL]), False))
    _refused(_verify(test_pki, key), "wrong_key_usage")


def test_any_extended_key_usage_is_not_a_signing_key(test_pki: TestPki, eds_settings: Any) -> None:
    anything = ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE
    key = _leaf(test_pki, lambda b: _profile(b, eku=(anything, INDIVIDUAL)))
    _refused(_verify(test_pki, key), "wrong_key_usage")


def test_a_certificate_of_both_an_individual_and_an_organization_is_not_an_individuals(
    test_pki: TestPki, eds_settings: Any
) -> None:
    key = _leaf(test_pki, lambda b: _profile(b, eku=(INDIVIDUAL, ORGANIZATION, ORG_HEAD)))
    _refused(_verify(test_pki, key), "not_individual")


def test_a_certificate_of_both_kinds_does_not_sign_for_an_organization(
    test_pki: TestPki, eds_settings: Any
) -> None:
    provider = test_pki.provider
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, "ТЕСТОВ АСАН"),
            x509.NameAttribute(NameOID.SERIAL_NUMBER, f"IIN{test_pki.person.iin}"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, provider.name),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, f"BIN{provider.bin}"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
        ]
    )
    shape = lambda b: _profile(b, eku=(INDIVIDUAL, ORGANIZATION, ORG_HEAD))  # noqa: E731
    key = _leaf(test_pki, shape, subject=subject)
    data = sign_xml_with_key(key=key, xml=talon_xml(provider.bin, test_pki.person.iin))
    _refused(verify_provider_document(data, expect_bin=provider.bin), "not_organization")


def test_an_expired_intermediate_fails_the_path(
    test_pki: TestPki, eds_settings: Any, tmp_path: Path
) -> None:
    root = _ca(test_pki.root_cert, test_pki.root_key)
    now = dt.datetime.now(dt.UTC)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "EXPIRED INTERMEDIATE")])
    inter_key = certs.shared_keys()("intermediate")
    inter_cert = (
        certs._base(name, inter_key, root)
        .not_valid_before(now - dt.timedelta(days=400))
        .not_valid_after(now - dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
        .add_extension(certs._key_usage(ca=True, digital_signature=True), True)
        .sign(root.key, hashes.SHA256())  # type: ignore[arg-type]
    )
    inter = certs.Issued(inter_cert, inter_key)
    trust, crl = tmp_path / "trust", tmp_path / "crl"
    trust.mkdir()
    crl.mkdir()
    shutil.copy(test_pki.root_cert, trust / "root.pem")
    shutil.copy(test_pki.root_crl, crl / "root.crl")
    (trust / "expired.pem").write_bytes(inter_cert.public_bytes(serialization.Encoding.PEM))
    fresh = certs.make_crl(inter, [], this_update=now, days=5, at=now)
    (crl / "expired.crl").write_bytes(fresh.public_bytes(serialization.Encoding.DER))
    eds_settings.EDS_TRUST_DIR, eds_settings.EDS_CRL_DIR = trust, crl
    _refused(_verify(test_pki, _leaf(test_pki, _profile, issuer=inter)), "expired")


def test_a_test_key_rewritten_over_an_open_file_is_readable_by_its_owner_only(
    tmp_path: Path,
) -> None:
    person = PersonSpec("850314300101", "ТЕСТОВ", "АСАН")
    provider = ProviderSpec("050140000110", "ЕМХАНА", person.iin)
    first = build_test_pki(
        tmp_path, persons=[person], providers=[provider], key_source=certs.shared_keys()
    )
    secrets = [first.person_sign_p12(person.iin), first.intermediate_key]
    secrets.append(first.providers_dir / f"{provider.bin}.pass")
    for path in secrets:
        os.chmod(path, 0o644)
    build_test_pki(tmp_path, persons=[person], providers=[provider], key_source=certs.shared_keys())
    assert {stat.S_IMODE(path.stat().st_mode) for path in secrets} == {0o600}


def test_a_provider_key_readable_by_others_is_named_in_a_warning_but_never_logged(
    test_pki: TestPki, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bin_ = test_pki.provider.bin
    for suffix, mode in ((".p12", 0o644), (".pass", 0o600)):
        target = tmp_path / f"{bin_}{suffix}"
        shutil.copy(test_pki.providers_dir / f"{bin_}{suffix}", target)
        os.chmod(target, mode)
    caplog.set_level(logging.WARNING, logger="bekitu.eds")
    DirectoryKeyStore(tmp_path).load(bin_)
    (record,) = [r for r in caplog.records if r.getMessage() == "eds.provider_key.open_permissions"]
    assert record.fields == {"files": [f"{bin_}.p12"]}  # type: ignore[attr-defined]
    assert test_pki.password not in caplog.text
