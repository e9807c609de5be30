"""`bekitu reattachment`: plan, assign by hand, confirm, run in steps, show, notify."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from bekitu.core.sms import MemorySmsSender
from bekitu.talons.models import Talon
from tests.service.reattachment_world import ON, World, build_world

pytestmark = pytest.mark.django_db


def _call(*args: str) -> dict[str, Any]:
    out = StringIO()
    call_command("reattachment", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.fixture
def world(eds_settings: Any, test_pki: Any, settings: Any) -> World:
    settings.SMS_SENDER = "bekitu.core.sms.MemorySmsSender"
    return build_world(test_pki)


def test_the_command_plans_confirms_and_runs_a_closing_provider(world: World) -> None:
    planned = _call("plan", "--bin", world.closing.bin, "--on", ON.isoformat())
    lonely = world.persons[-1]
    assert (planned["status"], planned["persons"]) == ("planned", 7)
    assert planned["without_target"] == [lonely.iin]
    assert sorted(t["persons"] for t in planned["targets"]) == [1, 2, 3]
    with pytest.raises(CommandError, match="targets_missing"):
        _call("confirm", planned["number"])
    district = str(world.south_therapist.pk)
    assert _call("assign", planned["number"], "--district", district, lonely.iin)["assigned"] == 1
    with pytest.raises(CommandError, match="not in the plan"):
        _call("assign", planned["number"], "--district", district, world.north.bin)
    assert _call("confirm", planned["number"])["status"] == "confirmed"
    half = _call("run", planned["number"], "--batches", "0")
    assert half["processed"] == 0
    done = _call("run", planned["number"])
    assert (done["status"], done["counts"]) == ("done", {"attached": 7})
    assert Talon.objects.filter(channel="region").count() == 7
    MemorySmsSender.outbox.clear()
    assert _call("notify", planned["number"])["sms"] == 7
    assert _call("show", planned["number"])["processed"] == 7


def test_the_command_names_what_it_cannot_find(world: World) -> None:
    with pytest.raises(CommandError, match="no provider"):
        _call("plan", "--bin", "000000000000", "--on", ON.isoformat())
    with pytest.raises(CommandError, match="--on"):
        _call("plan", "--bin", world.closing.bin, "--on", "1 December")
    with pytest.raises(CommandError, match="no re-attachment"):
        _call("show", "RA-0000-000000")
