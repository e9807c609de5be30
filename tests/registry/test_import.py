"""`bekitu registry import`: the sample region, checks, refusal, partial import, resumption."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from io import StringIO
from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from bekitu.core.audit import audit_verify
from bekitu.core.iin import make_bin, make_iin
from bekitu.core.models import AuditEntry
from bekitu.registry import importer, importsql
from bekitu.registry.importformat import ENTITIES
from bekitu.registry.models import (
    Attachment,
    District,
    ImportRun,
    Person,
    PersonRelation,
    Provider,
    ServiceArea,
)

pytestmark = pytest.mark.django_db
SAMPLE = Path(importer.__file__).parent / "sample"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "import.md"


def _import(source: Path, *args: str) -> str:
    out = StringIO()
    call_command("registry", "import", str(source), "--no-progress", *args, stdout=out)
    return out.getvalue()


def _state() -> dict[str, Any]:
    """The register by natural keys, ids left out: two loads compare equal when they hold
    the same people, places and histories."""
    return {
        "persons": sorted(
            Person.objects.values_list(
                "iin", "surname", "birth_date", "status", "death_date",
                "address__street__name_ru", "address__house", "address__apartment",
            )
        ),
        "relations": sorted(
            PersonRelation.objects.values_list("person__iin", "relative__iin", "kind", "valid_to")
        ),
        "attachments": sorted(
            Attachment.objects.values_list(
                "person__iin", "provider__bin", "district__number", "valid_from", "valid_to",
                "reason", "end_reason", "home_visits",
            ),
            key=str,
        ),
        "districts": sorted(
            District.objects.values_list("provider__bin", "number", "doctor__full_name")
        ),
        "areas": sorted(
            ServiceArea.objects.values_list(
                "district__number", "street__name_ru", "house_from", "house_to"
            )
        ),
    }  # fmt: skip


def test_the_sample_region_imports_and_reimports_unchanged() -> None:
    out = _import(SAMPLE)
    assert "imported as run" in out
    assert Person.objects.count() == 12
    assert Provider.objects.count() == 2
    assert Attachment.objects.filter(valid_to__isnull=True).count() == 11
    ahmetov = Person.objects.get(surname="Ахметов", given_name="Ерлан")
    history = list(ahmetov.attachments.order_by("valid_from"))
    assert [a.provider.name_en for a in history] == [
        "Korday district hospital",
        "City polyclinic No 1",
    ]
    assert history[0].end_reason == "transfer" and history[1].valid_to is None
    assert history[1].district is not None and history[1].district.doctor is not None
    assert ahmetov.address is not None and ahmetov.address.apartment == "3"
    assert PersonRelation.objects.filter(relative=ahmetov, kind="parent").count() == 2
    first = _state()

    again = _import(SAMPLE)
    assert _state() == first
    assert "inserted 0, updated 0, unchanged 14" in again  # the attachments
    runs = list(ImportRun.objects.order_by("pk"))
    assert [r.status for r in runs] == ["done", "done"]
    assert runs[0].counts["persons.jsonl"] == {"inserted": 12, "updated": 0, "unchanged": 0}
    audit = AuditEntry.objects.filter(action="registry.import").order_by("seq")
    assert audit.count() == 2
    data = audit.first().data  # type: ignore[union-attr]
    assert data["source"] == str(SAMPLE)
    assert data["counts"]["attachments.csv"]["inserted"] == 14
    assert "persons.jsonl" in data["files"]
    assert audit_verify().ok


def test_a_changed_row_is_updated_by_its_natural_key(tmp_path: Path) -> None:
    _import(SAMPLE)
    source = shutil.copytree(SAMPLE, tmp_path / "region")
    persons = (source / "persons.jsonl").read_text(encoding="utf-8").splitlines()
    first = json.loads(persons[0])
    first["surname"] = "Ахметов-Жанов"
    persons[0] = json.dumps(first, ensure_ascii=False)
    (source / "persons.jsonl").write_text("\n".join(persons) + "\n", encoding="utf-8")
    out = _import(source)
    assert "persons.jsonl: 12 rows, 0 refused; inserted 0, updated 1, unchanged 11" in out
    assert Person.objects.get(iin=first["iin"]).surname == "Ахметов-Жанов"
    assert Person.objects.count() == 12


def test_a_history_that_overlaps_the_register_s_is_refused(tmp_path: Path) -> None:
    _import(SAMPLE)
    source = shutil.copytree(SAMPLE, tmp_path / "region")
    lines = (source / "attachments.csv").read_text(encoding="utf-8").splitlines()
    # the register keeps [2010-01-01, 2018-09-01) at the district hospital; the file now says
    # [2011-01-01, 2018-09-01) there: another key, the same days
    lines[1] = lines[1].replace("2010-01-01", "2011-01-01")
    (source / "attachments.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "problems.csv"
    with pytest.raises(CommandError, match="refused"):
        _import(source, "--report", str(report))
    assert _report(report) == [
        ("attachments.csv", "2", "valid_from", "overlaps_register"),
        ("attachments.csv", "3", "person_iin", "history_refused"),
    ]


def test_a_dry_run_writes_nothing() -> None:
    out = _import(SAMPLE, "--dry-run")
    assert "dry run: nothing written" in out
    assert not Person.objects.exists() and not ImportRun.objects.exists()


_UNKNOWN_BIN = next(
    b for n in range(900, 999) if (b := make_bin(dt.date(2015, 1, 1), 4, n)) is not None
)


def _broken(tmp_path: Path) -> Path:
    source = shutil.copytree(SAMPLE, tmp_path / "region")
    persons = [json.loads(line) for line in (source / "persons.jsonl").open(encoding="utf-8")]
    persons[1]["iin"] = persons[1]["iin"][:11] + str((int(persons[1]["iin"][11]) + 1) % 10)
    persons[4]["birth_date"] = "1949-02-30"
    persons.append(dict(persons[5]))  # a duplicate IIN, line 13
    (source / "persons.jsonl").write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in persons), encoding="utf-8"
    )
    with (source / "attachments.csv").open("a", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        # a second open attachment of the first person (line 16)
        writer.writerow(
            [persons[0]["iin"], "110740002023", "1", "2024-01-01", "", "choice", "", "true", ""]
        )
        # a provider nobody knows (line 17)
        writer.writerow(
            [persons[8]["iin"], _UNKNOWN_BIN, "", "2024-01-01", "", "choice", "", "true", ""]
        )
    return source


def _report(path: Path) -> list[tuple[str, str, str, str]]:
    with path.open(encoding="utf-8") as handle:
        return [(r["file"], r["line"], r["field"], r["code"]) for r in csv.DictReader(handle)]


def test_problems_are_reported_by_file_line_and_field_and_refuse_the_import(
    tmp_path: Path,
) -> None:
    source = _broken(tmp_path)
    report = tmp_path / "problems.csv"
    with pytest.raises(CommandError, match="refused"):
        _import(source, "--report", str(report))
    problems = _report(report)
    assert ("persons.jsonl", "2", "iin", "iin") in problems
    assert ("persons.jsonl", "5", "birth_date", "date") in problems
    assert ("persons.jsonl", "13", "iin", "duplicate") in problems
    assert ("attachments.csv", "16", "valid_to", "second_open") in problems
    assert ("attachments.csv", "17", "provider_bin", "unknown_reference") in problems
    # the relations and attachments of the person whose IIN is wrong refer to nobody
    assert ("relations.jsonl", "2", "relative_iin", "unknown_reference") in problems
    assert not Person.objects.exists() and not Provider.objects.exists()
    run = ImportRun.objects.get()
    assert run.status == "refused" and run.refused_rows == len({(f, n) for f, n, *_r in problems})
    assert AuditEntry.objects.filter(action="registry.import.refused").count() == 1


def test_partial_takes_the_rows_that_pass(tmp_path: Path) -> None:
    source = _broken(tmp_path)
    out = _import(source, "--partial")
    assert "imported as run" in out
    assert Person.objects.count() == 10  # 12, less the wrong IIN and the impossible date
    ahmetov = Person.objects.get(surname="Ахметов", given_name="Ерлан")
    assert not ahmetov.attachments.exists()  # its history is refused whole
    assert Attachment.objects.filter(valid_to__isnull=True).count() == 8
    assert ImportRun.objects.get().partial


def test_a_killed_import_resumes_and_ends_as_one_clean_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clean_dir = shutil.copytree(SAMPLE, tmp_path / "clean")
    importer.run_import(clean_dir, batch=3)
    clean = _state()
    Attachment.objects.all().delete()
    PersonRelation.objects.all().delete()
    Person.objects.all().delete()

    original, calls = importsql.merge, {"n": 0}

    def dies_in_the_ninth_batch(*args: Any, **kwargs: Any) -> dict[str, int]:
        calls["n"] += 1
        counts = original(*args, **kwargs)  # the batch is written, not yet committed
        if calls["n"] == 9:
            raise KeyboardInterrupt  # the process is killed mid-batch
        return counts

    monkeypatch.setattr(importsql, "merge", dies_in_the_ninth_batch)
    source = shutil.copytree(SAMPLE, tmp_path / "killed")
    with pytest.raises(KeyboardInterrupt):
        importer.run_import(source, batch=3)
    run = ImportRun.objects.filter(status="running").get()
    # batches 1-8 are in: localities, providers, doctors, districts, 2 of service areas,
    # 2 of addresses; the ninth (persons 1-3) was rolled back whole
    assert run.checkpoint["addresses.csv"] == {"line": 6}
    assert "persons.jsonl" not in run.checkpoint
    assert not Person.objects.exists()

    monkeypatch.setattr(importsql, "merge", original)
    result = importer.run_import(source, batch=3)
    assert result.resumed and result.run is not None and result.run.pk == run.pk
    assert _state() == clean
    assert ImportRun.objects.get(pk=run.pk).status == "done"


def test_docs_tabulate_every_column_of_the_format() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for entity in ENTITIES:
        section = text.split(f"### {entity.name}\n", 1)
        assert len(section) == 2, f"docs/import.md has no section for {entity.name}"
        body = section[1].split("\n### ", 1)[0]
        documented = re.findall(r"^\| `([a-z_]+)` \|", body, flags=re.MULTILINE)
        assert documented == entity.column_names(), entity.name


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_second_import_at_the_same_time_is_refused_at_once() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the advisory lock is PostgreSQL's; set DATABASE_URL=postgres://...")
    settings = connection.settings_dict
    competitor = psycopg.connect(
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname=settings["NAME"],
        autocommit=True,
    )
    try:
        held = competitor.execute("SELECT pg_try_advisory_lock(%s)", [importer.LOCK_KEY])
        assert held.fetchone() == (True,)
        with pytest.raises(CommandError, match="Another import is running"):
            _import(SAMPLE)
        assert not Person.objects.exists()
        competitor.execute("SELECT pg_advisory_unlock(%s)", [importer.LOCK_KEY])
        assert "imported as run" in _import(SAMPLE)
    finally:
        competitor.close()


def _region_with_persons(target: Path, count: int) -> None:
    """The sample's providers and districts with `count` generated persons, each attached."""
    shutil.copytree(SAMPLE, target)
    (target / "relations.jsonl").unlink()
    bins = [row["bin"] for row in csv.DictReader((target / "providers.csv").open())]
    with (
        (target / "persons.jsonl").open("w", encoding="utf-8") as persons,
        (target / "attachments.csv").open("w", encoding="utf-8", newline="") as attachments,
    ):
        writer = csv.writer(attachments)
        writer.writerow(["person_iin", "provider_bin", "district_number", "valid_from", "reason"])
        serial, made = 1000, 0
        while made < count:
            born = dt.date(1950, 1, 1) + dt.timedelta(days=made % 20000)
            iin = make_iin(born, "female", serial + made // 20000)
            serial += 1
            if iin is None:
                continue
            row = {"iin": iin, "surname": "Әлиева", "given_name": "Айым", "sex": "female"}
            row |= {"birth_date": born.isoformat(), "status": "citizen", "address_ref": "A4"}
            persons.write(json.dumps(row, ensure_ascii=False) + "\n")
            writer.writerow([iin, bins[1], 1, "2020-01-01", "initial"])
            made += 1


def _dump(db: Path) -> list[Any]:
    with sqlite3.connect(db) as conn:
        return [
            sorted(conn.execute("SELECT iin, surname, address_id FROM registry_person")),
            sorted(
                conn.execute(
                    "SELECT p.iin, a.provider_id, a.district_id, a.valid_from, a.valid_to "
                    "FROM registry_attachment a JOIN registry_person p ON p.id = a.person_id"
                )
            ),
        ]


@pytest.mark.django_db(transaction=True)
def test_an_import_killed_with_sigkill_resumes_to_the_result_of_one_clean_run(
    tmp_path: Path,
) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("runs the command on SQLite files of its own")
    source = tmp_path / "region"
    _region_with_persons(source, 2000)
    killed, clean = tmp_path / "killed.sqlite3", tmp_path / "clean.sqlite3"

    def command(*args: str) -> list[str]:
        return [sys.executable, "-m", "bekitu", *args]

    def env(db: Path) -> dict[str, str]:
        return {**os.environ, "DATABASE_URL": f"sqlite:///{db}", "BEKITU_VAR_DIR": str(tmp_path),
                "BEKITU_LOG_LEVEL": "WARNING"}  # fmt: skip

    subprocess.run(command("migrate", "-v0"), env=env(killed), check=True)
    shutil.copy(killed, clean)
    importing = [*command("registry", "import", str(source)), "--batch", "50"]
    process = subprocess.Popen([*importing, "--no-progress"], env=env(killed))
    deadline = time.monotonic() + 300
    persons_done = 0
    while process.poll() is None and time.monotonic() < deadline:
        with sqlite3.connect(killed, timeout=30) as conn:
            row = conn.execute("SELECT checkpoint FROM registry_importrun").fetchone()
        persons_done = json.loads(row[0]).get("persons.jsonl", {}).get("line", 0) if row else 0
        if persons_done >= 300:
            process.send_signal(signal.SIGKILL)
            break
        time.sleep(0.05)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the import ended before it could be killed"
    with sqlite3.connect(killed) as conn:
        taken = conn.execute("SELECT count(*) FROM registry_person").fetchone()[0]
    assert 300 <= taken < 2000 and taken % 50 == 0  # whole batches only

    subprocess.run([*importing, "--no-progress"], env=env(killed), check=True)
    subprocess.run(
        [*command("registry", "import", str(source)), "--no-progress"],
        env=env(clean),
        check=True,
    )
    assert _dump(killed) == _dump(clean)
    assert len(_dump(killed)[0]) == 2000
    with sqlite3.connect(killed) as conn:
        runs = conn.execute("SELECT status FROM registry_importrun").fetchall()
    assert runs == [("done",)]  # the second run resumed the first
