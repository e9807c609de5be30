"""`bekitu registry import` speed: a demo region written out as import files, then imported.

A first database is loaded with `bekitu demo-data --persons N` and written out in the import
format (docs/import.md: CSV files, one per entity); a second, fresh database then imports
the files, and again (the re-import finds every row unchanged). It prints the rows, the
seconds of the check and of the writes, persons/s against the aim (35,000), and the CPU
seconds of the importing process.

    .venv/bin/python bench/registry_import.py --persons 100000              # PostgreSQL
    .venv/bin/python bench/registry_import.py --persons 100000 --only sqlite

PostgreSQL uses the databases `<BENCH_PG_URL>_src` and `<BENCH_PG_URL>_dst`, made afresh and
dropped at the end.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/bekitu_import_bench")
GOAL_RATE = 35_000

# entity -> (queryset path, columns as values_list lookups), in the import's column order
EXPORT: dict[str, tuple[str, tuple[str, ...]]] = {
    "localities": ("Locality", (
        "kato", "kind", "name_kk", "name_ru", "name_en", "atu_code", "atu_name_kk",
        "atu_name_ru", "region_kk", "region_ru")),
    "providers": ("Provider", (
        "bin", "name_kk", "name_ru", "name_en", "address", "phone", "locality__kato",
        "atu_code", "licence_number", "licence_date", "is_active", "closed_on", "opens",
        "closes")),
    "doctors": ("Doctor", ("provider__bin", "full_name", "specialty")),
    "districts": ("District", (
        "provider__bin", "number", "kind", "doctor__full_name", "normative_size")),
    "service_areas": ("ServiceArea", (
        "district__provider__bin", "district__number", "street__locality__kato",
        "street__name_ru", "street__name_kk", "house_from", "house_to")),
    "addresses": ("Address", (
        "id", "street__locality__kato", "street__name_ru", "street__name_kk", "house",
        "building", "apartment")),
    "persons": ("Person", (
        "iin", "surname", "given_name", "patronymic", "birth_date", "sex", "status",
        "citizenship", "insured", "address_id", "death_date", "emigrated_on", "phone")),
    "relations": ("PersonRelation", (
        "person__iin", "relative__iin", "kind", "valid_from", "valid_to", "document")),
    "attachments": ("Attachment", (
        "person__iin", "provider__bin", "district__number", "valid_from", "valid_to",
        "reason", "end_reason", "home_visits", "application_number")),
}  # fmt: skip


def _setup(url: str, tmp: str) -> None:
    os.environ.update(DATABASE_URL=url, BEKITU_VAR_DIR=tmp, BEKITU_LOG_LEVEL="WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bekitu.settings")
    sys.path[:0] = [str(ROOT / "src")]
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def export(url: str, persons: str, out: str) -> dict[str, int]:
    """Load the demo region into the database at `url` and write it out as import files."""
    _setup(url, out)
    from bekitu.devtools.demo import load_demo_data
    from bekitu.registry import models
    from bekitu.registry.importformat import BY_NAME

    load_demo_data(persons=int(persons), seed=1, progress=False)
    counts = {}
    for entity, (model, lookups) in EXPORT.items():
        header = BY_NAME[entity].column_names()
        rows = getattr(models, model).objects.order_by("pk").values_list(*lookups)
        seen: set[tuple[Any, ...]] = set()
        with open(f"{out}/{entity}.csv", "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            counts[entity] = 0
            for row in rows.iterator(chunk_size=20_000):
                if entity == "doctors":  # the demo may name two doctors of one provider alike
                    if row[:2] in seen:
                        continue
                    seen.add(row[:2])
                writer.writerow(["" if v is None else _text(v) for v in row])
                counts[entity] += 1
    return counts


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "isoformat"):
        return value.isoformat()[:5] if type(value).__name__ == "time" else value.isoformat()
    return str(value)


def load(url: str, source: str, tmp: str) -> dict[str, Any]:
    """Import the files into the fresh database at `url`, twice, and time it."""
    _setup(url, tmp)
    from bekitu.registry import importer

    figures: dict[str, Any] = {}
    for attempt in ("first", "again"):
        files = importer.find_files(Path(source))
        started = time.monotonic()
        check = importer.check_files(files)
        checked = time.monotonic()
        cpu = resource.getrusage(resource.RUSAGE_SELF)
        result = importer.run_import(Path(source))
        after = resource.getrusage(resource.RUSAGE_SELF)
        total = time.monotonic() - checked
        figures[attempt] = {
            "check_s": checked - started,
            "write_s": total - (checked - started),  # run_import checks, then writes
            "total_s": total,
            "cpu_s": after.ru_utime + after.ru_stime - cpu.ru_utime - cpu.ru_stime,
            "problems": len(check.problems),
            "counts": result.counts,
        }
    return figures


def _pg(name: str, create: bool) -> str:
    import psycopg

    base = PG_URL.rsplit("/", 1)[0]
    with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')
    return f"{base}/{name}"


def _child(function: str, *args: str) -> Any:
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); import registry_import as b; "
        "print(json.dumps(getattr(b, sys.argv[2])(*sys.argv[3:])))"
    )
    run = [sys.executable, "-c", code, str(ROOT / "bench"), function, *args]
    out = subprocess.run(run, capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--only", choices=("postgresql", "sqlite"), default="postgresql")
    args = parser.parse_args()
    print(f"load average at the start: {os.getloadavg()[0]:.1f} (2 cores)")
    name = PG_URL.rsplit("/", 1)[1]
    with tempfile.TemporaryDirectory(prefix="bekitu-bench-import-") as tmp:
        files, work = Path(tmp, "files"), Path(tmp, "work")
        files.mkdir()
        work.mkdir()
        pg = args.only == "postgresql"
        src = _pg(f"{name}_src", True) if pg else f"sqlite:///{tmp}/src.sqlite3"
        dst = _pg(f"{name}_dst", True) if pg else f"sqlite:///{tmp}/dst.sqlite3"
        counts = _child("export", src, str(args.persons), str(files))
        figures = _child("load", dst, str(files), str(work))
        if pg:
            _pg(f"{name}_src", False)
            _pg(f"{name}_dst", False)
    rows = sum(counts.values())
    print(f"{args.only}: {args.persons:,} persons, {rows:,} rows in {len(counts)} files")
    for attempt, f in figures.items():
        rate = args.persons / f["total_s"]
        print(
            f"  {attempt:<6} check {f['check_s']:6.1f} s, write {f['write_s']:6.1f} s: "
            f"{rate:8,.0f} persons/s (aim {GOAL_RATE:,}: {rate / GOAL_RATE:4.2f}x), "
            f"CPU of the importing process {f['cpu_s']:.0f} s, problems {f['problems']}"
        )
        persons = f["counts"].get("persons.csv", {})
        print(f"         persons: {persons}")


if __name__ == "__main__":
    main()
