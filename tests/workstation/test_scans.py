"""Scans of the documents of the checklist (R8.1): attached on the application's page and
through the API, their type read from the content and their size limited, downloaded only
through a scoped, audited view, never from a public address."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

from bekitu.core.models import AuditEntry
from bekitu.service import services
from bekitu.service.models import Application, ApplicationDocument
from bekitu.workstation.staff import scope_for
from tests.workstation.conftest import Desk

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00" + b"\x00" * 32
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00This program cannot be run"
SCANS = [("scan.pdf", PDF, "application/pdf"), ("scan.jpg", JPEG, "image/jpeg")]
SCANS.append(("scan.png", PNG, "image/png"))
KIND = "identity_document"


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    """Each test stores its scans in a folder of its own."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _application(desk: Desk) -> Application:
    scope = scope_for(desk.users["specialist"])
    assert scope is not None
    entry = services.Intake(recipient_iin=desk.person.iin, channel="desk", reason="choice")
    return services.application_intake(
        scope=scope, intake=entry, by=desk.users["specialist"], looked_up_by=scope.actor
    )


def _upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/octet-stream")


def _page_post(desk: Desk, who: str, number: str, name: str, content: bytes, **extra: str):
    body = {"kind": KIND, "file": _upload(name, content), "note": "", **extra}
    url = reverse("workstation:scan-attach", args=[number])
    return desk.client(who).post(url, body, follow=True)


def _api_post(desk: Desk, who: str, number: str, name: str, content: bytes, **extra: str):
    body = {"kind": KIND, "file": _upload(name, content), **extra}
    url = reverse("workstation-api:documents", args=[number])
    return desk.api(who).post(url, body, format="multipart")


def _stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


def _messages(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


# --- attaching on the page ---


@pytest.mark.parametrize(("name", "content", "content_type"), SCANS)
def test_the_specialist_attaches_a_scan_on_the_application_page(
    desk: Desk, name: str, content: bytes, content_type: str
) -> None:
    application = _application(desk)
    response = _page_post(desk, "specialist", application.number, name, content, note="copy")
    assert response.redirect_chain[-1][0] == reverse(
        "workstation:application", args=[application.number]
    )
    assert _messages(response) == ["Scan attached: identity document of the recipient."]
    document = ApplicationDocument.objects.get(application=application, kind=KIND)
    assert (document.content_type, document.size, document.presented) == (
        content_type,
        len(content),
        True,
    )
    assert document.note == "copy" and document.file.read() == content
    row = next(d for d in response.context["view"].documents if d.kind == KIND)
    assert row.scan.attached_by == "specialist" and row.scan.type_label in response.text
    assert reverse("workstation:scan-file", args=[application.number, document.pk]) in (
        response.text
    )


def test_the_page_offers_a_file_input_for_each_document_of_the_checklist(desk: Desk) -> None:
    application = _application(desk)
    response = desk.client("specialist").get(
        reverse("workstation:application", args=[application.number])
    )
    kinds = [item.code for item in response.context["view"].checklist]
    assert kinds
    for kind in kinds:
        assert f'id="scan-file-{kind}"' in response.text
    assert 'enctype="multipart/form-data"' in response.text
    assert 'accept=".pdf,.jpg,.jpeg,.png"' in response.text
    assert "csrfmiddlewaretoken" in response.text


@pytest.mark.parametrize(
    ("name", "content", "limit", "message"),
    [
        ("virus.pdf", EXE, None, "Only PDF, JPEG and PNG scans are accepted."),
        ("big.pdf", PDF, 16, "The file is larger than allowed."),
        ("empty.pdf", b"", None, "The file is empty."),
    ],
)
def test_the_page_refuses_a_foreign_too_large_or_empty_file_and_stores_nothing(
    desk: Desk, settings: Any, media: Path, name: str, content: bytes, limit: Any, message: str
) -> None:
    if limit is not None:
        settings.SCAN_MAX_BYTES = limit
    application = _application(desk)
    response = _page_post(desk, "specialist", application.number, name, content)
    assert response.status_code == 200 and _messages(response) == [message]
    assert not application.documents.exists()
    assert _stored_files(media) == []


def test_the_page_refuses_an_unknown_kind_a_missing_file_and_a_decided_application(
    desk: Desk, media: Path
) -> None:
    application = _application(desk)
    unknown = _page_post(desk, "specialist", application.number, "a.pdf", PDF, kind="selfie")
    assert _messages(unknown) == ["Unknown kind of document."]
    url = reverse("workstation:scan-attach", args=[application.number])
    missing = desk.client("specialist").post(url, {"kind": KIND}, follow=True)
    assert _messages(missing) == ["Choose the file of the scan."]
    services.application_refuse(
        application=application,
        reason_code="unreliable_data",
        by=desk.users["specialist"],
        comment="The identity document presented has been altered.",
    )
    closed = _page_post(desk, "specialist", application.number, "a.pdf", PDF)
    assert _messages(closed) == ["The application has already been decided."]
    assert not application.documents.exists() and _stored_files(media) == []


def test_a_refusal_of_a_scan_is_shown_in_the_users_language(desk: Desk) -> None:
    application = _application(desk)
    client = desk.client("specialist")
    client.post(reverse("set_language"), {"language": "ru"})
    url = reverse("workstation:scan-attach", args=[application.number])
    response = client.post(url, {"kind": KIND, "file": _upload("v.pdf", EXE)}, follow=True)
    with translation.override("ru"):
        expected = translation.gettext("Only PDF, JPEG and PNG scans are accepted.")
    assert expected != "Only PDF, JPEG and PNG scans are accepted."
    assert _messages(response) == [expected]


def test_a_new_scan_replaces_the_earlier_one_and_its_file_is_deleted(
    desk: Desk, media: Path, django_capture_on_commit_callbacks: Any
) -> None:
    application = _application(desk)
    with django_capture_on_commit_callbacks(execute=True):
        _page_post(desk, "specialist", application.number, "a.pdf", PDF)
    first = ApplicationDocument.objects.get(application=application, kind=KIND).file.name
    with django_capture_on_commit_callbacks(execute=True):
        _page_post(desk, "specialist", application.number, "b.png", PNG)
    document = ApplicationDocument.objects.get(application=application, kind=KIND)
    assert document.content_type == "image/png" and document.file.name != first
    assert [p.name for p in _stored_files(media)] == [Path(document.file.name).name]


def test_a_head_may_not_attach_a_scan_and_sees_no_file_input(desk: Desk) -> None:
    application = _application(desk)
    url = reverse("workstation:scan-attach", args=[application.number])
    page = desk.client("head").post(url, {"kind": KIND, "file": _upload("a.pdf", PDF)})
    assert page.status_code == 403
    api = _api_post(desk, "head", application.number, "a.pdf", PDF)
    assert api.status_code == 403 and api.json()["code"] == "not_permitted"
    detail = desk.client("head").get(reverse("workstation:application", args=[application.number]))
    assert 'type="file"' not in detail.text
    assert not application.documents.exists()


# --- the API ---


@pytest.mark.parametrize(("name", "content", "content_type"), SCANS)
def test_the_api_attaches_a_scan_and_answers_201_with_the_document(
    desk: Desk, name: str, content: bytes, content_type: str
) -> None:
    application = _application(desk)
    response = _api_post(desk, "specialist", application.number, name, content, note="n")
    assert response.status_code == 201, response.content
    body = response.json()
    document = ApplicationDocument.objects.get(application=application, kind=KIND)
    assert body["id"] == document.pk and body["kind"] == KIND
    assert (body["content_type"], body["size"], body["note"]) == (content_type, len(content), "n")
    assert body["attached_by"] == "specialist" and body["label"]
    assert body["file"].endswith(
        reverse("workstation-api:document-file", args=[application.number, document.pk])
    )
    detail = desk.api("specialist").get(
        reverse("workstation-api:application", args=[application.number])
    )
    assert [scan["id"] for scan in detail.json()["scans"]] == [document.pk]


@pytest.mark.parametrize(
    ("name", "content", "limit", "kind", "status", "code"),
    [
        ("virus.pdf", EXE, None, KIND, 400, "scan_type"),
        ("big.png", PNG, 16, KIND, 400, "scan_too_large"),
        ("empty.pdf", b"", None, KIND, 400, "scan_empty"),
        ("a.pdf", PDF, None, "selfie", 400, "invalid_document_kind"),
    ],
)
def test_the_api_refuses_a_bad_scan_with_code_and_message_and_stores_nothing(
    desk: Desk,
    settings: Any,
    media: Path,
    name: str,
    content: bytes,
    limit: Any,
    kind: str,
    status: int,
    code: str,
) -> None:
    if limit is not None:
        settings.SCAN_MAX_BYTES = limit
    application = _application(desk)
    response = _api_post(desk, "specialist", application.number, name, content, kind=kind)
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and body["message"]
    assert not application.documents.exists() and _stored_files(media) == []


def test_the_api_answers_409_for_a_decided_application_and_400_without_a_file(
    desk: Desk,
) -> None:
    application = _application(desk)
    url = reverse("workstation-api:documents", args=[application.number])
    missing = desk.api("specialist").post(url, {"kind": KIND}, format="multipart")
    assert missing.status_code == 400 and missing.json()["code"] == "invalid"
    assert "file" in missing.json()["fields"]
    services.application_refuse(
        application=application,
        reason_code="unreliable_data",
        by=desk.users["specialist"],
        comment="The identity document presented has been altered.",
    )
    closed = _api_post(desk, "specialist", application.number, "a.pdf", PDF)
    assert closed.status_code == 409
    assert closed.json() == {
        "code": "application_closed",
        "message": "The application has already been decided.",
    }


# --- scope ---


def test_another_providers_staff_get_404_for_upload_and_download(desk: Desk) -> None:
    application = _application(desk)
    assert _api_post(desk, "specialist", application.number, "a.pdf", PDF).status_code == 201
    document = application.documents.get()
    number = application.number
    page_upload = desk.client("other_specialist").post(
        reverse("workstation:scan-attach", args=[number]),
        {"kind": KIND, "file": _upload("b.pdf", PDF)},
    )
    api_upload = _api_post(desk, "other_specialist", number, "b.pdf", PDF)
    page_download = desk.client("other_specialist").get(
        reverse("workstation:scan-file", args=[number, document.pk])
    )
    api_download = desk.api("other_specialist").get(
        reverse("workstation-api:document-file", args=[number, document.pk])
    )
    assert [r.status_code for r in (page_upload, api_upload, page_download, api_download)] == [
        404
    ] * 4
    assert api_download.json()["code"] == "not_found"
    document.refresh_from_db()
    assert document.file.read() == PDF
    assert not AuditEntry.objects.filter(action="workstation.scan.read").exists()


def test_a_document_of_another_application_is_not_reached_through_this_ones_number(
    desk: Desk,
) -> None:
    application = _application(desk)
    _api_post(desk, "specialist", application.number, "a.pdf", PDF)
    document = application.documents.get()
    url = reverse("workstation:scan-file", args=["A-1999-000001", document.pk])
    assert desk.client("specialist").get(url).status_code == 404


# --- download ---


def _assert_scan_response(response: Any, content: bytes, content_type: str, name: str) -> None:
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"] == f'attachment; filename="{name}"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(("name", "content", "content_type"), SCANS)
def test_a_download_returns_the_bytes_with_safe_headers_and_is_audited(
    desk: Desk, name: str, content: bytes, content_type: str
) -> None:
    application = _application(desk)
    _api_post(desk, "specialist", application.number, name, content)
    document = application.documents.get()
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}[content_type]
    filename = f"{application.number}-{KIND}.{extension}"
    page = desk.client("head").get(
        reverse("workstation:scan-file", args=[application.number, document.pk])
    )
    _assert_scan_response(page, content, content_type, filename)
    api = desk.api("specialist").get(
        reverse("workstation-api:document-file", args=[application.number, document.pk])
    )
    _assert_scan_response(api, content, content_type, filename)
    reads = AuditEntry.objects.filter(action="workstation.scan.read").order_by("id")
    assert [(r.actor, r.channel) for r in reads] == [
        ("staff:head", "desk"),
        ("staff:specialist", "api"),
    ]
    assert {(r.subject_iin, r.object_id) for r in reads} == {(desk.person.iin, str(document.pk))}
    assert reads[0].data == {"application": application.number, "kind": KIND, "size": len(content)}


def test_scans_are_not_served_from_a_public_media_address(desk: Desk) -> None:
    application = _application(desk)
    _api_post(desk, "specialist", application.number, "a.pdf", PDF)
    document = application.documents.get()
    assert desk.client("specialist").get(f"/media/{document.file.name}").status_code == 404


def test_the_schema_describes_the_upload_as_multipart_and_the_download_by_type() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    upload = schema["paths"]["/api/v1/applications/{number}/documents/"]["post"]
    assert upload["operationId"] == "applications_documents_create"
    form = upload["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"]
    fields = schema["components"]["schemas"][form.rsplit("/", 1)[-1]]["properties"]
    assert fields["file"] == {**fields["file"], "type": "string", "format": "binary"}
    assert {"201", "400", "403", "404", "409"} <= set(upload["responses"])
    download = schema["paths"]["/api/v1/applications/{number}/documents/{id}/file"]["get"]
    assert set(download["responses"]["200"]["content"]) == {
        "application/pdf",
        "image/jpeg",
        "image/png",
    }
