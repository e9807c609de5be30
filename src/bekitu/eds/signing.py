"""Signing: XML-DSig as NCALayer's signXml makes it, and PAdES for the talon PDF (R9.12, R3.1).

`sign_xml_with_p12` signs with a PKCS#12 file (the test tools: NCALayer for development).
`sign_xml_as_provider` and `sign_pdf_as_provider` sign with the provider's organization key
from the ProviderKeyStore, and write an audit row (action `eds.sign`, never the document).
"""

from __future__ import annotations

import io
import logging
from pathlib import Path

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from django.utils.translation import gettext_lazy as _
from lxml import etree
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfReadError
from pyhanko.sign import fields, signers
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner

from bekitu.core.audit import audit_record
from bekitu.core.errors import DomainError
from bekitu.eds.keys import ProviderKeyStore, SigningKey, default_key_store, load_p12

log = logging.getLogger("bekitu.eds")

C14N = CanonicalizationMethod.CANONICAL_XML_1_0  # http://www.w3.org/TR/2001/REC-xml-c14n-20010315
SIGNATURE_FIELD = "ProviderSignature"
_STAMP_BOX = (36, 24, 300, 84)  # bottom left of the last page, in points
_PDF_SIGNATURE_BYTES = 16384  # CMS with a 3-certificate RSA-2048 chain needs about 5 KB


class SigningError(DomainError):
    """The document cannot be signed (it is not well-formed XML or not a PDF)."""

    code = "sign_failed"


def _parse_xml(xml: bytes) -> etree._Element:
    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, remove_blank_text=False
    )
    try:
        root = etree.fromstring(xml, parser=parser)
    except etree.XMLSyntaxError as exc:
        raise SigningError(_("The document is not well-formed XML."), code="malformed") from exc
    if root.getroottree().docinfo.doctype:
        # The verifier refuses DTDs (entities could change what was signed), so never sign one.
        raise SigningError(_("A document with a DTD cannot be signed."), code="malformed")
    return root


def sign_xml_with_key(*, key: SigningKey, xml: bytes) -> bytes:
    """An enveloped XML-DSig over the whole document, in NCALayer's signXml profile:
    Reference URI="", enveloped-signature + C14N 1.0, SHA-256, RSA-SHA256, and only the
    leaf certificate in KeyInfo/X509Data."""
    root = _parse_xml(xml)
    signer = XMLSigner(
        signature_algorithm=SignatureMethod.RSA_SHA256,
        digest_algorithm=DigestAlgorithm.SHA256,
        c14n_algorithm=C14N,
    )
    signed = signer.sign(root, key=key.private_key, cert=[key.certificate])
    return etree.tostring(signed, xml_declaration=True, encoding="UTF-8")


def sign_xml_with_p12(*, p12_path: Path, password: str, xml: bytes) -> bytes:
    """Sign `xml` with the key in a PKCS#12 file, as NCALayer's signXml would."""
    return sign_xml_with_key(key=load_p12(p12_path, password), xml=xml)


def sign_xml_as_provider(
    *, provider_bin: str, xml: bytes, key_store: ProviderKeyStore | None = None
) -> bytes:
    """Sign an XML document (the talon) with the provider's organization key (R9.12)."""
    key = (key_store or default_key_store()).load(provider_bin)
    signed = sign_xml_with_key(key=key, xml=xml)
    _audit(provider_bin, key, "xml", len(xml))
    return signed


def sign_pdf_with_key(
    *, key: SigningKey, pdf: bytes, reason: str = "Attachment talon", visible: bool = True
) -> bytes:
    """A PAdES baseline B signature (SHA-256) with the certificate chain embedded; with
    `visible`, a stamp on the last page. A PDF reader lists it in its signature panel."""
    signer = signers.SimpleSigner(
        signing_cert=asn1_x509.Certificate.load(key.certificate.public_bytes(_DER)),
        signing_key=asn1_keys.PrivateKeyInfo.load(
            key.private_key.private_bytes(_DER, _PKCS8, serialization.NoEncryption())
        ),
        cert_registry=SimpleCertificateStore.from_certs(
            [asn1_x509.Certificate.load(c.public_bytes(_DER)) for c in key.chain]
        ),
    )
    meta = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=reason,
    )
    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    except (PdfReadError, ValueError) as exc:
        raise SigningError(_("The document is not a readable PDF."), code="malformed") from exc
    pdf_signer = signers.PdfSigner(meta, signer, **_appearance(writer, key, visible))
    # A fixed reservation spares pyHanko a trial signature to measure the container.
    return pdf_signer.sign_pdf(writer, bytes_reserved=_PDF_SIGNATURE_BYTES).getvalue()


def _appearance(writer: IncrementalPdfFileWriter, key: SigningKey, visible: bool) -> dict:
    if not visible:
        return {}
    last_page = int(writer.root["/Pages"]["/Count"]) - 1
    bins = [
        a.value
        for a in key.certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATIONAL_UNIT_NAME)
        if isinstance(a.value, str) and a.value.startswith("BIN")
    ]
    holder = f"{bins[0][:3]} {bins[0][3:]}" if bins else "Certificate holder"
    text = f"Signed with EDS: {holder}\nCertificate {key.serial_hex[:16]}\n%(ts)s"
    return {
        "new_field_spec": fields.SigFieldSpec(SIGNATURE_FIELD, on_page=last_page, box=_STAMP_BOX),
        "stamp_style": TextStampStyle(stamp_text=text, border_width=1),
    }


def sign_pdf_as_provider(
    *,
    provider_bin: str,
    pdf: bytes,
    reason: str = "Attachment talon",
    key_store: ProviderKeyStore | None = None,
) -> bytes:
    """Sign the talon PDF with the provider's organization key (PAdES-B, R3.1)."""
    key = (key_store or default_key_store()).load(provider_bin)
    signed = sign_pdf_with_key(key=key, pdf=pdf, reason=reason)
    _audit(provider_bin, key, "pdf", len(pdf))
    return signed


def _audit(provider_bin: str, key: SigningKey, kind: str, size: int) -> None:
    audit_record(
        action="eds.sign",
        object_type="provider",
        object_id=provider_bin,
        data={"format": kind, "certificate_serial": key.serial_hex, "bytes": size},
    )
    log.info("eds.sign", extra={"fields": {"format": kind, "bytes": size}})


_DER = serialization.Encoding.DER
_PKCS8 = serialization.PrivateFormat.PKCS8
