"""The telephone channel (R5, R8 by phone): no paper is asked for during the call. The
caller's identity is confirmed by questions the specialist asks and checks against the
population register (birth date, the street and the house of the registered address); the
questions and whether each answer matched are recorded (never the answers). When the talon
is issued the person is told by SMS where to collect it: at the provider, or in the portal's
personal cabinet."""

from __future__ import annotations

import datetime as dt
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bekitu.core.audit import audit_record
from bekitu.core.sms import masked, normalise_phone, send_sms

if TYPE_CHECKING:
    from bekitu.registry.population import PersonRecord
    from bekitu.service.models import Application

log = logging.getLogger("bekitu.workstation")

QUESTIONS = ("birth_date", "street", "house")
# Words an answer about a street may carry that the register's name leaves out.
STREET_WORDS = re.compile(
    r"\b(ул|улица|пр|пр-т|проспект|мкр|микрорайон|көшесі|көш|даңғылы|шағынауданы|street|st|avenue|ave)\b\.?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class IdentityAnswers:
    """What the caller answered to the specialist's questions."""

    birth_date: dt.date | None
    street: str
    house: str


def _words(text: str) -> str:
    text = STREET_WORDS.sub(" ", text.casefold().replace("ё", "е"))
    return " ".join(re.sub(r"[^\w\s]", " ", text).split())


def identity_matches(record: PersonRecord, answers: IdentityAnswers) -> dict[str, bool]:
    """Whether each answer agrees with the register (question name → matched)."""
    address = record.address
    streets = {_words(address.street), _words(address.street_kk)} - {""} if address else set()
    house = f"{address.house}{address.building}" if address else ""
    said_street = _words(answers.street)
    return {
        "birth_date": answers.birth_date == record.birth_date,
        "street": bool(said_street) and any(said_street in s or s in said_street for s in streets),
        "house": bool(house)
        and _words(answers.house).replace(" ", "") == _words(house).replace(" ", ""),
    }


def identity_record(application: Application, matches: dict[str, bool]) -> None:
    """Record how the caller's identity was confirmed: the questions and their results."""
    audit_record(
        action="workstation.phone.identity",
        object_type="service.application",
        object_id=application.number,
        subject_iin=application.recipient.iin,
        data={"questions": list(QUESTIONS), "matched": matches, "confirmed": all(matches.values())},
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
