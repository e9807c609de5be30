"""`bekitu gateway ...`: participants, one pass of each part, status, replay and discard."""

from __future__ import annotations

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from bekitu.core.models import AuditEntry
from bekitu.gateway import services
from bekitu.gateway.models import OutboxMessage, Participant
from tests.gateway.conftest import SERVICE, GatewayPki, Recorder

pytestmark = pytest.mark.django_db


def _run(*args: str) -> str:
    out = StringIO()
    call_command("gateway", *args, stdout=out)
    return out.getvalue()


def test_participants_are_added_and_listed(gw: GatewayPki) -> None:
    added = json.loads(_run("participant", "add", "moh-register", gw.clinic_b.bin, "--local"))
    assert added == {
        "system_id": "moh-register",
        "bin": gw.clinic_b.bin,
        "local": True,
        "active": True,
    }
    listed = [json.loads(line) for line in _run("participant", "list").splitlines()]
    assert "moh-register" in {p["system_id"] for p in listed}
    entry = AuditEntry.objects.get(action="gateway.participant.register", object_id="moh-register")
    assert (entry.actor, entry.channel) == ("cli", "cli")


def test_a_bad_participant_is_refused_with_a_reason(gw: GatewayPki) -> None:
    err = StringIO()
    with pytest.raises(SystemExit) as exit_:
        call_command("gateway", "participant", "add", "x", "123", stderr=err)
    assert exit_.value.code == 1
    assert "BIN is not valid" in err.getvalue()
    assert not Participant.objects.filter(system_id="x").exists()


def test_drain_and_status_over_the_default_transport(
    gw: GatewayPki, recorder: Recorder, settings: Any
) -> None:
    settings.GATEWAY_TRANSPORT = "db://"
    services.message_send(
        service_id=SERVICE, sender_id=gw.portal.system_id, route_id=gw.clinic_a.system_id
    )
    assert json.loads(_run("status"))["outbox"]["pending"] == 1
    totals = json.loads(_run("drain"))
    assert totals["received"]["processed"] == 2  # the message and its receipt
    assert len(recorder.seen) == 1
    status = json.loads(_run("status"))
    assert status["outbox"]["sent"] == 2
    assert status["inbox"]["processed"] == 2


def test_one_pass_of_each_part(gw: GatewayPki, recorder: Recorder, settings: Any) -> None:
    settings.GATEWAY_TRANSPORT = "db://"
    services.message_send(
        service_id=SERVICE, sender_id=gw.portal.system_id, route_id=gw.clinic_a.system_id
    )
    assert json.loads(_run("relay"))["sent"] == 1
    assert json.loads(_run("receive"))["processed"] == 1
    assert json.loads(_run("retry")) == {
        "processed": 0,
        "retrying": 0,
        "parked": 0,
        "duplicate": 0,
        "rejected": 0,
        "answered": 0,
        "stale": 0,
    }


def test_replay_and_discard_from_the_command_line(gw: GatewayPki) -> None:
    row = services.message_send(
        service_id=SERVICE, sender_id=gw.portal.system_id, route_id=gw.clinic_a.system_id
    )
    OutboxMessage.objects.update(status=OutboxMessage.Status.PARKED)
    replayed = json.loads(_run("replay", str(row.message_id), "--outbox"))
    assert replayed["status"] == "pending"
    err = StringIO()
    with pytest.raises(SystemExit):
        call_command("gateway", "discard", str(row.message_id), "--outbox", stderr=err)
    assert "gateway_not_parked" in err.getvalue()
