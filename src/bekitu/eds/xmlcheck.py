"""The XML half of verification: parse safely, pin the signature's shape, check its value.

A request is one enveloped XML-DSig as NCALayer's `signXml` makes it: the Signature a child of
the root, one Reference with URI="", transforms enveloped-signature and a C14N, SHA-256 and
RSA-SHA256 (or GOST, through the backend), only the signer's certificate in KeyInfo. Anything
else is refused before a key is touched. What comes out is only what the signature covers.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import rsa
from lxml import etree
from signxml import DigestAlgorithm, SignatureConfiguration, SignatureMethod, XMLVerifier
from signxml.exceptions import InvalidInput, SignXMLException

from bekitu.eds.backends.base import GOST_SIGNATURE_URIS, CryptoBackend, is_gost_oid
from bekitu.eds.backends.xmldsig import verify_with_backend
from bekitu.eds.refusal import Refused

DS = "http://www.w3.org/2000/09/xmldsig#"
ENVELOPED = DS + "enveloped-signature"
RSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
C14N_METHODS = frozenset(
    {
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
        "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
        "http://www.w3.org/2001/10/xml-exc-c14n#",
        "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    }
)
MIN_RSA_BITS = 2048

_PINNED = SignatureConfiguration(
    location="./",
    expect_references=1,
    signature_methods=frozenset({SignatureMethod.RSA_SHA256}),
    digest_algorithms=frozenset({DigestAlgorithm.SHA256}),
)


def _ds(name: str) -> str:
    return f"{{{DS}}}{name}"


@dataclass(frozen=True)
class SignatureShape:
    """The parts of the one Signature that decide how it is checked."""

    signature: etree._Element
    c14n_method: str
    signature_method: str
    digest_method: str
    transforms: tuple[str, ...]
    certificate: x509.Certificate
    certificate_der: bytes


@dataclass(frozen=True)
class SignedXml:
    """A request whose signature value verified: its certificate and the signed content."""

    certificate: x509.Certificate
    certificate_der: bytes
    signed_root: etree._Element


def safe_parser(*, remove_comments: bool = False) -> etree.XMLParser:
    """A parser that never resolves entities, loads a DTD or touches the network."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=remove_comments,
    )


def parse_request(data: bytes, *, max_bytes: int) -> etree._Element:
    """Parse the request; refuse `malformed` if too large, not well-formed, or with a DTD."""
    if not isinstance(data, bytes | bytearray):
        raise Refused("malformed", "not bytes")
    if len(data) > max_bytes:
        raise Refused("malformed", f"larger than {max_bytes} bytes")
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        raise Refused("malformed", "DTD or entity declaration present")
    try:
        root = etree.fromstring(bytes(data), parser=safe_parser())
    except (etree.XMLSyntaxError, ValueError) as exc:
        raise Refused("malformed", f"not well-formed: {exc.__class__.__name__}") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        raise Refused("malformed", "DTD present")
    if any(True for _ in root.iter(etree.Entity)):
        raise Refused("malformed", "entity reference present")
    return root


def _one(parent: etree._Element, name: str) -> etree._Element:
    found = parent.findall(_ds(name))
    if len(found) != 1:
        raise Refused("malformed", f"expected one {name}, found {len(found)}")
    return found[0]


def _children(element: etree._Element) -> list[etree._Element]:
    return [child for child in element if isinstance(child.tag, str)]


def _find_signature(root: etree._Element) -> etree._Element:
    if root.tag == _ds("Signature"):
        raise Refused("malformed", "the root is a Signature (enveloping), not enveloped")
    signatures = list(root.iter(_ds("Signature")))
    if len(signatures) != 1:
        raise Refused("malformed", f"expected exactly one Signature, found {len(signatures)}")
    if signatures[0].getparent() is not root:
        raise Refused("malformed", "the Signature is not a child of the document element")
    return signatures[0]


def _read_certificate(signature: etree._Element) -> tuple[x509.Certificate, bytes]:
    key_info = _one(signature, "KeyInfo")
    children = _children(key_info)
    if [c.tag for c in children] != [_ds("X509Data")]:
        raise Refused("malformed", "KeyInfo must hold exactly one X509Data")
    cert_elements = children[0].findall(_ds("X509Certificate"))
    if len(cert_elements) != 1:
        raise Refused("malformed", "X509Data must hold exactly the signer's certificate")
    text = "".join((cert_elements[0].text or "").split())
    try:
        der = base64.b64decode(text, validate=True)
        return x509.load_der_x509_certificate(der), der
    except (binascii.Error, ValueError) as exc:
        raise Refused("malformed", "the certificate in KeyInfo cannot be read") from exc


def read_shape(root: etree._Element) -> SignatureShape:
    """Find the one enveloped Signature and read its algorithms; refuse `malformed` otherwise."""
    signature = _find_signature(root)
    signed_info = _one(signature, "SignedInfo")
    _one(signature, "SignatureValue")
    reference = _one(signed_info, "Reference")
    if reference.get("URI") != "":
        raise Refused("malformed", 'the Reference must have URI=""')
    transforms_el = reference.findall(_ds("Transforms"))
    transforms = tuple(
        t.get("Algorithm") or "" for el in transforms_el for t in el.findall(_ds("Transform"))
    )
    _one(reference, "DigestValue")
    certificate, der = _read_certificate(signature)
    return SignatureShape(
        signature=signature,
        c14n_method=_one(signed_info, "CanonicalizationMethod").get("Algorithm") or "",
        signature_method=_one(signed_info, "SignatureMethod").get("Algorithm") or "",
        digest_method=_one(reference, "DigestMethod").get("Algorithm") or "",
        transforms=transforms,
        certificate=certificate,
        certificate_der=der,
    )


def is_gost(shape: SignatureShape) -> bool:
    """The request is signed with a GOST key or names a GOST signature method."""
    key_oid = shape.certificate.public_key_algorithm_oid.dotted_string
    return shape.signature_method in GOST_SIGNATURE_URIS or is_gost_oid(key_oid)


def check_algorithms(shape: SignatureShape, backend: CryptoBackend | None) -> None:
    """Refuse `unsupported_algorithm` unless every algorithm is one this profile allows."""
    if shape.c14n_method not in C14N_METHODS:
        raise Refused("unsupported_algorithm", f"canonicalization {shape.c14n_method}")
    if not shape.transforms or shape.transforms[0] != ENVELOPED:
        raise Refused("unsupported_algorithm", "the first transform must be enveloped-signature")
    rest = shape.transforms[1:]
    if len(rest) > 1 or any(t not in C14N_METHODS for t in rest):
        raise Refused("unsupported_algorithm", f"transforms {', '.join(shape.transforms)}")
    if is_gost(shape):
        if backend is None:
            raise Refused("unsupported_algorithm", "GOST signature and no crypto backend set")
        for algorithm in (shape.signature_method, shape.digest_method):
            if not backend.handles(algorithm):
                raise Refused("unsupported_algorithm", f"the backend does not handle {algorithm}")
        return
    if shape.signature_method != RSA_SHA256 or shape.digest_method != SHA256:
        raise Refused("unsupported_algorithm", f"{shape.signature_method} {shape.digest_method}")
    try:
        key = shape.certificate.public_key()
    except Exception as exc:
        raise Refused("unsupported_algorithm", "the certificate's key cannot be read") from exc
    if not isinstance(key, rsa.RSAPublicKey) or key.key_size < MIN_RSA_BITS:
        raise Refused("unsupported_algorithm", "RSA-SHA256 needs an RSA key of 2048 bits or more")


def _without_comments(element: etree._Element) -> etree._Element:
    # Comments carry no meaning; dropping them merges split text nodes, so that
    # `<iin>12<!---->34</iin>` reads as "1234" downstream whatever C14N was signed.
    return etree.fromstring(etree.tostring(element), parser=safe_parser(remove_comments=True))


def verify_rsa(root: etree._Element, shape: SignatureShape) -> etree._Element:
    """Check digest and signature value with signxml (pinned); return the signed element."""
    try:
        result = XMLVerifier().verify(
            root, x509_cert=shape.certificate, expect_config=_PINNED, parser=safe_parser()
        )
    except InvalidInput as exc:
        raise Refused("malformed", f"signxml: {exc}") from exc
    except (SignXMLException, etree.DocumentInvalid, etree.XMLSyntaxError) as exc:
        raise Refused("bad_signature", exc.__class__.__name__) from exc
    except Exception as exc:
        raise Refused("bad_signature", exc.__class__.__name__) from exc
    signed = getattr(result, "signed_xml", None)
    if signed is None:
        raise Refused("bad_signature", "the signed content is not XML")
    return _without_comments(signed)


def check_xml(data: bytes, *, max_bytes: int, backend: CryptoBackend | None) -> SignedXml:
    """Parse, pin the shape and algorithms, verify the signature value; raise `Refused`."""
    root = parse_request(data, max_bytes=max_bytes)
    shape = read_shape(root)
    check_algorithms(shape, backend)
    if is_gost(shape):
        assert backend is not None  # check_algorithms refused otherwise
        signed = _without_comments(verify_with_backend(root, shape, backend))
    else:
        signed = verify_rsa(root, shape)
    return SignedXml(shape.certificate, shape.certificate_der, signed)
