"""The talon's PDF is made after the decision commits: the XML inside the transaction, the
PDF by the background worker, carrying the signed XML; small; asked for again while pending."""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext
from pypdf import PdfReader

from bekitu.celery import app as celery_app
from bekitu.devtools.testpki import TestPki
from bekitu.registry.models import Attachment
from bekitu.talons.models import Talon
from bekitu.talons.selectors import talon_pdf, talon_xml
from bekitu.talons.services import talon_issue, talon_pdf_fetch, talon_pdf_make
from tests.talons.pdfcheck import pdf_text

pytestmark = pytest.mark.django_db


def _issue(attachment: Attachment) -> Talon:
    return talon_issue(attachment=attachment, application_number="A-7", channel="desk")


def test_the_issue_signs_the_xml_and_leaves_the_pdf_to_after_the_commit(
    attachment: Attachment, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", True)
    with django_capture_on_commit_callbacks() as callbacks:
        talon = _issue(attachment)
        assert talon_xml(talon).startswith(b"<?xml")
        assert talon_pdf(talon) is None
    assert len(callbacks) == 1
    callbacks[0]()  # the commit: the background worker makes the PDF
    assert talon_pdf(talon) is not None


def test_the_pdf_carries_the_signed_xml_and_its_signature_covers_both(
    talon: Talon, test_pki: TestPki
) -> None:
    pdf = talon_pdf(talon)
    assert pdf is not None
    assert PdfReader(io.BytesIO(pdf)).attachments == {f"{talon.number}.xml": [talon_xml(talon)]}
    signature = PdfFileReader(io.BytesIO(pdf)).embedded_signatures[0]
    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(test_pki.root_cert))],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    status = validate_pdf_signature(signature, context)
    assert status.bottom_line
    assert status.coverage.name == "ENTIRE_FILE"  # nothing after the signature, XML included


def test_the_signed_talon_is_under_40_kib(talon: Talon) -> None:
    pdf = talon_pdf(talon)
    assert pdf is not None and len(pdf) < 40 * 1024


def test_making_the_pdf_reads_the_person_and_their_address_with_the_talon(
    attachment: Attachment,
) -> None:
    talon = _issue(attachment)
    with CaptureQueriesContext(connection) as queries:
        pdf = talon_pdf_make(talon_id=talon.pk)
    assert not [q["sql"] for q in queries if 'FROM "registry_' in q["sql"]]
    assert str(attachment.person.address) in " ".join(pdf_text(pdf).split())


def test_making_the_pdf_twice_keeps_the_first(talon: Talon) -> None:
    first = talon_pdf(talon)
    assert talon_pdf_make(talon_id=talon.pk) == first


def test_a_fresh_talon_waits_for_the_worker_and_a_late_one_is_made_on_request(
    attachment: Attachment, settings: Any
) -> None:
    settings.TALON_PDF_WAIT_SECONDS = 10
    talon = _issue(attachment)
    assert talon_pdf_fetch(talon=talon, now=talon.issued_at + dt.timedelta(seconds=3)) is None
    late = talon_pdf_fetch(talon=talon, now=talon.issued_at + dt.timedelta(seconds=11))
    assert late is not None and late.startswith(b"%PDF")
    assert talon_pdf(talon) == late
