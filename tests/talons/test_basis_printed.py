"""What the attachment rests on and why it starts, printed where a person and a lawyer read
them: the talon (its basis with the address, its reason, an arrival among them) and the
refusal, in Kazakh and Russian; and the talon issued by the service carries the application's
basis."""

from __future__ import annotations

import dataclasses

import pytest

from bekitu.talons import wording
from bekitu.talons.pdf import render_refusal_pdf, render_talon_pdf
from tests.talons.pdfcheck import pdf_text
from tests.talons.test_pdf import refusal
from tests.talons.test_xml import content


def _words(text: str) -> str:
    return " ".join(text.split())


@pytest.mark.parametrize("basis", sorted(wording.BASES))
def test_the_talon_says_what_the_attachment_rests_on_in_both_languages(basis: str) -> None:
    address = "" if basis == "registered_residence" else "Сәтпаев көшесі, 22"
    printed = content(basis=basis, basis_address=address, reason="arrival")
    text = _words(pdf_text(render_talon_pdf(printed)))
    assert wording.BASIS[0] in text and wording.BASIS[1] in text
    kk, ru = wording.BASES[basis].split(" / ")
    assert _words(kk) in text and _words(ru) in text
    assert address in text
    assert wording.REASON_OF_ATTACHMENT[1] in text
    assert "прибытие из-за рубежа или другого региона, без прикрепления" in text


def test_every_reason_of_an_attachment_has_its_wording_on_the_talon() -> None:
    from bekitu.core.vocabulary import AttachmentReason

    assert set(wording.REASONS) == set(AttachmentReason.values)
    text = _words(pdf_text(render_talon_pdf(dataclasses.replace(content(), reason="newborn"))))
    assert "жаңа туған нәресте / новорождённый" in text


def test_the_refusal_says_what_the_attachment_was_to_rest_on() -> None:
    text = _words(
        pdf_text(render_refusal_pdf(refusal(basis="work", basis_address="Абай даңғылы, 10")))
    )
    assert wording.BASIS[0] in text and wording.BASIS[1] in text
    assert "жұмыс орны / место работы: Абай даңғылы, 10" in text


def _as_version_1_0(xml: bytes) -> bytes:
    """A talon as version 1.0 wrote it: its namespace and version, no reason, no basis."""
    from lxml import etree

    root = etree.fromstring(xml)
    attachment = root.find("{urn:bekitu:talon:1.1}attachment")
    assert attachment is not None
    for name in ("reason", "basis"):
        node = attachment.find(f"{{urn:bekitu:talon:1.1}}{name}")
        if node is not None:
            attachment.remove(node)
    text = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    return text.replace(b"urn:bekitu:talon:1.1", b"urn:bekitu:talon:1.0").replace(
        b'version="1.1"', b'version="1.0"'
    )


def test_the_e_talon_of_version_1_1_carries_the_reason_and_the_basis() -> None:
    from lxml import etree

    from bekitu.talons.xml import build_talon_xml, validate_talon_xml

    xml = build_talon_xml(content(reason="arrival", basis="work", basis_address="Абай, 10"))
    validate_talon_xml(xml)
    ns = {"t": "urn:bekitu:talon:1.1"}
    root = etree.fromstring(xml)
    assert root.findtext("t:attachment/t:reason", namespaces=ns) == "arrival"
    assert root.findtext("t:attachment/t:basis/t:kind", namespaces=ns) == "work"
    assert root.findtext("t:attachment/t:basis/t:address", namespaces=ns) == "Абай, 10"


def test_a_talon_of_version_1_0_is_still_valid_and_read() -> None:
    from bekitu.talons.xml import (
        TalonSchemaError,
        build_talon_xml,
        signed_facts,
        talon_identity,
        validate_talon_xml,
    )

    old = _as_version_1_0(build_talon_xml(content(reason="choice")))
    validate_talon_xml(old)
    identity = talon_identity(old)
    assert identity is not None and identity.number == "T-050340001234-2026-000123"
    from lxml import etree

    facts = signed_facts(etree.fromstring(old))
    assert facts is not None and facts.provider_bin == "050340001234"
    unknown = old.replace(b"urn:bekitu:talon:1.0", b"urn:bekitu:talon:9.9")
    with pytest.raises(TalonSchemaError, match="known version"):
        validate_talon_xml(unknown)
    assert talon_identity(unknown) is None
