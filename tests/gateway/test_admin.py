"""The operator's pages: parked messages seen, replayed, discarded; every step audited."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from bekitu.core.models import AuditEntry, User
from bekitu.gateway import services
from bekitu.gateway.models import InboxMessage, OutboxMessage, Participant
from tests.gateway.conftest import SERVICE, GatewayPki

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.registry.admin_urls")]


def _parked(gw: GatewayPki) -> OutboxMessage:
    row = services.message_send(
        service_id=SERVICE,
        sender_id=gw.portal.system_id,
        route_id=gw.clinic_a.system_id,
        parts={"request.xml": b"<request><iin>850314301011</iin></request>"},
    )
    OutboxMessage.objects.filter(pk=row.pk).update(
        status=OutboxMessage.Status.PARKED, attempts=12, last_error="TransportError: down"
    )
    return row


def _login(client: Client, *perms: str) -> Client:
    user = User.objects.create_user("operator", "op@example.kz", "pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__in=perms))
    client.force_login(user)
    return client


def test_the_outbox_list_shows_parked_messages_and_is_audited(
    gw: GatewayPki, client: Client
) -> None:
    row = _parked(gw)
    _login(client, "view_outboxmessage")
    page = client.get(reverse("admin:gateway_outboxmessage_changelist"), {"status": "parked"})
    assert page.status_code == 200
    assert SERVICE in page.content.decode()
    listed = AuditEntry.objects.get(action="gateway.outbox.list")
    assert (listed.actor, listed.data["ids"]) == ("admin:operator", [row.pk])


def test_opening_a_message_shows_its_parts_not_their_content_and_is_audited(
    gw: GatewayPki, client: Client
) -> None:
    row = _parked(gw)
    _login(client, "view_outboxmessage")
    page = client.get(reverse("admin:gateway_outboxmessage_change", args=[row.pk])).content.decode()
    assert "request.xml (application/octet-stream, 42," in page
    assert "850314301011" not in page
    assert AuditEntry.objects.filter(
        action="gateway.outbox.read", object_id=str(row.message_id), actor="admin:operator"
    ).exists()


def _post_action(client: Client, model: str, action: str, pk: int) -> Any:
    return client.post(
        reverse(f"admin:gateway_{model}_changelist"),
        {"action": action, "_selected_action": [pk]},
        follow=True,
    )


def test_an_operator_replays_a_parked_message(gw: GatewayPki, client: Client) -> None:
    row = _parked(gw)
    _login(client, "view_outboxmessage", "operate_outboxmessage")
    page = _post_action(client, "outboxmessage", "replay", row.pk)
    assert "1 message replayed." in page.content.decode()
    row.refresh_from_db()
    assert (row.status, row.attempts) == (OutboxMessage.Status.PENDING, 0)
    assert AuditEntry.objects.get(action="gateway.outbox.replay").actor == "admin:operator"


def test_a_message_that_is_not_parked_is_left_alone(gw: GatewayPki, client: Client) -> None:
    row = _parked(gw)
    OutboxMessage.objects.filter(pk=row.pk).update(status=OutboxMessage.Status.SENT)
    _login(client, "view_outboxmessage", "operate_outboxmessage")
    page = _post_action(client, "outboxmessage", "discard", row.pk)
    assert "left alone" in page.content.decode()
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.SENT


def test_without_the_operate_permission_there_is_no_replay(gw: GatewayPki, client: Client) -> None:
    row = _parked(gw)
    _login(client, "view_outboxmessage")
    page = client.get(reverse("admin:gateway_outboxmessage_changelist")).content.decode()
    assert 'value="replay"' not in page
    _post_action(client, "outboxmessage", "replay", row.pk)
    row.refresh_from_db()
    assert row.status == OutboxMessage.Status.PARKED


def test_an_operator_discards_a_parked_incoming_message(gw: GatewayPki, client: Client) -> None:
    inbox = InboxMessage.objects.create(
        message_id="0b1c6e7a-55a1-4f3e-9c55-3d1b2f0f8a10",
        service_id=SERVICE,
        sender_id=gw.portal.system_id,
        route_id=gw.clinic_a.system_id,
        message_date="2026-09-15T10:00:00+05:00",
        envelope=b"<x/>",
        size=4,
        signer_serial="ab",
        status=InboxMessage.Status.PARKED,
        attempts=12,
    )
    _login(client, "view_inboxmessage", "operate_inboxmessage")
    page = _post_action(client, "inboxmessage", "discard", inbox.pk)
    assert "1 message discarded." in page.content.decode()
    inbox.refresh_from_db()
    assert inbox.status == InboxMessage.Status.DISCARDED
    assert AuditEntry.objects.filter(action="gateway.inbox.discard").exists()


def test_participants_are_registered_through_the_audited_service(
    gw: GatewayPki, client: Client
) -> None:
    user = User.objects.create_superuser("chief", "chief@example.kz", "pw")
    client.force_login(user)
    page = client.post(
        reverse("admin:gateway_participant_add"),
        {"system_id": "moh-register", "bin": gw.clinic_b.bin, "title": "register", "active": "on"},
        follow=True,
    )
    assert page.status_code == 200
    assert Participant.objects.get(system_id="moh-register").bin == gw.clinic_b.bin
    entry = AuditEntry.objects.get(action="gateway.participant.register", object_id="moh-register")
    assert entry.actor == "admin:chief"
    refused = client.post(
        reverse("admin:gateway_participant_add"),
        {"system_id": "bad id", "bin": "123", "active": "on"},
    )
    assert refused.status_code == 200
    assert not Participant.objects.filter(system_id="bad id").exists()


def test_every_gateway_list_opens(gw: GatewayPki, client: Client) -> None:
    _parked(gw)
    client.force_login(User.objects.create_superuser("chief", "chief@example.kz", "pw"))
    for model in ("outboxmessage", "inboxmessage", "rejectedmessage", "participant"):
        url = reverse(f"admin:gateway_{model}_changelist")
        assert client.get(url).status_code == 200
        assert client.get(url, {"q": "x"}).status_code == 200


def test_an_open_refused_for_want_of_permission_is_not_audited_as_a_read(
    gw: GatewayPki, client: Client
) -> None:
    row = _parked(gw)
    _login(client, "view_inboxmessage")  # the inbox's, not the outbox's
    page = client.get(reverse("admin:gateway_outboxmessage_change", args=[row.pk]))
    assert page.status_code == 403
    assert not AuditEntry.objects.filter(action="gateway.outbox.read").exists()


@pytest.mark.parametrize(
    ("model", "filters"),
    [
        ("outboxmessage", {"status", "service_id", "route_id", "created_at"}),
        ("inboxmessage", {"status", "service_id", "sender_id", "route_id", "received_at"}),
    ],
)
def test_the_message_lists_filter_by_status_service_participant_and_date(
    gw: GatewayPki, client: Client, model: str, filters: set[str]
) -> None:
    _parked(gw)
    client.force_login(User.objects.create_superuser("chief", "chief@example.kz", "pw"))
    page = client.get(reverse(f"admin:gateway_{model}_changelist"))
    offered = {spec.field_path for spec in page.context["cl"].filter_specs}
    assert filters <= offered
