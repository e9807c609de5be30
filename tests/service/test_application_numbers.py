"""Application numbers: unique, readable, of the year; on PostgreSQL taken from a sequence of
the year, so one transaction's number does not hold up another's."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from bekitu.service.models import ApplicationCounter
from bekitu.service.procedure import next_number


@pytest.mark.django_db
def test_numbers_of_a_year_follow_each_other() -> None:
    first, second = next_number(2030), next_number(2030)
    assert first.startswith("A-2030-") and second.startswith("A-2030-")
    assert int(second.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1
    assert next_number(2031).startswith("A-2031-")


@pytest.mark.django_db
def test_a_year_numbered_by_the_counter_goes_on_after_its_last_number() -> None:
    ApplicationCounter.objects.create(year=2032, last=41)
    assert next_number(2032) == "A-2032-000042"


@pytest.mark.django_db(transaction=True)
def test_a_transaction_holding_a_number_does_not_hold_up_the_next() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's writers take turns: the counter row is the number")
    with transaction.atomic():
        next_number(2033)  # the year's sequence made and committed
    taken, release, numbers = threading.Event(), threading.Event(), []

    def holder() -> None:
        try:
            with transaction.atomic():
                numbers.append(next_number(2033))
                taken.set()
                release.wait(20)
        finally:
            connections.close_all()

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert taken.wait(20)
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL lock_timeout = '2s'")
            numbers.append(next_number(2033))  # a locked counter would time out here
    finally:
        release.set()
        thread.join(20)
    assert numbers == ["A-2033-000002", "A-2033-000003"]
    with connection.cursor() as cursor:
        cursor.execute("DROP SEQUENCE bekitu_application_number_2033")
