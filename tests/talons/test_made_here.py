"""A talon of an attachment made in the talon's own transaction is issued without looking for
another talon of it (no other transaction has seen the attachment); in a later transaction
the attachment is looked for again, and a second talon is refused."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from bekitu.core.errors import Conflict
from bekitu.registry.models import Provider
from bekitu.registry.services import attachment_create
from bekitu.talons.models import Talon
from bekitu.talons.services import talon_issue
from tests.factories import DistrictFactory, PersonFactory

pytestmark = pytest.mark.django_db(transaction=True)


def _looks_for_a_talon(sql: str) -> bool:
    return 'FROM "talons_talon" WHERE "talons_talon"."attachment_id"' in sql


def test_a_new_attachments_talon_is_not_looked_for_and_a_second_one_later_is_refused(
    provider: Provider,
) -> None:
    district = DistrictFactory(provider=provider)
    with transaction.atomic():
        attachment = attachment_create(
            person=PersonFactory(),
            provider=provider,
            district=district,
            valid_from=dt.date(2026, 1, 10),
            reason="choice",
            source="desk",
        )
        with CaptureQueriesContext(connection) as queries:
            talon_issue(attachment=attachment, application_number="A-1", channel="desk")
        assert not any(_looks_for_a_talon(q["sql"]) for q in queries.captured_queries)

    with CaptureQueriesContext(connection) as queries, pytest.raises(Conflict) as refused:
        talon_issue(attachment=attachment, application_number="A-2", channel="desk")
    assert refused.value.code == "talon_exists"
    assert any(_looks_for_a_talon(q["sql"]) for q in queries.captured_queries)
    assert Talon.objects.filter(attachment=attachment).count() == 1
