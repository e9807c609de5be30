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
