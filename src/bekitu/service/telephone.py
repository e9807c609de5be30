"""The telephone channel (R5, R8 by phone): no paper is asked for during the call. The
caller's identity is confirmed by questions the specialist asks, checked against the
population register by the intake (`caller_identity_check`, the same for the desk's pages and
the workstation's API); which questions (`BEKITU_PHONE_IDENTITY_QUESTIONS`) and how many
answers must match (`BEKITU_PHONE_IDENTITY_REQUIRED`) are settings, checked at start-up
(`identity_settings_problems`). The questions and whether each answer matched are recorded
(never the answers), for a confirmed caller and a refused one alike. When the talon is issued
the person is told by one SMS, sent by the background worker after the decision commits, that
it is ready at the provider (decision 13: the portal files the talon in the cabinet without a
second SMS)."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from bekitu.core.audit import audit_record
from bekitu.core.errors import DomainError
from bekitu.core.sms import in_kazakh_and_russian, masked, normalise_phone, send_sms
from bekitu.core.vocabulary import Channel

if TYPE_CHECKING:
    from bekitu.registry.population import PersonRecord
    from bekitu.service.models import Application

log = logging.getLogger("bekitu.service")

# Every question the desk can ask, answered from the population register's record, with its
# name in the page's language (a wrong answer names it).
QUESTION_LABELS = {
    "birth_date": _("birth date"),
    "patronymic": _("patronymic"),
    "locality": _("locality"),
    "street": _("street"),
    "house": _("house"),
    "apartment": _("apartment"),
    "phone_number": _("phone number"),
}
# Words an answer about a street may carry that the register's name leaves out.
STREET_WORDS = re.compile(
    r"\b(ул|улица|пр|пр-т|проспект|мкр|микрорайон|көшесі|көш|даңғылы|шағынауданы|street|st|avenue|ave)\b\.?",
    re.IGNORECASE,
)
# The answers that may be left empty (no apartment: a house of its own).
MAY_BE_EMPTY = frozenset({"apartment"})
# What a caller says for "no apartment" (a house of its own).
NO_APARTMENT = frozenset({"", "нет", "жоқ", "no", "none", "0"})


@dataclass(frozen=True)
class IdentityAnswers:
    """What the caller answered to the specialist's questions (empty: not asked)."""

    birth_date: dt.date | None
    street: str = ""
    house: str = ""
    patronymic: str = ""
    locality: str = ""
    apartment: str = ""
    phone_number: str = ""


def asked() -> tuple[str, ...]:
    """The questions the deployment asks, in the order the setting names them."""
    return tuple(settings.PHONE_IDENTITY_QUESTIONS)


def required() -> int:
    """How many answers must match: the setting, or (0) every question asked."""
    return int(settings.PHONE_IDENTITY_REQUIRED) or len(asked())


def identity_settings_problems(questions: Sequence[str], needed: int) -> list[str]:
    """What is wrong with the identity questions' settings (for the start-up check)."""
    problems = []
    unknown = [q for q in questions if q not in QUESTION_LABELS]
    if unknown:
        problems.append(
            f"BEKITU_PHONE_IDENTITY_QUESTIONS names unknown questions: {', '.join(unknown)} "
            f"(known: {', '.join(QUESTION_LABELS)})."
        )
    if len(set(questions)) != len(questions):
        problems.append("BEKITU_PHONE_IDENTITY_QUESTIONS names a question twice.")
    if not questions:
        problems.append("BEKITU_PHONE_IDENTITY_QUESTIONS is empty: a caller would be unchecked.")
    if needed < 0 or needed > len(questions):
        problems.append(
            f"BEKITU_PHONE_IDENTITY_REQUIRED is {needed}: it must be 1 to the number of "
            f"questions asked ({len(questions)}), or 0 for all of them."
        )
    return problems


def _words(text: str) -> str:
    text = STREET_WORDS.sub(" ", text.casefold().replace("ё", "е"))
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold().replace("ё", "е")).split())


def _among(said: str, names: set[str]) -> bool:
    return bool(said) and any(said in name or name in said for name in names)


def _last_digits(phone: str) -> str:
    return re.sub(r"\D", "", normalise_phone(phone))[-10:]


def _checks(record: PersonRecord, answers: IdentityAnswers) -> dict[str, Callable[[], bool]]:
    address = record.address
    house = f"{address.house}{address.building}" if address else ""
    apartment = _plain(address.apartment) if address else ""
    said_apartment = _plain(answers.apartment)
    return {
        "birth_date": lambda: answers.birth_date == record.birth_date,
        "patronymic": lambda: _plain(answers.patronymic) == _plain(record.patronymic),
        "locality": lambda: address is not None
        and _among(
            _plain(answers.locality),
            {_plain(address.locality_name), _plain(address.locality_name_kk)} - {""},
        ),
        "street": lambda: address is not None
        and _among(
            _words(answers.street), {_words(address.street), _words(address.street_kk)} - {""}
        ),
        "house": lambda: bool(house)
        and _words(answers.house).replace(" ", "") == _words(house).replace(" ", ""),
        "apartment": lambda: address is not None
        and ("" if said_apartment in NO_APARTMENT else said_apartment) == apartment,
        "phone_number": lambda: bool(_last_digits(record.phone))
        and _last_digits(answers.phone_number) == _last_digits(record.phone),
    }


def identity_matches(
    record: PersonRecord, answers: IdentityAnswers, questions: Sequence[str] | None = None
) -> dict[str, bool]:
    """Whether each answer to the questions asked agrees with the register (question name →
    matched), in the order asked."""
    checks = _checks(record, answers)
    return {name: checks[name]() for name in (asked() if questions is None else questions)}


def identity_confirmed(matches: dict[str, bool]) -> bool:
    """Whether enough answers matched (`BEKITU_PHONE_IDENTITY_REQUIRED`)."""
    return sum(matches.values()) >= required()


class IdentityNotConfirmed(DomainError):
    """Too few of the caller's answers match the population register."""

    code = "identity_not_confirmed"


def answers_missing(answers: IdentityAnswers | None) -> list[str]:
    """The questions asked that have no answer (only the apartment may be empty: a house)."""
    given = answers or IdentityAnswers(birth_date=None)
    return [
        name for name in asked() if name not in MAY_BE_EMPTY and getattr(given, name) in (None, "")
    ]


def _identity_audit(
    matches: dict[str, bool], *, iin: str, number: str = "", object_type: str
) -> None:
    audit_record(
        action="workstation.phone.identity",
        object_type=object_type,
        object_id=number,
        subject_iin=iin,
        data={
            "questions": list(matches),
            "matched": matches,
            "required": required(),
            "confirmed": identity_confirmed(matches),
        },
    )


def caller_identity_check(
    *, record: PersonRecord, answers: IdentityAnswers | None
) -> dict[str, bool]:
    """Check a telephone caller's answers against the register's record: question → matched.
    Raises DomainError `identity_answers_required` when a question has no answer, and
    IdentityNotConfirmed, naming the questions answered wrong, when too few match; a refused
    caller is recorded (the questions and results, never the answers), so tries are seen."""
    if answers is None or answers_missing(answers):
        raise DomainError(
            _("Ask the caller the identity questions and enter each answer."),
            code="identity_answers_required",
        )
    matches = identity_matches(record, answers)
    if identity_confirmed(matches):
        return matches
    _identity_audit(matches, iin=record.iin, object_type="registry.person")
    wrong = [str(QUESTION_LABELS[name]) for name, ok in matches.items() if not ok]
    raise IdentityNotConfirmed(
        _(
            "The caller's identity is not confirmed: the answers about %(questions)s do not "
            "match the population register. Do not record the application by telephone."
        )
        % {"questions": ", ".join(wrong)}
    )


def identity_record(application: Application, matches: dict[str, bool]) -> None:
    """Record how the caller's identity was confirmed: the questions and their results."""
    _identity_audit(
        matches,
        iin=application.recipient.iin,
        number=application.number,
        object_type="service.application",
    )


def talon_ready_text() -> str:
    """The SMS: the talon is ready at the provider the person phoned, in Kazakh and Russian,
    which fit one SMS together only without the talon's number and the provider's address
    and hours; the provider and the portal's cabinet hold those (docs/decisions/0019)."""
    return "Bekitu: " + in_kazakh_and_russian(lambda: str(_("your talon is ready at the provider")))


def talon_ready_queue(application: Application) -> None:
    """Once the decision commits, ask the worker to tell the person by SMS (a telephone
    application's talon); nothing is sent for a decision rolled back."""
    pk = application.pk
    transaction.on_commit(lambda: _queue(pk))


def _queue(application_id: int) -> None:
    from bekitu.service.tasks import phone_talon_sms

    try:
        phone_talon_sms.delay(application_id)
    except Exception:  # the broker is down: the talon stands, the desk tells the person
        log.warning(
            "phone.sms.not_queued", extra={"fields": {"application": application_id}}, exc_info=True
        )


def _sms_audit(application: Application, action: str, **data: str) -> None:
    audit_record(
        action=f"workstation.phone.{action}",
        object_type="service.application",
        object_id=application.number,
        subject_iin=application.recipient.iin,
        data=data,
    )


def talon_ready_notify(*, application_id: int) -> bool:
    """Tell the person whose telephone application got a talon, by SMS at the number the
    register holds; audited. False when there is nothing to send or no number."""
    from bekitu.service.models import Application

    application = (
        Application.objects.select_related("provider", "recipient")
        .filter(pk=application_id, channel=Channel.PHONE)
        .exclude(talon_number="")
        .first()
    )
    if application is None:
        return False
    phone = normalise_phone(application.recipient.phone)
    if not phone:
        _sms_audit(application, "sms_skipped", why="no_phone")
        return False
    try:
        message = send_sms(phone, talon_ready_text())
    except Exception:  # the talon stands; the desk can tell the person by phone instead
        log.exception("phone.sms_failed", extra={"fields": {"application": application.number}})
        _sms_audit(application, "sms_failed", to=masked(phone))
        return False
    _sms_audit(application, "sms_sent", to=masked(phone), message=message.message_id)
    return True
