"""XML-DSig of the pinned shape checked with a crypto backend's primitives (GOST).

signxml knows no GOST algorithms, so for a GOST request this module does the XML part itself,
for the one shape `xmlcheck` has already pinned (one Reference URI="", enveloped-signature
then at most one C14N): it canonicalizes, and the backend digests and verifies.
"""

from __future__ import annotations

import base64
import hmac
from typing import TYPE_CHECKING

from asn1crypto import x509 as asn1_x509
from lxml import etree

from bekitu.eds.backends.base import CryptoBackend
from bekitu.eds.refusal import Refused

if TYPE_CHECKING:
    from bekitu.eds.xmlcheck import SignatureShape

DS = "http://www.w3.org/2000/09/xmldsig#"
# XML-DSig: with no C14N transform, the node-set becomes octets by inclusive C14N 1.0.
DEFAULT_C14N = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def canonicalize(element: etree._Element, algorithm: str) -> bytes:
    """The canonical form of `element` under one of the pinned C14N algorithms."""
    return etree.tostring(
        element,
        method="c14n",
        exclusive=algorithm.startswith("http://www.w3.org/2001/10/xml-exc-c14n#"),
        with_comments=algorithm.endswith("#WithComments"),
    )


def _enveloped_payload(root: etree._Element, transforms: tuple[str, ...]) -> bytes:
    copy = etree.fromstring(etree.tostring(root), parser=_parser())
    signature = copy.find(f"{{{DS}}}Signature")
    if signature is None:
        raise Refused("malformed", "the Signature disappeared")
    previous, tail = signature.getprevious(), signature.tail or ""
    if previous is not None:
        previous.tail = (previous.tail or "") + tail
    else:
        copy.text = (copy.text or "") + tail
    copy.remove(signature)
    c14n = transforms[1] if len(transforms) > 1 else DEFAULT_C14N
    return canonicalize(copy, c14n)


def _b64(element: etree._Element | None) -> bytes:
    text = "".join(((element.text if element is not None else "") or "").split())
    try:
        return base64.b64decode(text, validate=True)
    except ValueError as exc:
        raise Refused("malformed", "base64 value cannot be read") from exc


def verify_with_backend(
    root: etree._Element, shape: SignatureShape, backend: CryptoBackend
) -> etree._Element:
    """Check digest and signature value with the backend; return the signed element."""
    signed_info = shape.signature.find(f"{{{DS}}}SignedInfo")
    reference = signed_info.find(f"{{{DS}}}Reference") if signed_info is not None else None
    if signed_info is None or reference is None:
        raise Refused("malformed", "SignedInfo or Reference missing")
    payload = _enveloped_payload(root, shape.transforms)
    expected = _b64(reference.find(f"{{{DS}}}DigestValue"))
    if not hmac.compare_digest(backend.digest(shape.digest_method, payload), expected):
        raise Refused("bad_signature", "digest mismatch")
    spki = asn1_x509.Certificate.load(shape.certificate_der).public_key.dump()
    ok = backend.verify(
        algorithm=shape.signature_method,
        public_key_info=spki,
        signature=_b64(shape.signature.find(f"{{{DS}}}SignatureValue")),
        data=canonicalize(signed_info, shape.c14n_method),
    )
    if not ok:
        raise Refused("bad_signature", "signature value does not verify")
    return etree.fromstring(payload, parser=_parser())
