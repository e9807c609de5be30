"""`bekitu report ...`: the command's contract (CSV header, one row per non-empty cell, all
providers or one), the other formats, and clear errors."""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from bekitu.core.models import AuditEntry
from tests.factories import AttachmentFactory, PersonFactory
from tests.reports.conftest import day

pytestmark = pytest.mark.django_db


@pytest.fixture
def populated(region):
    import datetime as dt

    AttachmentFactory(
        provider=region.a,
        district=region.a_gp,
        valid_from=day("2025-01-01"),
        person=PersonFactory(birth_date=dt.date(1990, 5, 1), sex="female"),
    )
    AttachmentFactory(
        provider=region.a,
        district=region.a_gp,
        valid_from=day("2025-01-01"),
        person=PersonFactory(birth_date=dt.date(1991, 5, 1), sex="female"),
    )
    AttachmentFactory(
        provider=region.b,
        district=region.b_gp,
        valid_from=day("2025-01-01"),
        person=PersonFactory(birth_date=dt.date(2024, 5, 1), sex="male"),
    )
    return region


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("report", *args, stdout=out)
    return out.getvalue()


def test_attached_population_csv_is_the_contract(populated):
    r = populated
    text = run("attached-population", "--as-of", "2026-06-01")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == ["provider_bin", "sex", "age_band", "count"]
    assert sorted(rows[1:]) == sorted(
        [[r.a.bin, "female", "30-39", "2"], [r.b.bin, "male", "1-4", "1"]]
    )
    assert AuditEntry.objects.get(action="reports.report.read").channel == "cli"


def test_one_provider_and_the_other_formats(populated, tmp_path):
    r = populated
    text = run("attached-population", "--as-of", "2026-06-01", "--provider", r.b.bin)
    assert text.splitlines()[1:] == [f"{r.b.bin},male,1-4,1"]
    body = json.loads(run("attached-population", "--as-of", "2026-06-01", "--format", "json"))
    assert body["params"]["as_of"] == "2026-06-01"
    out = tmp_path / "movement.xlsx"
    run(
        "movement",
        "--from",
        "2025-01-01",
        "--to",
        "2025-12-31",
        "--format",
        "xlsx",
        "--output",
        str(out),
    )
    assert len(openpyxl.load_workbook(out).sheetnames) == 6
    csv_out = tmp_path / "load.csv"
    run("district-load", "--as-of", "2026-06-01", "--output", str(csv_out))
    assert csv_out.read_text().startswith("provider_bin,provider,district,kind")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["attached-population", "--as-of", "2026-06-01", "--provider", "999999999999"],
            "No provider with BIN",
        ),
        (["attached-population", "--as-of", "2026-13-01"], "as_of"),
        (["movement", "--from", "2026-05-01", "--to", "2026-01-01"], "starts after it ends"),
        (
            ["service", "--from", "2026-01-01", "--to", "2026-01-31", "--table", "nope"],
            "No table 'nope'",
        ),
        (["district-load", "--as-of", "2026-06-01", "--format", "xlsx"], "--output FILE"),
    ],
)
def test_errors_say_what_is_wrong(populated, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
