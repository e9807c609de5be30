"""The specialist's two actions on an application and their checks. Action 1 (R5.1, R8.1)
accepts the documents against the checklist of paragraph 9 of the standard (with the scans
attached, R8.1); action 2 (R5.2, R8.2; process 8, R9.12) issues the talon, or a refusal
(R4-1, R9.7, R9.11) ends the application with its reason and legal ground.

A decision is atomic: the checks' run, the attachment, the talon's signed XML e-document (the
legal record) or the refusal document, and the step are written in one transaction.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bekitu.core.errors import DomainError
from bekitu.core.vocabulary import REFUSAL_REASONS, Action, Channel, refusal_texts
from bekitu.registry.services import attachment_create, attachment_transfer
from bekitu.service import rules
from bekitu.service.facts import (
    CaseFacts,
    case_build,
    documents_noted,
    documents_taken,
    policy_of,
    required_documents,
)
from bekitu.service.grounds import refusal_ground_texts
from bekitu.service.models import Application, ApplicationDocument, CheckResult
from bekitu.service.procedure import (
    audit_application,
    lock,
    require_action,
    require_open,
    step_record,
)
from bekitu.service.requirements import KINDS as DOCUMENT_KINDS
from bekitu.service.requirements import ScanRejected, scan_check
from bekitu.service.telephone import talon_ready_queue
from bekitu.talons.services import refusal_issue, talon_issue

if TYPE_CHECKING:
    from django.core.files import File

    from bekitu.core.models import User
    from bekitu.registry.models import Attachment

log = logging.getLogger("bekitu.service")


def checks_store(application: Application, facts: CaseFacts) -> list[CheckResult]:
    """Run every check of the policy edition on the case and store the outcomes as one run."""
    outcomes = rules.checks_run(facts.case, facts.policy)
    last_run = application.last_check_run
    if last_run is None:
        last_run = application.check_results.aggregate(run=Max("run"))["run"] or 0
    application.last_check_run = last_run + 1
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
    return checks_store(application, case_build(application))


def _attach(application: Application, facts: CaseFacts, decided_on: dt.date) -> Attachment:
    """Attach, or transfer, the recipient to the district chosen or the rules choose (a new
    district of the same provider is a new attachment period there, the old one kept)."""
    case = facts.case
    choice = rules.district_choose(
        case.districts, case.recipient.age_on(case.on), case.chosen_district_id
    )
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


def staff_name(user: User | None) -> str:
    """The name of the staff member who decides, as printed on the talon or refusal."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _mark_decided_late(application: Application, now: dt.datetime) -> None:
    if now > application.deadline:
        application.sla = Application.Sla.BREACHED


def decide_refusal(
    application: Application,
    code: str,
    *,
    by: User | None,
    comment: str,
    details: dict[str, Any] | None = None,
    justification: str = "",
) -> Application:
    """Refuse the locked application with a reason and its ground (the failed check's
    `details`, the specialist's `justification`, kept whole): the refusal document, the
    decision, the step. Called inside the caller's transaction."""
    texts, grounds = refusal_texts(code), refusal_ground_texts(code, policy_of(application))
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
        issued_by=staff_name(by),
        differing=list((details or {}).get("mismatch", [])),
        justification=justification,
        basis=(application.basis, application.basis_address),
    )
    application.refusal_code, application.refusal_number = code, refusal.number
    application.refusal_details = details or {}
    application.refusal_justification = justification
    application.decided_at, application.decided_by = now, by
    _mark_decided_late(application, now)
    step_record(
        application,
        Action.REFUSE,
        by=by,
        at=now,
        outcome=code,
        comment=comment,
        changed=[
            "refusal_code",
            "refusal_number",
            "refusal_details",
            "refusal_justification",
            "decided_at",
            "decided_by",
            "sla",
        ],
    )
    return application


def refuse_on_failure(
    application: Application, results: list[CheckResult], *, by: User | None
) -> Application | None:
    """Refuse with the reason of the first failed check, or None when all passed."""
    failed = next((r for r in results if not r.passed), None)
    if failed is None:
        return None
    comment = f"check {failed.check_name} failed"
    details = _ground(failed.details, failed.check_name)
    return decide_refusal(application, failed.reason_code, by=by, comment=comment, details=details)


def _ground(details: dict[str, Any], check: str = "") -> dict[str, Any]:
    return {**({"check": check} if check else {}), **details}


_GROUND_PROBLEMS = {
    rules.GroundProblem.CONTRADICTED: _(
        "The checks contradict this reason: the population register shows otherwise. "
        "Refuse only for a reason a check found, or issue the talon."
    ),
    rules.GroundProblem.JUSTIFICATION_REQUIRED: _(
        "No check found this reason: write why you refuse (what the presented documents show)."
    ),
}


@transaction.atomic
def application_refuse(
    *,
    application: Application,
    reason_code: str,
    by: User | None,
    comment: str = "",
) -> Application:
    """Refuse the service with a reason code tied to its legal ground (R4-1, R9.7, R9.11),
    issuing the refusal document.

    A reason the checks decide needs a ground: the checks are run again, and the refusal
    stands on a failed check of that reason, or else, for what the register cannot see (a
    forged document, a doubtful power of attorney), on the written justification `comment`,
    kept whole. A reason a passed check contradicts ("deceased" for a living person) is
    refused (DomainError `refusal_contradicted`, or `refusal_justification_required`).
    """
    if reason_code not in REFUSAL_REASONS:
        raise DomainError(_("Unknown refusal reason."), code="invalid_refusal_reason")
    application = lock(application)
    require_action(application, Action.REFUSE)
    outcomes: list[rules.Outcome] = []
    if reason_code in rules.CHECKS_OF_REASON:
        results = checks_store(application, case_build(application))
        outcomes = [
            rules.Outcome(r.check_name, r.passed, r.reason_code, r.details) for r in results
        ]
    ground = rules.refusal_ground(reason_code, outcomes, comment)
    if ground.problem is not None:
        raise DomainError(_GROUND_PROBLEMS[ground.problem], code=ground.problem.value)
    details = _ground(ground.failed.details, ground.failed.check) if ground.failed else {}
    return decide_refusal(
        application,
        reason_code,
        by=by,
        comment=comment,
        details=details,
        justification=ground.justification,
    )


@transaction.atomic
def application_issue_talon(*, application: Application, by: User | None) -> Application:
    """Action 2 (R5.2, R8.2; process 8, R9.12): run the checks; if all pass, attach or
    transfer the recipient and issue the signed talon; if one fails, refuse with its reason."""
    return issue_talon_locked(lock(application), by=by)


def issue_talon_locked(
    application: Application, *, by: User | None, checked: CaseFacts | None = None
) -> Application:
    """`application_issue_talon` on an application the caller's transaction has locked.
    `checked`: the case on which every check passed earlier in this same transaction (an
    automatic decision right after condition 3): decided on as it is, without running the
    checks again."""
    require_action(application, Action.ISSUE_TALON)
    facts = checked
    if facts is None:
        facts = case_build(application)
        refused = refuse_on_failure(application, checks_store(application, facts), by=by)
        if refused is not None:
            return refused
    now = timezone.now()
    attachment = _attach(application, facts, timezone.localdate(now))
    talon = talon_issue(
        attachment=attachment,
        application_number=application.number,
        channel=application.channel,
        issued_by=staff_name(by),
        basis=(application.basis, application.basis_address),
    )
    application.attachment, application.talon_number = attachment, talon.number
    application.talon_signature_pending = talon.signature_pending
    application.effective_from = attachment.valid_from
    application.decided_at, application.decided_by = now, by
    _mark_decided_late(application, now)
    step_record(
        application,
        Action.ISSUE_TALON,
        by=by,
        at=now,
        outcome="talon_issued",
        comment=talon.number,
        changed=["attachment", "talon_number", "effective_from", "decided_at", "decided_by", "sla"],
    )
    if application.channel == Channel.PHONE:  # no paper was handed over: one SMS says where
        talon_ready_queue(application)
    return application


def _scan_type(file: File) -> tuple[str, int]:
    """The scan's content type (read from its first bytes) and size, or DomainError."""
    size = file.size or 0
    file.seek(0)
    content = file.read(settings.SCAN_MAX_BYTES + 1) if size <= settings.SCAN_MAX_BYTES else b""
    file.seek(0)
    try:
        return scan_check(content[:16], size, settings.SCAN_MAX_BYTES, content), size
    except ScanRejected as exc:
        raise DomainError(exc.message, code=exc.code) from exc


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
    the scan records who attached it and when. Without a file, an earlier scan is kept. A
    replaced scan's file is deleted once the new one is committed, so no copy of a person's
    document outlives its record; a refused file is never stored.
    """
    return document_add_locked(
        lock(application), kind=kind, file=file, presented=presented, note=note, by=by
    )


def document_add_locked(
    application: Application,
    *,
    kind: str,
    file: File | None = None,
    presented: bool = True,
    note: str = "",
    by: User | None = None,
) -> ApplicationDocument:
    """`application_document_add` on an application the caller's transaction has locked:
    the document's row read once and written once (its lock is the application's)."""
    require_open(application)
    if kind not in DOCUMENT_KINDS:
        raise DomainError(_("Unknown kind of document."), code="invalid_document_kind")
    content_type, size = _scan_type(file) if file is not None else ("", 0)
    known = documents_taken(application)
    if known is not None:
        document = known.get(kind)
    else:
        document = ApplicationDocument.objects.filter(application=application, kind=kind).first()
    document = document or ApplicationDocument(application=application, kind=kind)
    earlier = document.file.name if document.pk else ""
    signed = earlier and document.scan_by_id is None and application.channel == Channel.PORTAL
    if signed and file is not None and by is not None:
        # The citizen signed the request with each e-copy's SHA-256 (R9.8): another file a
        # staff member put in its place would be a document they never signed, and theirs
        # would be deleted. A scan a staff member attached (`scan_by`) is theirs to replace.
        raise DomainError(
            _("This e-copy came with the citizen's signed request: it cannot be replaced."),
            code="signed_copy",
        )
    document.presented, document.note = presented, note
    if file is not None:
        document.content_type, document.size = content_type, size
        document.scan_at, document.scan_by = timezone.now(), by
        document.file.save(f"{kind}.{content_type.rsplit('/', 1)[-1]}", file, save=False)
    document.save()
    documents_noted(application, known, document)
    if file is not None:
        if earlier and earlier != document.file.name:
            transaction.on_commit(lambda: default_storage.delete(earlier))
        log.info("scan.attached", extra={"fields": {"application": application.number}})
    audit_application(
        application,
        "document_add",
        kind=kind,
        presented=presented,
        content_type=content_type,
        size=size,
    )
    return document


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
    checks_store(application, case_build(application))
    return application
