"""A first attachment has its reasons: a newborn, a first time (`initial`) and an arrival from
abroad or another region (`arrival`). Each is its own reason; none is a change of provider, so
none is held to the limit of changes or to the attachment campaign, and none counts against
the limit later."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from bekitu.core.vocabulary import FIRST_ATTACHMENT_REASONS, AttachmentReason
from bekitu.registry.models import Attachment, Person, Provider
from bekitu.reports.movement import movement, movement_tables
from bekitu.service import rules, services
from bekitu.service.policy import EDITIONS
from bekitu.service.selectors import documents_required
from bekitu.workstation.forms import REASONS
from tests.factories import AttachmentFactory
from tests.service.test_rules import ON, attached, case


def test_arrival_is_a_reason_of_its_own_among_the_first_attachments() -> None:
    assert AttachmentReason.ARRIVAL == "arrival"
    assert set(FIRST_ATTACHMENT_REASONS) == {"newborn", "initial", "arrival"}
    assert rules.FIRST_ATTACHMENT_REASONS is FIRST_ATTACHMENT_REASONS


@given(
    reason=st.sampled_from(sorted(FIRST_ATTACHMENT_REASONS)),
    day=st.integers(0, 364),
    ended=st.lists(
        st.tuples(st.integers(400, 4000), st.sampled_from(["choice", "initial", "arrival"])),
        max_size=5,
    ),
)
def test_a_first_attachment_passes_the_limit_and_the_campaign_on_any_day(
    reason: str, day: int, ended: list[tuple[int, str]]
) -> None:
    on = dt.date(2026, 1, 1) + dt.timedelta(days=day)
    # Only ended attachments: the person has none open (left the country, or another region's
    # attachment ended).
    history = tuple(
        attached(
            made_on=on - dt.timedelta(days=ago), reason=why, valid_to=on - dt.timedelta(days=1)
        )
        for ago, why in ended
    )
    c = case(on=on, reason=reason, history=history)
    assert not c.is_voluntary_change
    for policy in EDITIONS:
        assert rules.check_frequency(c, policy).details == {"applies": False}
        assert rules.check_campaign(c, policy).details == {"applies": False}


@pytest.mark.parametrize("reason", sorted(FIRST_ATTACHMENT_REASONS))
def test_a_first_attachment_of_someone_already_attached_is_a_change_and_says_so(
    reason: str,
) -> None:
    c = case(on=ON, reason=reason, history=(attached(),))
    assert c.is_voluntary_change
    for policy in EDITIONS:
        assert rules.check_frequency(c, policy).details["first_attachment"] is False


def test_the_desk_offers_arrival_but_not_the_registers_first_load() -> None:
    offered = [code for code, _label in REASONS]
    assert "arrival" in offered
    assert "newborn" in offered
    assert "initial" not in offered


@pytest.mark.django_db
def test_an_arrival_outside_the_campaign_is_attached_at_once(
    adult: Person, provider: Provider, settings: pytest.FixtureRequest
) -> None:
    # Outside every campaign and after a change this year: neither holds an arrival back.
    AttachmentFactory(
        person=adult,
        valid_from=dt.date(2019, 3, 1),
        valid_to=timezone.localdate() - dt.timedelta(days=30),
        end_reason="left_country",
        reason="choice",
    )
    march = dt.datetime(timezone.localdate().year, 3, 3, 10, tzinfo=timezone.get_current_timezone())
    app = services.application_create(
        channel="desk", recipient=adult, provider=provider, reason="arrival", submitted_at=march
    )
    kinds = [r.kind for r in documents_required(application=app)]
    app = services.application_accept_documents(application=app, documents=kinds, by=None)
    app = services.application_issue_talon(application=app, by=None)
    assert app.state == "talon_issued", list(app.check_results.values("check_name", "details"))
    assert app.effective_from == timezone.localdate()
    assert app.attachment.reason == "arrival"
    rows = app.check_results.filter(check_name__in=["frequency", "campaign"])
    assert rows.exists()
    assert {(r.passed, r.details["applies"]) for r in rows} == {(True, False)}


@pytest.mark.django_db
def test_movement_counts_arrivals_under_their_own_reason(adult: Person, provider: Provider) -> None:
    from bekitu.registry.services import attachment_create

    attachment_create(
        person=adult,
        provider=provider,
        district=provider.districts.first(),
        valid_from=dt.date(2026, 4, 2),
        reason="arrival",
        source="desk",
    )
    report = movement(
        first=dt.date(2026, 1, 1),
        last=dt.date(2026, 12, 31),
        provider_ids=frozenset({provider.pk}),
    )
    assert list(report.flows()) == [(None, provider.pk, "arrival", 1)]
    rows = movement_tables(report).table("reasons").as_dicts()
    assert [(r["reason"], r["reason_label"], r["count"]) for r in rows] == [
        ("arrival", "arrival from abroad or another region, no attachment", 1)
    ]
    assert Attachment.objects.get(person=adult).get_reason_display() == str(
        AttachmentReason.ARRIVAL.label
    )
