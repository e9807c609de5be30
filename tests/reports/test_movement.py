"""Movement: gains and losses through the register's own services, where from and where to,
the reasons, internal moves between districts, and the attachment campaign's results."""

from __future__ import annotations

import datetime as dt

import pytest

from bekitu.registry.services import attachment_create, attachment_end, attachment_transfer
from bekitu.reports.movement import movement, movement_tables
from bekitu.service import services
from tests.factories import PersonFactory
from tests.reports.conftest import day

pytestmark = pytest.mark.django_db


def attach(person, district, on, reason="initial"):
    return attachment_create(
        person=person,
        provider=district.provider,
        district=district,
        valid_from=day(on),
        reason=reason,
        source="register",
    )


def move(person, district, on, reason="choice"):
    return attachment_transfer(
        person=person,
        provider=district.provider,
        district=district,
        valid_from=day(on),
        reason=reason,
        source="desk",
    )


@pytest.fixture
def moves(region):
    """In 2026: x moves A → B (choice), y between A's districts, z dies at B, w is born at
    A, v comes from outside the region to A (change of residence)."""
    x, y, z, w, v = (PersonFactory() for _ in range(5))
    attach(x, region.a_gp, "2024-01-15")
    move(x, region.b_gp, "2026-03-01")
    attach(y, region.a_gp, "2024-01-15")
    move(y, region.a_child, "2026-05-01")
    attach(z, region.b_gp, "2024-01-15")
    attachment_end(person=z, on=day("2026-06-10"), end_reason="death")
    attach(w, region.a_child, "2026-07-01", reason="newborn")
    attach(v, region.far, "2024-01-15")
    move(v, region.a_gp, "2026-08-01", reason="change_of_residence")
    return region


def test_gains_losses_and_balance_per_provider(moves):
    r = moves
    ids = frozenset({r.a.pk, r.b.pk})
    report = movement(first=day("2026-01-01"), last=day("2026-12-31"), provider_ids=ids)
    assert (report.gained(r.a.pk), report.lost(r.a.pk)) == (2, 1)  # w, v; x
    assert (report.gained(r.b.pk), report.lost(r.b.pk)) == (1, 1)  # x; z
    assert report.internal == {r.a.pk: 1}  # y changed district, not provider
    assert (report.before[r.a.pk], report.after[r.a.pk]) == (2, 3)
    assert (report.before[r.b.pk], report.after.get(r.b.pk, 0)) == (1, 1)


def test_flows_count_a_move_inside_the_region_once(moves):
    r = moves
    report = movement(
        first=day("2026-01-01"), last=day("2026-12-31"), provider_ids=frozenset({r.a.pk, r.b.pk})
    )
    assert sorted(report.flows(), key=str) == sorted(
        [
            (r.a.pk, r.b.pk, "choice", 1),
            (None, r.a.pk, "newborn", 1),
            (r.outside.pk, r.a.pk, "change_of_residence", 1),
            (r.b.pk, None, "death", 1),
        ],
        key=str,
    )


def test_a_head_sees_where_their_persons_went(moves):
    r = moves
    report = movement(
        first=day("2026-01-01"), last=day("2026-12-31"), provider_ids=frozenset({r.a.pk})
    )
    flows = movement_tables(report).table("flows").as_dicts()
    to_b = next(f for f in flows if f["to_bin"] == r.b.bin)
    assert (to_b["from_bin"], to_b["reason"], to_b["count"]) == (r.a.bin, "choice", 1)
    assert movement_tables(report).table("balance").rows[0][2:] == [2, 2, 1, 1, 3, 1]


def test_months_and_reasons(moves):
    r = moves
    report = movement(
        first=day("2026-01-01"), last=day("2026-12-31"), provider_ids=frozenset({r.a.pk})
    )
    tables = movement_tables(report)
    months = {
        row["month"]: (row["gained"], row["lost"]) for row in tables.table("months").as_dicts()
    }
    assert months == {"2026-03": (0, 1), "2026-07": (1, 0), "2026-08": (1, 0)}
    reasons = {
        (row["direction"], row["reason"]): row["count"]
        for row in tables.table("reasons").as_dicts()
    }
    assert reasons == {
        ("gained", "newborn"): 1,
        ("gained", "change_of_residence"): 1,
        ("lost", "choice"): 1,
    }


def test_the_campaign_counts_applications_and_the_changes_on_new_year(region, settings, tmp_path):
    settings.EDS_PROVIDER_KEYS_DIR = tmp_path / "no-keys"
    r = region
    movers = [PersonFactory() for _ in range(3)]
    for p in movers:
        attach(p, r.b_gp, "2024-01-15")
    zone = dt.timezone(dt.timedelta(hours=5))
    for i, p in enumerate(movers):
        app = services.application_create(
            channel="portal" if i else "desk",
            recipient=p,
            provider=r.a,
            reason="choice",
            submitted_at=dt.datetime(2025, 10, 1 + i, 10, tzinfo=zone),
        )
        if i == 2:
            services.application_refuse(
                application=app, reason_code="unreliable_data", by=None, comment="Altered."
            )
    for p in movers[:2]:  # the two talons take effect on 1 January (the 2025 rules)
        move(p, r.a_gp, "2026-01-01")
    report = movement(
        first=day("2025-09-01"), last=day("2026-01-31"), provider_ids=frozenset({r.a.pk, r.b.pk})
    )
    (campaign,) = report.campaigns
    assert (campaign.year, campaign.opens, campaign.effective) == (
        2025,
        day("2025-09-01"),  # the 2025 edition's campaign opens on 1 September
        day("2026-01-01"),
    )
    assert campaign.applications[r.a.pk] == {"received": 1, "submitted": 1, "refused": 1}
    assert (campaign.gained, campaign.lost) == ({r.a.pk: 2}, {r.b.pk: 2})
    row = next(
        x
        for x in movement_tables(report).table("campaign").as_dicts()
        if x["provider_bin"] == r.a.bin
    )
    assert (row["applications"], row["refused"], row["open"], row["gained"], row["net"]) == (
        3,
        1,
        2,
        2,
        2,
    )


def test_no_campaign_under_the_2015_rules(region):
    report = movement(
        first=day("2017-01-01"), last=day("2017-12-31"), provider_ids=frozenset({region.a.pk})
    )
    assert report.campaigns == []
