"""The review's smaller findings: another provider's application number in a 409, page_size
"null" taken for the default, PDFs without Content-Disposition, scans with JavaScript, and an
OpenAPI schema that called valid the IINs the API refuses."""

from __future__ import annotations

import zlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bekitu.core.scans import pdf_has_active_content
from bekitu.service import services
from bekitu.workstation.staff import scope_for
from tests.workstation.conftest import Desk

pytestmark = pytest.mark.django_db


def _create(desk: Desk, who: str, iin: str):
    payload = {"recipient_iin": iin, "channel": "desk", "reason": "choice"}
    return desk.api(who).post(reverse("workstation-api:applications"), payload, format="json")


def test_a_409_for_an_application_open_elsewhere_does_not_name_its_number(desk: Desk) -> None:
    mine = _create(desk, "specialist", desk.person.iin)
    assert mine.status_code == 201
    number = mine.json()["number"]
    elsewhere = _create(desk, "other_specialist", desk.person.iin)
    assert elsewhere.status_code == 409
    body = elsewhere.json()
    assert body["code"] == "application_open"
    assert number not in elsewhere.content.decode()
    assert "another provider" in body["message"]
    # At the same provider the number helps the specialist find it.
    again = _create(desk, "specialist", desk.person.iin)
    assert again.status_code == 409 and number in again.json()["message"]


@pytest.mark.parametrize("value", ["null", "0", "-5", "abc", "", "٣"])
def test_a_page_size_that_is_not_a_whole_number_from_1_is_refused(desk: Desk, value: str) -> None:
    api = desk.api("specialist")
    response = api.get(reverse("workstation-api:population"), {"page_size": value})
    assert response.status_code == 400 and "page_size" in response.json()["fields"]


def test_a_page_size_above_the_largest_is_the_largest(desk: Desk) -> None:
    api = desk.api("specialist")
    assert api.get(reverse("workstation-api:population"), {"page_size": 9999}).status_code == 200


def test_talon_and_refusal_pdfs_carry_their_file_name(desk: Desk) -> None:
    scope = scope_for(desk.users["specialist"])
    assert scope is not None
    entry = services.Intake(recipient_iin=desk.person.iin, channel="desk", reason="choice")
    application = services.application_intake(
        scope=scope, intake=entry, by=desk.users["specialist"], looked_up_by=scope.actor
    )
    services.application_refuse(
        application=application,
        reason_code="unreliable_data",
        by=desk.users["specialist"],
        comment="the identity document was altered",
    )
    api = desk.api("specialist")
    for url in (
        reverse("workstation-api:refusal-pdf", args=[application.number]),
        reverse("workstation:pdf", args=[application.number, "refusal"]),
    ):
        client = api if "api" in url else desk.client("specialist")
        response = client.get(url)
        if response.status_code == 202:
            pytest.skip("the PDF is made by the background worker")
        assert response.status_code == 200, url
        disposition = response["Content-Disposition"]
        assert disposition.startswith("inline; filename=") and ".pdf" in disposition


ACTIVE = [
    b"%PDF-1.4\n1 0 obj << /Type /Catalog /OpenAction 2 0 R >> endobj\n"
    b"2 0 obj << /S /JavaScript /JS (app.alert(1)) >> endobj\ntrailer << >>\n%%EOF\n",
    b"%PDF-1.4\n1 0 obj << /S /Java#53cript /J#53 (x) >> endobj\n%%EOF\n",
    b"%PDF-1.5\n1 0 obj << /Type /ObjStm /Filter /FlateDecode >>\nstream\n"
    + zlib.compress(b"<< /S /JavaScript /JS (app.alert(1)) >>")
    + b"\nendstream\nendobj\n%%EOF\n",
    b"%PDF-1.4\n1 0 obj << /S /Launch /F (cmd.exe) >> endobj\n%%EOF\n",
]
PLAIN = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.mark.parametrize("content", ACTIVE)
def test_a_scan_pdf_with_scripts_or_actions_is_refused(
    desk: Desk, content: bytes, settings, tmp_path
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    assert pdf_has_active_content(content)
    number = _create(desk, "specialist", desk.person.iin).json()["number"]
    upload = SimpleUploadedFile("scan.pdf", content, content_type="application/pdf")
    response = desk.api("specialist").post(
        reverse("workstation-api:documents", args=[number]),
        {"kind": "identity_document", "file": upload},
        format="multipart",
    )
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "scan_active_content"
    assert not (tmp_path / "media").exists() or not any((tmp_path / "media").rglob("*.pdf"))


def test_a_plain_scan_pdf_is_accepted() -> None:
    assert not pdf_has_active_content(PLAIN)


def test_the_schema_gives_every_iin_its_pattern_and_length(desk: Desk) -> None:
    schema = desk.api("specialist").get(reverse("api-schema"), {"format": "json"}).json()
    components = schema["components"]["schemas"]
    iins = [
        (name, field, spec)
        for name, component in components.items()
        for field, spec in component.get("properties", {}).items()
        if field.endswith("iin") and not spec.get("readOnly")
    ]
    inputs = [i for i in iins if i[0].endswith("Request") or i[0] in ("IinQuery", "Intake")]
    assert inputs, sorted(components)
    for name, field, spec in inputs:
        assert spec.get("pattern") in ("^[0-9]{12}$", "^([0-9]{12})?$"), (name, field, spec)
        assert spec.get("maxLength") == 12, (name, field)


@pytest.mark.parametrize("iin", ["", "1234567890123456789", "9001 0130 0001", "90010\x00300001"])
def test_the_api_refuses_what_the_schema_calls_invalid(desk: Desk, iin: str) -> None:
    assert _create(desk, "specialist", iin).status_code == 400


# --- bekitu staff-create ----------------------------------------------------------------------


def _staff_create(desk: Desk, *args: str, stdin: str = "") -> str:
    import io

    from django.core.management import call_command

    out = io.StringIO()
    call_command(
        "staff-create",
        "--username",
        "aigul",
        "--provider-bin",
        desk.provider.bin,
        "--role",
        "head",
        *args,
        stdin=io.StringIO(stdin),
        stdout=out,
    )
    return out.getvalue()


def test_staff_create_takes_no_password_argument(desk: Desk) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match=r"unrecognized arguments|password"):
        _staff_create(desk, "--password", "Long-enough-pass-1")


@pytest.mark.parametrize("weak", ["1234", "123456789012345", "password1234"])
def test_staff_create_runs_the_password_validators(desk: Desk, weak: str) -> None:
    from django.contrib.auth import get_user_model
    from django.core.management import CommandError

    with pytest.raises(CommandError):
        _staff_create(desk, "--password-stdin", stdin=weak + "\n")
    assert not get_user_model().objects.filter(username="aigul").exists()


def test_staff_create_reads_the_password_from_standard_input(desk: Desk) -> None:
    from django.contrib.auth import authenticate

    _staff_create(desk, "--password-stdin", stdin="Polyclinic-desk-2026\n")
    assert authenticate(username="aigul", password="Polyclinic-desk-2026") is not None


def test_staff_create_without_a_terminal_or_stdin_flag_refuses(desk: Desk) -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="password-stdin"):
        _staff_create(desk)


def test_an_unmatched_path_under_the_api_answers_json_404(client) -> None:
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"]
