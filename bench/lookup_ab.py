"""The IIN look-up through the ORM (two compiled queries, then the audit append) against the
one prepared statement that also appends the audit row, alternated in rounds: wall p50/p99 and
the client's CPU per look-up.

    .venv/bin/python bench/lookup_ab.py                    # loads 100,000 persons (`make bench`)
    BENCH_PG_URL=postgres://postgres@127.0.0.1:5432/bekitu_scale_bench \
        .venv/bin/python bench/lookup_ab.py --existing --rounds 4 --per-round 500

Without `--existing` the database named by BENCH_PG_URL is made, migrated, loaded with
`--persons` demo persons and dropped at the end; with it, a database kept by
`bench/registry_scale.py --keep` is used as it is. On a busy machine the wall figures include
the wait for a core; the CPU per look-up (this process's) and the alternation are what
compare the two paths."""

from __future__ import annotations

import argparse
import math
import os
import random
import sys
import tempfile
import time
from pathlib import Path

from _postgres import database_afresh

ROOT = Path(__file__).resolve().parent.parent
PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/bekitu_lookup_bench")


def _orm(iin: str) -> object:
    """The look-up as it was: person_get_by_iin's ORM query and audit row, then
    attachment_current."""
    from bekitu.registry import selectors

    person = selectors._persons().filter(iin=iin).first()
    assert person is not None
    selectors._audit_person_read(person, "iin")
    return selectors.attachment_current(person=person)


def _statement(iin: str) -> object:
    from bekitu.registry.selectors import person_current_by_iin

    person, attachment = person_current_by_iin(iin)
    assert person is not None
    return attachment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--per-round", type=int, default=500)
    parser.add_argument("--persons", type=int, default=100_000, help="persons to load")
    parser.add_argument("--existing", action="store_true", help="use a kept database")
    args = parser.parse_args()
    if not args.existing and not database_afresh(PG_URL):
        print(f"postgresql skipped: no server at {PG_URL.rsplit('/', 1)[0]}")
        return
    with tempfile.TemporaryDirectory(prefix="bekitu-bench-lookup-") as tmp:
        os.environ.update(DATABASE_URL=PG_URL, BEKITU_LOG_LEVEL="WARNING", BEKITU_VAR_DIR=tmp)
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bekitu.settings")
        sys.path[:0] = [str(ROOT / "src")]
        import django

        django.setup()
        try:
            _compare(args)
        finally:
            if not args.existing:
                from django.db import connections

                connections.close_all()
                database_afresh(PG_URL, create=False)


def _compare(args: argparse.Namespace) -> None:
    from django.core.management import call_command

    from bekitu.devtools.demo.loader import load_demo_data

    if not args.existing:
        call_command("migrate", verbosity=0)
        load_demo_data(persons=args.persons, seed=1, progress=False)
    from bekitu.core.audit import audit_batch, audit_context, audit_verify
    from bekitu.registry.models import Person

    top = Person.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rng = random.Random(11)  # a reproducible sample, not a secret
    ids = [rng.randint(1, top) for _ in range(args.rounds * args.per_round * 2)]
    found = dict(Person.objects.filter(pk__in=ids).values_list("pk", "iin"))
    sample = [found[i] for i in ids if i in found]
    print(f"load average at the start: {os.getloadavg()[0]:.1f} (2 cores)")
    times: dict[str, list[float]] = {"orm": [], "statement": []}
    cpu = {"orm": 0.0, "statement": 0.0}
    ways = {"orm": _orm, "statement": _statement}
    for n in range(args.rounds * 2):
        name = ("orm", "statement")[n % 2]
        batch = sample[n * args.per_round : (n + 1) * args.per_round]
        started_cpu = time.process_time()
        for k, iin in enumerate(batch):
            started = time.perf_counter()
            with audit_context(actor=f"desk:{k % 40}", channel="desk"), audit_batch():
                ways[name](iin)
            times[name].append((time.perf_counter() - started) * 1000)
        cpu[name] += time.process_time() - started_cpu
    for name, got in times.items():
        got.sort()
        p99 = got[min(len(got) - 1, math.ceil(len(got) * 0.99) - 1)]
        print(
            f"{name:<10} {len(got)} look-ups: p50 {got[len(got) // 2]:.2f} ms, p99 {p99:.2f} ms, "
            f"client CPU {cpu[name] / len(got) * 1000:.2f} ms per look-up"
        )
    print(
        f"load average at the end: {os.getloadavg()[0]:.1f}; audit chain verifies: "
        f"{audit_verify().ok}"
    )


if __name__ == "__main__":
    main()
