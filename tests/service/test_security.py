"""Security review of the state service (docs/security.md): the one-open-application rule is
held by the database too, and concurrent intakes or talon issues of one person or one
application leave exactly one result."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from bekitu.core.errors import Conflict, DomainError
from bekitu.core.models import AuditEntry
from bekitu.registry.models import Person, Provider
from bekitu.service import services
from bekitu.service.models import Application
from bekitu.service.selectors import Scope, application_queue, documents_required
from bekitu.talons.models import Talon


def _desk(person: Person, provider: Provider) -> Application:
    return services.application_create(
        channel="desk", recipient=person, provider=provider, reason="initial"
    )


@pytest.mark.django_db
def test_the_database_refuses_a_second_open_application_of_one_person(
    adult: Person, provider: Provider
) -> None:
    first = _desk(adult, provider)
    second = Application.objects.get(pk=first.pk)
    second.pk, second.number = None, "A-0000-999999"
    with pytest.raises(IntegrityError), transaction.atomic():
        second.save()


@pytest.mark.django_db
def test_a_decided_application_does_not_count_as_open(adult: Person, provider: Provider) -> None:
    first = _desk(adult, provider)
    services.application_refuse(
        application=first, reason_code="unreliable_data", by=None, comment="Altered."
    )
    assert _desk(adult, provider).state == "received"


@pytest.mark.django_db
def test_a_second_open_application_is_refused_by_the_insert_not_by_a_read_before_it(
    adult: Person, provider: Provider
) -> None:
    first = _desk(adult, provider)
    with CaptureQueriesContext(connection) as queries, pytest.raises(Conflict) as info:
        _desk(adult, provider)
    assert info.value.code == "application_open"
    assert first.number in str(info.value)  # the open one's number, read after the insert
    assert Application.objects.filter(recipient=adult).count() == 1
    statements = [q["sql"] for q in queries.captured_queries]
    insert = next(i for i, sql in enumerate(statements) if sql.startswith(_INSERT))
    reads = [i for i, sql in enumerate(statements) if sql.startswith(_READ)]
    assert reads, "the open application is read for the conflict's message"
    assert min(reads) > insert


_INSERT = 'INSERT INTO "service_application"'
_READ = 'SELECT "service_application"."provider_id"'


# --- concurrency (PostgreSQL: SQLite serialises writers anyway) -----------------------------


def _race(work: Callable[[], Any], times: int = 2) -> list[Any]:
    barrier = threading.Barrier(times)
    results: list[Any] = [None] * times

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work()
        except Exception as exc:  # reported to the test, not swallowed
            results[i] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(times)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers only contend on PostgreSQL; set DATABASE_URL")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_intakes_of_one_person_open_one_application(
    adult: Person, provider: Provider
) -> None:
    _postgres_only()
    results = _race(lambda: _desk(adult, provider))
    made = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, Conflict)]
    assert len(made) == 1 and len(refused) == 1, results
    assert refused[0].code == "application_open"
    assert Application.objects.filter(recipient=adult).count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_concurrent_talon_issues_of_one_application_make_one_talon(
    adult: Person, provider: Provider
) -> None:
    _postgres_only()
    application = _desk(adult, provider)
    kinds = [r.kind for r in documents_required(application=application)]
    services.application_accept_documents(application=application, documents=kinds, by=None)
    results = _race(lambda: services.application_issue_talon(application=application, by=None))
    issued = [r for r in results if isinstance(r, Application)]
    refused = [r for r in results if isinstance(r, DomainError)]
    assert len(issued) == 1 and len(refused) == 1, results
    assert refused[0].code == "transition_not_allowed"
    assert Talon.objects.filter(person=adult).count() == 1
    assert Application.objects.get(pk=application.pk).state == "talon_issued"


@pytest.mark.django_db
def test_reading_the_queue_is_audited_by_application_number(
    adult: Person, provider: Provider
) -> None:
    application = _desk(adult, provider)
    assert application_queue(scope=Scope(provider=provider)) == [application]
    row = AuditEntry.objects.get(action="service.application.queue")
    assert row.object_id == provider.bin
    assert row.data == {"shown": 1, "numbers": [application.number]}
    assert adult.iin not in str(row.data)
