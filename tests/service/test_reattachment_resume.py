"""A re-attachment run whose worker died is resumed without a command: the beat finds the runs
silent longer than BEKITU_REATTACHMENT_STALE_SECONDS, takes each over once (one of two
workers trying at once) and carries it on to the end one clean run would reach."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
from django.db import connection, connections
from django.utils import timezone

from bekitu.core.audit import audit_verify
from bekitu.core.models import AuditEntry
from bekitu.registry.models import Attachment
from bekitu.service import tasks
from bekitu.service.reattachment.models import Reattachment
from bekitu.service.reattachment.plan import (
    reattachment_assign,
    reattachment_confirm,
    reattachment_plan,
)
from bekitu.service.reattachment.resume import reattachment_claim, reattachment_resume
from bekitu.service.reattachment.run import reattachment_run
from bekitu.talons.models import Talon
from tests.service.reattachment_world import ON, World, build_world, open_attachment

STALE = 600


@pytest.fixture
def world(eds_settings: Any, test_pki: Any, settings: Any, tmp_path: Any) -> World:
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.REATTACHMENT_STALE_SECONDS = STALE
    return build_world(test_pki)


def _confirmed(world: World, batch_size: int) -> Reattachment:
    plan = reattachment_plan(
        provider=world.closing, kind="provider_closed", on=ON, kato_prefix="", planned_by="t"
    )
    reattachment_assign(
        plan=plan, person_ids=[world.persons[-1].pk], district=world.south_therapist
    )
    Reattachment.objects.filter(pk=plan.pk).update(batch_size=batch_size)
    return reattachment_confirm(plan=plan, confirmed_by="t")


def _assert_one_clean_run(plan: Reattachment) -> None:
    plan.refresh_from_db()
    assert (plan.status, plan.processed, plan.counts) == ("done", 7, {"attached": 7})
    for item in plan.items.select_related("person"):
        new = open_attachment(item.person)
        assert (new.district_id, new.reason, new.valid_from) == (
            item.target_district_id,
            "provider_closed",
            ON,
        )
        assert Attachment.objects.filter(person=item.person).count() == 2
    assert Talon.objects.count() == 7
    assert AuditEntry.objects.filter(action="registry.attachment.create").count() == 7
    assert AuditEntry.objects.filter(action="service.reattachment.done").count() == 1
    assert audit_verify().ok


@pytest.mark.django_db
def test_a_run_left_mid_way_with_a_stale_heartbeat_is_resumed_and_ends_as_one_clean_run(
    world: World,
) -> None:
    plan = _confirmed(world, batch_size=2)
    # The worker commits two batches and dies.
    left = reattachment_run(plan_id=plan.pk, max_batches=2)
    assert (left.status, left.processed) == ("running", 4)
    last_batch = left.heartbeat_at
    assert last_batch is not None
    # While the run may still be alive it is left alone.
    assert reattachment_resume(now=last_batch + dt.timedelta(seconds=STALE - 1)) == []
    later = last_batch + dt.timedelta(seconds=STALE + 1)
    assert reattachment_resume(now=later) == [plan.pk]
    _assert_one_clean_run(plan)
    resumed = AuditEntry.objects.get(action="service.reattachment.resumed")
    assert (resumed.data["processed"], resumed.data["status"]) == (4, "running")
    # Done: never resumed again.
    assert reattachment_resume(now=later + dt.timedelta(days=1)) == []


@pytest.mark.django_db
def test_a_confirmed_plan_whose_run_never_started_is_resumed_by_the_beats_task(
    world: World,
) -> None:
    plan = _confirmed(world, batch_size=3)  # the worker's task is lost with the broker
    Reattachment.objects.filter(pk=plan.pk).update(
        confirmed_at=timezone.now() - dt.timedelta(seconds=STALE + 5)
    )
    assert tasks.reattachment_resume() == [plan.pk]
    _assert_one_clean_run(plan)


@pytest.mark.django_db
def test_a_run_is_taken_over_once(world: World) -> None:
    plan = _confirmed(world, batch_size=2)
    reattachment_run(plan_id=plan.pk, max_batches=1)
    plan.refresh_from_db()
    assert plan.heartbeat_at is not None
    later = plan.heartbeat_at + dt.timedelta(seconds=STALE + 1)
    assert reattachment_claim(plan_id=plan.pk, now=later)
    # A second worker that saw the same silent run finds it taken (its heartbeat fresh).
    assert not reattachment_claim(plan_id=plan.pk, now=later)
    assert AuditEntry.objects.filter(action="service.reattachment.resumed").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_resuming_at_once_on_postgresql_take_the_run_over_once(
    world: World,
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("two connections must race: set DATABASE_URL=postgres://...")
    plan = _confirmed(world, batch_size=2)
    reattachment_run(plan_id=plan.pk, max_batches=1)
    plan.refresh_from_db()
    assert plan.heartbeat_at is not None
    later = plan.heartbeat_at + dt.timedelta(seconds=STALE + 1)
    start = threading.Barrier(2)
    taken: list[bool] = []

    def worker() -> None:
        try:
            start.wait()
            taken.append(reattachment_claim(plan_id=plan.pk, now=later))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(taken) == [False, True]
    assert AuditEntry.objects.filter(action="service.reattachment.resumed").count() == 1
    reattachment_run(plan_id=plan.pk)
    _assert_one_clean_run(plan)
