"""The documents that trace the regulation to the code stay true."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONFORMANCE = ROOT / "docs" / "conformance.md"
REGULATION = ROOT.parent / "shared" / "regulation" / "regulation-en.md"


def test_every_clause_of_the_regulation_has_a_conformance_row() -> None:
    if not REGULATION.exists():
        pytest.skip(f"the regulation is not beside the project ({REGULATION})")
    clauses = set(re.findall(r"^\s*- (R\d+(?:-\d+)?(?:\.\d+)?)\b", REGULATION.read_text(), re.M))
    rows = set(re.findall(r"^\| (R[\d.\-]+) \|", CONFORMANCE.read_text(), re.M))
    assert clauses - rows == set()


def test_every_test_the_conformance_matrix_names_exists() -> None:
    text = CONFORMANCE.read_text()
    missing = []
    for path, name in re.findall(r"`(tests/[\w/]+\.py)::(\w+)`", text):
        source = ROOT / path
        if not source.exists() or f"def {name}(" not in source.read_text():
            missing.append(f"{path}::{name}")
    for path in re.findall(r"`(tests/[\w/]+\.py)`", text):
        if not (ROOT / path).exists():
            missing.append(path)
    assert missing == []


def test_every_code_file_the_conformance_matrix_names_exists() -> None:
    text = CONFORMANCE.read_text()
    names = set(
        re.findall(
            r"`((?:core|registry|service|eds|talons|workstation|devtools)/[\w/.-]+\.\w+)", text
        )
    )
    missing = [n for n in sorted(names) if not (ROOT / "src" / "bekitu" / n).exists()]
    assert missing == []
