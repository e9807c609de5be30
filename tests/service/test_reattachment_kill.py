"""On PostgreSQL: `bekitu reattachment run` killed (SIGKILL) while it works leaves whole
batches only, and the next run ends the plan as one clean run would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from bekitu.core.audit import audit_verify
from bekitu.core.models import AuditEntry
from bekitu.registry.models import Attachment
from bekitu.service.reattachment.models import Reattachment
from bekitu.service.reattachment.plan import (
    reattachment_assign,
    reattachment_confirm,
    reattachment_plan,
)
from bekitu.service.reattachment.run import reattachment_run
from bekitu.talons.models import Talon
from tests.service.reattachment_world import ON, build_world, open_attachment

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("another process must see the test database: set DATABASE_URL=postgres://...")


def _env(test_pki: Any, tmp_path: Path) -> dict[str, str]:
    s = connection.settings_dict
    auth = s["USER"] + (f":{s['PASSWORD']}" if s["PASSWORD"] else "")
    url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bekitu.settings",
        "DATABASE_URL": url,
        "BEKITU_VAR_DIR": str(tmp_path / "var"),
        "BEKITU_EDS_TRUST_DIR": str(test_pki.trust_dir),
        "BEKITU_EDS_CRL_DIR": str(test_pki.crl_dir),
        "BEKITU_EDS_PROVIDER_KEYS_DIR": str(test_pki.providers_dir),
        "BEKITU_EDS_OCSP_URL": "",
        "BEKITU_LOG_LEVEL": "ERROR",
    }


def test_a_run_killed_mid_way_resumes_and_ends_as_one_clean_run(
    eds_settings: Any, test_pki: Any, tmp_path: Path
) -> None:
    world = build_world(test_pki, adults_north=2, adults_south=40)
    plan = reattachment_plan(
        provider=world.closing, kind="provider_closed", on=ON, kato_prefix="", planned_by="t"
    )
    reattachment_assign(
        plan=plan, person_ids=[world.persons[-1].pk], district=world.south_therapist
    )
    Reattachment.objects.filter(pk=plan.pk).update(batch_size=2)
    reattachment_confirm(plan=plan, confirmed_by="t")
    command = [sys.executable, "-m", "bekitu", "reattachment", "run", plan.number]
    worker = subprocess.Popen(command, cwd=ROOT, env=_env(test_pki, tmp_path))
    deadline = time.monotonic() + 120
    while Reattachment.objects.get(pk=plan.pk).processed < 6 and time.monotonic() < deadline:
        assert worker.poll() is None, "the run ended before it could be killed"
        time.sleep(0.02)
    worker.send_signal(signal.SIGKILL)
    worker.wait(timeout=30)
    plan.refresh_from_db()
    assert 6 <= plan.processed < plan.total
    # whole batches only: every row up to the checkpoint is done, none after it
    assert plan.processed % 2 == 0
    assert Talon.objects.count() == plan.processed
    assert not plan.items.filter(pk__gt=plan.checkpoint).exclude(outcome="pending").exists()
    assert not plan.items.filter(pk__lte=plan.checkpoint, outcome="pending").exists()
    done = reattachment_run(plan_id=plan.pk)
    assert (done.status, done.processed, done.counts) == ("done", 44, {"attached": 44})
    for item in done.items.select_related("person"):
        new = open_attachment(item.person)
        assert (new.district_id, new.reason, new.valid_from) == (
            item.target_district_id,
            "provider_closed",
            ON,
        )
        assert Attachment.objects.filter(person=item.person).count() == 2
    assert Talon.objects.count() == 44
    assert AuditEntry.objects.filter(action="registry.attachment.create").count() == 44
    assert audit_verify().ok
