"""Signing: XML-DSig as NCALayer's signXml makes it, and PAdES for the talon PDF (R9.12, R3.1).

`sign_xml_with_p12` signs with a PKCS#12 file (the test tools: NCALayer for development).
`sign_xml_as_provider` and `sign_pdf_as_provider` sign with the provider's organization key
from the ProviderKeyStore, only if its certificate names the provider's BIN (`check_key_bin`),
and write an audit row (action `eds.sign`, never the document).

The keys: a PKCS#12 file (`load_p12`), and the providers' key store (`ProviderKeyStore`). A
provider's organization key lives outside the database, as `<BIN>.p12` with its password in
`<BIN>.pass` in `EDS_PROVIDER_KEYS_DIR`. Neither the key nor the password is ever logged, and a
`SigningKey` does not show its key in its repr.
"""

from __future__ import annotations

import functools
import hashlib
import io
import logging
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from lxml import etree
from pyhanko.pdf_utils import embed
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfReadError
from pyhanko.sign import fields, signers
from pyhanko.sign.signers.pdf_signer import PdfTBSDocument
from pyhanko.stamp import TextStampStyle
from pyhanko_certvalidator.registry import SimpleCertificateStore
from signxml import CanonicalizationMethod, DigestAlgorithm, SignatureMethod, XMLSigner

from bekitu.core.audit import audit_record
from bekitu.core.errors import DomainError
from bekitu.eds.profile import read_profile

log = logging.getLogger("bekitu.eds")

C14N = CanonicalizationMethod.CANONICAL_XML_1_0  # http://www.w3.org/TR/2001/REC-xml-c14n-20010315
SIGNATURE_FIELD = "ProviderSignature"
_STAMP_BOX = (36, 24, 300, 84)  # bottom left of the last page, in points


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
    key = provider_key(provider_bin, key_store)
    signed = sign_xml_with_key(key=key, xml=xml)
    _audit(provider_bin, key, "xml", len(xml))
    return signed


def _chain(key: SigningKey) -> tuple[x509.Certificate, ...]:
    """The signing certificate, then the intermediates that lead to a root; the root
    itself is left out: a verifier must hold it already, so it would only weigh the file."""
    rest = [c for c in key.chain if c != key.certificate and c.issuer != c.subject]
    return (key.certificate, *rest)


# The CMS container of a PAdES baseline B signature (ETSI EN 319 142-1, RFC 5652), written
# as DER directly: the structure is fixed and small, and building it from asn1crypto
# objects (as pyHanko does) costs about twenty times the RSA signature it carries.
_OID_DATA = "1.2.840.113549.1.7.1"
_OID_SIGNED_DATA = "1.2.840.113549.1.7.2"
_OID_SHA256 = "2.16.840.1.101.3.4.2.1"
_OID_SHA256_RSA = "1.2.840.113549.1.1.11"
_OID_CONTENT_TYPE = "1.2.840.113549.1.9.3"
_OID_MESSAGE_DIGEST = "1.2.840.113549.1.9.4"
_OID_SIGNING_CERTIFICATE_V2 = "1.2.840.113549.1.9.16.2.47"


def _tlv(tag: int, content: bytes) -> bytes:
    size = len(content)
    if size < 0x80:
        return bytes((tag, size)) + content
    length = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes((tag, 0x80 | len(length))) + length + content


def _seq(*items: bytes) -> bytes:
    return _tlv(0x30, b"".join(items))


def _set(*items: bytes) -> bytes:
    return _tlv(0x31, b"".join(sorted(items)))  # DER orders the members of a SET OF


def _int(value: int) -> bytes:
    return _tlv(0x02, value.to_bytes(value.bit_length() // 8 + 1, "big", signed=True))


def _oid(dotted: str) -> bytes:
    first, second, *rest = (int(part) for part in dotted.split("."))
    body = bytearray([40 * first + second])
    for arc in rest:
        chunk = [arc & 0x7F]
        while arc := arc >> 7:
            chunk.append(0x80 | (arc & 0x7F))
        body += bytes(reversed(chunk))
    return _tlv(0x06, bytes(body))


def _attribute(oid: str, value: bytes) -> bytes:
    return _seq(_oid(oid), _set(value))


def cms_signature(*, key: SigningKey, digest: bytes) -> bytes:
    """A detached CMS SignedData over a SHA-256 `digest`, as PAdES-B wants it: content
    type, message digest and the signing certificate (v2) as signed attributes, no signing
    time (the PDF's /M carries it), the certificate chain without its root."""
    return _cms(key, digest, sign=True)


@dataclass(frozen=True)
class _KeyParts:
    """What every signature made with one key shares, worked out once per key: its
    certificates in DER, the signing certificate's reference, the size of the CMS container
    and the object that lays out pyHanko's signature field."""

    certificates: bytes
    issuer_serial: bytes
    signing_certificate: bytes
    reservation: int
    field_signer: _CertificateOnly


@functools.lru_cache(maxsize=512)
def _parts(key: SigningKey) -> _KeyParts:
    leaf = key.certificate
    issuer = leaf.issuer.public_bytes()
    ess_issuer_serial = _seq(_seq(_tlv(0xA4, issuer)), _int(leaf.serial_number))
    leaf_hash = hashlib.sha256(leaf.public_bytes(_DER)).digest()
    parts = _KeyParts(
        certificates=b"".join(c.public_bytes(_DER) for c in _chain(key)),
        issuer_serial=_seq(issuer, _int(leaf.serial_number)),
        signing_certificate=_seq(_seq(_seq(_tlv(0x04, leaf_hash), ess_issuer_serial))),
        reservation=0,
        field_signer=_CertificateOnly(key),
    )
    # An RSA signature is always as long as the key's modulus, so the container's size is
    # known before signing: the reservation fits it exactly, with no trial signature and
    # no kilobytes of zeros in the file.
    unsigned = _cms(key, bytes(32), sign=False, parts=parts)
    return replace(parts, reservation=2 * len(unsigned))


def _cms(key: SigningKey, digest: bytes, *, sign: bool, parts: _KeyParts | None = None) -> bytes:
    parts = parts or _parts(key)
    attributes = [
        _attribute(_OID_CONTENT_TYPE, _oid(_OID_DATA)),
        _attribute(_OID_MESSAGE_DIGEST, _tlv(0x04, digest)),
        _attribute(_OID_SIGNING_CERTIFICATE_V2, parts.signing_certificate),
    ]
    signed_attributes = _set(*attributes)
    if sign:
        signature = key.private_key.sign(signed_attributes, padding.PKCS1v15(), hashes.SHA256())
    else:  # an RSA signature is always as long as the key's modulus
        signature = bytes(key.private_key.key_size // 8)
    sha256 = _seq(_oid(_OID_SHA256))
    signer_info = _seq(
        _int(1),
        parts.issuer_serial,
        sha256,
        b"\xa0" + signed_attributes[1:],  # [0] IMPLICIT: the same SET, tagged
        _seq(_oid(_OID_SHA256_RSA), b"\x05\x00"),
        _tlv(0x04, signature),
    )
    signed_data = _seq(
        _int(1),
        _set(sha256),
        _seq(_oid(_OID_DATA)),
        _tlv(0xA0, parts.certificates),
        _set(signer_info),
    )
    return _seq(_oid(_OID_SIGNED_DATA), _tlv(0xA0, signed_data))


class _CertificateOnly(signers.Signer):
    """What pyHanko needs to lay out the signature field; the CMS is `cms_signature`'s."""

    def __init__(self, key: SigningKey) -> None:
        chain = [asn1_x509.Certificate.load(c.public_bytes(_DER)) for c in _chain(key)]
        super().__init__(
            signing_cert=chain[0],
            cert_registry=SimpleCertificateStore.from_certs(chain[1:]),
        )

    async def async_sign_raw(
        self, data: bytes, digest_algorithm: str, dry_run: bool = False
    ) -> bytes:
        raise RuntimeError("the CMS signature is made by cms_signature, not by pyHanko")


@dataclass(frozen=True)
class PdfAttachment:
    """A file to carry inside the signed PDF (for the talon: its signed XML, R9.12)."""

    name: str
    data: bytes
    mime_type: str
    description: str


def sign_pdf_with_key(
    *,
    key: SigningKey,
    pdf: bytes,
    reason: str = "Attachment talon",
    visible: bool = True,
    attachments: tuple[PdfAttachment, ...] = (),
) -> bytes:
    """A PAdES baseline B signature (SHA-256) with the certificate chain embedded; with
    `visible`, a stamp on the last page. A PDF reader lists it in its signature panel.
    Each of `attachments` is embedded in the same revision, so the signature covers it."""
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
    for attachment in attachments:
        _embed(writer, attachment)
    parts = _parts(key)
    pdf_signer = signers.PdfSigner(meta, parts.field_signer, **_appearance(writer, key, visible))
    output = io.BytesIO()
    digest, _tbs, _out = pdf_signer.digest_doc_for_signing(
        writer, bytes_reserved=parts.reservation, output=output
    )
    cms = cms_signature(key=key, digest=digest.document_digest)
    # Nothing follows the signature (no timestamp, no DSS), so the CMS is written into its
    # reservation directly, without another event loop for post-signing steps.
    PdfTBSDocument.resume_signing(output, prepared_digest=digest, signature_cms=cms)
    return output.getvalue()


def _embed(writer: IncrementalPdfFileWriter, attachment: PdfAttachment) -> None:
    data = embed.EmbeddedFileObject.from_file_data(
        writer,
        data=attachment.data,
        compress=True,
        mime_type=attachment.mime_type,
        params=embed.EmbeddedFileParams(embed_checksum=False),
    )
    spec = embed.FileSpec(
        file_spec_string=attachment.name,
        file_name=attachment.name,
        embedded_data=data,
        description=attachment.description,
    )
    embed.embed_file(writer, spec)


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
    attachments: tuple[PdfAttachment, ...] = (),
    visible: bool = True,
) -> bytes:
    """Sign a PDF (the talon, a refusal) with the provider's organization key (PAdES-B,
    R3.1), carrying `attachments` inside the signed revision; `visible=False` when the
    document draws its own stamp."""
    key = provider_key(provider_bin, key_store)
    signed = sign_pdf_with_key(
        key=key, pdf=pdf, reason=reason, attachments=attachments, visible=visible
    )
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


# The signing keys: PKCS#12 files and the providers' key store.


@dataclass(frozen=True)
class SigningKey:
    """A private key, its certificate and the certificates that came with it (the chain)."""

    certificate: x509.Certificate
    private_key: rsa.RSAPrivateKey = field(repr=False)
    chain: tuple[x509.Certificate, ...] = ()

    @property
    def serial_hex(self) -> str:
        """The certificate's serial number in hex, as audit rows show it."""
        return format(self.certificate.serial_number, "x")


class SigningKeyError(DomainError):
    """The key cannot be found or opened, or is not the provider's (`KEY_UNAVAILABLE`)."""

    code = "key_unavailable"


# The codes of SigningKeyError, and what they mean for whoever signs as a provider. A key of
# another BIN is in the provider's place but cannot sign for it (the verifier would refuse the
# document as `bin_mismatch`, R9.12): to the signer the provider's own key is as missing as
# when there is no file, and the right key, once installed, signs what waited.
KEY_MISSING = "key_missing"
KEY_UNREADABLE = "key_unreadable"
KEY_BIN_MISMATCH = "key_bin_mismatch"
KEY_UNAVAILABLE = frozenset({KEY_MISSING, KEY_UNREADABLE, KEY_BIN_MISMATCH})


def check_key_bin(provider_bin: str, key: SigningKey) -> SigningKey:
    """`key`, if its certificate names `provider_bin` as verification reads the BIN (OU or
    serialNumber `BIN<12 digits>`); SigningKeyError `key_bin_mismatch` otherwise, so nothing
    is signed in the provider's name with another organization's key (R9.12)."""
    if read_profile(key.certificate).bin != provider_bin:
        log.warning("eds.provider_key.wrong_bin", extra={"fields": {"provider": provider_bin}})
        raise SigningKeyError(
            _("The signing key configured for this provider names another organization's BIN."),
            code=KEY_BIN_MISMATCH,
        )
    return key


def provider_key(provider_bin: str, key_store: ProviderKeyStore | None = None) -> SigningKey:
    """The provider's key from `key_store` (the configured one by default), checked to name
    the provider's BIN whatever the store is."""
    return check_key_bin(provider_bin, (key_store or default_key_store()).load(provider_bin))


def load_p12(path: Path, password: str) -> SigningKey:
    """Open a PKCS#12 file; an RSA key with a certificate is required."""
    try:
        blob = path.read_bytes()
    except OSError as exc:
        raise SigningKeyError(
            _("The signing key file cannot be read."), code="key_missing"
        ) from exc
    try:
        key, cert, extra = pkcs12.load_key_and_certificates(blob, password.encode())
    except ValueError as exc:
        # The message of cryptography's error is not passed on: it may echo input.
        raise SigningKeyError(
            _("The signing key cannot be opened (wrong password or damaged file)."),
            code="key_unreadable",
        ) from exc
    if not isinstance(key, rsa.RSAPrivateKey) or cert is None:
        raise SigningKeyError(
            _("The signing key must be an RSA key with its certificate."), code="key_unsupported"
        )
    return SigningKey(certificate=cert, private_key=key, chain=tuple(extra))


class ProviderKeyStore(Protocol):
    """Where the providers' organization keys come from."""

    def load(self, provider_bin: str) -> SigningKey:
        """The provider's signing key, or SigningKeyError (code key_missing / key_unreadable /
        key_bin_mismatch: the key's certificate does not name `provider_bin`)."""
        ...

    def has_key(self, provider_bin: str) -> bool:
        """Whether a key is configured for the provider."""
        ...


class DirectoryKeyStore:
    """The real adapter: `<dir>/<BIN>.p12` with the password in `<dir>/<BIN>.pass`."""

    def __init__(self, directory: Path | None = None) -> None:
        self._directory = directory

    @property
    def directory(self) -> Path:
        """The folder read now (the setting, unless one was given)."""
        return self._directory or Path(settings.EDS_PROVIDER_KEYS_DIR)

    def _paths(self, provider_bin: str) -> tuple[Path, Path]:
        if not (len(provider_bin) == 12 and provider_bin.isascii() and provider_bin.isdigit()):
            raise SigningKeyError(_("A BIN has 12 digits."), code="key_missing")
        return self.directory / f"{provider_bin}.p12", self.directory / f"{provider_bin}.pass"

    def has_key(self, provider_bin: str) -> bool:
        """Whether both the key file and its password file exist."""
        p12, pass_file = self._paths(provider_bin)
        return p12.is_file() and pass_file.is_file()

    def load(self, provider_bin: str) -> SigningKey:
        """Open the provider's key; the password file's trailing newline is ignored."""
        p12, pass_file = self._paths(provider_bin)
        if not self.has_key(provider_bin):
            log.warning("eds.provider_key.missing", extra={"fields": {"dir": str(p12.parent)}})
            raise SigningKeyError(
                _("No signing key is configured for this provider."), code="key_missing"
            )
        stamp = (str(p12), *_stamp(p12), *_stamp(pass_file))
        with _CACHE_LOCK:
            cached = _CACHE.get(stamp)
        if cached is not None:
            return check_key_bin(provider_bin, cached)
        _warn_if_open(p12, pass_file)
        password = pass_file.read_text(encoding="utf-8").rstrip("\r\n")
        key = load_p12(p12, password)
        with _CACHE_LOCK:
            if len(_CACHE) >= _CACHE_SIZE:
                _CACHE.clear()
            _CACHE[stamp] = key
        return check_key_bin(provider_bin, key)


# Opening a PKCS#12 file (its key derivation) costs about a third of a talon's signing time,
# so opened keys are kept in this process, keyed by the files' identity and modification
# time: a replaced key or password file is read again at once.
_CACHE: dict[tuple[object, ...], SigningKey] = {}
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 512


def _warn_if_open(*paths: Path) -> None:
    """Say so (once per opening) when a key or its password can be read by other users of
    the machine: the service still signs, but the operator should narrow them to 0600."""
    open_to_others = [p.name for p in paths if p.stat().st_mode & 0o077]
    if open_to_others:
        log.warning(
            "eds.provider_key.open_permissions", extra={"fields": {"files": open_to_others}}
        )


def _stamp(path: Path) -> tuple[int, int, int]:
    info = path.stat()
    return info.st_ino, info.st_mtime_ns, info.st_size


class FakeKeyStore:
    """A key store in memory, for tests that should not touch files."""

    def __init__(self, keys: dict[str, SigningKey] | None = None) -> None:
        self.keys: dict[str, SigningKey] = dict(keys or {})

    def has_key(self, provider_bin: str) -> bool:
        """Whether the store holds the provider's key."""
        return provider_bin in self.keys

    def load(self, provider_bin: str) -> SigningKey:
        """The key put in for the provider, or SigningKeyError like the real store."""
        if provider_bin not in self.keys:
            raise SigningKeyError(
                _("No signing key is configured for this provider."), code="key_missing"
            )
        return check_key_bin(provider_bin, self.keys[provider_bin])


def default_key_store() -> ProviderKeyStore:
    """The configured store: the directory named by EDS_PROVIDER_KEYS_DIR."""
    return DirectoryKeyStore()
