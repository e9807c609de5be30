"""The GOST crypto backend port: with none configured GOST is refused; with one, the XML and the
certificate path are checked through it. The fake backend here "does GOST" with RSA-SHA256
under GOST's names, which is enough to show that every signature goes through the port."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
from typing import Any

import pytest
from asn1crypto import algos, keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.utils import timezone
from lxml import etree

from bekitu.devtools.testpki import TestPki
from bekitu.eds.backends import registry
from bekitu.eds.backends.base import CryptoBackend, is_gost_oid, is_gost_uri
from bekitu.eds.backends.registry import (
    BackendAlgorithmPolicy,
    BackendSignatureValidator,
    get_backend,
)
from bekitu.eds.refusal import Refused
from bekitu.eds.signing import load_p12
from bekitu.eds.trust import build_store, validate_path, validation_context
from bekitu.eds.verification import verify_request

from .verify_helpers import DS, signed_request

pytestmark = pytest.mark.django_db

GOST_SIGNATURE = "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34102015-gostr34112015-512"
GOST_DIGEST = "urn:ietf:params:xml:ns:pkigovkz:xmlsec:algorithms:gostr34112015-512"
GOST_CERT_OID = "1.2.398.3.10.1.1.2.3.2"
FAKE = "tests.eds.test_verification_backend.FakeGostBackend"


class FakeGostBackend:
    """Pretends to implement GOST: SHA-256 and RSA PKCS#1 v1.5 under GOST's identifiers."""

    def handles(self, algorithm: str) -> bool:
        return is_gost_uri(algorithm) or is_gost_oid(algorithm)

    def digest(self, algorithm: str, data: bytes) -> bytes:
        assert algorithm == GOST_DIGEST
        return hashlib.sha256(data).digest()

    def verify(
        self, *, algorithm: str, public_key_info: bytes, signature: bytes, data: bytes
    ) -> bool:
        key = serialization.load_der_public_key(public_key_info)
        assert isinstance(key, rsa.RSAPublicKey)
        try:
            key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            return False
        return True


class SignatureOnlyBackend(FakeGostBackend):
    def handles(self, algorithm: str) -> bool:
        return algorithm == GOST_SIGNATURE


class NotABackend:
    pass


@pytest.fixture(autouse=True)
def _fresh_registry() -> None:
    registry._loaded.clear()


def _gost_request(pki: TestPki) -> bytes:
    """The person's request, with GOST's method names and a signature made to match them."""
    key = load_p12(pki.person_sign_p12(pki.person.iin), pki.password).private_key
    root = etree.fromstring(signed_request(pki))
    signed_info = root.find(f"{{{DS}}}Signature/{{{DS}}}SignedInfo")
    signed_info.find(f"{{{DS}}}SignatureMethod").set("Algorithm", GOST_SIGNATURE)
    signed_info.find(f"{{{DS}}}Reference/{{{DS}}}DigestMethod").set("Algorithm", GOST_DIGEST)
    c14n = etree.tostring(signed_info, method="c14n")
    value = key.sign(c14n, padding.PKCS1v15(), hashes.SHA256())
    root.find(f"{{{DS}}}Signature/{{{DS}}}SignatureValue").text = base64.b64encode(value).decode()
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def test_gost_is_refused_with_no_backend_configured(test_pki: TestPki, eds_settings: Any) -> None:
    eds_settings.EDS_CRYPTO_BACKEND = ""
    result = verify_request(_gost_request(test_pki), expect_iin=test_pki.person.iin)
    assert (result.valid, result.reason) == (False, "unsupported_algorithm")


def test_gost_is_verified_through_the_configured_backend(
    test_pki: TestPki, eds_settings: Any
) -> None:
    eds_settings.EDS_CRYPTO_BACKEND = FAKE
    result = verify_request(_gost_request(test_pki), expect_iin=test_pki.person.iin)
    assert result.valid is True, result.detail
    assert result.signed_root is not None
    assert result.signed_root.find(f"{{{DS}}}Signature") is None


def test_a_changed_gost_request_is_a_bad_signature(test_pki: TestPki, eds_settings: Any) -> None:
    eds_settings.EDS_CRYPTO_BACKEND = FAKE
    data = _gost_request(test_pki).replace(b"<reason>choice</reason>", b"<reason>other</reason>")
    result = verify_request(data, expect_iin=test_pki.person.iin)
    assert (result.valid, result.reason) == (False, "bad_signature")


def test_a_gost_signature_value_of_another_key_is_a_bad_signature(
    test_pki: TestPki, eds_settings: Any
) -> None:
    eds_settings.EDS_CRYPTO_BACKEND = FAKE
    root = etree.fromstring(_gost_request(test_pki))
    value = root.find(f"{{{DS}}}Signature/{{{DS}}}SignatureValue")
    value.text = base64.b64encode(b"\x01" * 256).decode()
    result = verify_request(etree.tostring(root), expect_iin=test_pki.person.iin)
    assert (result.valid, result.reason) == (False, "bad_signature")


def test_a_backend_that_lacks_the_digest_is_unsupported(
    test_pki: TestPki, eds_settings: Any
) -> None:
    eds_settings.EDS_CRYPTO_BACKEND = "tests.eds.test_verification_backend.SignatureOnlyBackend"
    result = verify_request(_gost_request(test_pki), expect_iin=test_pki.person.iin)
    assert (result.valid, result.reason) == (False, "unsupported_algorithm")


@pytest.mark.parametrize(
    "path",
    ["tests.eds.test_verification_backend.NotABackend", "tests.eds.nowhere.Backend", "nodots"],
)
def test_a_backend_that_cannot_be_loaded_counts_as_none(path: str, settings: Any) -> None:
    settings.EDS_CRYPTO_BACKEND = path
    assert get_backend() is None


def test_the_fake_backend_satisfies_the_port(settings: Any) -> None:
    settings.EDS_CRYPTO_BACKEND = FAKE
    assert isinstance(get_backend(), CryptoBackend)


# --- the certificate path through the backend ---------------------------------------------


def _gost_signed(builder: x509.CertificateBuilder, key: rsa.RSAPrivateKey) -> asn1_x509.Certificate:
    """Sign a certificate as if with GOST: the GOST OID, and an RSA-SHA256 signature."""
    cert = asn1_x509.Certificate.load(
        builder.sign(key, hashes.SHA256()).public_bytes(serialization.Encoding.DER)
    )
    tbs = cert["tbs_certificate"].copy()
    tbs["signature"] = algos.SignedDigestAlgorithm({"algorithm": GOST_CERT_OID})
    value = key.sign(tbs.dump(force=True), padding.PKCS1v15(), hashes.SHA256())
    return asn1_x509.Certificate(
        {
            "tbs_certificate": tbs,
            "signature_algorithm": algos.SignedDigestAlgorithm({"algorithm": GOST_CERT_OID}),
            "signature_value": value,
        }
    )


def _gost_chain() -> tuple[asn1_x509.Certificate, asn1_x509.Certificate]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = timezone.now()
    root_name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "GOST ROOT")])
    leaf_name = x509.Name([x509.NameAttribute(x509.oid.NameOID.COMMON_NAME, "GOST LEAF")])
    base = (
        x509.CertificateBuilder()
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .issuer_name(root_name)
    )
    root = _gost_signed(
        base.subject_name(root_name).add_extension(x509.BasicConstraints(True, None), True), key
    )
    leaf = _gost_signed(base.subject_name(leaf_name), key)
    return root, leaf


def _validate(root: asn1_x509.Certificate, leaf: asn1_x509.Certificate, backend: Any) -> Any:
    store = build_store([x509.load_der_x509_certificate(root.dump())])
    context = validation_context(store, moment=timezone.now(), backend=backend)
    return asyncio.run(validate_path(leaf, context))


def test_a_gost_signed_path_validates_through_the_backend() -> None:
    root, leaf = _gost_chain()
    path = _validate(root, leaf, FakeGostBackend())
    assert path.leaf.dump() == leaf.dump()


def test_a_gost_signed_path_is_untrusted_without_a_backend() -> None:
    root, leaf = _gost_chain()
    with pytest.raises(Refused) as refused:
        _validate(root, leaf, None)
    assert refused.value.reason == "untrusted_chain"


def test_the_hooks_send_only_gost_to_the_backend() -> None:
    gost = algos.SignedDigestAlgorithm({"algorithm": GOST_CERT_OID})
    rsa_sha256 = algos.SignedDigestAlgorithm({"algorithm": "sha256_rsa"})
    assert not BackendAlgorithmPolicy(None).signature_algorithm_allowed(gost, None, None)
    assert BackendAlgorithmPolicy(FakeGostBackend()).signature_algorithm_allowed(gost, None, None)
    assert BackendAlgorithmPolicy(None).signature_algorithm_allowed(rsa_sha256, None, None)
    with pytest.raises(InvalidSignature):
        BackendSignatureValidator(None).validate_signature(b"", b"", _any_key_info(), gost)


def _any_key_info() -> keys.PublicKeyInfo:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048).public_key()
    spki = serialization.PublicFormat.SubjectPublicKeyInfo
    return keys.PublicKeyInfo.load(key.public_bytes(serialization.Encoding.DER, spki))


def test_the_gost_identifiers() -> None:
    assert is_gost_oid("1.2.398.3.10.1.1.1.2") and is_gost_oid("1.2.398.3.10.1.1.2.3.2")
    assert not is_gost_oid("1.2.840.113549.1.1.11")
    assert is_gost_uri(GOST_SIGNATURE) and is_gost_uri(GOST_DIGEST)
    assert not is_gost_uri("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
