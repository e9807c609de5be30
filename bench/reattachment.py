"""Re-attachment in bulk, on SQLite: how long the plan takes and how many persons a second
the run re-attaches (each a new attachment, a signed talon and their audit rows, in batches
of 500 that each commit whole). CPU seconds of this process, so the load of a shared machine
counts less than on the wall clock; the talons' PDFs are the worker's afterwards and are not
in the run (bench/talons.py measures them).

    .venv/bin/python bench/reattachment.py            # 1,000 persons
    .venv/bin/python bench/reattachment.py --n 3000
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

from _signing import signing_world

ROOT = Path(__file__).resolve().parent.parent
# A large city polyclinic: the people a closing one leaves.
POLYCLINIC = 30_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="persons attached to the closing one")
    n = parser.parse_args().n
    with tempfile.TemporaryDirectory(prefix="bench-reattachment-") as tmp:
        bins = signing_world(Path(tmp), providers=2)
        from django.conf import settings

        settings.CELERY_TASK_ALWAYS_EAGER = False
        keys = SimpleNamespace(providers=[SimpleNamespace(bin=b) for b in bins])
        from tests.service.reattachment_world import ON, build_world

        from bekitu.core.audit import audit_verify
        from bekitu.service.reattachment.models import Reattachment
        from bekitu.service.reattachment.plan import (
            reattachment_assign,
            reattachment_confirm,
            reattachment_plan,
        )
        from bekitu.service.reattachment.run import reattachment_run

        world = build_world(keys, adults_north=0, adults_south=n - 2)
        world.south_therapist.normative_size = n + 100
        world.south_therapist.save()
        world.south_therapist.areas.update(house_to=9999)  # houses 60.. of the main street
        cpu, wall = time.process_time(), time.perf_counter()
        plan = reattachment_plan(
            provider=world.closing, kind="provider_closed", on=ON, kato_prefix="", planned_by="b"
        )
        plan_cpu, plan_wall = time.process_time() - cpu, time.perf_counter() - wall
        lonely = world.persons[-1]
        reattachment_assign(plan=plan, person_ids=[lonely.pk], district=world.south_therapist)
        reattachment_confirm(plan=plan, confirmed_by="b")
        cpu, wall = time.process_time(), time.perf_counter()
        done = reattachment_run(plan_id=plan.pk)
        run_cpu, run_wall = time.process_time() - cpu, time.perf_counter() - wall
        assert done.status == Reattachment.Status.DONE and done.counts == {"attached": n}
        assert audit_verify().ok
        rate = n / run_cpu
        print(f"re-attachment of {n} persons on SQLite, batches of {done.batch_size}")
        print(f"  plan: {plan_cpu:.2f} s CPU ({plan_wall:.2f} s wall)")
        print(f"  run:  {run_cpu:.2f} s CPU ({run_wall:.2f} s wall), {done.batches} batches")
        print(f"persons re-attached per CPU second: {rate:.0f}")
        print(
            f"a polyclinic of {POLYCLINIC:,} persons: {POLYCLINIC / rate / 60:.1f} min of one "
            f"worker's CPU; within one working day (8 h): {8 * 3600 * rate / POLYCLINIC:.0f}x"
        )


if __name__ == "__main__":
    main()
