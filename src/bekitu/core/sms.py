"""The SMS port: text messages to a person's phone (one-time codes, notifications).

`get_sms_sender()` picks the adapter named by BEKITU_SMS_SENDER. An adapter is anything with
`send(phone, text)`; a real one (an SMS gateway's HTTP API) plugs in by its dotted path. The
default, `FileSmsSender`, needs no server: it writes each message to a file under
`var/sms/` and logs that it did (with the number masked), so the demo can show the code it
"sent"; the test outbox keeps them in memory.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

log = logging.getLogger("bekitu.core")

_PHONE = re.compile(r"^\+?\d{10,15}$")


@dataclass(frozen=True)
class SmsMessage:
    """One text message: to whom, what, when it was handed over, and the adapter's id."""

    phone: str
    text: str
    sent_at: str
    message_id: str


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


def _message(phone: str, text: str) -> SmsMessage:
    return SmsMessage(phone, text, timezone.now().isoformat(), uuid.uuid4().hex)


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
            extra={"fields": {"to": masked(phone), "file": str(path), "id": message.message_id}},
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


def send_sms(phone: str, text: str) -> SmsMessage:
    """Send one message through the configured adapter."""
    return get_sms_sender().send(phone, text)
