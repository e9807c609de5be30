"""XML attacks on a signed request: none of them may give a valid result with other content."""

from __future__ import annotations

import base64
import copy
from typing import Any

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, pkcs12
from lxml import etree

from bekitu.devtools.testpki import PASSWORD, TestPki
from bekitu.eds.verification import VerificationResult, verify_request

from .verify_helpers import DS, recipient_iin, signed_request

pytestmark = pytest.mark.django_db

EVIL_IIN = "990101300013"


def _tree(data: bytes) -> etree._Element:
    return etree.fromstring(data)


def _bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def _signature(root: etree._Element) -> etree._Element:
    found = root.find(f"{{{DS}}}Signature")
    assert found is not None
    return found


def _refused(result: VerificationResult, reason: str) -> None:
    assert (result.valid, result.reason) == (False, reason), result.detail
    assert result.signed_root is None


def _with_doctype(data: bytes, doctype: str, *, entity_in_iin: str | None = None) -> bytes:
    body = data.split(b"?>", 1)[1]
    if entity_in_iin:
        start = body.index(b"<iin>") + len(b"<iin>")
        end = body.index(b"</iin>")
        body = body[:start] + entity_in_iin.encode() + body[end:]
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + doctype.encode() + body


def test_xxe_with_an_external_entity_is_malformed_and_reads_no_file(
    test_pki: TestPki, eds_settings: Any
) -> None:
    doctype = '<!DOCTYPE attachmentRequest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    data = _with_doctype(signed_request(test_pki), doctype, entity_in_iin="&xxe;")
    result = verify_request(data, expect_iin=test_pki.person.iin)
    _refused(result, "malformed")
    assert "root:" not in result.detail


def test_xxe_hidden_in_utf16_is_still_malformed(test_pki: TestPki, eds_settings: Any) -> None:
    doctype = '<!DOCTYPE attachmentRequest [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    data = _with_doctype(signed_request(test_pki), doctype, entity_in_iin="&xxe;")
    utf16 = data.decode().replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    _refused(verify_request(utf16, expect_iin=test_pki.person.iin), "malformed")


def test_an_external_dtd_is_malformed_and_not_fetched(test_pki: TestPki, eds_settings: Any) -> None:
    doctype = '<!DOCTYPE attachmentRequest SYSTEM "http://127.0.0.1:9/evil.dtd">'
    data = _with_doctype(signed_request(test_pki), doctype)
    _refused(verify_request(data, expect_iin=test_pki.person.iin), "malformed")


def test_billion_laughs_entity_expansion_is_malformed(test_pki: TestPki, eds_settings: Any) -> None:
    lol = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10)
    ]
    doctype = "<!DOCTYPE attachmentRequest [" + "".join(lol) + "]>"
    data = _with_doctype(signed_request(test_pki), doctype, entity_in_iin="&lol9;")
    _refused(verify_request(data, expect_iin=test_pki.person.iin), "malformed")


def test_a_second_signature_beside_the_first_is_malformed(
    test_pki: TestPki, eds_settings: Any
) -> None:
    root = _tree(signed_request(test_pki))
    root.append(copy.deepcopy(_signature(root)))
    _refused(verify_request(_bytes(root), expect_iin=test_pki.person.iin), "malformed")


def test_a_second_signature_deeper_in_the_document_is_malformed(
    test_pki: TestPki, eds_settings: Any
) -> None:
    root = _tree(signed_request(test_pki))
    root.find("recipient").append(copy.deepcopy(_signature(root)))
    _refused(verify_request(_bytes(root), expect_iin=test_pki.person.iin), "malformed")


def test_wrapping_the_signed_document_in_new_content_is_never_valid(
    test_pki: TestPki, eds_settings: Any
) -> None:
    original = _tree(signed_request(test_pki))
    evil = etree.fromstring(
        f"<attachmentRequest><recipient><iin>{EVIL_IIN}</iin></recipient>"
        "<wrapper/></attachmentRequest>"
    )
    evil.find("wrapper").append(original)
    result = verify_request(_bytes(evil), expect_iin=EVIL_IIN)
    _refused(result, "malformed")


def test_moving_the_signature_onto_changed_content_is_a_bad_signature(
    test_pki: TestPki, eds_settings: Any
) -> None:
    original = _tree(signed_request(test_pki))
    evil = etree.fromstring(
        f"<attachmentRequest><recipient><iin>{EVIL_IIN}</iin></recipient></attachmentRequest>"
    )
    evil.append(_signature(original))
    _refused(verify_request(_bytes(evil), expect_iin=EVIL_IIN), "bad_signature")


def test_adding_an_unsigned_element_beside_the_signed_ones_is_a_bad_signature(
    test_pki: TestPki, eds_settings: Any
) -> None:
    root = _tree(signed_request(test_pki))
    extra = etree.fromstring(f"<recipient><iin>{EVIL_IIN}</iin></recipient>")
    root.insert(0, extra)
    _refused(verify_request(_bytes(root), expect_iin=EVIL_IIN), "bad_signature")


def test_content_smuggled_inside_the_signature_never_reaches_the_signed_root(
    test_pki: TestPki, eds_settings: Any
) -> None:
    # The enveloped-signature transform drops the whole Signature, so a ds:Object in it is
    # unsigned: the digest still matches, and downstream must not see the smuggled content.
    root = _tree(signed_request(test_pki))
    obj = etree.SubElement(_signature(root), f"{{{DS}}}Object")
    obj.append(etree.fromstring(f"<recipient><iin>{EVIL_IIN}</iin></recipient>"))
    result = verify_request(_bytes(root), expect_iin=test_pki.person.iin)
    assert result.valid is True, result.detail
    assert result.signed_root is not None
    assert EVIL_IIN not in etree.tostring(result.signed_root).decode()
    assert recipient_iin(result.signed_root) == test_pki.person.iin


def test_a_comment_injected_into_the_iin_changes_nothing_downstream(
    test_pki: TestPki, eds_settings: Any
) -> None:
    iin = test_pki.person.iin
    data = signed_request(test_pki).replace(
        f"<iin>{iin}</iin>".encode(), f"<iin>{iin[:6]}<!---->{iin[6:]}</iin>".encode()
    )
    result = verify_request(data, expect_iin=iin)
    # C14N without comments: the signature still holds, but the IIN element downstream is
    # whole (a naive `.text` would have read only the first six digits).
    assert result.valid is True, result.detail
    assert result.signed_root is not None
    assert result.signed_root.find("recipient/iin").text == iin


def test_a_comment_cannot_make_the_iin_read_as_another_persons(
    test_pki: TestPki, eds_settings: Any
) -> None:
    iin = test_pki.person.iin
    data = signed_request(test_pki).replace(
        f"<iin>{iin}</iin>".encode(), f"<iin>{iin}<!--{EVIL_IIN}--></iin>".encode()
    )
    result = verify_request(data, expect_iin=iin)
    assert result.signed_root is not None
    assert recipient_iin(result.signed_root) == iin
    assert EVIL_IIN not in etree.tostring(result.signed_root).decode()


def test_a_reference_to_an_id_instead_of_the_whole_document_is_malformed(
    test_pki: TestPki, eds_settings: Any
) -> None:
    data = signed_request(test_pki).replace(b'<ds:Reference URI="">', b'<ds:Reference URI="#r">')
    _refused(verify_request(data, expect_iin=test_pki.person.iin), "malformed")


def test_an_xslt_transform_is_unsupported(test_pki: TestPki, eds_settings: Any) -> None:
    xslt = b'<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xslt-19991116"/>'
    data = signed_request(test_pki).replace(b"</ds:Transforms>", xslt + b"</ds:Transforms>")
    _refused(verify_request(data, expect_iin=test_pki.person.iin), "unsupported_algorithm")


def test_an_enveloping_signature_is_malformed(test_pki: TestPki, eds_settings: Any) -> None:
    root = _tree(signed_request(test_pki))
    _refused(verify_request(_bytes(_signature(root)), expect_iin=test_pki.person.iin), "malformed")


def test_extra_certificates_in_key_info_are_malformed(test_pki: TestPki, eds_settings: Any) -> None:
    root = _tree(signed_request(test_pki))
    x509_data = _signature(root).find(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data")
    foreign = etree.SubElement(x509_data, f"{{{DS}}}X509Certificate")
    foreign.text = base64.b64encode(test_pki.intermediate_cert.read_bytes()).decode()
    _refused(verify_request(_bytes(root), expect_iin=test_pki.person.iin), "malformed")


def test_a_key_value_beside_the_certificate_is_malformed(
    test_pki: TestPki, eds_settings: Any
) -> None:
    root = _tree(signed_request(test_pki))
    key_info = _signature(root).find(f"{{{DS}}}KeyInfo")
    etree.SubElement(key_info, f"{{{DS}}}KeyValue")
    _refused(verify_request(_bytes(root), expect_iin=test_pki.person.iin), "malformed")


def test_swapping_in_another_trusted_persons_certificate_is_a_bad_signature(
    test_pki: TestPki, eds_settings: Any
) -> None:
    other = test_pki.persons[1]
    _, cert, _ = pkcs12.load_key_and_certificates(
        test_pki.person_sign_p12(other.iin).read_bytes(), PASSWORD.encode()
    )
    assert cert is not None
    root = _tree(signed_request(test_pki))
    element = _signature(root).find(f"{{{DS}}}KeyInfo/{{{DS}}}X509Data/{{{DS}}}X509Certificate")
    element.text = base64.b64encode(cert.public_bytes(Encoding.DER)).decode()
    _refused(verify_request(_bytes(root), expect_iin=other.iin), "bad_signature")
