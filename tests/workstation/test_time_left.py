"""The queue's warnings: near the deadline (80 % of the term used), past it, and an action
past its 30 working minutes (R5.1-R5.3)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from bekitu.service import services
from bekitu.service.models import Application
from bekitu.workstation import presenters
from tests.workstation.conftest import Desk

pytestmark = pytest.mark.django_db

ALMATY = ZoneInfo("Asia/Almaty")
# Tuesday 10 March 2026, 09:00: a working day; the deadline is Wednesday 09:00 (R5.3).
SUBMITTED = dt.datetime(2026, 3, 10, 9, 0, tzinfo=ALMATY)


def _application(desk: Desk, submitted: dt.datetime = SUBMITTED) -> Application:
    return services.application_create(
        channel="desk",
        recipient=desk.person,
        provider=desk.provider,
        reason="choice",
        submitted_at=submitted,
        created_by=desk.users["specialist"],
    )


def test_early_in_the_term_there_is_no_warning(desk: Desk) -> None:
    left = presenters.time_left(_application(desk), SUBMITTED + dt.timedelta(minutes=10))
    assert (left.warning, left.action_overdue) == ("", False)
    assert left.text == presenters.duration_text(dt.timedelta(hours=11, minutes=50))


def test_an_action_left_for_more_than_30_working_minutes_is_overdue(desk: Desk) -> None:
    left = presenters.time_left(_application(desk), SUBMITTED + dt.timedelta(minutes=45))
    assert left.warning == "" and left.action_overdue


def test_after_80_percent_of_the_term_the_deadline_is_near(desk: Desk) -> None:
    application = _application(desk)
    left = presenters.time_left(application, dt.datetime(2026, 3, 11, 8, 30, tzinfo=ALMATY))
    assert left.warning == "near"
    assert left.text == presenters.duration_text(dt.timedelta(minutes=30))


def test_after_the_deadline_it_is_past(desk: Desk) -> None:
    application = _application(desk)
    left = presenters.time_left(application, dt.datetime(2026, 3, 11, 11, 0, tzinfo=ALMATY))
    assert left.warning == "past"


def test_the_queue_page_marks_a_late_application(desk: Desk) -> None:
    application = _application(desk)
    page = desk.client("specialist").get(reverse("workstation:index"))
    assert page.context["rows"][0].left.warning == "past"
    html = page.content.decode()
    assert f'class="sla-past" data-number="{application.number}"' in html
