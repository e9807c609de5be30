"""District load against the normative size, and the exports: CSV and XLSX written, then read
back (XLSX with openpyxl, an independent reader) and compared with the tables."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest

from bekitu.reports.exports import csv_text, report_json, write_xlsx
from bekitu.reports.load import OVER, UNDER, WITHIN, district_load, load_status, load_tables
from bekitu.reports.population import attached_population, population_tables
from tests.factories import AttachmentFactory, PersonFactory
from tests.reports.conftest import day

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("attached", "normative", "status"),
    [(111, 100, OVER), (110, 100, WITHIN), (90, 100, WITHIN), (89, 100, UNDER), (1, 0, OVER)],
)
def test_load_status_against_the_tolerance(attached, normative, status):
    assert load_status(attached, normative, 0.10) == status


@pytest.fixture
def attached(region):
    r = region
    for _ in range(3):
        AttachmentFactory(provider=r.a, district=r.a_gp, valid_from=day("2025-01-01"))
    AttachmentFactory(
        provider=r.a,
        district=None,
        valid_from=day("2025-01-01"),
        person=PersonFactory(birth_date=dt.date(2020, 2, 29), sex="female"),
    )
    AttachmentFactory(provider=r.b, district=r.b_gp, valid_from=day("2025-01-01"))
    return r


def test_districts_over_and_under_their_size(attached):
    r = attached
    report = district_load(as_of=day("2026-06-01"), provider_ids=frozenset({r.a.pk, r.b.pk}))
    status = {(d.provider_id, d.number): (d.attached, d.status) for d in report.districts}
    assert status == {(r.a.pk, 1): (3, OVER), (r.a.pk, 2): (0, UNDER), (r.b.pk, 1): (1, UNDER)}
    assert report.without_district == 1
    kinds = {row["kind"]: row for row in load_tables(report).table("kinds").as_dicts()}
    assert (kinds["gp"]["attached"], kinds["gp"]["normative"], kinds["gp"]["over"]) == (3, 2, 1)


def test_csv_has_keys_for_a_header_and_reads_back(attached):
    r = attached
    report = population_tables(attached_population(as_of=day("2026-06-01"), provider_ids=None))
    rows = list(csv.reader(io.StringIO(csv_text(report.table("cells")))))
    assert rows[0] == ["provider_bin", "sex", "age_band", "count"]
    assert sum(int(row[3]) for row in rows[1:]) == 5
    assert [r.b.bin, "male", "1-4", "1"] not in rows
    assert [r.a.bin, "female", "5-14", "1"] in rows  # born 29.02.2020: six on 1 June 2026


def test_xlsx_holds_every_table_with_numbers_as_numbers(attached, tmp_path):
    tables = population_tables(
        attached_population(as_of=day("2026-06-01"), provider_ids=None), "district"
    )
    path = tmp_path / "population.xlsx"
    write_xlsx(tables, str(path), about={"as of": "2026-06-01"})
    book = openpyxl.load_workbook(path, read_only=True)
    assert len(book.sheetnames) == len(tables.tables) + 1
    for table, name in zip(tables.tables, book.sheetnames, strict=False):
        sheet = list(book[name].iter_rows(values_only=True))
        assert list(sheet[0]) == [c.label for c in table.columns]
        assert [list(row) for row in sheet[1:]] == [
            [v if v != "" else None for v in row] for row in table.rows
        ]
    assert list(book[book.sheetnames[-1]].iter_rows(values_only=True)) == [("as of", "2026-06-01")]


def test_json_keeps_every_table(attached):
    tables = load_tables(district_load(as_of=day("2026-06-01"), provider_ids=None))
    body = report_json(tables)
    assert body["report"] == "district-load" and [t["key"] for t in body["tables"]] == [
        "kinds",
        "districts",
    ]
    assert body["tables"][1]["rows"][0]["load"] == 1.5  # 3 persons in a district of 2
