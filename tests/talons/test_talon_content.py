"""What the printed talon and refusal say beyond their fields: the signature's stamp in
Kazakh and Russian in the document's own font (drawn by the document, the EDS signature
itself invisible), the person's address, the provider's working hours, and the public
address of the service from BEKITU_PUBLIC_URL in the QR code and under it."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path

from bekitu.talons import wording
from bekitu.talons.pdf import render_refusal_pdf, render_talon_pdf
from tests.talons.pdfcheck import pdf_text, qr_texts, render_png
from tests.talons.test_pdf import refusal
from tests.talons.test_xml import content


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_talon_carries_the_stamp_the_address_and_the_hours() -> None:
    talon = dataclasses.replace(
        content(),
        person_address="Өскемен қ., Абай даңғылы, 12, 34",
        provider_hours="08:00–20:00",
    )
    text = _words(pdf_text(render_talon_pdf(talon)))
    for kk, ru in (wording.STAMP, wording.ADDRESS, wording.HOURS):
        assert kk in text and ru in text, (kk, ru)
    assert "Өскемен қ., Абай даңғылы, 12, 34" in text
    assert "08:00–20:00" in text
    assert talon.provider_bin in text


def test_the_stamp_is_drawn_in_the_document_font(tmp_path: Path) -> None:
    pdf = render_talon_pdf(content())
    fonts = subprocess.run(
        ["pdffonts", "-"], input=pdf, capture_output=True, check=True, timeout=60
    ).stdout.decode()
    # The stamp is PT Sans (ReportLab's unused default Helvetica aside): not pyHanko's Courier,
    # which lacks the Kazakh and Russian letters.
    assert "PTSans-Regular" in fonts and "PTSans-Bold" in fonts and "Courier" not in fonts
    assert render_png(pdf, tmp_path).exists()


def test_a_signed_refusal_carries_the_stamp_an_unsigned_one_a_signature_line() -> None:
    signed = _words(pdf_text(render_refusal_pdf(refusal(signed=True))))
    assert wording.STAMP[0] in signed and wording.STAMP[1] in signed
    unsigned = _words(pdf_text(render_refusal_pdf(refusal(signed=False))))
    assert wording.STAMP[1] not in unsigned


def test_the_public_address_comes_from_bekitu_public_url() -> None:
    code = (
        "import django; django.setup();"
        "from bekitu.talons.services import verification_url;"
        "print(verification_url('7K3M9Q2XWD'))"
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bekitu.settings",
        "BEKITU_PUBLIC_URL": "https://bekitu.example.kz/",
    }
    env.pop("BEKITU_PUBLIC_BASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, check=True, timeout=120
    ).stdout.decode()
    assert out.strip().splitlines()[-1] == "https://bekitu.example.kz/verify/7K3M9Q2XWD"


def test_the_qr_code_leads_to_the_printed_address(tmp_path: Path) -> None:
    talon = dataclasses.replace(
        content(), verification_url="https://bekitu.example.kz/verify/7K3M9Q2XWD"
    )
    pdf = render_talon_pdf(talon)
    assert qr_texts(render_png(pdf, tmp_path)) == ["https://bekitu.example.kz/verify/7K3M9Q2XWD"]
    assert "https://bekitu.example.kz/verify/7K3M9Q2XWD" in _words(pdf_text(pdf))
