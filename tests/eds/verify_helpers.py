"""Helpers of the verification tests: a request document, signing it, reading it back."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree

from bekitu.devtools import testpki_certs
from bekitu.devtools.testpki import PASSWORD, TestPki
from bekitu.eds.signing import SigningKey, sign_xml_with_p12

DS = "http://www.w3.org/2000/09/xmldsig#"


def request_xml(iin: str, *, provider_bin: str = "050140000110") -> bytes:
    """A citizen's attachment request as the portal builds it before signing."""
    return (
        "<attachmentRequest>"
        f"<recipient><iin>{iin}</iin><name>ТЕСТОВ АСАН</name></recipient>"
        f"<provider><bin>{provider_bin}</bin></provider>"
        "<reason>choice</reason>"
        "</attachmentRequest>"
    ).encode()


def talon_xml(provider_bin: str, iin: str) -> bytes:
    """A talon as the provider issues it before signing."""
    return (
        f"<talon><number>T-1</number><provider><bin>{provider_bin}</bin></provider>"
        f"<recipient><iin>{iin}</iin></recipient></talon>"
    ).encode()


def sign(p12: Path, xml: bytes) -> bytes:
    """Sign as NCALayer's signXml would, with a test key."""
    return sign_xml_with_p12(p12_path=p12, password=PASSWORD, xml=xml)


def signed_request(pki: TestPki, *, p12: Path | None = None, iin: str | None = None) -> bytes:
    """The first person's request, signed with their signing key unless `p12` says otherwise."""
    person = pki.person
    return sign(p12 or pki.person_sign_p12(person.iin), request_xml(iin or person.iin))


def recipient_iin(root: etree._Element) -> str:
    """The IIN the (signed) request names."""
    return "".join(root.find("recipient/iin").itertext())


def intermediate(pki: TestPki) -> testpki_certs.Issued:
    """The test PKI's issuing CA, with its key, to issue or revoke more."""
    key = serialization.load_pem_private_key(pki.intermediate_key.read_bytes(), None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return testpki_certs.Issued(
        x509.load_pem_x509_certificate(pki.intermediate_cert.read_bytes()), key
    )


def issued_key(
    pki: TestPki,
    subject: x509.Name,
    profile: testpki_certs.LeafProfile | None = None,
    *,
    issuer: testpki_certs.Issued | None = None,
) -> SigningKey:
    """A signing key with a certificate of its own (`subject`), issued by the test PKI's
    intermediate (or `issuer`); the key is shared with other tests, the certificate is new."""
    key = testpki_certs.shared_keys()("sign:issued")
    profile = profile or testpki_certs.signing_profile(dt.datetime.now(dt.UTC))
    issued = testpki_certs.issue_leaf(key, subject, issuer or intermediate(pki), profile)
    return SigningKey(certificate=issued.cert, private_key=key)
