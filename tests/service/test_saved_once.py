"""`procedure.saved_once`: the steps recorded on an application in the block update its row
once, at the block's end, with every step's fields; each step's row is written at the step;
an error leaves the row as it was; outside a block each step saves as always."""

from __future__ import annotations

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bekitu.core.vocabulary import Action
from bekitu.service import services
from bekitu.service.models import Application
from bekitu.service.procedure import saved_once, step_record
from tests.factories import LocalityFactory, PersonFactory, ProviderFactory

pytestmark = pytest.mark.django_db


def _portal_application() -> Application:
    return services.application_create(
        channel="portal",
        recipient=PersonFactory(),
        provider=ProviderFactory(locality=LocalityFactory()),
        reason="initial",
        submitted_at=timezone.now(),
    )


def _updates(queries: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith('UPDATE "service_application" ')]


def test_the_steps_in_a_block_update_the_row_once_with_every_steps_fields() -> None:
    application = _portal_application()

    with CaptureQueriesContext(connection) as queries, saved_once(application):
        step_record(application, Action.REGISTER, by=None, at=timezone.now())
        step_record(application, Action.CHECK, by=None, at=timezone.now(), outcome="passed")
        assert Application.objects.get(pk=application.pk).state == "submitted"  # not yet

    assert len(_updates(queries)) == 1
    stored = Application.objects.get(pk=application.pk)
    assert stored.state == "checked" and stored.action_due_at == application.action_due_at
    assert list(stored.steps.order_by("pk").values_list("action", flat=True)) == [
        "submit",
        "register",
        "check",
    ]


def test_an_error_in_the_block_leaves_the_row_as_it_was() -> None:
    application = _portal_application()

    with (
        CaptureQueriesContext(connection) as queries,
        pytest.raises(RuntimeError),
        transaction.atomic(),
        saved_once(application),
    ):
        step_record(application, Action.REGISTER, by=None, at=timezone.now())
        raise RuntimeError("the handler failed")

    assert _updates(queries) == []
    assert Application.objects.get(pk=application.pk).state == "submitted"


def test_outside_a_block_each_step_saves_and_a_nested_block_saves_with_the_outer() -> None:
    application, other = _portal_application(), _portal_application()

    with CaptureQueriesContext(connection) as queries:
        step_record(application, Action.REGISTER, by=None, at=timezone.now())
    assert len(_updates(queries)) == 1

    with CaptureQueriesContext(connection) as queries, saved_once(application):
        with saved_once(other):
            step_record(application, Action.CHECK, by=None, at=timezone.now(), outcome="passed")
            step_record(other, Action.REGISTER, by=None, at=timezone.now())
        assert _updates(queries) == []
    assert len(_updates(queries)) == 2  # each application's row once
    assert Application.objects.get(pk=application.pk).state == "checked"
    assert Application.objects.get(pk=other.pk).state == "registered"
