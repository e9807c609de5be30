"""Report speed on a demo oblast, in PostgreSQL and SQLite.

The issue asks for the sex-age table of one provider under 1 s and of the whole oblast under
10 s, at today's date and at a past date, and figures for the movement over a year and the
service over a month. Each line prints the report, the scope, the first (cold) run, the best
of the runs, the aim and the ratio it is judged by: the best run against the aim (below 1
passes).

    .venv/bin/python bench/reports.py                        # 100,000 persons, both databases
    .venv/bin/python bench/reports.py --persons 1000000      # the issue's size
    .venv/bin/python bench/reports.py --persons 1000000 --only postgresql --runs 5

The oblast is `bekitu demo-data --persons N --seed 1 --as-of 2026-11-20`, plus a month of
applications to the service (one per 50 persons: the desk and the portal, with their steps,
some late, some refused, some still open), loaded once and kept: PostgreSQL in the database
`bekitu_bench_reports_<N>` (BENCH_PG_URL overrides), SQLite in var/bench/reports-<N>.sqlite3;
`--fresh` loads again. Each database is measured by a child process of its own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 11, 20)
PAST = dt.date(2022, 1, 1)
AIM_PROVIDER, AIM_OBLAST = 1.0, 10.0


def _pg_url(persons: int) -> str:
    default = f"postgres://postgres@127.0.0.1:5432/bekitu_bench_reports_{persons}"
    return os.environ.get("BENCH_PG_URL", default)


def _pg_ready(url: str, fresh: bool) -> bool:
    """Make the database if it is missing (or anew with `fresh`); False without a server."""
    import psycopg

    base, name = url.rsplit("/", 1)
    try:
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
            if fresh and exists:
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
                exists = None
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError:
        return False
    return True


# --- In the child: load once, then measure -----------------------------------------------------


def _load(persons: int) -> None:
    from django.core.management import call_command

    from bekitu.registry.models import Person
    from bekitu.service.models import Application, ApplicationStep

    call_command("migrate", verbosity=0)
    if Person.objects.count() != persons:
        if Person.objects.exists():
            raise SystemExit("the bench database holds another oblast: run with --fresh")
        from bekitu.devtools.demo import load_demo_data

        started = time.perf_counter()
        load_demo_data(persons=persons, seed=1, as_of=AS_OF, progress=False)
        print(f"  loaded {persons:,} persons in {time.perf_counter() - started:.0f} s", flush=True)
    made_before = Application.objects.filter(number__startswith="B-")
    undated = ApplicationStep.objects.filter(
        application__in=made_before, application__channel="desk", from_state="received"
    ).filter(due_at__isnull=True)
    month = dt.datetime.combine(AS_OF - dt.timedelta(days=31), dt.time(0), dt.UTC)
    astray = made_before.exclude(
        submitted_at__gte=month, submitted_at__lt=month + dt.timedelta(days=32)
    )
    if undated.exists() or astray.exists():  # made by an earlier benchmark: made again
        ApplicationStep.objects.filter(application__in=made_before).delete()
        made_before.delete()
    if not made_before.exists():
        started = time.perf_counter()
        made = _service_month(persons // 50)
        print(f"  made {made:,} applications in {time.perf_counter() - started:.0f} s", flush=True)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics for the planner, as after a nightly run


def _service_month(count: int) -> int:
    """`count` applications submitted in the 30 days before AS_OF, with their steps."""
    from django.db import transaction

    from bekitu.core.calendar import add_working_time, working_time_between
    from bekitu.registry.models import Person, Provider
    from bekitu.registry.selectors import provider_working_hours
    from bekitu.service.models import Application, ApplicationStep
    from bekitu.service.term import term_for

    rng = random.Random(1)
    providers = list(Provider.objects.all())
    hours = {p.pk: provider_working_hours(p) for p in providers}
    recipients = list(Person.objects.order_by("?").values_list("pk", flat=True)[:count])
    start = dt.datetime.combine(
        AS_OF - dt.timedelta(days=30), dt.time(8), hours[providers[0].pk].tz
    )
    apps, steps = [], []
    for i, recipient in enumerate(recipients):
        provider = rng.choice(providers)
        submitted = start + dt.timedelta(minutes=rng.randrange(30 * 24 * 60))
        channel = rng.choice(["desk", "desk", "phone", "portal"])
        term = term_for(provider=provider, submitted_at=submitted, channel=channel)
        one = add_working_time(
            term.term_start, dt.timedelta(minutes=rng.expovariate(1 / 18)), hours[provider.pk]
        )
        two = add_working_time(
            one, dt.timedelta(minutes=rng.expovariate(1 / 22)), hours[provider.pk]
        )
        refused = rng.random() < 0.07
        open_ = i % 97 == 0
        app = Application(
            number=f"B-{i:07d}",
            channel=channel,
            recipient_id=recipient,
            provider=provider,
            reason="choice",
            declared_surname="-",
            declared_given_name="-",
            declared_birth_date=dt.date(1980, 1, 1),
            submitted_at=submitted,
            term_start=term.term_start,
            deadline=term.deadline,
            state="received" if open_ else ("refused" if refused else "talon_issued"),
            refusal_code="too_frequent" if refused and not open_ else "",
            decided_at=None if open_ else two,
            action_due_at=None,
        )
        apps.append(app)
        states = ("received", "documents_accepted", "refused" if refused else "talon_issued")
        if channel == "portal":
            states = ("submitted", "registered", "checked", states[2])
        moments = [submitted, one, two] if channel != "portal" else [submitted, one, one, two]
        # As the service records them: actions 1 and 2 are due 30 working minutes after they
        # become pending (R5.1, R5.2), the portal's steps by the deadline; each step carries
        # its working minutes since the one before it.
        half_hour = dt.timedelta(minutes=30)
        for n, (state, at) in enumerate(zip(states, moments, strict=True)):
            if open_ and n > 0:
                break
            due, minutes = None, None
            if n:
                begun = max(moments[n - 1], term.term_start)
                worked = working_time_between(begun, at, hours[provider.pk]) if at > begun else None
                minutes = worked.total_seconds() / 60 if worked else 0.0
                if channel != "portal":
                    due = min(add_working_time(begun, half_hour, hours[provider.pk]), term.deadline)
            steps.append((i, states[n - 1] if n else "", state, at, due, minutes))
    with transaction.atomic():
        Application.objects.bulk_create(apps, batch_size=2000)
        ids = dict(Application.objects.filter(number__startswith="B-").values_list("number", "pk"))
        ApplicationStep.objects.bulk_create(
            [
                ApplicationStep(
                    application_id=ids[f"B-{i:07d}"],
                    from_state=a,
                    to_state=b,
                    action="step",
                    actor_label="bench",
                    at=at,
                    due_at=due,
                    breached=due is not None and at > due,
                    minutes=minutes,
                )
                for i, a, b, at, due, minutes in steps
            ],
            batch_size=5000,
        )
    return len(apps)


def _measure(
    kind: str, params: dict[str, str], ids: Any, runs: int
) -> tuple[float, float, float, int]:
    """First run, best run (wall seconds), this process's CPU seconds in the best run (the
    Python side; the database server's time is not in it), rows made."""
    from bekitu.reports.catalog import make_report

    times, rows = [], 0
    for _ in range(runs):
        started, cpu = time.perf_counter(), time.process_time()
        made = make_report(kind, params, ids, regional=ids is None)
        times.append((time.perf_counter() - started, time.process_time() - cpu))
        rows = sum(len(t.rows) for t in made.tables.tables)
    best = min(times)
    return times[0][0], best[0], best[1], rows


def _child(backend: str, persons: int, runs: int) -> list[dict[str, Any]]:
    url = _pg_url(persons) if backend == "postgresql" else ""
    if backend == "sqlite":
        (ROOT / "var" / "bench").mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{ROOT}/var/bench/reports-{persons}.sqlite3"
    os.environ.update(
        DATABASE_URL=url, BEKITU_LOG_LEVEL="WARNING", BEKITU_VAR_DIR=str(ROOT / "var" / "bench")
    )
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bekitu.settings")
    sys.path[:0] = [str(ROOT / "src")]
    import django

    django.setup()
    from django.db.models import Count

    from bekitu.registry.selectors import attachments_in_force

    _load(persons)
    biggest = (
        attachments_in_force(on=AS_OF).values("provider_id").annotate(n=Count("pk")).order_by("-n")
    )[0]
    one = frozenset({biggest["provider_id"]})
    month = {"first": (AS_OF - dt.timedelta(days=29)).isoformat(), "last": AS_OF.isoformat()}
    year = {"first": (AS_OF - dt.timedelta(days=364)).isoformat(), "last": AS_OF.isoformat()}
    cases = [
        ("sex-age table, today", "attached-population", {"as_of": AS_OF.isoformat()}),
        ("sex-age table, 2022-01-01", "attached-population", {"as_of": PAST.isoformat()}),
        (
            "sex-age by district, today",
            "attached-population",
            {"as_of": AS_OF.isoformat(), "by": "district"},
        ),
        ("movement, a year", "movement", year),
        ("service, a month", "service", month),
        ("district load, today", "district-load", {"as_of": AS_OF.isoformat()}),
    ]
    results = []
    for label, kind, params in cases:
        for scope, ids, aim in (("provider", one, AIM_PROVIDER), ("oblast", None, AIM_OBLAST)):
            cold, best, cpu, rows = _measure(kind, params, ids, runs)
            results.append(
                {
                    "cpu": cpu,
                    "backend": backend,
                    "report": label,
                    "scope": scope,
                    "cold": cold,
                    "best": best,
                    "aim": aim,
                    "rows": rows,
                    "persons": biggest["n"] if ids else persons,
                }
            )
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--only", choices=["postgresql", "sqlite"])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="load the oblast again")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.persons, args.runs)))
        return
    print(
        f"Reports on a demo oblast of {args.persons:,} persons (as of {AS_OF}); "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    header = ("database", "report", "scope", "cold s", "best s", "cpu s", "aim s", "ratio")
    print("{:<11} {:<28} {:<9} {:>7} {:>7} {:>6} {:>6} {:>6}".format(*header))
    for backend in [args.only] if args.only else ["postgresql", "sqlite"]:
        if backend == "postgresql" and not _pg_ready(_pg_url(args.persons), args.fresh):
            print("postgresql  skipped: no server")
            continue
        if backend == "sqlite" and args.fresh:
            (ROOT / "var" / "bench" / f"reports-{args.persons}.sqlite3").unlink(missing_ok=True)
        command = [
            sys.executable,
            __file__,
            "--child",
            backend,
            "--persons",
            str(args.persons),
            "--runs",
            str(args.runs),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            print(f"{backend:<11} failed:\n{done.stderr[-2000:]}")
            continue
        for line in lines[:-1]:
            print(line)
        for r in json.loads(lines[-1]):
            print(
                f"{r['backend']:<11} {r['report']:<28} {r['scope']:<9} {r['cold']:>7.2f} "
                f"{r['best']:>7.2f} {r['cpu']:>6.2f} {r['aim']:>6.0f} {r['best'] / r['aim']:>6.2f}"
            )


if __name__ == "__main__":
    main()
