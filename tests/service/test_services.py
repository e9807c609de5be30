"""The services of the state service with a database: intake, action 1, action 2 with the
signed talon, refusals with their reasons, and the portal channel's steps."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from bekitu.core.calendar import add_working_time, service_term
from bekitu.core.errors import Conflict, DomainError
from bekitu.core.models import AuditEntry
from bekitu.registry.models import Attachment
from bekitu.registry.selectors import provider_working_hours
from bekitu.service import selectors, services
from bekitu.service.models import Application, CheckResult
from bekitu.service.selectors import Scope, documents_required
from bekitu.talons.models import Refusal, Talon
from tests.factories import (
    AttachmentFactory,
    PersonFactory,
    PersonRelationFactory,
    ProviderFactory,
    ServiceAreaFactory,
)

pytestmark = pytest.mark.django_db


def desk(person, provider, reason="initial", **kw) -> Application:
    return services.application_create(
        channel=kw.pop("channel", "desk"), recipient=person, provider=provider, reason=reason, **kw
    )


def accept(application: Application, by=None) -> Application:
    kinds = [r.kind for r in documents_required(application=application)]
    return services.application_accept_documents(application=application, documents=kinds, by=by)


def issued(application: Application, by=None) -> Application:
    return services.application_issue_talon(application=accept(application, by), by=by)


# --- intake ---


def test_a_desk_application_is_received_with_its_number_term_and_first_step(
    adult, provider, specialist
) -> None:
    submitted = timezone.now()
    app = desk(adult, provider, created_by=specialist, submitted_at=submitted)
    assert re.fullmatch(rf"A-{timezone.localdate(submitted).year}-\d{{6}}", app.number)
    hours = provider_working_hours(provider)
    term = service_term(submitted, hours)
    assert (app.state, app.term_start, app.deadline) == ("received", term.term_start, term.deadline)
    assert app.action_due_at == add_working_time(term.term_start, dt.timedelta(minutes=30), hours)
    assert app.policy_edition == "2025"
    step = app.steps.get()
    assert (step.from_state, step.to_state, step.action, step.actor_label) == (
        "",
        "received",
        "receive",
        "stat-1",
    )
    audit = AuditEntry.objects.get(action="service.application.create")
    assert (audit.object_id, audit.subject_iin) == (app.number, adult.iin)


def test_numbers_follow_each_other(adult, provider) -> None:
    first = desk(adult, provider)
    second = desk(PersonFactory(), provider)
    assert int(second.number[-6:]) == int(first.number[-6:]) + 1


def test_the_declared_data_default_to_the_register(adult, provider) -> None:
    app = desk(adult, provider)
    assert (app.declared_surname, app.declared_birth_date) == (adult.surname, adult.birth_date)


def test_a_portal_application_is_submitted_with_its_signed_request(adult, provider) -> None:
    app = desk(adult, provider, channel="portal", signed_request=b"<x/>", signer_serial="0a1b")
    assert (app.state, bytes(app.signed_request), app.signer_serial) == (
        "submitted",
        b"<x/>",
        "0a1b",
    )
    assert app.steps.get().actor_label == "portal"
    assert app.action_due_at == app.deadline  # R9.13: the portal's steps are due by the term


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"channel": "fax"}, "invalid_application"),
        ({"reason": "whim"}, "invalid_application"),
        ({"applicant_role": "cousin"}, "invalid_applicant_role"),
        ({"applicant_role": "parent"}, "applicant_required"),
        ({"applicant_role": "representative", "applicant": "other"}, "power_of_attorney_required"),
        ({"applicant": "other"}, "applicant_role_mismatch"),
    ],
)
def test_an_inconsistent_application_is_not_recorded(adult, provider, kwargs, code) -> None:
    if kwargs.get("applicant") == "other":
        kwargs["applicant"] = PersonFactory()
    with pytest.raises(DomainError) as error:
        desk(adult, provider, **kwargs)
    assert error.value.code == code
    assert not Application.objects.exists()


def test_a_second_open_application_of_a_person_is_a_conflict(adult, provider) -> None:
    desk(adult, provider)
    with pytest.raises(Conflict) as error:
        desk(adult, provider, channel="phone")
    assert error.value.code == "application_open"


def test_the_applicant_who_is_the_recipient_applies_for_themselves(adult, provider) -> None:
    app = desk(adult, provider, applicant=adult)
    assert app.applicant is None and app.applicant_role == "self"


# --- documents and action 1 ---

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content)


def test_a_scan_is_stored_with_the_type_its_content_shows(adult, provider) -> None:
    app = desk(adult, provider)
    doc = services.application_document_add(
        application=app, kind="identity_document", file=_upload("id.pdf", PNG)
    )
    assert (doc.content_type, doc.size, doc.presented) == ("image/png", len(PNG), True)
    assert doc.file.name.endswith("identity_document.png")
    assert doc.file.read() == PNG


def test_a_scan_records_who_attached_it_and_a_later_tick_keeps_it(
    adult, provider, specialist
) -> None:
    app = desk(adult, provider)
    doc = services.application_document_add(
        application=app, kind="identity_document", file=_upload("id.png", PNG), by=specialist
    )
    assert doc.scan_by == specialist and doc.scan_at is not None
    # Ticking the document as presented again (no file) keeps the scan and its record.
    again = services.application_document_add(application=app, kind="identity_document")
    again.refresh_from_db()
    assert (again.content_type, again.size, again.scan_by) == ("image/png", len(PNG), specialist)
    assert again.file.name == doc.file.name


@pytest.mark.parametrize(
    ("content", "limit", "code"),
    [
        (b"MZ\x90\x00 not a scan", 10_000, "scan_type"),
        (PNG, 10, "scan_too_large"),
    ],
)
def test_a_foreign_or_too_large_scan_is_rejected(
    adult, provider, settings, content, limit, code
) -> None:
    settings.SCAN_MAX_BYTES = limit
    app = desk(adult, provider)
    with pytest.raises(DomainError) as error:
        services.application_document_add(
            application=app, kind="identity_document", file=_upload("id.pdf", content)
        )
    assert error.value.code == code
    assert not app.documents.exists()


def test_an_unknown_kind_of_document_is_rejected(adult, provider) -> None:
    with pytest.raises(DomainError) as error:
        services.application_document_add(application=desk(adult, provider), kind="selfie")
    assert error.value.code == "invalid_document_kind"


def test_action_1_with_a_missing_document_leaves_the_application_received(
    adult, provider, specialist
) -> None:
    app = desk(adult, provider)
    with pytest.raises(DomainError) as error:
        services.application_accept_documents(application=app, documents=[], by=specialist)
    assert error.value.code == "documents_incomplete"
    app.refresh_from_db()
    assert app.state == "received" and app.steps.count() == 1


def test_action_1_accepts_the_checklist_records_the_step_and_runs_the_checks(
    adult, provider, specialist
) -> None:
    app = accept(desk(adult, provider), specialist)
    assert app.state == "documents_accepted"
    step = app.steps.get(action="accept_documents")
    assert (step.actor, step.breached, step.outcome) == (specialist, False, "accepted")
    assert step.due_at is not None
    assert set(app.documents.values_list("kind", flat=True)) == {"identity_document"}
    report = selectors.application_check_report(application=app)
    assert len(report) == 10 and all(r.passed for r in report)


def test_documents_added_before_action_1_count_for_the_checklist(adult, provider) -> None:
    app = desk(adult, provider)
    services.application_document_add(application=app, kind="identity_document")
    app = services.application_accept_documents(application=app, documents=[], by=None)
    assert app.state == "documents_accepted"


# --- action 2: the talon ---


def test_action_2_attaches_the_person_and_issues_the_signed_talon(
    adult, provider, gp_area, specialist
) -> None:
    app = issued(desk(adult, provider), specialist)
    assert (app.state, app.decided_by, app.refusal_code) == ("talon_issued", specialist, "")
    attachment = app.attachment
    assert (attachment.person, attachment.provider, attachment.district) == (
        adult,
        provider,
        gp_area.district,
    )
    assert attachment.home_visits and attachment.application_number == app.number
    assert attachment.valid_from == timezone.localdate() == app.effective_from
    talon = Talon.objects.get(number=app.talon_number)
    assert talon.application_number == app.number and talon.home_visits
    assert b"Signature" in bytes(talon.xml)
    assert [s.action for s in app.steps.all()] == ["receive", "accept_documents", "issue_talon"]
    assert app.check_results.filter(run=2).count() == 10  # the decision's own run
    assert AuditEntry.objects.filter(action="service.application.issue_talon").count() == 1


def test_a_person_outside_the_providers_area_is_attached_without_home_visits(
    provider, gp_area
) -> None:
    # Same locality (same administrative unit), a street no district of the provider covers.
    person = PersonFactory(address__street__locality=gp_area.street.locality)
    app = issued(desk(person, provider))
    assert app.state == "talon_issued"
    assert app.attachment.district == gp_area.district
    assert not app.attachment.home_visits
    assert not Talon.objects.get(number=app.talon_number).home_visits


def test_a_child_is_attached_by_a_parent_to_a_paediatric_district(
    provider, gp_area, paediatric_area
) -> None:
    relation = PersonRelationFactory(
        person__address__street=gp_area.street, relative__address__street=gp_area.street
    )
    app = desk(
        relation.person,
        provider,
        reason="newborn",
        applicant=relation.relative,
        applicant_role="parent",
    )
    app = issued(app)
    assert app.state == "talon_issued"
    assert app.attachment.district == paediatric_area.district
    assert set(app.documents.values_list("kind", flat=True)) == {
        "birth_certificate",
        "applicant_identity_document",
    }


def test_a_representative_with_a_valid_power_of_attorney_obtains_the_talon(adult, provider) -> None:
    poa = services.PowerOfAttorney(
        number="PoA-77", date=timezone.localdate() - dt.timedelta(days=3)
    )
    app = desk(
        adult,
        provider,
        applicant=PersonFactory(birth_date=dt.date(1979, 6, 1)),  # an adult can represent
        applicant_role="representative",
        power_of_attorney=poa,
    )
    assert issued(app).state == "talon_issued"


def test_under_2020_a_campaign_change_takes_effect_on_1_january(adult, provider, settings) -> None:
    old = AttachmentFactory(person=adult, valid_from=dt.date(2019, 3, 1), reason="initial")
    year = timezone.localdate().year - 1  # last year's campaign: always in the past
    in_window = dt.datetime(year, 10, 1, 10, tzinfo=timezone.get_current_timezone())
    app = issued(desk(adult, provider, reason="choice", submitted_at=in_window))
    assert app.state == "talon_issued"
    assert app.effective_from == dt.date(timezone.localdate().year + 1, 1, 1)
    old.refresh_from_db()
    assert old.valid_to == app.effective_from and old.end_reason == "transfer"


def test_under_2015_a_change_takes_effect_at_once(adult, provider, settings) -> None:
    settings.POLICY_EDITION = "2015"
    old = AttachmentFactory(person=adult, valid_from=dt.date(2019, 3, 1), reason="initial")
    app = issued(desk(adult, provider, reason="choice"))
    assert (app.policy_edition, app.effective_from) == ("2015", timezone.localdate())
    old.refresh_from_db()
    assert old.valid_to == timezone.localdate()


# --- refusals, one per reason ---


def _refused(app: Application, code: str) -> None:
    app.refresh_from_db()
    assert (app.state, app.refusal_code) == ("refused", code)
    refusal = Refusal.objects.get(number=app.refusal_number)
    assert (refusal.reason_code, refusal.application_number) == (code, app.number)
    assert refusal.legal_ground and refusal.reason_text_kk and refusal.reason_text_ru
    assert app.steps.last().outcome == code
    failed = app.check_results.filter(passed=False).values_list("reason_code", flat=True)
    assert code in failed


def test_refused_as_unreliable_data_when_the_stated_name_differs(adult, provider) -> None:
    stated = services.Declared("Басқа", adult.given_name, adult.patronymic, adult.birth_date)
    _refused(issued(desk(adult, provider, declared=stated)), "unreliable_data")


def test_r4_1_names_every_field_the_identity_document_states_differently(adult, provider) -> None:
    stated = services.Declared(
        f"  {adult.surname.upper()} ",  # case and spacing are not differences
        "Басқа",
        adult.patronymic,
        adult.birth_date + dt.timedelta(days=1),
        document_number="N12345678",
    )
    app = issued(desk(adult, provider, declared=stated))
    _refused(app, "unreliable_data")
    assert app.declared_document_number == "N12345678" and app.declared_from_document
    assert app.refusal_details == {
        "check": "data_reliable",
        "mismatch": ["given_name", "birth_date"],
    }
    assert app.refusal_justification == ""
    assert Refusal.objects.get(number=app.refusal_number).differing == ["given_name", "birth_date"]


def test_r4_1_says_it_compared_nothing_when_no_document_was_stated(adult, provider) -> None:
    app = desk(adult, provider)
    services.application_checks_run(application=app)
    result = app.check_results.get(check_name="data_reliable")
    assert (result.passed, result.details) == (True, {"compared": False})
    assert not app.declared_from_document


def test_refused_as_deceased(adult, provider) -> None:
    app = accept(desk(adult, provider))
    type(adult).objects.filter(pk=adult.pk).update(death_date=dt.date(2026, 1, 1))
    _refused(services.application_issue_talon(application=app, by=None), "deceased")


def test_refused_as_not_eligible_when_a_temporary_resident_has_no_insurance(
    gp_area, provider
) -> None:
    person = PersonFactory(status="temporary", insured=False, address__street=gp_area.street)
    _refused(issued(desk(person, provider)), "not_eligible")


def test_refused_for_no_authority_when_a_minor_applies_alone(gp_area, provider) -> None:
    minor = PersonFactory(birth_date=dt.date(2012, 5, 5), address__street=gp_area.street)
    _refused(issued(desk(minor, provider)), "no_authority")


def test_an_expired_power_of_attorney_is_refused_at_intake(adult, provider) -> None:
    poa = services.PowerOfAttorney("PoA-1", dt.date(2020, 1, 1), dt.date(2021, 1, 1))
    with pytest.raises(DomainError) as error:
        desk(
            adult,
            provider,
            applicant=PersonFactory(birth_date=dt.date(1979, 6, 1)),  # an adult can represent
            applicant_role="representative",
            power_of_attorney=poa,
        )
    assert error.value.code == "power_of_attorney_expired"


def test_refused_as_too_frequent_under_2015(adult, provider, settings) -> None:
    settings.POLICY_EDITION = "2015"
    AttachmentFactory(person=adult, valid_from=timezone.localdate() - dt.timedelta(days=60))
    _refused(issued(desk(adult, provider, reason="choice")), "too_frequent")


def test_refused_outside_the_campaign_under_2020(adult, provider) -> None:
    AttachmentFactory(person=adult, valid_from=dt.date(2019, 3, 1), reason="initial")
    march = dt.datetime(
        timezone.localdate().year - 1, 3, 3, 10, tzinfo=timezone.get_current_timezone()
    )
    _refused(issued(desk(adult, provider, reason="choice", submitted_at=march)), "outside_campaign")


def test_refused_when_the_provider_is_in_another_administrative_unit(provider) -> None:
    far = PersonFactory(
        birth_date=dt.date(1990, 1, 1), address__street__locality__atu_code="632020000"
    )
    _refused(issued(desk(far, provider)), "provider_not_available")


def test_refused_when_already_attached_to_the_chosen_provider(adult, provider, gp_area) -> None:
    AttachmentFactory(person=adult, provider=provider, district=gp_area.district)
    _refused(issued(desk(adult, provider, reason="change_of_residence")), "already_attached")


def test_a_specialist_refuses_for_incomplete_documents(adult, provider, specialist) -> None:
    app = desk(adult, provider)
    app = services.application_refuse(
        application=app, reason_code="documents_incomplete", by=specialist, comment="no ID"
    )
    assert (app.state, app.decided_by) == ("refused", specialist)
    step = app.steps.last()
    assert (step.action, step.outcome, step.comment) == ("refuse", "documents_incomplete", "no ID")
    assert Refusal.objects.get(number=app.refusal_number).reason_code == "documents_incomplete"


def test_a_reason_a_check_contradicts_is_not_a_ground_to_refuse(adult, provider) -> None:
    app = accept(desk(adult, provider))
    for code in ("deceased", "not_eligible", "already_attached", "documents_incomplete"):
        with pytest.raises(DomainError) as error:
            services.application_refuse(
                application=app, reason_code=code, by=None, comment="I think so"
            )
        assert error.value.code == "refusal_contradicted"
    app.refresh_from_db()
    assert (app.state, app.refusal_code) == ("documents_accepted", "")


def test_a_refusal_no_check_found_needs_a_written_justification(adult, provider) -> None:
    app = accept(desk(adult, provider))
    with pytest.raises(DomainError) as error:
        services.application_refuse(application=app, reason_code="unreliable_data", by=None)
    assert error.value.code == "refusal_justification_required"


def test_a_written_justification_is_kept_whole(adult, provider, specialist) -> None:
    why = "The photograph in the identity card is pasted over another one. " * 20 + "\nSigned."
    assert len(why) > 1000
    app = services.application_refuse(
        application=accept(desk(adult, provider)),
        reason_code="unreliable_data",
        by=specialist,
        comment=why,
    )
    app.refresh_from_db()
    assert (app.state, app.refusal_code) == ("refused", "unreliable_data")
    assert app.refusal_justification == why.strip() and app.refusal_details == {}
    assert app.steps.last().comment == why
    assert Refusal.objects.get(number=app.refusal_number).justification == why.strip()


def test_the_portal_refuses_a_request_whose_eds_is_not_confirmed(adult, provider) -> None:
    app = desk(adult, provider, channel="portal")
    app = services.application_refuse(application=app, reason_code="eds_not_confirmed", by=None)
    assert (app.state, app.steps.last().actor_label) == ("refused", "portal")


def test_an_unknown_refusal_reason_is_rejected(adult, provider) -> None:
    with pytest.raises(DomainError) as error:
        services.application_refuse(application=desk(adult, provider), reason_code="x", by=None)
    assert error.value.code == "invalid_refusal_reason"


# --- forbidden transitions through the services ---


def test_the_talon_is_not_issued_before_the_documents_are_accepted(adult, provider) -> None:
    app = desk(adult, provider)
    with pytest.raises(DomainError) as error:
        services.application_issue_talon(application=app, by=None)
    assert error.value.code == "transition_not_allowed"
    assert not Attachment.objects.filter(person=adult).exists()


def test_a_decided_application_cannot_be_refused_or_decided_again(adult, provider) -> None:
    app = issued(desk(adult, provider))
    for call in (
        lambda: services.application_refuse(application=app, reason_code="deceased", by=None),
        lambda: services.application_issue_talon(application=app, by=None),
        lambda: accept(app),
        lambda: services.application_document_add(application=app, kind="identity_document"),
    ):
        with pytest.raises(DomainError) as error:
            call()
        assert error.value.code in {"transition_not_allowed", "application_closed"}
    assert Talon.objects.filter(application_number=app.number).count() == 1


def test_portal_steps_are_not_open_to_a_desk_application_and_vice_versa(adult, provider) -> None:
    app = desk(adult, provider)
    for call in (services.application_register, services.application_check):
        with pytest.raises(DomainError):
            call(application=app)
    portal = desk(PersonFactory(), provider, channel="portal")
    with pytest.raises(DomainError):
        accept(portal)


# --- the portal channel (R9.9-R9.12) ---


def test_a_portal_request_is_registered_checked_and_answered_with_a_talon(adult, provider) -> None:
    app = desk(adult, provider, channel="portal")
    services.application_document_add(application=app, kind="identity_document")
    app = services.application_register(application=app)
    app = services.application_check(application=app)
    assert app.state == "checked"
    app = services.application_issue_talon(application=app, by=None)
    assert app.state == "talon_issued"
    steps = list(app.steps.all())
    assert [s.action for s in steps] == ["submit", "register", "check", "issue_talon"]
    assert [s.actor_label for s in steps] == ["portal", "system", "system", "system"]
    assert Talon.objects.get(number=app.talon_number).channel == "portal"


def test_a_portal_request_that_fails_a_check_is_refused_at_once(provider) -> None:
    far = PersonFactory(
        birth_date=dt.date(1990, 1, 1), address__street__locality__atu_code="632020000"
    )
    app = desk(far, provider, channel="portal")
    services.application_document_add(application=app, kind="identity_document")
    app = services.application_check(application=services.application_register(application=app))
    assert (app.state, app.refusal_code) == ("refused", "provider_not_available")
    assert [s.outcome for s in app.steps.all()][-2:] == [
        "failed:provider_not_available",
        "provider_not_available",
    ]


# --- checks and reads ---


def test_each_run_of_the_checks_is_kept_with_the_edition_used(adult, provider) -> None:
    app = desk(adult, provider)
    services.application_checks_run(application=app)
    services.application_checks_run(application=app)
    assert list(
        CheckResult.objects.filter(application=app)
        .order_by("run")
        .values_list("run", flat=True)
        .distinct()
    ) == [1, 2]
    report = selectors.application_check_report(application=app)
    assert {r.run for r in report} == {2} and {r.policy_edition for r in report} == {"2025"}
    failed = [r for r in report if not r.passed]
    assert [(r.check_name, r.details) for r in failed] == [
        ("documents", {"missing": ["identity_document"]})
    ]


def test_the_queue_lists_open_applications_by_deadline_with_time_left(adult, provider) -> None:
    now = timezone.now()
    later = desk(adult, provider, submitted_at=now)
    sooner = desk(PersonFactory(), provider, submitted_at=now - dt.timedelta(days=3))
    decided = issued(
        desk(PersonFactory(birth_date=dt.date(1990, 1, 1), address=adult.address), provider)
    )
    queue = selectors.application_queue(scope=Scope(provider=provider), now=now)
    assert [a.number for a in queue] == [sooner.number, later.number]
    assert decided.number not in [a.number for a in queue]
    assert queue[0].time_left < dt.timedelta(0) < queue[1].time_left


def test_an_application_is_read_only_at_its_provider_and_the_read_is_audited(
    adult, provider
) -> None:
    app = desk(adult, provider)
    other = type(provider).objects.exclude(pk=provider.pk).first() or None
    assert selectors.application_get(number=app.number, scope=Scope(provider=provider)) == app
    if other is not None:
        assert selectors.application_get(number=app.number, scope=Scope(provider=other)) is None
    assert AuditEntry.objects.filter(action="service.application.read").count() == 1


def test_under_2020_a_person_may_change_twice_within_a_campaign_but_not_three_times(
    adult, provider, gp_area, test_pki
) -> None:
    other = ProviderFactory(bin=test_pki.providers[1].bin, locality=provider.locality)
    ServiceAreaFactory(district__provider=other, street=gp_area.street)
    AttachmentFactory(person=adult, provider=other, valid_from=dt.date(2019, 3, 1))
    year = timezone.localdate().year - 1
    zone = timezone.get_current_timezone()

    def change(to, day: int) -> Application:
        submitted = dt.datetime(year, 10, day, 10, tzinfo=zone)
        return issued(desk(adult, to, reason="choice", submitted_at=submitted))

    first, second = change(provider, 1), change(other, 2)
    assert (first.state, second.state) == ("talon_issued", "talon_issued")
    # The first change never comes into force: the second replaced it before 1 January.
    first.attachment.refresh_from_db()
    assert first.attachment.valid_from == first.attachment.valid_to == second.effective_from
    _refused(change(provider, 5), "too_frequent")


# --- a change of residence needs evidence; the parties at intake --------------------------


def test_a_change_of_residence_the_register_does_not_show_is_a_voluntary_change(
    adult, provider, gp_area
) -> None:
    other = ProviderFactory(atu_code=provider.atu_code)
    old = ServiceAreaFactory(district__provider=other, street=gp_area.street)
    AttachmentFactory(person=adult, provider=other, district=old.district, reason="initial")
    march = dt.datetime(timezone.localdate().year, 3, 3, 10, tzinfo=timezone.get_current_timezone())
    # Still living in the area of the provider they are attached to: the word alone.
    word = desk(adult, provider, reason="change_of_residence", submitted_at=march)
    _refused(issued(word), "outside_campaign")
    frequency = word.check_results.filter(check_name="frequency").order_by("run").last()
    assert frequency.details["residence_evidence"] is False


def test_a_temporary_registration_shows_the_change_of_residence(adult, provider, gp_area) -> None:
    other = ProviderFactory(atu_code=provider.atu_code)
    old = ServiceAreaFactory(district__provider=other, street=gp_area.street)
    AttachmentFactory(person=adult, provider=other, district=old.district, reason="initial")
    march = dt.datetime(timezone.localdate().year, 3, 3, 10, tzinfo=timezone.get_current_timezone())
    app = desk(adult, provider, reason="change_of_residence", submitted_at=march)
    kinds = [r.kind for r in documents_required(application=app)] + ["temporary_registration"]
    app = services.application_accept_documents(application=app, documents=kinds, by=None)
    app = services.application_issue_talon(application=app, by=None)
    assert app.state == "talon_issued" and app.effective_from == timezone.localdate()


def test_a_move_the_register_shows_lifts_the_limits(adult, provider) -> None:
    far = ProviderFactory(atu_code=provider.atu_code)
    elsewhere = ServiceAreaFactory(district__provider=far)  # not the adult's street
    AttachmentFactory(person=adult, provider=far, district=elsewhere.district, reason="initial")
    march = dt.datetime(timezone.localdate().year, 3, 3, 10, tzinfo=timezone.get_current_timezone())
    app = issued(desk(adult, provider, reason="change_of_residence", submitted_at=march))
    assert app.state == "talon_issued"


@pytest.mark.parametrize(
    ("poa", "code"),
    [
        (("PoA-2", dt.timedelta(days=3), None), "power_of_attorney_not_in_force"),
        (("PoA-3", -dt.timedelta(days=400), None), "power_of_attorney_expired"),
        (("PoA-4", -dt.timedelta(days=30), -dt.timedelta(days=1)), "power_of_attorney_expired"),
        (("PoA-5", -dt.timedelta(days=30), -dt.timedelta(days=40)), "power_of_attorney_invalid"),
    ],
)
def test_a_power_of_attorney_not_in_force_is_refused_at_intake(adult, provider, poa, code) -> None:
    today = timezone.localdate()
    number, since, until = poa
    power = services.PowerOfAttorney(number, today + since, today + until if until else None)
    with pytest.raises(DomainError) as error:
        desk(
            adult,
            provider,
            applicant=PersonFactory(birth_date=dt.date(1979, 6, 1)),
            applicant_role="representative",
            power_of_attorney=power,
        )
    assert error.value.code == code
    assert not Application.objects.exists()


def test_a_power_of_attorney_without_a_term_is_in_force_for_a_year(adult, provider) -> None:
    today = timezone.localdate()
    power = services.PowerOfAttorney("PoA-6", today - dt.timedelta(days=300), None)
    app = desk(
        adult,
        provider,
        applicant=PersonFactory(birth_date=dt.date(1979, 6, 1)),
        applicant_role="representative",
        power_of_attorney=power,
    )
    assert app.poa_valid_until is None and app.state == "received"


def test_a_parent_acts_only_for_a_minor(adult, provider) -> None:
    with pytest.raises(DomainError) as error:
        desk(adult, provider, applicant=PersonFactory(), applicant_role="parent")
    assert error.value.code == "parent_of_an_adult"
