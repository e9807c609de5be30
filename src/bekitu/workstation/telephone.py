"""The telephone channel (R5, R8 by phone): no paper is asked for during the call. The
caller's identity is confirmed by questions the specialist asks and checks against the
population register; which questions (`BEKITU_PHONE_IDENTITY_QUESTIONS`) and how many answers
must match (`BEKITU_PHONE_IDENTITY_REQUIRED`) are settings, checked at start-up
(`identity_settings_problems`). The questions and whether each answer matched are recorded
(never the answers). When the talon is issued the person is told by SMS where to collect it:
at the provider, or in the portal's personal cabinet."""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from bekitu.core.audit import audit_record
from bekitu.core.sms import masked, normalise_phone, send_sms

if TYPE_CHECKING:
    from bekitu.registry.population import PersonRecord
    from bekitu.service.models import Application

log = logging.getLogger("bekitu.workstation")

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


def identity_record(application: Application, matches: dict[str, bool]) -> None:
    """Record how the caller's identity was confirmed: the questions and their results."""
    audit_record(
        action="workstation.phone.identity",
        object_type="service.application",
        object_id=application.number,
        subject_iin=application.recipient.iin,
        data={
            "questions": list(matches),
            "matched": matches,
            "required": required(),
            "confirmed": identity_confirmed(matches),
        },
    )


def talon_ready_text(application: Application) -> str:
    """The SMS: the talon's number and where to get it, in Kazakh and Russian."""
    provider = application.provider
    place = f"{provider.name}, {provider.address}".strip(", ")
    hours = f"{provider.opens:%H:%M}-{provider.closes:%H:%M}"
    return (
        f"Бекіту талоны {application.talon_number} дайын: {place} ({hours}) немесе "
        f"порталдағы жеке кабинетте. "
        f"Талон прикрепления {application.talon_number} готов: {place} ({hours}) "
        f"или в личном кабинете портала."
    )


def talon_ready_notify(application: Application) -> bool:
    """After a telephone application's talon is issued, tell the person by SMS at the number
    the register holds; audited. False when there is nothing to send or no number."""
    if application.channel != "phone" or not application.talon_number:
        return False
    phone = normalise_phone(application.recipient.phone)
    if not phone:
        audit_record(
            action="workstation.phone.sms_skipped",
            object_type="service.application",
            object_id=application.number,
            subject_iin=application.recipient.iin,
            data={"why": "no_phone"},
        )
        return False
    try:
        message = send_sms(phone, talon_ready_text(application))
    except Exception:  # the talon stands; the desk can tell the person by phone instead
        log.exception("phone.sms_failed", extra={"fields": {"application": application.number}})
        audit_record(
            action="workstation.phone.sms_failed",
            object_type="service.application",
            object_id=application.number,
            subject_iin=application.recipient.iin,
            data={"to": masked(phone)},
        )
        return False
    audit_record(
        action="workstation.phone.sms_sent",
        object_type="service.application",
        object_id=application.number,
        subject_iin=application.recipient.iin,
        data={"to": masked(phone), "message": message.message_id},
    )
    return True
