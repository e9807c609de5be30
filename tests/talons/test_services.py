"""Issuing talons and refusals: numbered, signed, stored whole, audited."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from pyhanko.keys import load_cert_from_pemder
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from bekitu.core.audit import audit_verify
from bekitu.core.errors import Conflict, DomainError
from bekitu.core.models import AuditEntry
from bekitu.devtools.testpki import TestPki
from bekitu.eds.signing import SigningKeyError
from bekitu.eds.verification import verify_provider_document
from bekitu.registry.models import Attachment, Provider
from bekitu.talons import services, wording
from bekitu.talons.models import Refusal, Talon
from bekitu.talons.selectors import (
    refusal_for_application,
    refusal_get,
    refusal_pdf,
    talon_for_application,
    talon_pdf,
    talon_xml,
)
from bekitu.talons.services import refusal_issue, talon_issue
from bekitu.talons.xml import NAMESPACE, validate_talon_xml
from tests.factories import AttachmentFactory, DistrictFactory, ProviderFactory
from tests.talons.pdfcheck import pdf_text, qr_texts, render_png

pytestmark = pytest.mark.django_db
NS = {"t": NAMESPACE}


def _signature_status(pdf: bytes, test_pki: TestPki) -> Any:
    reader = PdfFileReader(io.BytesIO(pdf))
    assert len(reader.embedded_signatures) == 1
    context = ValidationContext(
        trust_roots=[load_cert_from_pemder(str(test_pki.root_cert))],
        allow_fetching=False,
        revocation_mode="soft-fail",
    )
    return validate_pdf_signature(reader.embedded_signatures[0], context)


def test_talon_holds_what_the_attachment_says(talon: Talon, attachment: Attachment) -> None:
    assert talon.person == attachment.person
    assert talon.provider == attachment.provider
    assert talon.district == attachment.district
    assert talon.doctor == attachment.district.doctor
    assert talon.effective_date == attachment.valid_from
    assert talon.home_visits is True
    assert talon.application_number == "A-2026-000451"
    assert talon.channel == "desk"
    assert re.fullmatch(rf"T-{attachment.provider.bin}-\d{{4}}-000001", talon.number)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}", talon.code)


def test_talon_xml_follows_the_schema_and_verifies_as_the_providers(talon: Talon) -> None:
    xml = talon_xml(talon)
    validate_talon_xml(xml)
    result = verify_provider_document(xml, expect_bin=talon.provider.bin)
    assert result.valid, result.reason
    assert result.signed_root is not None
    assert result.signed_root.findtext("t:number", namespaces=NS) == talon.number
    assert result.signed_root.findtext("t:person/t:iin", namespaces=NS) == talon.person.iin


def test_talon_xml_does_not_verify_for_another_provider(talon: Talon, test_pki: TestPki) -> None:
    other_bin = test_pki.providers[1].bin
    result = verify_provider_document(talon_xml(talon), expect_bin=other_bin)
    assert not result.valid
    assert result.reason == "bin_mismatch"


def test_talon_pdf_is_signed_by_the_provider(talon: Talon, test_pki: TestPki) -> None:
    status = _signature_status(talon_pdf(talon), test_pki)
    assert status.bottom_line and status.intact and status.valid and status.trusted
    assert status.signing_cert.subject.native["organizational_unit_name"] == (
        f"BIN{talon.provider.bin}"
    )


def test_talon_pdf_shows_the_person_in_kazakh_and_russian(talon: Talon) -> None:
    text = " ".join(pdf_text(talon_pdf(talon)).split())
    assert wording.TALON_TITLE[0] in text
    assert wording.TALON_TITLE[1] in text
    assert "Нұрланова Әсел Серікқызы" in text
    assert talon.person.iin in text
    assert talon.number in text
    assert "«№3 қалалық емхана» ШЖҚ МКК" in text
    assert "КГП на ПХВ «Городская поликлиника №3»" in text


def test_talon_pdf_qr_code_leads_to_its_verification_page(
    talon: Talon, tmp_path: Path, settings: Any
) -> None:
    png = render_png(talon_pdf(talon), tmp_path)
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    assert qr_texts(png) == [f"{base}/verify/{talon.code}"]


def test_talon_of_a_person_outside_the_area_says_no_home_visits(provider: Provider) -> None:
    attachment = AttachmentFactory(provider=provider, home_visits=False)
    talon = talon_issue(attachment=attachment, application_number="A-1", channel="phone")
    services.talon_pdf_make(talon_id=talon.pk)
    root = etree.fromstring(talon_xml(talon))
    assert root.findtext("t:attachment/t:homeVisits", namespaces=NS) == "false"
    text = " ".join(pdf_text(talon_pdf(talon)).split())
    assert " ".join(wording.NO_HOME_VISITS[1].split()) in text
    assert "телефон арқылы / по телефону" in text


def test_issuing_is_audited_without_the_document(talon: Talon) -> None:
    entry = AuditEntry.objects.get(action="talons.talon.issue")
    assert entry.object_id == str(talon.pk)
    assert entry.subject_iin == talon.person.iin
    assert entry.data["number"] == talon.number
    assert "xml" not in entry.data and "pdf" not in entry.data
    assert AuditEntry.objects.filter(action="eds.sign").count() == 2
    assert audit_verify().ok


def test_second_talon_for_one_attachment_is_a_conflict(talon: Talon) -> None:
    with pytest.raises(Conflict) as error:
        talon_issue(attachment=talon.attachment, application_number="A-2", channel="desk")
    assert error.value.code == "talon_exists"


def test_unknown_channel_is_refused(attachment: Attachment) -> None:
    with pytest.raises(DomainError) as error:
        talon_issue(attachment=attachment, application_number="A-1", channel="fax")
    assert error.value.code == "invalid_channel"


def test_a_key_that_is_not_usable_gives_no_talon_and_nothing_is_written(
    attachment: Attachment, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Unavailable keys issue a talon pending its signature (test_keyless); a key of the
    # wrong kind is a misconfiguration: issuing stops.
    def unsupported(**kwargs: Any) -> bytes:
        raise SigningKeyError("an EC key", code="key_unsupported")

    monkeypatch.setattr(services, "sign_xml_as_provider", unsupported)
    with pytest.raises(SigningKeyError):
        talon_issue(attachment=attachment, application_number="A-1", channel="desk")
    assert not Talon.objects.exists()
    assert not AuditEntry.objects.filter(action="talons.talon.issue").exists()


def test_an_issue_that_fails_gives_its_number_back(
    attachment: Attachment, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**kwargs: Any) -> bytes:
        raise DomainError("the signer failed", code="sign_failed")

    monkeypatch.setattr(services, "sign_xml_as_provider", broken)
    with pytest.raises(DomainError):
        talon_issue(attachment=attachment, application_number="A-1", channel="desk")
    monkeypatch.undo()
    talon = talon_issue(attachment=attachment, application_number="A-1", channel="desk")
    assert talon.number.endswith("-000001")


def test_numbers_run_per_provider_and_the_talon_of_no_district_has_no_doctor(
    provider: Provider, test_pki: TestPki
) -> None:
    other = ProviderFactory(bin=test_pki.providers[1].bin)
    numbers = []
    for target in (provider, provider, other):
        attachment = AttachmentFactory(provider=target, district=None)
        talon = talon_issue(attachment=attachment, application_number="A", channel="portal")
        assert talon.district is None and talon.doctor is None
        numbers.append(talon.number)
    assert [n[-6:] for n in numbers] == ["000001", "000002", "000001"]
    assert numbers[2].startswith(f"T-{other.bin}-")


def test_many_talons_get_distinct_consecutive_numbers_and_codes(provider: Provider) -> None:
    district = DistrictFactory(provider=provider)
    talons = [
        talon_issue(
            attachment=AttachmentFactory(provider=provider, district=district),
            application_number=f"A-{i}",
            channel="desk",
        )
        for i in range(25)
    ]
    serials = sorted(int(t.number.rsplit("-", 1)[1]) for t in talons)
    assert serials == list(range(1, 26))
    assert len({t.code for t in talons}) == 25


def _refuse(provider: Provider, attachment: Attachment, **changes: Any) -> Refusal:
    from django.utils import timezone

    args = {
        "application_number": "A-2026-000452",
        "person": attachment.person,
        "provider": provider,
        "reason_code": "unreliable_data",
        "reason_text_kk": "Құжаттардағы деректер халықты тіркеу деректеріне сәйкес келмейді.",
        "reason_text_ru": "Данные в документах не соответствуют данным регистра населения.",
        "reason_text_en": "The data in the documents do not match the population register.",
        "legal_ground": "Регламент, пункт 4-1 / Регламенттің 4-1-тармағы",
        "decided_at": timezone.now(),
        "channel": "desk",
        **changes,
    }
    return refusal_issue(**args)


def test_refusal_is_numbered_signed_and_gives_its_reason(
    provider: Provider, attachment: Attachment, test_pki: TestPki
) -> None:
    refusal = _refuse(provider, attachment)
    assert refusal.signed
    assert re.fullmatch(rf"R-{provider.bin}-\d{{4}}-000001", refusal.number)
    pdf = refusal_pdf(refusal)
    status = _signature_status(pdf, test_pki)
    assert status.bottom_line and status.valid and status.trusted
    text = " ".join(pdf_text(pdf).split())
    assert "халықты тіркеу деректеріне сәйкес келмейді" in text
    assert "не соответствуют данным регистра населения" in text
    assert "Регламент, пункт 4-1" in text
    entry = AuditEntry.objects.get(action="talons.refusal.issue")
    assert entry.data["reason_code"] == "unreliable_data"
    assert entry.subject_iin == attachment.person.iin


def test_refusal_of_a_provider_without_a_key_is_printed_for_a_hand_signature(
    eds_settings: Any,
) -> None:
    attachment = AttachmentFactory()
    refusal = _refuse(attachment.provider, attachment, channel="phone")
    assert not refusal.signed
    pdf = refusal_pdf(refusal)
    assert PdfFileReader(io.BytesIO(pdf)).embedded_signatures == []
    assert wording.SIGNATURE in pdf_text(pdf)


def test_documents_are_found_by_number_and_by_application(
    provider: Provider, attachment: Attachment, talon: Talon
) -> None:
    refusal = _refuse(provider, attachment, application_number="A-R-1")
    assert refusal_get(number=refusal.number) == refusal
    assert refusal_for_application(application_number="A-R-1") == refusal
    assert talon_for_application(application_number=talon.application_number) == talon
    assert refusal_get(number="R-000000000000-2026-000001") is None
    # Both finds of the refusal are reads of the person's data (the unknown number is not).
    assert AuditEntry.objects.filter(action="talons.refusal.read").count() == 2


def test_a_code_a_talon_or_a_refusal_holds_is_drawn_again(
    provider: Provider, attachment: Attachment, talon: Talon, monkeypatch: pytest.MonkeyPatch
) -> None:
    refusal = _refuse(provider, AttachmentFactory(provider=provider))
    drawn = iter([talon.code, refusal.code, "ABCDEFGHJK"])
    monkeypatch.setattr(services, "new_code", lambda: next(drawn))

    assert services._unique_code() == "ABCDEFGHJK"
