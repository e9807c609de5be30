"""Policy editions as data: seeded from the built-in ones, editable in the admin (audited),
validated, chosen by the application's date, and cited by the refusals' legal grounds."""

from __future__ import annotations

import datetime as dt
import importlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from bekitu.core.models import AuditEntry, User
from bekitu.service import services
from bekitu.service.facts import edition_fields, editions, policy_in_force
from bekitu.service.grounds import refusal_ground_texts
from bekitu.service.models import PolicyEdition
from bekitu.service.policy import EDITION_2015, EDITION_2020, EDITIONS
from bekitu.talons.models import Refusal
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _seeded(db: None) -> None:
    """The rows the migration seeds. A transactional test that ran before on the same worker
    flushed them (its database is emptied after it, migrations' data included): seed them
    again with the migration's own function, so that these tests do not depend on order."""
    from django.apps import apps

    if not PolicyEdition.objects.exists():
        migration = importlib.import_module("bekitu.service.migrations.0010_seed_policy_editions")
        migration.seed(apps, None)


def test_the_built_in_editions_are_seeded_as_rows() -> None:
    assert editions() == EDITIONS
    assert list(PolicyEdition.objects.values_list("edition", flat=True)) == ["2015", "2020", "2025"]


def test_an_edition_an_administrator_adds_applies_from_its_date_without_a_release() -> None:
    fields = {**edition_fields(EDITION_2020), "in_force_from": dt.date(2027, 1, 1)}
    fields.update(max_voluntary_changes=1, campaign_opens="10-01", campaign_closes="10-31")
    row = PolicyEdition(edition="2027", **fields)
    row.full_clean()
    row.save()
    assert policy_in_force(dt.date(2026, 12, 31)).edition == "2025"
    policy = policy_in_force(dt.date(2027, 3, 1))
    assert (policy.edition, policy.max_voluntary_changes) == ("2027", 1)
    assert (policy.campaign.opens, policy.campaign.closes) == ((10, 1), (10, 31))


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"campaign_opens": "9-15"}, "campaign_opens"),
        ({"campaign_opens": "02-30"}, "campaign_opens"),
        ({"campaign_closes": ""}, "campaign_closes"),
        ({"campaign_opens": "11-15", "campaign_closes": "09-15"}, "campaign_closes"),
        ({"eligible_statuses": ["citizen", "martian"]}, "eligible_statuses"),
        ({"act_paragraphs": {"not_a_reason": "3"}}, "act_paragraphs"),
    ],
)
def test_an_edition_the_checks_could_not_apply_is_refused(change, field) -> None:
    row = PolicyEdition(edition="bad", **{**edition_fields(EDITION_2020), **change})
    with pytest.raises(ValidationError) as error:
        row.full_clean()
    assert field in error.value.message_dict


def test_an_edition_changed_in_the_admin_is_audited(client) -> None:
    admin = User.objects.create_superuser("root", password="x-Strong-Password-1")
    client.force_login(admin)
    row = PolicyEdition.objects.get(edition="2025")
    url = reverse("admin:service_policyedition_change", args=[row.pk])
    form = client.get(url).context["adminform"].form
    data = {k: v for k, v in form.initial.items() if v is not None}
    data.update(
        eligible_statuses='["citizen", "kandas", "refugee", "residence_permit"]',
        insured_statuses='["temporary"]',
        act_paragraphs='{"too_frequent": "12"}',
        legal_text="The text of the amended rules.",
    )
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    row.refresh_from_db()
    assert row.act_paragraphs == {"too_frequent": "12"}
    entry = AuditEntry.objects.get(action="service.policy_edition.change")
    assert entry.data["edition"] == "2025" and "act_paragraphs" in entry.data["fields"]
    assert entry.actor == "admin:root"


def test_a_rule_of_an_edition_cites_its_act_and_a_paragraph_only_where_known() -> None:
    grounds = refusal_ground_texts("too_frequent", EDITION_2015)
    assert "№ 281" in grounds["ru"] and "28 апреля 2015" in grounds["ru"]
    assert "пункт" not in grounds["ru"]
    grounds = refusal_ground_texts("outside_campaign", EDITION_2020)
    assert "ҚР ДСМ-194/2020" in grounds["kk"] and "13 ноября 2020" in grounds["ru"]
    assert grounds["en"].endswith(": the attachment campaign")
    row = PolicyEdition.objects.get(edition="2020")
    row.act_paragraphs = {"outside_campaign": "7"}
    row.save()
    policy = policy_in_force(dt.date(2021, 10, 1))
    cited = refusal_ground_texts("outside_campaign", policy)
    assert "пункт 7" in cited["ru"] and "7-тармақ" in cited["kk"]
    assert "paragraph 7" in cited["en"]


def test_no_authority_cites_the_law_of_representation_not_the_grounds_to_start() -> None:
    grounds = refusal_ground_texts("no_authority", EDITION_2020)
    assert "Гражданский кодекс" in grounds["ru"] and "статья 168" in grounds["ru"]
    assert "Азаматтық кодексі" in grounds["kk"]
    assert "clause 4" not in grounds["en"]


def test_the_refusal_document_and_the_page_cite_the_applications_edition(
    adult, provider, specialist
) -> None:
    minor = PersonFactory(birth_date=dt.date(2015, 1, 1), address=adult.address)
    app = services.application_create(
        channel="desk", recipient=minor, provider=provider, reason="initial"
    )
    app = services.application_issue_talon(
        application=services.application_accept_documents(
            application=app, documents=["birth_certificate"], by=specialist
        ),
        by=specialist,
    )
    assert app.refusal_code == "no_authority"
    refusal = Refusal.objects.get(number=app.refusal_number)
    assert "268-XIII" in refusal.legal_ground
    far = PersonFactory(
        birth_date=dt.date(1990, 1, 1), address__street__locality__atu_code="632020000"
    )
    app = services.application_create(
        channel="desk", recipient=far, provider=provider, reason="initial"
    )
    assert app.policy_edition == policy_in_force(timezone.localdate()).edition
    app = services.application_issue_talon(
        application=services.application_accept_documents(
            application=app, documents=["identity_document"], by=specialist
        ),
        by=specialist,
    )
    assert app.refusal_code == "provider_not_available"
    refusal = Refusal.objects.get(number=app.refusal_number)
    assert "ҚР ДСМ-194/2020" in refusal.legal_ground
    from bekitu.service.selectors import application_legal_ground

    with override("ru"):
        assert "13 ноября 2020" in application_legal_ground(application=app)


def test_a_pinned_edition_is_found_among_the_stored_ones(settings) -> None:
    settings.POLICY_EDITION = "2015"
    assert policy_in_force(dt.date(2026, 1, 1), settings.POLICY_EDITION) == EDITION_2015
