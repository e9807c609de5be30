"""The SMS port: text messages to a person's phone (one-time codes, notifications).

`get_sms_sender()` picks the adapter named by BEKITU_SMS_SENDER. An adapter is anything with
`send(phone, text)`; a real one (an SMS gateway's HTTP API) plugs in by its dotted path. The
default, `FileSmsSender`, needs no server: it writes each message to a file under
`var/sms/` and logs that it did (with the number masked), so the demo can show the code it
"sent"; the test outbox keeps them in memory.

Each message records how many segments the operator bills it as (`sms_segments`): a text in
the GSM 7-bit alphabet fits 160 characters in one, anything else (Kazakh, Russian) is sent
as UCS-2 and fits 70. The product's texts are written to fit one
(docs/decisions/0019-sms-in-one-segment.md).
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.utils import timezone, translation
from django.utils.module_loading import import_string

log = logging.getLogger("bekitu.core")

_PHONE = re.compile(r"^\+?\d{10,15}$")

# GSM 03.38: the basic alphabet, one septet each, and the extension table, reached by an
# escape septet and so counted as two. A text with any other character goes as UCS-2.
_GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")

# (units in a single message, units in each part of a split one): a split message gives
# some of each part to the header that joins the parts again.
_GSM7_LIMITS = (160, 153)
_UCS2_LIMITS = (70, 67)


@dataclass(frozen=True)
class SmsMessage:
    """One text message: to whom, what, when it was handed over, and the adapter's id."""

    phone: str
    text: str
    sent_at: str
    message_id: str
    segments: int = 1


@runtime_checkable
class SmsSender(Protocol):
    """Sends one text message; raises on failure (the caller decides whether to retry)."""

    def send(self, phone: str, text: str) -> SmsMessage:
        """Hand the message over to the operator."""
        ...


def normalise_phone(phone: str) -> str:
    """The number with spaces, dashes and brackets removed; "" if it is not a phone number."""
    digits = re.sub(r"[\s\-()]", "", phone or "")
    return digits if _PHONE.match(digits) else ""


def masked(phone: str) -> str:
    """The number as it may be shown or logged: the last two digits only."""
    return "*" * max(0, len(phone) - 2) + phone[-2:]


def _units(text: str) -> tuple[list[int], tuple[int, int]]:
    """Each character's length in the encoding the text goes in, and that encoding's limits."""
    if all(c in _GSM7_BASIC or c in _GSM7_EXTENSION for c in text):
        return [2 if c in _GSM7_EXTENSION else 1 for c in text], _GSM7_LIMITS
    # UCS-2 counts UTF-16 code units: a character beyond the basic plane is a surrogate pair.
    return [2 if ord(c) > 0xFFFF else 1 for c in text], _UCS2_LIMITS


def sms_segments(text: str) -> int:
    """How many segments the text is sent (and billed) as: 1 up to 160 GSM 7-bit units or 70
    UCS-2 ones; above that, parts of 153 or 67, a character never split between two parts."""
    units, (single, part) = _units(text)
    if sum(units) <= single:
        return 1
    segments, used = 1, 0
    for unit in units:
        if used + unit > part:
            segments, used = segments + 1, 0
        used += unit
    return segments


def in_kazakh_and_russian(render: Callable[[], str]) -> str:
    """`render()` in Kazakh, then in Russian, joined by " / ": the text for a phone whose
    owner's language is not known (the population register's)."""
    texts = []
    for language in ("kk", "ru"):
        with translation.override(language):
            texts.append(render())
    return " / ".join(texts)


def _message(phone: str, text: str) -> SmsMessage:
    return SmsMessage(phone, text, timezone.now().isoformat(), uuid.uuid4().hex, sms_segments(text))


class FileSmsSender:
    """The default: each message is a file in BEKITU_SMS_DIR (var/sms/), and a log line."""

    def __init__(self, directory: Path | str | None = None) -> None:
        self.directory = Path(directory or settings.SMS_DIR)

    def send(self, phone: str, text: str) -> SmsMessage:
        """Write the message to `<directory>/<time>-<id>.txt` and log where."""
        message = _message(phone, text)
        self.directory.mkdir(parents=True, exist_ok=True)
        stamp = timezone.now().strftime("%Y%m%dT%H%M%S")
        path = self.directory / f"{stamp}-{message.message_id}.txt"
        path.write_text(f"To: {phone}\nAt: {message.sent_at}\n\n{text}\n", encoding="utf-8")
        log.info(
            "sms.sent",
            extra={
                "fields": {
                    "to": masked(phone),
                    "file": str(path),
                    "id": message.message_id,
                    "segments": message.segments,
                }
            },
        )
        return message


class MemorySmsSender:
    """Keeps the messages in a class-level list (tests read `MemorySmsSender.outbox`)."""

    outbox: list[SmsMessage] = []

    def send(self, phone: str, text: str) -> SmsMessage:
        """Append the message to the outbox."""
        message = _message(phone, text)
        MemorySmsSender.outbox.append(message)
        return message


def get_sms_sender() -> SmsSender:
    """The adapter named by BEKITU_SMS_SENDER: a class (instantiated) or an instance."""
    target = import_string(settings.SMS_SENDER)
    sender: SmsSender = target() if isinstance(target, type) else target
    return sender


def send_sms(phone: str, text: str, *, segments_allowed: int = 1) -> SmsMessage:
    """Send one message through the configured adapter. A message of more segments than its
    sender allows is logged as a warning: every text the product sends is meant to fit one,
    but the re-attachment's (docs/decisions/0019)."""
    segments = sms_segments(text)
    if segments > segments_allowed:
        fields = {"segments": segments, "length": len(text)}
        log.warning("sms.segments", extra={"fields": fields})
    return get_sms_sender().send(phone, text)
