"""Writes of the state service: applications, their documents, checks and decisions.

Every function is atomic and audited. The state changes only along the transitions of
`statemachine.py`; each one is recorded as an ApplicationStep with its due time (30 working
minutes per action, R5.1, R5.2) and whether it was late.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bekitu.core.errors import Conflict, DomainError
from bekitu.core.models import User
from bekitu.registry.models import Attachment, Person, Provider
from bekitu.registry.services import attachment_create, attachment_transfer
from bekitu.service import rules
from bekitu.service.constants import REFUSAL_REASONS, legal_ground_texts, refusal_texts
from bekitu.service.documents import KINDS as DOCUMENT_KINDS
from bekitu.service.documents import ScanRejected, scan_check
from bekitu.service.facts import CaseFacts, case_build, policy_of, required_documents
from bekitu.service.models import Application, ApplicationDocument, CheckResult
from bekitu.service.procedure import (
    OPEN_STATES,
    audit_application,
    lock,
    next_number,
    require_action,
    require_open,
    step_first,
    step_record,
)
from bekitu.service.sla import action_due, term_for
from bekitu.service.statemachine import INITIAL, Action, Channel
from bekitu.talons.services import refusal_issue, talon_issue

log = logging.getLogger("bekitu.service")


@dataclass(frozen=True)
class PowerOfAttorney:
    """The power of attorney a representative acts under (R4)."""

    number: str
    date: dt.date
    valid_until: dt.date | None = None


@dataclass(frozen=True)
class Declared:
    """The recipient's data as the application states them (compared with the register, R4-1)."""

    surname: str
    given_name: str
    patronymic: str
    birth_date: dt.date


def _validate_parties(
    recipient: Person, applicant: Person | None, role: str, poa: PowerOfAttorney | None
) -> None:
    if role not in Application.ApplicantRole.values:
        raise DomainError(_("Unknown applicant role."), code="invalid_applicant_role")
    if role == "self" and applicant is not None:
        raise DomainError(
            _("Another person applies: say whether as parent, guardian or representative."),
            code="applicant_role_mismatch",
        )
    if role != "self" and applicant is None:
        raise DomainError(_("Name the person who applies."), code="applicant_required")
    if role == "representative" and (poa is None or not poa.number):
        raise DomainError(
            _("A representative acts under a power of attorney: enter its number and date."),
            code="power_of_attorney_required",
        )


def _open_conflict(recipient: Person) -> Conflict | None:
    open_one = Application.objects.filter(recipient=recipient, state__in=OPEN_STATES).first()
    if open_one is None:
        return None
    return Conflict(
        _("The person already has an open application (%(number)s).") % {"number": open_one.number},
        code="application_open",
    )


def _check_open_application(recipient: Person) -> None:
    conflict = _open_conflict(recipient)
    if conflict is not None:
        raise conflict


def _save_new(application: Application) -> None:
    """Insert the application; the database's one-open-application rule answers a race the
    row lock did not serialise (another writer, another path) with the same Conflict."""
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError as exc:
        conflict = _open_conflict(application.recipient)
        if conflict is None:
            raise
        raise conflict from exc


def _poa_fields(poa: PowerOfAttorney | None) -> dict[str, object]:
    if poa is None:
        return {}
    return {"poa_number": poa.number, "poa_date": poa.date, "poa_valid_until": poa.valid_until}


def _declared_fields(recipient: Person, declared: Declared | None) -> dict[str, object]:
    stated = declared or Declared(
        recipient.surname, recipient.given_name, recipient.patronymic, recipient.birth_date
    )
    return {
        "declared_surname": stated.surname,
        "declared_given_name": stated.given_name,
        "declared_patronymic": stated.patronymic,
        "declared_birth_date": stated.birth_date,
    }


@transaction.atomic
def application_create(
    *,
    channel: str,
    recipient: Person,
    provider: Provider,
    reason: str,
    applicant: Person | None = None,
    applicant_role: str = "self",
    power_of_attorney: PowerOfAttorney | None = None,
    submitted_at: dt.datetime | None = None,
    created_by: User | None = None,
    declared: Declared | None = None,
    signed_request: bytes | None = None,
    signer_serial: str = "",
) -> Application:
    """Record an application received at the desk, by telephone, or from the portal.

    Its term (R5.3, R9.13) runs from `submitted_at` (default now) by the provider's hours.
    `declared` is the recipient's data as stated (default: the register's). Raises
    DomainError for an inconsistent applicant and Conflict when one is already open.
    """
    if channel not in Application.Channel.values or reason not in Application.Reason.values:
        raise DomainError(_("Unknown channel or reason."), code="invalid_application")
    if applicant is not None and applicant.pk == recipient.pk:
        applicant = None
    _validate_parties(recipient, applicant, applicant_role, power_of_attorney)
    Person.objects.select_for_update().filter(pk=recipient.pk).first()  # one intake at a time
    _check_open_application(recipient)
    submitted = submitted_at or timezone.now()
    term = term_for(provider=provider, submitted_at=submitted)
    action, state = INITIAL[Channel(channel)]
    application = Application(
        number=next_number(timezone.localdate(submitted).year),
        channel=channel,
        recipient=recipient,
        applicant=applicant,
        applicant_role=applicant_role,
        provider=provider,
        reason=reason,
        state=state,
        submitted_at=submitted,
        term_start=term.term_start,
        deadline=term.deadline,
        created_by=created_by,
        signed_request=signed_request,
        signer_serial=signer_serial,
        **_poa_fields(power_of_attorney),
        **_declared_fields(recipient, declared),
    )
    application.policy_edition = policy_of(application).edition
    application.action_due_at = action_due(application=application, started_at=term.term_start)
    _save_new(application)
    step_first(application, action, by=created_by, at=submitted)
    audit_application(
        application,
        "create",
        channel=channel,
        reason=reason,
        role=applicant_role,
        provider_bin=provider.bin,
        edition=application.policy_edition,
    )
    return application


@transaction.atomic
def application_document_add(
    *,
    application: Application,
    kind: str,
    file: File | None = None,
    presented: bool = True,
    note: str = "",
    by: User | None = None,
) -> ApplicationDocument:
    """Add (or replace) a document of the checklist, with an optional scan (PDF, JPEG, PNG).

    The scan's type is read from its content and its size limited by BEKITU_SCAN_MAX_BYTES;
    the scan records who attached it and when. Without a file, an earlier scan is kept.
    """
    application = lock(application)
    require_open(application)
    if kind not in DOCUMENT_KINDS:
        raise DomainError(_("Unknown kind of document."), code="invalid_document_kind")
    content_type, size = "", 0
    if file is not None:
        size = file.size or 0
        file.seek(0)
        head = file.read(16)
        file.seek(0)
        try:
            content_type = scan_check(head, size, settings.SCAN_MAX_BYTES)
        except ScanRejected as exc:
            raise DomainError(exc.message, code=exc.code) from exc
    defaults: dict[str, object] = {"presented": presented, "note": note}
    if file is not None:
        scan = {"content_type": content_type, "size": size, "scan_at": timezone.now()}
        defaults |= {**scan, "scan_by": by}
    document, _created = ApplicationDocument.objects.update_or_create(
        application=application, kind=kind, defaults=defaults
    )
    if file is not None:
        document.file.save(f"{kind}.{content_type.rsplit('/', 1)[-1]}", file, save=True)
    audit_application(
        application,
        "document_add",
        kind=kind,
        presented=presented,
        content_type=content_type,
        size=size,
    )
    return document


def _store_checks(application: Application, facts: CaseFacts) -> list[CheckResult]:
    outcomes = rules.checks_run(facts.case, facts.policy)
    last_run = application.check_results.aggregate(run=Max("run"))["run"] or 0
    now = timezone.now()
    results = CheckResult.objects.bulk_create(
        CheckResult(
            application=application,
            run=last_run + 1,
            check_name=o.check,
            passed=o.passed,
            reason_code=o.reason_code,
            details=o.details,
            policy_edition=facts.policy.edition,
            checked_at=now,
        )
        for o in outcomes
    )
    failed = [o.check for o in outcomes if not o.passed]
    audit_application(
        application, "checks", run=last_run + 1, failed=failed, edition=facts.policy.edition
    )
    return results


@transaction.atomic
def application_checks_run(*, application: Application) -> list[CheckResult]:
    """Run every check of the policy edition in force and store each result (one run)."""
    application = lock(application)
    return _store_checks(application, case_build(application))


@transaction.atomic
def application_accept_documents(
    *, application: Application, documents: Iterable[str], by: User | None
) -> Application:
    """Action 1 (R5.1, R8.1): accept the documents against the checklist for the case.

    `documents` are the kinds presented now (added to those already recorded). Raises
    DomainError "documents_incomplete" naming what is missing, leaving the state unchanged;
    then runs the checks so the specialist sees their results before action 2.
    """
    application = lock(application)
    require_action(application, Action.ACCEPT_DOCUMENTS)
    presented = set(documents)
    unknown = presented - set(DOCUMENT_KINDS)
    if unknown:
        raise DomainError(_("Unknown kind of document."), code="invalid_document_kind")
    for kind in presented:
        ApplicationDocument.objects.update_or_create(
            application=application, kind=kind, defaults={"presented": True}
        )
    presented |= set(application.documents.filter(presented=True).values_list("kind", flat=True))
    missing = [r for r in required_documents(application) if r.kind not in presented]
    if missing:
        raise DomainError(
            _("Documents missing: %(list)s.") % {"list": ", ".join(str(r.label) for r in missing)},
            code="documents_incomplete",
        )
    step_record(
        application,
        Action.ACCEPT_DOCUMENTS,
        by=by,
        at=timezone.now(),
        outcome="accepted",
        comment=", ".join(sorted(presented)),
    )
    _store_checks(application, case_build(application))
    return application


def _attach(application: Application, facts: CaseFacts, decided_on: dt.date) -> Attachment:
    """Attach, or transfer, the recipient to the district the rules choose."""
    case = facts.case
    choice = rules.district_choose(case.districts, case.recipient.age_on(case.on))
    if choice is None:  # the district check passed, so a district exists
        raise DomainError(_("The provider has no district for the person."), code="no_district")
    effective = facts.policy.effective_date(
        decided_on=decided_on, voluntary_change=case.is_voluntary_change
    )
    write = attachment_transfer if case.open_attachment is not None else attachment_create
    return write(
        person=application.recipient,
        provider=application.provider,
        district=facts.districts[choice.district_id],
        valid_from=effective,
        reason=application.reason,
        home_visits=choice.home_visits,
        source=application.channel,
        application_number=application.number,
    )


def _decide_refusal(
    application: Application, code: str, *, by: User | None, comment: str
) -> Application:
    texts, grounds = refusal_texts(code), legal_ground_texts(code)
    now = timezone.now()
    refusal = refusal_issue(
        application_number=application.number,
        person=application.recipient,
        provider=application.provider,
        reason_code=code,
        reason_text_kk=texts["kk"],
        reason_text_ru=texts["ru"],
        reason_text_en=texts["en"],
        # The refusal document is bilingual, as official documents are: Kazakh, then Russian.
        legal_ground=f"{grounds['kk']} / {grounds['ru']}",
        decided_at=now,
        channel=application.channel,
    )
    application.refusal_code, application.refusal_number = code, refusal.number
    application.decided_at, application.decided_by = now, by
    _mark_decided_late(application, now)
    application.save(
        update_fields=["refusal_code", "refusal_number", "decided_at", "decided_by", "sla"]
    )
    step_record(application, Action.REFUSE, by=by, at=now, outcome=code, comment=comment)
    return application


def _mark_decided_late(application: Application, now: dt.datetime) -> None:
    if now > application.deadline:
        application.sla = Application.Sla.BREACHED


@transaction.atomic
def application_refuse(
    *, application: Application, reason_code: str, by: User | None, comment: str = ""
) -> Application:
    """Refuse the service with a reason code tied to its legal ground (R4-1, R9.7, R9.11),
    issuing the refusal document."""
    if reason_code not in REFUSAL_REASONS:
        raise DomainError(_("Unknown refusal reason."), code="invalid_refusal_reason")
    application = lock(application)
    require_action(application, Action.REFUSE)
    return _decide_refusal(application, reason_code, by=by, comment=comment)


@transaction.atomic
def application_issue_talon(*, application: Application, by: User | None) -> Application:
    """Action 2 (R5.2, R8.2; process 8, R9.12): run the checks; if all pass, attach or
    transfer the recipient and issue the signed talon; if one fails, refuse with its reason."""
    application = lock(application)
    require_action(application, Action.ISSUE_TALON)
    facts = case_build(application)
    results = _store_checks(application, facts)
    failed = next((r for r in results if not r.passed), None)
    if failed is not None:
        return _decide_refusal(
            application, failed.reason_code, by=by, comment=f"check {failed.check_name} failed"
        )
    now = timezone.now()
    attachment = _attach(application, facts, timezone.localdate(now))
    talon = talon_issue(
        attachment=attachment, application_number=application.number, channel=application.channel
    )
    application.attachment, application.talon_number = attachment, talon.number
    application.effective_from = attachment.valid_from
    application.decided_at, application.decided_by = now, by
    _mark_decided_late(application, now)
    application.save(
        update_fields=[
            "attachment",
            "talon_number",
            "effective_from",
            "decided_at",
            "decided_by",
            "sla",
        ]
    )
    step_record(
        application, Action.ISSUE_TALON, by=by, at=now, outcome="talon_issued", comment=talon.number
    )
    return application


@transaction.atomic
def application_register(*, application: Application, by: User | None = None) -> Application:
    """Process 6 (R9.9): the signed request is registered at the provider's workstation."""
    application = lock(application)
    step_record(application, Action.REGISTER, by=by, at=timezone.now(), outcome="registered")
    return application


@transaction.atomic
def application_check(*, application: Application, by: User | None = None) -> Application:
    """Condition 3 (R9.10): check the request against the grounds of the service; a
    failed check refuses it at once with its reason (process 7, R9.11)."""
    application = lock(application)
    require_action(application, Action.CHECK)
    results = _store_checks(application, case_build(application))
    failed = next((r for r in results if not r.passed), None)
    outcome = f"failed:{failed.reason_code}" if failed else "passed"
    step_record(application, Action.CHECK, by=by, at=timezone.now(), outcome=outcome)
    if failed is not None:
        return _decide_refusal(
            application, failed.reason_code, by=by, comment=f"check {failed.check_name} failed"
        )
    return application
