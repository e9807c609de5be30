"""The portal pipeline's cost an application in one process, in figures the machine's speed
and load do not move: SQL statements and Python function calls (and the CPU, which they do).

The same pipeline as `bench/portal.py` (condition 2 at the portal, the envelope, the
provider's registration, condition 3, the automatic decision with the signed e-talon XML,
the status message back into the citizen's request, the receipts), with the gateway's
memory transport in this one process: submissions in runs of ten, each run then delivered to
the end (`gateway_drain`). The first run is not counted (the first of everything: the
process's caches, the year's application sequence); then --n applications are timed and
their statements counted, and --n more are profiled to count the Python calls. Two
machines, or one machine busy with something else, give the same statements and calls for
the same code; so two versions of the code are compared by these, and by CPU (here or in
`bench/portal.py`) only in alternate runs on one quiet machine.

    .venv/bin/python bench/portal_calls.py                     # PostgreSQL, 100 counted
    .venv/bin/python bench/portal_calls.py --setup default     # SQLite
    .venv/bin/python bench/portal_calls.py --profile /tmp/calls.prof   # and a cProfile (CPU)

The database is `bekitu_bench_calls_<pid>` on PostgreSQL (made and dropped), or a SQLite
file in a temporary folder. The last line:
`portal pipeline in one process: S statements, C Python calls, M ms of CPU an application`.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _postgres import database_afresh

import portal

RUN = 10  # submissions delivered together, as a worker takes what has arrived


def _measure(setup: str, counted: int, profile: str) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="bench-calls-"))
    url = f"postgres://postgres@127.0.0.1:5432/bekitu_bench_calls_{os.getpid()}"
    try:
        persons = portal._persons(2 * counted + RUN)
        pki = portal._pki(folder, persons, 1)
        env = portal._environment(folder, pki, setup, prefix="")
        env["BEKITU_GATEWAY_TRANSPORT"] = "memory://"
        if setup == "postgres":
            if not database_afresh(url):
                raise SystemExit("no PostgreSQL at 127.0.0.1:5432")
            env["DATABASE_URL"] = url
        os.environ.update(env)
        sys.path[:0] = [str(portal.ROOT / "src"), str(portal.ROOT)]
        return _run(persons, pki, counted, profile)
    finally:
        from django.db import connections

        connections.close_all()
        if setup == "postgres":
            database_afresh(url, create=False)
        shutil.rmtree(folder, ignore_errors=True)


def _run(persons: list[Any], pki: Any, counted: int, profile: str) -> dict[str, float]:
    """The first run warms up; the next `counted` applications are timed (CPU) and their
    statements counted; the `counted` after them are profiled (Python calls)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from bekitu.gateway.worker import gateway_drain

    call_command("migrate", verbosity=0)
    providers = portal._world(pki, persons)
    requests = portal._signed_requests(pki, providers, persons)

    def deliver(first: int, last: int) -> None:
        for begin in range(first, last, RUN):
            for number, who, xml in requests[begin : begin + RUN]:
                portal._submit(number, who, xml)
            gateway_drain(passes=200)

    deliver(0, RUN)
    statements = portal._Statements()
    cpu = time.process_time()
    with connection.execute_wrapper(statements):
        deliver(RUN, RUN + counted)
    spent = time.process_time() - cpu
    profiler = cProfile.Profile(time.process_time)
    profiler.runcall(deliver, RUN + counted, RUN + 2 * counted)
    profiler.dump_stats(profile)
    decided = portal._decided([number for number, _who, _xml in requests])
    if len(decided) != len(requests):
        raise SystemExit(f"{len(requests) - len(decided)} applications not decided")
    return {
        "statements": statements.count / counted,
        "calls": pstats.Stats(profile).total_calls / counted,  # type: ignore[attr-defined]
        "cpu_ms": 1000 * spent / counted,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--setup", choices=["postgres", "default"], default="postgres")
    parser.add_argument("--n", type=int, default=100, help="applications counted (runs of 10)")
    parser.add_argument("--profile", default="", help="keep the cProfile (CPU) in this file")
    args = parser.parse_args()
    counted = max(RUN, args.n - args.n % RUN)
    kept = args.profile
    profile = kept or str(Path(tempfile.gettempdir()) / f"bench-calls-{os.getpid()}.prof")
    try:
        result = _measure(args.setup, counted, profile)
    finally:
        if not kept:
            Path(profile).unlink(missing_ok=True)
    print(json.dumps({"setup": args.setup, "counted": counted, **result}))
    print(
        f"portal pipeline in one process: {result['statements']:.1f} statements, "
        f"{result['calls']:,.0f} Python calls, {result['cpu_ms']:.0f} ms of CPU an application "
        "(the CPU unprofiled)"
    )


if __name__ == "__main__":
    main()
