"""Every read of a person's data through the API is audited under the staff member who made
it (the audit context is set once per request, in the API's `initial`), never as `system`.
The test walks every address of the workstation's API, so a new one must join it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import URLPattern, get_resolver, reverse
from rest_framework.test import APIClient

from bekitu.core.models import AuditEntry
from bekitu.service.models import Application
from bekitu.talons.models import Talon
from bekitu.talons.services import talon_pdf_make
from tests.factories import AttachmentFactory
from tests.workstation.conftest import Desk

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
# Addresses that change an application rather than read: their audit rows are the action's.
ACTIONS = {"accept-documents", "issue-talon", "refuse", "district-override"}
# The regional administrator's re-attachment: planning, assigning and confirming change it.
REGION_ACTIONS = {"reattachments", "reattachment-assign", "reattachment-confirm"}
REGION_READS = {"reattachment"}


def _api_names() -> set[str]:
    resolver = get_resolver()
    (namespace_resolver,) = [
        p for p in resolver.url_patterns if getattr(p, "namespace", None) == "workstation-api"
    ]
    return {p.name for p in namespace_resolver.url_patterns if isinstance(p, URLPattern)}


def _application(api: APIClient, desk: Desk) -> str:
    payload = {"recipient_iin": desk.person.iin, "channel": "desk", "reason": "choice"}
    created = api.post(reverse("workstation-api:applications"), payload, format="json").json()
    return created["number"]


def _decided(api: APIClient, desk: Desk) -> tuple[str, str, int]:
    """A refused application, then a new one of the same person with its talon issued; the
    second has a scan. Returns both numbers and the scan's id."""
    refused = _application(api, desk)
    url = reverse("workstation-api:refuse", args=[refused])
    answer = api.post(url, {"reason_code": "unreliable_data", "comment": "x"}, format="json")
    assert answer.status_code == 200, answer.content
    number = _application(api, desk)
    created = api.get(reverse("workstation-api:application", args=[number])).json()
    scan = api.post(
        reverse("workstation-api:documents", args=[number]),
        {"kind": created["checklist"][0]["code"], "file": SimpleUploadedFile("a.pdf", PDF)},
        format="multipart",
    )
    assert scan.status_code == 201, scan.content
    documents = [item["code"] for item in created["checklist"]]
    url = reverse("workstation-api:accept-documents", args=[number])
    assert api.post(url, {"documents": documents}, format="json").status_code == 200
    url = reverse("workstation-api:issue-talon", args=[number])
    assert api.post(url, {}, format="json").status_code == 200
    talon_number = Application.objects.get(number=number).talon_number
    talon_pdf_make(talon_id=Talon.objects.get(number=talon_number).pk)
    return refused, number, scan.json()["id"]


def test_every_api_read_of_a_person_is_audited_under_the_staff_member(desk: Desk) -> None:
    api = desk.api("specialist")
    refused, number, scan = _decided(api, desk)
    iin = desk.person.iin
    reads: dict[str, Callable[[], Any]] = {
        "applications": lambda: api.get(reverse("workstation-api:applications")),
        "application": lambda: api.get(reverse("workstation-api:application", args=[number])),
        "talon-pdf": lambda: api.get(reverse("workstation-api:talon-pdf", args=[number])),
        "refusal-pdf": lambda: api.get(reverse("workstation-api:refusal-pdf", args=[refused])),
        "documents": lambda: api.get(reverse("workstation-api:application", args=[number])),
        "document-file": lambda: api.get(
            reverse("workstation-api:document-file", args=[number, scan])
        ),
        "register-lookup": lambda: api.post(
            reverse("workstation-api:register-lookup"), {"iin": iin}, format="json"
        ),
        "person-lookup": lambda: api.post(
            reverse("workstation-api:person-lookup"), {"iin": iin}, format="json"
        ),
        "person": lambda: api.get(reverse("workstation-api:person", args=[desk.person.pk])),
        "population": lambda: api.get(reverse("workstation-api:population"), {"q": iin}),
    }
    walked = set(reads) | ACTIONS | REGION_READS | REGION_ACTIONS
    assert _api_names() == walked, "a new API address: add it to this walk"
    # The queue lists applications (no person's data beyond what the rows show); every
    # other read names a person, and is audited.
    for name, read in reads.items():
        before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
        response = read()
        assert response.status_code == 200, (name, response.status_code)
        rows = list(AuditEntry.objects.filter(id__gt=before).values_list("actor", "channel"))
        if name != "applications":
            assert rows, f"{name}: no audit row"
        assert set(rows) <= {("staff:specialist", "api")}, (name, rows)


def test_the_region_reading_a_reattachment_plan_is_audited_under_the_administrator(
    desk: Desk,
) -> None:
    """A plan lists by name and IIN the persons no district serves: each is a read of that
    person's data, recorded under the regional administrator."""
    lonely = AttachmentFactory(provider=desk.other).person  # on a street no district serves
    api = desk.api("regional")
    made = api.post(
        reverse("workstation-api:reattachments"),
        {"provider_bin": desk.other.bin, "kind": "provider_closed", "on": "2026-12-01"},
        format="json",
    )
    assert made.status_code == 201, made.content
    number = made.json()["number"]
    assert lonely.iin in {p["iin"] for p in made.json()["without_target"]}
    before = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first() or 0
    answer = api.get(reverse("workstation-api:reattachment", args=[number]))
    assert answer.status_code == 200
    rows = list(
        AuditEntry.objects.filter(id__gt=before).values_list("actor", "channel", "subject_iin")
    )
    assert ("staff:regional", "api", lonely.iin) in rows
    assert {(actor, channel) for actor, channel, _ in rows} == {("staff:regional", "api")}
