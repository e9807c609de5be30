"""The queue: search by application number, IIN or name (posted, kept under a search id, so
no IIN or name stands in an address), filters by state, channel, time left and a breached
term, the decided applications of a day to reprint, and the provider column of the region."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from bekitu.core.models import AuditEntry
from bekitu.registry.models import Person
from bekitu.service import services
from bekitu.service.models import Application
from bekitu.workstation.staff import scope_for
from tests.factories import PersonFactory
from tests.workstation.conftest import Desk, caller_of

pytestmark = pytest.mark.django_db


def _intake(desk: Desk, iin: str, channel: str = "desk") -> Application:
    scope = scope_for(desk.users["specialist"])
    assert scope is not None
    person = Person.objects.get(iin=iin)
    caller = caller_of(person) if channel == "phone" else None
    entry = services.Intake(recipient_iin=iin, channel=channel, reason="choice", caller=caller)
    return services.application_intake(
        scope=scope, intake=entry, by=desk.users["specialist"], looked_up_by=scope.actor
    )


def _numbers(response: Any) -> list[str]:
    return [row.number for row in response.context["rows"]]


def _search(client: Any, **form: str) -> Any:
    posted = client.post(reverse("workstation:index"), form)
    assert posted.status_code == 302, posted.content[:800]
    return posted["Location"], client.get(posted["Location"])


@pytest.fixture
def two(desk: Desk) -> tuple[Application, Application]:
    other = PersonFactory(address=desk.person.address, surname="Zhaksylykova")
    return _intake(desk, desk.person.iin), _intake(desk, other.iin, channel="phone")


def test_search_by_number_iin_or_name_keeps_them_out_of_the_address(
    desk: Desk, two: tuple[Application, Application]
) -> None:
    first, second = two
    client = desk.client("specialist")
    for text, expected in (
        (first.number, [first.number]),
        (desk.person.iin, [first.number]),
        (desk.person.iin[:6], [first.number]),
        ("zhaksylyk", [second.number]),
        (second.recipient.surname + " " + second.recipient.given_name[:2], [second.number]),
    ):
        address, page = _search(client, q=text)
        assert text not in address and "s=" in address
        assert _numbers(page) == expected, text
        assert page.context["form"]["q"].value() == text
    # The audit row says that a text was searched for and what was shown, not the text.
    row = AuditEntry.objects.filter(action="service.application.queue").last()
    assert row is not None and row.data["filters"]["text"] is True
    assert second.recipient.surname not in str(row.data)


def test_filters_by_channel_and_state(desk: Desk, two: tuple[Application, Application]) -> None:
    first, second = two
    client = desk.client("specialist")
    assert _numbers(client.get(reverse("workstation:index"), {"channel": "phone"})) == [
        second.number
    ]
    client.post(
        reverse("workstation:accept", args=[first.number]), {"documents": ["identity_document"]}
    )
    page = client.get(reverse("workstation:index"), {"state": "documents_accepted"})
    assert _numbers(page) == [first.number]


def test_time_left_and_breached_filters(desk: Desk, two: tuple[Application, Application]) -> None:
    first, second = two
    # The first one's deadline passed long ago.
    Application.objects.filter(pk=first.pk).update(
        deadline=timezone.now() - dt.timedelta(days=3),
        term_start=timezone.now() - dt.timedelta(days=4),
    )
    client = desk.client("specialist")
    assert _numbers(client.get(reverse("workstation:index"), {"left": "past"})) == [first.number]
    assert _numbers(client.get(reverse("workstation:index"), {"left": "breached"})) == [
        first.number
    ]
    assert second.number in _numbers(client.get(reverse("workstation:index"), {"left": "ok"}))


def test_decided_applications_are_found_by_day_to_reprint(
    desk: Desk, two: tuple[Application, Application]
) -> None:
    first, second = two
    client = desk.client("specialist")
    client.post(
        reverse("workstation:refuse", args=[second.number]),
        {"reason_code": "unreliable_data", "comment": "The photo is of another person."},
    )
    second.refresh_from_db()
    assert second.state == "refused"
    open_only = client.get(reverse("workstation:index"))
    assert _numbers(open_only) == [first.number]
    today = client.get(reverse("workstation:index"), {"decided": "today"})
    assert _numbers(today) == [second.number]
    assert f'id="reprint-{second.number}"'.encode() in today.content
    assert reverse("workstation:pdf", args=[second.number, "refusal"]).encode() in today.content
    on = timezone.localdate(second.decided_at).strftime("%d.%m.%Y")
    _, by_day = _search(client, decided="day", on=on)
    assert _numbers(by_day) == [second.number]
    yesterday = client.get(reverse("workstation:index"), {"decided": "yesterday"})
    assert _numbers(yesterday) == []
    # A day is needed to search by day.
    missing = client.post(reverse("workstation:index"), {"decided": "day"})
    assert missing.status_code == 400
    assert b"Enter the day the applications were decided." in missing.content


def test_the_region_sees_the_provider_column(
    desk: Desk, two: tuple[Application, Application]
) -> None:
    regional = desk.client("regional").get(reverse("workstation:index"))
    assert regional.status_code == 200
    assert b'<td class="provider">' in regional.content
    assert desk.provider.name.encode() in regional.content
    specialist = desk.client("specialist").get(reverse("workstation:index"))
    assert b'<td class="provider">' not in specialist.content


def test_an_expired_search_id_says_so(desk: Desk, two: tuple[Application, Application]) -> None:
    client = desk.client("specialist")
    page = client.get(reverse("workstation:index"), {"s": "not-a-search"})
    assert page.status_code == 200 and page.context["expired"]
    assert b'id="search-expired"' in page.content
