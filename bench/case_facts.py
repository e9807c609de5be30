"""The facts of one application's case at a large polyclinic against an empty one.

Condition 3 (R9.10) and action 2 build the case (`service.facts.case_build`) for every
application: the person's record and history, the provider's districts, which of them cover
the person's home, and the load of the districts the district check compares. A polyclinic
of the country has tens of thousands of attached persons; the portal benchmark's providers
have almost none. This benchmark makes a provider with 12 districts (8 adult, 4
paediatric, each covering its own streets) and --attached persons attached to them, and an
empty twin, then builds the case of an adult who lives in one adult district's area
(--repeat times, after 3 warm-up builds). It prints, per build: the SQL statements, the
client's CPU milliseconds (this process) and the wall-clock milliseconds (the server's
work included), for each provider.

    .venv/bin/python bench/case_facts.py                        # PostgreSQL, 40,000 attached
    .venv/bin/python bench/case_facts.py --attached 100000 --setup default

Set-ups: `postgres` (PostgreSQL `bekitu_bench_case_<pid>`, made for the run and dropped
after it, or BENCH_PG_URL's database, made afresh and kept) and `default` (SQLite in a
temporary folder).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _postgres import database_afresh

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get(
    "BENCH_PG_URL", f"postgres://postgres@127.0.0.1:5432/bekitu_bench_case_{os.getpid()}"
)
DISTRICTS = [("gp", 8), ("paediatric", 4)]


def _polyclinic(attached: int) -> tuple[object, object]:
    """A provider with its districts and service areas, `attached` persons attached to them
    (spread evenly), and a person living in the first district's area: (provider, person)."""
    from tests.factories import (
        AddressFactory,
        DistrictFactory,
        PersonFactory,
        ProviderFactory,
        ServiceAreaFactory,
    )

    from bekitu.registry.models import Attachment, Person

    provider = ProviderFactory()
    districts = []
    for kind, count in DISTRICTS:
        for _ in range(count):
            district = DistrictFactory(provider=provider, kind=kind, normative_size=4000)
            ServiceAreaFactory(district=district)
            districts.append(district)
    home = AddressFactory(street=districts[0].areas.get().street, house=7)
    person = PersonFactory(address=home, birth_date=dt.date(1980, 5, 1))
    start = Person.objects.count() + 1
    persons = Person.objects.bulk_create(
        [
            Person(
                iin=f"9{start + n:011d}",
                surname="ТЕСТ",
                given_name="АДАМ",
                birth_date=dt.date(1970, 1, 1) + dt.timedelta(days=n % 15000),
                sex="male",
                status="citizen",
                address=home,
            )
            for n in range(attached)
        ],
        batch_size=5000,
    )
    Attachment.objects.bulk_create(
        [
            Attachment(
                person=p,
                provider=provider,
                district=districts[n % len(districts)],
                valid_from=dt.date(2024, 1, 15),
                reason="choice",
                source="import",
            )
            for n, p in enumerate(persons)
        ],
        batch_size=5000,
    )
    return provider, person


def _child(setup: str, attached: int, repeat: int) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from bekitu.service.facts import case_build
    from bekitu.service.services.intake import application_create

    call_command("migrate", verbosity=0)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    rows = []
    for label, size in ((f"{attached:,} attached", attached), ("empty", 0)):
        provider, person = _polyclinic(size)
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        application = application_create(
            channel="desk", recipient=person, provider=provider, reason="choice"
        )
        for _ in range(3):
            case_build(application)
        cpu, wall = [], []
        for _ in range(repeat):
            started, clock = time.process_time(), time.perf_counter()
            case_build(application)
            cpu.append((time.process_time() - started) * 1000)
            wall.append((time.perf_counter() - clock) * 1000)
        with CaptureQueriesContext(connection) as statements:
            case_build(application)
        rows.append((label, len(statements), statistics.median(cpu), statistics.median(wall)))
    print(f"{setup}: one case built, median of {repeat}")
    print(f"  {'provider':<20} {'SQL':>5} {'client CPU ms':>14} {'wall ms':>9}")
    for label, count, cpu_ms, wall_ms in rows:
        print(f"  {label:<20} {count:>5} {cpu_ms:>14.2f} {wall_ms:>9.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--attached", type=int, default=40000, help="persons attached")
    parser.add_argument("--repeat", type=int, default=50, help="builds timed")
    parser.add_argument("--setup", choices=["postgres", "default", "both"], default="postgres")
    parser.add_argument("--child", choices=["postgres", "default"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
        _child(args.child, args.attached, args.repeat)
        return
    setups = ["postgres", "default"] if args.setup == "both" else [args.setup]
    for setup in setups:
        with tempfile.TemporaryDirectory(prefix="bench-case-") as folder:
            env = dict(
                os.environ,
                BEKITU_VAR_DIR=folder,
                BEKITU_LOG_LEVEL="WARNING",
                DJANGO_SETTINGS_MODULE="bekitu.settings",
                DATABASE_URL=PG_URL
                if setup == "postgres"
                else f"sqlite:///{Path(folder) / 'bench.sqlite3'}",
            )
            if setup == "postgres" and not database_afresh(PG_URL):
                continue
            try:
                subprocess.run(
                    [sys.executable, __file__, "--child", setup, *_passed(args)],
                    env=env,
                    check=True,
                )
            finally:
                if setup == "postgres" and "BENCH_PG_URL" not in os.environ:
                    database_afresh(PG_URL, create=False)


def _passed(args: argparse.Namespace) -> list[str]:
    return ["--attached", str(args.attached), "--repeat", str(args.repeat)]


if __name__ == "__main__":
    main()
