"""R3.1: while the provider's key is unavailable a talon is still issued, unsigned, printable
for a handwritten signature and stamp; the heads are told; it is signed once the key is back."""

from __future__ import annotations

import io
import shutil
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from pyhanko.pdf_utils.reader import PdfFileReader

from bekitu.core.audit import audit_verify
from bekitu.core.errors import DomainError
from bekitu.core.models import AuditEntry
from bekitu.devtools.testpki import TestPki
from bekitu.eds.signing import SigningKeyError
from bekitu.eds.verification import verify_provider_document
from bekitu.registry.models import Attachment, Provider
from bekitu.talons import services, tasks, wording
from bekitu.talons.models import Talon
from bekitu.talons.selectors import talon_pdf, talon_verify
from bekitu.talons.services import talon_issue, talon_pdf_make, talons_sign_pending
from bekitu.workstation.models import StaffProfile
from tests.talons.pdfcheck import pdf_text

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture
def keys_away(settings: Any, test_pki: TestPki, tmp_path: Path) -> Path:
    """The provider's key folder, copied, then emptied: the key is missing until restored."""
    folder = tmp_path / "keys"
    shutil.copytree(test_pki.providers_dir, folder)
    away = tmp_path / "away"
    shutil.copytree(folder, away)
    shutil.rmtree(folder)
    folder.mkdir()
    settings.EDS_PROVIDER_KEYS_DIR = folder
    return away


@pytest.fixture
def head(provider: Provider) -> Any:
    user = get_user_model().objects.create_user("head", email="head@example.kz")
    StaffProfile.objects.create(user=user, provider=provider, role=StaffProfile.Role.HEAD)
    clerk = get_user_model().objects.create_user("clerk", email="clerk@example.kz")
    StaffProfile.objects.create(
        user=clerk, provider=provider, role=StaffProfile.Role.STATISTICS_SPECIALIST
    )
    return user


def _issue(attachment: Attachment, django_capture_on_commit_callbacks: Any) -> Talon:
    with django_capture_on_commit_callbacks(execute=True):
        talon = talon_issue(attachment=attachment, application_number="A-1", channel="desk")
    talon.refresh_from_db()
    return talon


def _restore(away: Path, settings: Any) -> None:
    for item in away.iterdir():
        shutil.copy(item, Path(settings.EDS_PROVIDER_KEYS_DIR) / item.name)


def test_a_missing_key_issues_the_talon_pending_its_signature(
    attachment: Attachment, keys_away: Path, head: Any, django_capture_on_commit_callbacks: Any
) -> None:
    talon = _issue(attachment, django_capture_on_commit_callbacks)
    assert talon.signature_pending
    assert talon.number.endswith("-000001")
    assert talon.attachment_id == attachment.pk
    assert not verify_provider_document(bytes(talon.xml), expect_bin=talon.provider.bin).valid
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"talons.talon.issue", "talons.talon.signature_pending"} <= actions
    assert audit_verify().ok


def test_the_pending_talon_prints_unsigned_for_a_handwritten_signature_and_stamp(
    attachment: Attachment, keys_away: Path, django_capture_on_commit_callbacks: Any
) -> None:
    talon = _issue(attachment, django_capture_on_commit_callbacks)
    pdf = talon_pdf_make(talon_id=talon.pk)
    assert not PdfFileReader(io.BytesIO(pdf)).embedded_signatures
    text = " ".join(pdf_text(pdf).split())
    for line in wording.SIGNATURE_PENDING:
        assert " ".join(line.split()) in text
    assert wording.STAMP_PLACE in text
    assert wording.SIGNATURE in text
    assert " ".join(wording.SIGNED_EDS[1].split()) not in text
    assert talon.number in text


def test_the_heads_are_told_by_an_audited_email(
    attachment: Attachment, keys_away: Path, head: Any, django_capture_on_commit_callbacks: Any
) -> None:
    talon = _issue(attachment, django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["head@example.kz"]
    assert talon.number in message.subject and talon.number in message.body
    assert "без ЭЦП" in message.subject
    told = AuditEntry.objects.get(action="workstation.heads.told_signature_pending")
    assert told.data["sent"] == 1 and told.data["number"] == talon.number
    assert "head@example.kz" not in str(told.data)


def test_verify_says_not_yet_signed_until_the_key_is_back(
    attachment: Attachment,
    keys_away: Path,
    settings: Any,
    client: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    talon = _issue(attachment, django_capture_on_commit_callbacks)
    result = talon_verify(code=talon.code)
    assert result.found and result.signature_pending and not result.authentic
    page = client.get(f"/verify/{talon.code}", HTTP_ACCEPT_LANGUAGE="en")
    assert b"Not yet signed" in page.content
    assert talons_sign_pending() == (0, 1)  # still away: nothing changes
    _restore(keys_away, settings)
    assert talons_sign_pending() == (1, 0)
    result = talon_verify(code=talon.code)
    assert result.authentic and not result.signature_pending
    assert b"Not yet signed" not in client.get(f"/verify/{talon.code}").content


def test_signing_replaces_the_unsigned_pdf_by_the_signed_one(
    attachment: Attachment,
    keys_away: Path,
    settings: Any,
    test_pki: TestPki,
    django_capture_on_commit_callbacks: Any,
) -> None:
    talon = _issue(attachment, django_capture_on_commit_callbacks)
    talon_pdf_make(talon_id=talon.pk)
    _restore(keys_away, settings)
    assert tasks.sign_pending() == 1
    talon.refresh_from_db()
    assert not talon.signature_pending
    assert verify_provider_document(bytes(talon.xml), expect_bin=talon.provider.bin).valid
    pdf = talon_pdf(talon)
    assert len(PdfFileReader(io.BytesIO(pdf)).embedded_signatures) == 1
    assert wording.STAMP_PLACE not in pdf_text(pdf)
    assert AuditEntry.objects.filter(action="talons.talon.sign_pending").count() == 1
    assert tasks.sign_pending() == 0  # done once


def test_the_command_signs_pending_talons_and_says_what_is_left(
    attachment: Attachment,
    keys_away: Path,
    settings: Any,
    capsys: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    _issue(attachment, django_capture_on_commit_callbacks)
    with pytest.raises(SystemExit) as exit_:
        call_command("talons", "sign-pending")
    assert exit_.value.code == 1
    assert '{"signed": 0, "pending": 1}' in capsys.readouterr().out
    _restore(keys_away, settings)
    call_command("talons", "sign-pending")
    assert '{"signed": 1, "pending": 0}' in capsys.readouterr().out


def test_a_key_of_another_bin_issues_the_talon_pending_until_the_providers_own_is_installed(
    attachment: Attachment,
    keys_away: Path,
    head: Any,
    settings: Any,
    test_pki: TestPki,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # The decision stands and the citizen gets the talon; it is never signed with the wrong
    # organization's key (the verifier would call it not authentic), and the heads are told.
    own = attachment.provider.bin
    other = next(p.bin for p in test_pki.providers if p.bin != own)
    folder = Path(settings.EDS_PROVIDER_KEYS_DIR)
    shutil.copy(keys_away / f"{other}.p12", folder / f"{own}.p12")
    shutil.copy(keys_away / f"{other}.pass", folder / f"{own}.pass")
    talon = _issue(attachment, django_capture_on_commit_callbacks)
    assert talon.signature_pending
    assert len(mail.outbox) == 1
    assert talons_sign_pending() == (0, 1)
    _restore(keys_away, settings)
    assert talons_sign_pending() == (1, 0)
    talon.refresh_from_db()
    assert verify_provider_document(bytes(talon.xml), expect_bin=own).valid


def test_the_beat_runs_the_signing(settings: Any) -> None:
    entry = settings.CELERY_BEAT_SCHEDULE["talons-sign-pending"]
    assert entry["task"] == tasks.sign_pending.name


@pytest.mark.parametrize("error", [SigningKeyError("x", code="key_unsupported"), DomainError("x")])
def test_other_signing_errors_fail_closed(
    attachment: Attachment, monkeypatch: pytest.MonkeyPatch, error: Exception
) -> None:
    def broken(**kwargs: Any) -> bytes:
        raise error

    monkeypatch.setattr(services, "sign_xml_as_provider", broken)
    with pytest.raises(type(error)):
        talon_issue(attachment=attachment, application_number="A-1", channel="desk")
    assert not Talon.objects.exists()
