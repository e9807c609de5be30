"""Signing: NCALayer-shaped XML-DSig with a PKCS#12, and the provider's XML and PDF signatures."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from reportlab.pdfgen import canvas
from signxml import XMLVerifier
from signxml.exceptions import InvalidSignature

from bekitu.core.models import AuditEntry
from bekitu.devtools.testpki import PASSWORD, TestPki
from bekitu.eds.signing import (
    DirectoryKeyStore,
    FakeKeyStore,
    SigningError,
    SigningKeyError,
    load_p12,
    sign_pdf_as_provider,
    sign_xml_as_provider,
    sign_xml_with_p12,
)

DS = "{http://www.w3.org/2000/09/xmldsig#}"


def _request(iin: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?><request><iin>{iin}</iin>'
        "<provider>Емхана №1</provider></request>"
    ).encode()


def _talon_pdf() -> bytes:
    buf = io.BytesIO()
    page = canvas.Canvas(buf)
    page.drawString(72, 760, "Talon of attachment")
    page.showPage()
    page.save()
    return buf.getvalue()


def test_person_signature_has_ncalayer_sign_xml_profile(test_pki: TestPki) -> None:
    signed = sign_xml_with_p12(
        p12_path=test_pki.person_sign_p12(test_pki.person.iin),
        password=PASSWORD,
        xml=_request(test_pki.person.iin),
    )
    root = etree.fromstring(signed)
    signatures = root.findall(f"{DS}Signature")
    assert len(signatures) == 1 and root[-1] is signatures[0]
    info = signatures[0].find(f"{DS}SignedInfo")
    assert info is not None
    c14n = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
    assert info.find(f"{DS}CanonicalizationMethod").get("Algorithm") == c14n  # type: ignore[union-attr]
    assert info.find(f"{DS}SignatureMethod").get("Algorithm") == (  # type: ignore[union-attr]
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    )
    refs = info.findall(f"{DS}Reference")
    assert [r.get("URI") for r in refs] == [""]
    transforms = [t.get("Algorithm") for t in refs[0].iter(f"{DS}Transform")]
    assert transforms == ["http://www.w3.org/2000/09/xmldsig#enveloped-signature", c14n]
    assert refs[0].find(f"{DS}DigestMethod").get("Algorithm") == (  # type: ignore[union-attr]
        "http://www.w3.org/2001/04/xmlenc#sha256"
    )
    certs = signatures[0].findall(f"{DS}KeyInfo/{DS}X509Data/{DS}X509Certificate")
    assert len(certs) == 1
    assert signatures[0].find(f"{DS}KeyInfo/{DS}KeyValue") is None


def test_person_signature_verifies_with_signxml_against_the_chain(test_pki: TestPki) -> None:
    key = load_p12(test_pki.person_sign_p12(test_pki.person.iin), PASSWORD)
    signed = sign_xml_with_p12(
        p12_path=test_pki.person_sign_p12(test_pki.person.iin),
        password=PASSWORD,
        xml=_request(test_pki.person.iin),
    )
    result = XMLVerifier().verify(signed, x509_cert=key.certificate, expect_config=_config())
    assert result.signed_xml is not None
    assert result.signed_xml.findtext("iin") == test_pki.person.iin
    leaf_pem = etree.fromstring(signed).findtext(f".//{DS}X509Certificate")
    assert leaf_pem is not None
    leaf = x509.load_der_x509_certificate(__import__("base64").b64decode(leaf_pem))
    assert leaf == key.certificate
    intermediate = x509.load_pem_x509_certificate(test_pki.intermediate_cert.read_bytes())
    root = x509.load_pem_x509_certificate(test_pki.root_cert.read_bytes())
    leaf.verify_directly_issued_by(intermediate)
    intermediate.verify_directly_issued_by(root)


def _config() -> Any:
    from signxml import SignatureConfiguration, SignatureMethod

    return SignatureConfiguration(signature_methods=frozenset({SignatureMethod.RSA_SHA256}))


def test_a_changed_signed_document_no_longer_verifies(test_pki: TestPki) -> None:
    key = load_p12(test_pki.person_sign_p12(test_pki.person.iin), PASSWORD)
    signed = sign_xml_with_p12(
        p12_path=test_pki.person_sign_p12(test_pki.person.iin),
        password=PASSWORD,
        xml=_request(test_pki.person.iin),
    )
    forged = signed.replace(test_pki.person.iin.encode(), test_pki.persons[1].iin.encode(), 1)
    with pytest.raises(InvalidSignature):
        XMLVerifier().verify(forged, x509_cert=key.certificate)


def test_malformed_xml_or_a_dtd_is_refused(test_pki: TestPki) -> None:
    p12 = test_pki.person_sign_p12(test_pki.person.iin)
    xxe = b'<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>'
    for xml in (xxe, b"<!DOCTYPE r><r/>", b"<r>", b""):
        with pytest.raises(SigningError) as info:
            sign_xml_with_p12(p12_path=p12, password=PASSWORD, xml=xml)
        assert info.value.code == "malformed"


def test_wrong_password_is_refused_and_never_echoed(
    test_pki: TestPki, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SigningKeyError) as info:
        load_p12(test_pki.person_sign_p12(test_pki.person.iin), "Wrong-Secret-42")
    assert info.value.code == "key_unreadable"
    assert "Wrong-Secret-42" not in str(info.value) and "Wrong-Secret-42" not in caplog.text


def test_signing_key_repr_shows_no_private_key(test_pki: TestPki) -> None:
    key = load_p12(test_pki.provider_p12(test_pki.provider.bin), PASSWORD)
    assert "private_key" not in repr(key) and "RSAPrivateKey" not in repr(key)


def test_directory_store_needs_both_p12_and_pass(test_pki: TestPki, tmp_path: Path) -> None:
    bin_ = test_pki.provider.bin
    shutil.copy(test_pki.provider_p12(bin_), tmp_path / f"{bin_}.p12")
    store = DirectoryKeyStore(tmp_path)
    assert not store.has_key(bin_)
    with pytest.raises(SigningKeyError) as info:
        store.load(bin_)
    assert info.value.code == "key_missing"
    (tmp_path / f"{bin_}.pass").write_text(PASSWORD + "\n")
    assert (
        store.load(bin_).certificate == load_p12(test_pki.provider_p12(bin_), PASSWORD).certificate
    )


def test_directory_store_keeps_an_opened_key_until_its_file_is_replaced(
    test_pki: TestPki, tmp_path: Path
) -> None:
    first, second = test_pki.providers[0].bin, test_pki.providers[1].bin
    shutil.copy(test_pki.provider_p12(first), tmp_path / f"{first}.p12")
    (tmp_path / f"{first}.pass").write_text(PASSWORD)
    store = DirectoryKeyStore(tmp_path)
    assert store.load(first) is store.load(first)
    replacement = tmp_path / "new.p12"
    shutil.copy(test_pki.provider_p12(second), replacement)
    replacement.replace(tmp_path / f"{first}.p12")
    # read again, not the kept key: the new file holds another BIN's key, which is refused
    with pytest.raises(SigningKeyError) as info:
        store.load(first)
    assert info.value.code == "key_bin_mismatch"


def test_directory_store_refuses_a_bin_that_is_a_path(tmp_path: Path) -> None:
    with pytest.raises(SigningKeyError):
        DirectoryKeyStore(tmp_path).load("../../etc/x")


@pytest.mark.django_db
def test_provider_signs_xml_with_its_key_and_the_act_is_audited_without_the_body(
    eds_settings: Any, test_pki: TestPki, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="bekitu")
    provider = test_pki.provider
    talon = (
        b"<talon><number>T-0001</number><iin>" + test_pki.person.iin.encode() + b"</iin></talon>"
    )
    signed = sign_xml_as_provider(provider_bin=provider.bin, xml=talon)
    key = load_p12(test_pki.provider_p12(provider.bin), PASSWORD)
    XMLVerifier().verify(signed, x509_cert=key.certificate, expect_config=_config())
    entry = AuditEntry.objects.get(action="eds.sign")
    assert (entry.object_type, entry.object_id) == ("provider", provider.bin)
    assert entry.data == {
        "format": "xml",
        "certificate_serial": key.serial_hex,
        "bytes": len(talon),
    }
    assert b"T-0001" not in str(entry.data).encode()
    ours = "\n".join(
        r.getMessage() + str(getattr(r, "fields", ""))
        for r in caplog.records
        if r.name.startswith("bekitu")
    )
    assert "eds.sign" in ours
    assert PASSWORD not in ours
    assert test_pki.person.iin not in ours


@pytest.mark.django_db
def test_provider_without_a_key_cannot_sign(eds_settings: Any) -> None:
    with pytest.raises(SigningKeyError) as info:
        sign_xml_as_provider(provider_bin="990140000015", xml=b"<talon/>")
    assert info.value.code == "key_missing"
    assert not AuditEntry.objects.filter(action="eds.sign").exists()


@pytest.mark.django_db
def test_fake_key_store_signs_without_touching_files(test_pki: TestPki) -> None:
    key = load_p12(test_pki.provider_p12(test_pki.provider.bin), PASSWORD)
    store = FakeKeyStore({"050140000110": key})
    signed = sign_xml_as_provider(provider_bin="050140000110", xml=b"<t/>", key_store=store)
    XMLVerifier().verify(signed, x509_cert=key.certificate)
    with pytest.raises(SigningKeyError):
        store.load("110640000211")


@pytest.mark.django_db
def test_provider_pdf_signature_validates_with_pyhanko_and_renders(
    eds_settings: Any, test_pki: TestPki, tmp_path: Path
) -> None:
    signed = sign_pdf_as_provider(provider_bin=test_pki.provider.bin, pdf=_talon_pdf())
    reader = PdfFileReader(io.BytesIO(signed))
    (embedded,) = reader.embedded_signatures
    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(test_pki.root_cert))],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    status = validate_pdf_signature(embedded, context)
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.md_algorithm == "sha256"
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert embedded.sig_object["/Reason"] == "Attachment talon"
    assert status.signing_cert.subject.native["organizational_unit_name"] == (
        f"BIN{test_pki.provider.bin}"
    )
    embedded_certs = {c.subject.native["common_name"] for c in embedded.other_embedded_certs}
    assert "BEKITU TEST NCA INTERMEDIATE (RSA)" in embedded_certs
    assert AuditEntry.objects.get(action="eds.sign").data["format"] == "pdf"
    (tmp_path / "talon.pdf").write_bytes(signed)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", str(tmp_path / "talon.pdf"), str(tmp_path / "page")],
        check=True,
        timeout=60,
    )
    assert (tmp_path / "page-1.png").stat().st_size > 1000


def test_pdfs_signed_in_turn_with_two_keys_each_carry_and_validate_their_own_certificate(
    test_pki: TestPki,
) -> None:
    from bekitu.eds.signing import sign_pdf_with_key

    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(test_pki.root_cert))],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    keys = [
        load_p12(test_pki.provider_p12(provider.bin), PASSWORD) for provider in test_pki.providers
    ]
    for key in [*keys, *keys]:  # what a key's signatures share is kept per key
        signed = sign_pdf_with_key(key=key, pdf=_talon_pdf())
        (embedded,) = PdfFileReader(io.BytesIO(signed)).embedded_signatures
        status = validate_pdf_signature(embedded, context)
        assert status.bottom_line and status.intact and status.valid
        assert status.signing_cert.dump() == key.certificate.public_bytes(Encoding.DER)


def test_not_a_pdf_is_refused(test_pki: TestPki) -> None:
    from bekitu.eds.signing import sign_pdf_with_key

    key = load_p12(test_pki.provider_p12(test_pki.provider.bin), PASSWORD)
    with pytest.raises(SigningError) as info:
        sign_pdf_with_key(key=key, pdf=b"not a pdf at all")
    assert info.value.code == "malformed"


@pytest.mark.django_db
def test_a_persons_signed_request_verifies_valid_with_verify_request(
    eds_settings: Any, test_pki: TestPki
) -> None:
    from bekitu.eds.verification import verify_request

    person = test_pki.persons[1]
    signed = sign_xml_with_p12(
        p12_path=test_pki.person_sign_p12(person.iin), password=PASSWORD, xml=_request(person.iin)
    )
    result = verify_request(signed, expect_iin=person.iin)
    assert result.valid, result.detail
    assert result.signer is not None and result.signer.iin == person.iin


@pytest.mark.django_db
def test_a_providers_signed_talon_verifies_valid_for_its_bin_only(
    eds_settings: Any, test_pki: TestPki
) -> None:
    from bekitu.eds.verification import verify_provider_document

    provider, other = test_pki.providers[0], test_pki.providers[1]
    talon = f"<talon><provider><bin>{provider.bin}</bin></provider></talon>".encode()
    signed = sign_xml_as_provider(provider_bin=provider.bin, xml=talon)
    result = verify_provider_document(signed, expect_bin=provider.bin)
    assert result.valid, result.detail
    assert result.signer is not None and result.signer.bin == provider.bin
    assert not verify_provider_document(signed, expect_bin=other.bin).valid
