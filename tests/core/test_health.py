"""The probes and the metrics: /healthz answers without touching anything; /readyz answers
200 only when the database, the migrations, the cache and the broker all answer, else 503
naming what failed; /metrics gives the backlog, the open applications by term and the talons
awaiting a signature, to the monitoring's networks only."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from bekitu.gateway.models import OutboxMessage
from bekitu.service import services
from bekitu.service.models import Application
from tests.factories import PersonFactory, ProviderFactory, ServiceAreaFactory

pytestmark = pytest.mark.django_db


def test_liveness_touches_nothing(client: Client, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        answer = client.get("/healthz")
    assert answer.status_code == 200 and answer.json() == {"status": "ok"}


def test_ready_when_everything_answers(client: Client, settings: Any) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False  # the broker is checked (the filesystem one)

    answer = client.get("/readyz")

    assert answer.status_code == 200, answer.json()
    assert answer.json() == {
        "status": "ready",
        "checks": {"database": "ok", "migrations": "ok", "cache": "ok", "broker": "ok"},
    }


def test_not_ready_names_what_failed_and_nothing_of_the_deployment(
    client: Client, settings: Any
) -> None:
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "amqp://guest:secret@127.0.0.1:1//"  # nothing listens
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {}

    answer = client.get("/readyz")

    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "not_ready" and body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("error: ")
    assert "secret" not in answer.content.decode() and "127.0.0.1" not in answer.content.decode()


def _open_application(sla: str) -> Application:
    provider = ProviderFactory()
    area = ServiceAreaFactory(district__provider=provider)
    person = PersonFactory(address__street=area.street)
    application = services.application_create(
        channel="phone", recipient=person, provider=provider, reason="initial"
    )
    Application.objects.filter(pk=application.pk).update(sla=sla)
    return application


def _parked_outbox() -> None:
    OutboxMessage.objects.create(
        message_id=uuid.uuid4(),
        service_id="bekitu.test",
        sender_id="egov-portal",
        route_id="060940000419",
        message_date=timezone.now() - dt.timedelta(hours=1),
        envelope=b"<x/>",
        size=4,
        status="parked",
    )


def test_the_metrics_count_what_needs_a_person(client: Client) -> None:
    _open_application("breached")
    _parked_outbox()

    answer = client.get("/metrics", REMOTE_ADDR="10.1.2.3")

    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain; version=0.0.4")
    lines = answer.content.decode().splitlines()
    assert 'bekitu_applications_open{sla="breached",channel="phone"} 1' in lines
    assert 'bekitu_applications_open{sla="near",channel="desk"} 0' in lines
    assert 'bekitu_gateway_outbox_messages{status="parked"} 1' in lines
    assert 'bekitu_gateway_inbox_messages{status="retrying"} 0' in lines
    assert "bekitu_talons_signature_pending 0" in lines
    assert "# TYPE bekitu_applications_open gauge" in lines


def test_the_metrics_are_not_there_for_the_outside(client: Client) -> None:
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.5").status_code == 404
