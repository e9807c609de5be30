"""The register at the country's scale: load rate and IIN look-up latency at 1 M and 5 M persons.

For each size, a fresh database is migrated and loaded by `bekitu demo-data` (COPY, the
population's indexes built after the rows, then ANALYZE); right after the load, without any
manual ANALYZE or warm-up beyond what the loader does, it measures the desk's first step: IIN
-> person (with address) + current attachment (with district and doctor), with the person's
audit row written as a request writes it (`audit_batch`), through
`registry.selectors.person_current_by_iin` (on PostgreSQL one prepared statement that also
appends the audit row). It prints:

- persons/s of the load (wall clock, generation included), the seconds, and the CPU seconds of
  the loading process, of the generating ones and of the server's backend, also per million
  persons, with the load average after the run (the figures on a shared machine are bounded
  by the other work on it; the CPU seconds say what the load itself costs);
- the look-up's p50 and p99 in ms against the 5 ms goal, and the index names in the plans
  of its statement (PostgreSQL) or its two queries (SQLite);
- with two sizes or more: the projection for 20,000,000 persons from the measured growth
  (time = a * N^b fitted on the two largest sizes, not a straight line), against the
  10-minute goal (35,000 persons/s).

    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/bekitu_scale_bench \\
        .venv/bin/python bench/registry_scale.py --persons 1000000 5000000
    .venv/bin/python bench/registry_scale.py        # 100,000 and 500,000 (`make bench`)
    .venv/bin/python bench/registry_scale.py --only sqlite --persons 100000

The PostgreSQL database named by BENCH_PG_URL is dropped and made again for every size and
dropped at the end (`--keep` keeps the last one); SQLite uses a file in a temporary folder.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _postgres import database_afresh

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/bekitu_scale_bench")
COUNTRY = 20_000_000
GOAL_RATE = 35_000  # persons/s
GOAL_P99_MS = 5.0


def _cpu() -> tuple[float, float]:
    me, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return me.ru_utime + me.ru_stime, children.ru_utime + children.ru_stime


def _server_cpu() -> float:
    """CPU seconds of this connection's PostgreSQL backend so far (the server runs here), or
    0 on SQLite (its work is in the loading process)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return 0.0
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _child(backend: str, persons: int, lookups: int, tmp: str) -> dict[str, Any]:
    url = PG_URL if backend == "postgresql" else f"sqlite:///{tmp}/bench.sqlite3"
    os.environ.update(DATABASE_URL=url, BEKITU_VAR_DIR=tmp, BEKITU_LOG_LEVEL="WARNING")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bekitu.settings")
    sys.path[:0] = [str(ROOT / "src")]
    import django

    django.setup()
    from django.core.management import call_command

    from bekitu.devtools.demo import load_demo_data

    if lookups < 0:  # --existing: only the look-ups, on the database as it is
        return {"backend": backend, **_lookups(-lookups)}
    call_command("migrate", verbosity=0)
    server_before = _server_cpu()
    cpu_before, children_before = _cpu()
    summary = load_demo_data(persons=persons, seed=1, progress=False)
    cpu_after, children_after = _cpu()
    server = _server_cpu() - server_before
    result: dict[str, Any] = {
        "backend": backend,
        "persons": persons,
        "seconds": summary.seconds,
        "rate": summary.persons_per_second,
        "cpu_loader": cpu_after - cpu_before,
        "cpu_generator": children_after - children_before,
        "cpu_server": server,
        "rows": sum(summary.rows.values()),
    }
    result.update(_lookups(lookups))
    return result


def _lookups(count: int) -> dict[str, Any]:
    """IIN -> person + current attachment with its audit row, for random persons, timed one
    by one right after the load; and the plan's index names."""
    from django.db import connection

    from bekitu.core.audit import audit_batch, audit_context
    from bekitu.registry.models import Person
    from bekitu.registry.selectors import person_current_by_iin

    top = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rng = random.Random(7)  # a reproducible sample, not a secret
    ids = [rng.randint(1, top) for _ in range(count)]
    iins = dict(Person.objects.filter(pk__in=ids).values_list("pk", "iin"))
    sample = [iins[i] for i in ids if i in iins]
    times: list[float] = []
    attached = 0
    for n, iin in enumerate(sample):
        started = time.perf_counter()
        with audit_context(actor=f"desk:{n % 40}", channel="desk"), audit_batch():
            person, attachment = person_current_by_iin(iin)
            assert person is not None
        times.append((time.perf_counter() - started) * 1000)
        attached += attachment is not None
    times.sort()
    server = _server_times(sample[:200])
    return {
        "server_p50_ms": server[len(server) // 2],
        "server_p99_ms": server[min(len(server) - 1, math.ceil(len(server) * 0.99) - 1)],
        "lookups": len(times),
        "attached": attached,
        "p50_ms": times[len(times) // 2],
        "p99_ms": times[min(len(times) - 1, math.ceil(len(times) * 0.99) - 1)],
        "indexes": _plan_indexes(connection, sample[0]),
    }


def _server_times(sample: list[str]) -> list[float]:
    """The database's own time (planning + execution, EXPLAIN ANALYZE) of the look-up's
    statement per person, audit row included (rolled back), sorted: what the server spends,
    apart from the client and the wait for a core on a busy machine. The product prepares the
    statement, so it plans once per connection, not once per look-up."""
    from django.db import connection, transaction

    from bekitu.registry.lookup import statement
    from bekitu.registry.selectors import today

    if connection.vendor != "postgresql":
        return [0.0]
    times = []
    for iin in sample:
        sql, params, _entry = statement(iin, current_on=today())
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
            transaction.set_rollback(True)
        plan = json.loads(plan) if isinstance(plan, str) else plan
        times.append(plan[0]["Planning Time"] + plan[0]["Execution Time"])
    return sorted(times)


def _plan_indexes(connection: Any, iin: str) -> list[str]:
    from bekitu.registry.lookup import statement
    from bekitu.registry.models import Attachment, Person
    from bekitu.registry.selectors import today

    if connection.vendor == "postgresql":
        sql, params, _entry = statement(iin, current_on=today())
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
            plan = cursor.fetchone()[0]
        plan = json.loads(plan) if isinstance(plan, str) else plan
        return sorted(set(_index_names(plan)))
    person = Person.objects.select_related("address__street__locality").filter(iin=iin)
    current = (
        Attachment.objects.select_related("provider", "district", "district__doctor")
        .in_force(today())
        .filter(person_id=Person.objects.get(iin=iin).pk)
        .order_by("-valid_from")[:1]
    )
    names: list[str] = []
    for query in (person, current):
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
            names += [row[-1] for row in cursor.fetchall() if "INDEX" in row[-1]]
    return names


def _index_names(plan: Any) -> list[str]:
    if isinstance(plan, list):
        return [n for item in plan for n in _index_names(item)]
    if isinstance(plan, dict):
        found = [plan["Index Name"]] if "Index Name" in plan else []
        return found + [n for value in plan.values() for n in _index_names(value)]
    return []


def _run(backend: str, persons: int, lookups: int, create: bool = True) -> dict[str, Any] | None:
    if create and backend == "postgresql" and not database_afresh(PG_URL):
        print(f"postgresql skipped: no server at {PG_URL.rsplit('/', 1)[0]}")
        return None
    with tempfile.TemporaryDirectory(prefix="bekitu-bench-scale-") as tmp:
        code = (
            "import json, sys; sys.path.insert(0, sys.argv[1]); import registry_scale as b; "
            "print(json.dumps(b._child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), "
            "sys.argv[5])))"
        )
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                code,
                str(ROOT / "bench"),
                backend,
                *_args(persons, lookups, tmp),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
    if out.returncode != 0:
        print(out.stderr[-3000:])
        return None
    return json.loads(out.stdout.strip().splitlines()[-1])


def _args(persons: int, lookups: int, tmp: str) -> list[str]:
    return [str(persons), str(lookups), tmp]


def _print(r: dict[str, Any]) -> None:
    print(
        f"{r['backend']:<10} {r['persons']:>10,} persons  load {r['seconds']:7.1f} s "
        f"= {r['rate']:8,.0f} persons/s (goal {GOAL_RATE:,}: {r['rate'] / GOAL_RATE:4.2f}x)  "
        f"CPU: loader {r['cpu_loader']:.0f} s, generator {r['cpu_generator']:.0f} s, "
        f"server {r['cpu_server']:.0f} s"
    )
    per = 1_000_000 / r["persons"]
    print(
        f"{'':<10} CPU seconds per million persons: loader {r['cpu_loader'] * per:.1f}, "
        f"generator {r['cpu_generator'] * per:.1f}, server {r['cpu_server'] * per:.1f}; "
        f"load average at the end {os.getloadavg()[0]:.1f}"
    )
    print(
        f"{'':<10} look-up IIN -> person + current attachment + audit row, {r['lookups']} "
        f"persons ({r['attached']} attached): p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} "
        f"ms (goal p99 <= {GOAL_P99_MS} ms); the database's own time for its statement: "
        f"p50 {r['server_p50_ms']:.2f} ms, p99 {r['server_p99_ms']:.2f} ms"
    )
    print(f"{'':<10} plan's indexes: {', '.join(r['indexes']) or 'none (sequential scans)'}")


def _project(results: list[dict[str, Any]]) -> None:
    """time = a * N^b through the two largest sizes, extrapolated to the country."""
    small, large = sorted(results, key=lambda r: r["persons"])[-2:]
    growth = math.log(large["seconds"] / small["seconds"]) / math.log(
        large["persons"] / small["persons"]
    )
    seconds = large["seconds"] * (COUNTRY / large["persons"]) ** growth
    print(
        f"{large['backend']:<10} projection for {COUNTRY:,}: time grows as N^{growth:.2f} "
        f"({small['persons']:,} -> {large['persons']:,}), so {seconds / 60:.1f} min "
        f"= {COUNTRY / seconds:,.0f} persons/s (goal <= 10 min: {seconds / 600:.2f}x)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--persons", type=int, nargs="+", default=[100_000, 500_000], help="sizes to load"
    )
    parser.add_argument("--lookups", type=int, default=2000)
    parser.add_argument("--only", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--keep", action="store_true", help="keep the last PostgreSQL database")
    parser.add_argument(
        "--existing", action="store_true", help="only the look-ups, on a database kept before"
    )
    args = parser.parse_args()
    print(f"load average at the start: {os.getloadavg()[0]:.1f} (2 cores)")
    if args.existing:
        result = _run(args.only, 0, -args.lookups, create=False)
        if result:
            print(json.dumps(result))
        return
    results = []
    for persons in args.persons:
        result = _run(args.only, persons, args.lookups)
        if result is None:
            continue
        _print(result)
        results.append(result)
    if len(results) >= 2:
        _project(results)
    if args.only == "postgresql" and not args.keep:
        database_afresh(PG_URL, create=False)


if __name__ == "__main__":
    main()
