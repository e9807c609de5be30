"""What the pages and the API show of an application: its time left, checklist, checks,
steps and scans, in the user's language. Presenters only shape what the service's selectors
return; they query nothing themselves."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from bekitu.core.vocabulary import REFUSAL_REASONS, Action, Check, RefusalCode, ResidentStatus, Sex
from bekitu.registry.population import PersonRecord
from bekitu.registry.selectors import today
from bekitu.service import selectors as service_selectors
from bekitu.service.procedure import allowed_actions, pending_action
from bekitu.service.requirements import KINDS, age_on
from bekitu.service.term import sla_status

if TYPE_CHECKING:
    from bekitu.service.models import Application

# Refusals a desk may give; an unconfirmed EDS belongs to the portal channel (R9.7).
DESK_REFUSALS = [code for code in RefusalCode.values if code != RefusalCode.EDS_NOT_CONFIRMED]


def _label(choices: type[Action] | type[Check], code: str) -> str:
    """The label of a code of the vocabulary, or the code itself if it is not one."""
    return str(choices(code).label) if code in choices.values else code


def duration_text(left: dt.timedelta) -> str:
    """A span of working time as hours and minutes, e.g. "3 h 05 min"."""
    minutes = abs(int(left.total_seconds())) // 60
    return _("%(h)d h %(m)02d min") % {"h": minutes // 60, "m": minutes % 60}


@dataclass(frozen=True)
class TimeLeft:
    text: str
    warning: str  # "" (on time), "near" (80 % of the term used) or "past"
    action_overdue: bool = False  # the pending action's 30 working minutes are over


WARNINGS = {"near": "near", "breached": "past"}


def time_left(application: Application, now: dt.datetime) -> TimeLeft:
    """The working time left, whether the deadline is near or past (R5.3), and whether the
    pending action is overdue (R5.1, R5.2)."""
    left = service_selectors.application_time_left(application, now)
    if not application.is_open:
        return TimeLeft(text=duration_text(left), warning="")
    status = sla_status(application, now)
    return TimeLeft(
        text=duration_text(left),
        warning=WARNINGS.get(status.sla, ""),
        action_overdue=status.action_overdue,
    )


@dataclass(frozen=True)
class QueueRow:
    number: str
    person: str
    channel: str
    state: str
    pending: str
    deadline: dt.datetime
    left: TimeLeft
    provider: str = ""
    is_open: bool = True
    decided_at: dt.datetime | None = None
    document: str = ""  # "talon" or "refusal": what a decided application prints
    state_code: str = ""
    late: bool = False
    signature_pending: bool = False  # its talon awaits the provider's e-signature


def queue_row(
    application: Application, now: dt.datetime, signature_pending: Collection[str] = ()
) -> QueueRow:
    """One line of the queue (an open application, or a decided one to reprint)."""
    pending = pending_action(application.channel, application.state)
    document = "talon" if application.talon_number else ""
    document = document or ("refusal" if application.refusal_number else "")
    return QueueRow(
        number=application.number,
        person=application.recipient.full_name,
        channel=application.get_channel_display(),
        state=application.get_state_display(),
        pending=str(pending.label) if pending else "",
        deadline=application.deadline,
        left=time_left(application, now),
        provider=application.provider.name,
        is_open=application.is_open,
        decided_at=application.decided_at,
        document=document,
        state_code=application.state,
        late=application.sla == "breached",
        signature_pending=application.number in signature_pending,
    )


@dataclass(frozen=True)
class ChecklistItem:
    code: str
    label: str
    note: str
    presented: bool


@dataclass(frozen=True)
class CheckRow:
    name: str
    label: str
    passed: bool
    reason: str
    code: str = ""  # the refusal code of a failure
    pending: bool = False  # the check cannot have run yet (its input comes with a later action)


@dataclass(frozen=True)
class StepRow:
    at: dt.datetime
    label: str
    who: str
    breached: bool


SCAN_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


@dataclass(frozen=True)
class ScanRow:
    id: int
    kind: str
    label: str
    content_type: str
    type_label: str
    size: int
    note: str
    attached_at: dt.datetime
    attached_by: str


@dataclass(frozen=True)
class DocumentRow:
    """A document of the checklist (or another one with a scan), and its scan if any."""

    kind: str
    label: str
    on_checklist: bool
    scan: ScanRow | None


@dataclass(frozen=True)
class ApplicationView:
    state_label: str
    channel_label: str
    left: TimeLeft
    pending: str
    checklist: list[ChecklistItem]
    checks: list[CheckRow]
    steps: list[StepRow]
    can_accept: bool
    can_issue: bool
    can_refuse: bool
    talon_number: str = ""
    refusal: dict[str, Any] | None = None
    documents: list[DocumentRow] = field(default_factory=list)
    can_attach: bool = False
    extra: dict[str, Any] = field(default_factory=dict)
    failed: CheckRow | None = None  # the failure that decides a refusal, if any
    # The talon was issued unsigned (the provider's key was unavailable): it awaits its
    # e-signature (R3.1, decision 9).
    signature_pending: bool = False

    @property
    def checklist_choices(self) -> list[tuple[str, str]]:
        return [(item.code, item.label) for item in self.checklist]

    @property
    def presented_codes(self) -> list[str]:
        return [item.code for item in self.checklist if item.presented]


def checklist(application: Application) -> list[ChecklistItem]:
    """The documents of paragraph 9 for this case (R8.1), with those already presented."""
    presented = service_selectors.documents_presented(application=application)
    return [
        ChecklistItem(
            code=r.kind, label=str(r.label), note=str(r.why), presented=r.kind in presented
        )
        for r in service_selectors.documents_required(application=application)
    ]


def _pending_checks(application: Application) -> frozenset[str]:
    """The checks whose input a later action brings: the documents are ticked at action 1,
    so before it their check has nothing to judge yet (it is pending, not failed)."""
    allowed = allowed_actions(application.channel, application.state)
    return frozenset({Check.DOCUMENTS}) if Action.ACCEPT_DOCUMENTS in allowed else frozenset()


def checks(application: Application) -> list[CheckRow]:
    """The results of the latest run of the checks, with the reason of each failure; a check
    that cannot have run yet is pending."""
    pending = _pending_checks(application)
    rows = []
    for result in service_selectors.application_check_report(application=application):
        waiting = result.check_name in pending and not result.passed
        failed = not result.passed and not waiting
        reason = REFUSAL_REASONS.get(result.reason_code)
        rows.append(
            CheckRow(
                name=result.check_name,
                label=_label(Check, result.check_name),
                passed=result.passed,
                reason=str(reason.text) if reason and failed else "",
                code=result.reason_code if failed else "",
                pending=waiting,
            )
        )
    return rows


def first_failure(rows: list[CheckRow]) -> CheckRow | None:
    """The failed check that decides a refusal (the first, as the service decides), if any."""
    return next((row for row in rows if not row.passed and not row.pending), None)


def steps(application: Application) -> list[StepRow]:
    """The procedure steps so far, oldest first."""
    return [
        StepRow(
            at=s.at,
            label=_label(Action, s.action),
            who=s.actor_label,
            breached=s.breached,
        )
        for s in service_selectors.application_steps(application=application)
    ]


def document_label(kind: str) -> str:
    """The name of a kind of document, in the user's language."""
    return str(KINDS.get(kind, kind))


def scans(application: Application) -> list[ScanRow]:
    """The scans attached to the application, with their type, size, when and by whom."""
    rows = []
    for document in service_selectors.application_scans(application=application):
        at = document.scan_at or document.added_at
        by = document.scan_by.get_username() if document.scan_by else ""
        rows.append(
            ScanRow(
                id=document.pk,
                kind=document.kind,
                label=document_label(document.kind),
                content_type=document.content_type,
                type_label=SCAN_TYPES.get(document.content_type, document.content_type),
                size=document.size,
                note=document.note,
                attached_at=at,
                attached_by=by,
            )
        )
    return rows


def document_rows(items: list[ChecklistItem], attached: list[ScanRow]) -> list[DocumentRow]:
    """One row per document of the checklist, then one per other document with a scan."""
    by_kind = {scan.kind: scan for scan in attached}
    rows = [DocumentRow(i.code, i.label, True, by_kind.pop(i.code, None)) for i in items]
    rows += [DocumentRow(scan.kind, scan.label, False, scan) for scan in by_kind.values()]
    return rows


def application_view(application: Application, now: dt.datetime) -> ApplicationView:
    """Everything the application's page shows."""
    allowed = allowed_actions(application.channel, application.state)
    pending = pending_action(application.channel, application.state)
    refusal = None
    items = checklist(application)
    if application.refusal_code:
        reason = REFUSAL_REASONS[application.refusal_code]
        details = dict(application.refusal_details)
        refusal = {
            "code": reason.code,
            "text": str(reason.text),
            "ground": service_selectors.application_legal_ground(application=application),
            "check": details.pop("check", ""),
            "details": details,
            "justification": application.refusal_justification,
            "differing": [_data_field_label(name) for name in details.get("mismatch", [])],
        }
    rows = checks(application)
    failed = first_failure(rows) if application.is_open else None
    pending_signature = bool(application.talon_number) and bool(
        service_selectors.applications_signature_pending(numbers=[application.number])
    )
    return ApplicationView(
        state_label=application.get_state_display(),
        channel_label=application.get_channel_display(),
        left=time_left(application, now),
        pending=str(pending.label) if pending else "",
        checklist=items,
        checks=rows,
        steps=steps(application),
        can_accept=Action.ACCEPT_DOCUMENTS in allowed,
        # A failed check means action 2 would refuse: the page offers the refusal instead.
        can_issue=Action.ISSUE_TALON in allowed and failed is None,
        can_refuse=Action.REFUSE in allowed,
        talon_number=application.talon_number,
        refusal=refusal,
        documents=document_rows(items, scans(application)),
        can_attach=application.is_open,
        failed=failed,
        signature_pending=pending_signature,
    )


def _data_field_label(name: str) -> str:
    """The name of a field of the recipient's data that R4-1 compares, in the user's language."""
    labels = {
        "iin": _("IIN"),
        "surname": _("surname"),
        "given_name": _("given name"),
        "patronymic": _("patronymic"),
        "birth_date": _("birth date"),
    }
    return labels.get(name, name)


def refusal_choices() -> list[tuple[str, str]]:
    """The reasons a desk may refuse for, in the user's language."""
    return [(code, str(REFUSAL_REASONS[code].text)) for code in DESK_REFUSALS]


def _address_text(record: PersonRecord) -> str:
    a = record.address
    if a is None:
        return ""
    kazakh = (get_language() or "")[:2] == "kk"
    locality = (a.locality_name_kk if kazakh else "") or a.locality_name
    street = (a.street_kk if kazakh else "") or a.street
    text = f"{locality}, {street}, {a.house}{a.building}"
    return f"{text}, {a.apartment}" if a.apartment else text


def person_record(record: PersonRecord) -> dict[str, Any]:
    """The population register's record as the intake page shows it."""
    return {
        "iin": record.iin,
        "full_name": " ".join(
            p for p in (record.surname, record.given_name, record.patronymic) if p
        ),
        "birth_date": record.birth_date,
        "age": age_on(record.birth_date, today()),
        "sex": Sex(record.sex).label,
        "status": ResidentStatus(record.status).label,
        "address": _address_text(record),
        "deceased": not record.is_alive,
        "death_date": record.death_date,
        "relatives": [],
    }


def relatives(relations: list[Any]) -> list[dict[str, str]]:
    """The person's parents and guardians, each with the kind of relation in the page's
    language, the name and the IIN (`relations` as the register's selector returns them)."""
    return [
        {
            "kind": str(r.get_kind_display()),
            "name": r.relative.full_name,
            "iin": r.relative.iin,
        }
        for r in relations
    ]
