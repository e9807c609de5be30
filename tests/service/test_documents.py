"""The checklist of paragraph 9 of the standard per applicant category (R8.1), and scans."""

from __future__ import annotations

import pytest

from bekitu.service.requirements import (
    KINDS,
    Category,
    ScanRejected,
    requirements_for,
    scan_check,
    sniff_type,
)


def kinds(age: int, role: str = "self", status: str = "citizen", sex: str = "male") -> list[str]:
    return [r.kind for r in requirements_for(Category(age, sex, status, role))]


@pytest.mark.parametrize(
    ("category", "expected"),
    [
        (kinds(30), ["identity_document"]),
        (kinds(5, "parent"), ["birth_certificate", "applicant_identity_document"]),
        (
            kinds(17, "parent"),
            ["identity_document", "applicant_identity_document", "birth_certificate"],
        ),
        (
            kinds(5, "guardian"),
            ["birth_certificate", "applicant_identity_document", "guardianship_decision"],
        ),
        (
            kinds(40, "representative"),
            ["identity_document", "applicant_identity_document", "power_of_attorney"],
        ),
        (kinds(70), ["identity_document", "pension_certificate"]),
        (kinds(62, sex="female"), ["identity_document", "pension_certificate"]),
        (kinds(62, sex="male"), ["identity_document"]),
        (kinds(30, status="kandas"), ["identity_document", "kandas_certificate"]),
        (kinds(30, status="refugee"), ["identity_document", "refugee_certificate"]),
        (kinds(30, status="residence_permit"), ["identity_document", "residence_permit"]),
        (kinds(30, status="temporary"), ["identity_document", "insurance_certificate"]),
    ],
    ids=[
        "adult",
        "child-by-parent",
        "16-17-by-parent",
        "child-by-guardian",
        "by-representative",
        "pensioner",
        "woman-at-61",
        "man-at-62",
        "kandas",
        "refugee",
        "residence-permit",
        "temporary",
    ],
)
def test_the_checklist_depends_on_the_applicant_category(category, expected) -> None:
    assert category == expected


def test_every_requirement_has_a_label_and_a_reason_in_the_known_kinds() -> None:
    for role in ("self", "parent", "guardian", "representative"):
        for requirement in requirements_for(Category(10, "female", "kandas", role)):
            assert requirement.kind in KINDS
            assert str(requirement.label) and str(requirement.why)


PDF = b"%PDF-1.7\n%\xe2\xe3"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (PDF, "application/pdf"),
        (JPEG, "image/jpeg"),
        (PNG, "image/png"),
        (b"MZ\x90\x00", None),
        (b"<html>", None),
        (b"", None),
    ],
)
def test_the_type_of_a_scan_is_read_from_its_first_bytes(head, kind) -> None:
    assert sniff_type(head) == kind


def test_a_scan_within_the_limit_is_accepted_with_its_type() -> None:
    assert scan_check(PNG, 5000, max_bytes=5000) == "image/png"


@pytest.mark.parametrize(
    ("head", "size", "code"),
    [(PDF, 5001, "scan_too_large"), (PDF, 0, "scan_empty"), (b"GIF89a", 100, "scan_type")],
)
def test_a_scan_too_large_empty_or_of_another_type_is_rejected(head, size, code) -> None:
    with pytest.raises(ScanRejected) as error:
        scan_check(head, size, max_bytes=5000)
    assert error.value.code == code
