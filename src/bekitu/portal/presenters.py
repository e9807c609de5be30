"""A citizen's request as the cabinet and the API show it: the timeline, the time left, the
talon or the refusal (in the reader's language); and an attachment read from the register."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils import timezone, translation

from bekitu.core.vocabulary import AttachmentBasis, AttachmentReason
from bekitu.gateway.contracts import attachment_request as contract
from bekitu.gateway.contracts import register_query
from bekitu.portal.models import DECISION_OF, STATUS_RANK, CitizenRequest, RequestEvent, Status


def _local(texts: dict[str, str]) -> str:
    lang = (translation.get_language() or "kk")[:2]
    return texts.get(lang) or texts.get("ru") or next(iter(texts.values()), "")


def time_left(request: CitizenRequest, now: dt.datetime | None = None) -> dt.timedelta | None:
    """Until the deadline, while no decision is made (None before the provider gave one); a
    talon awaiting its e-signature is the decision (R3.1)."""
    if request.deadline is None or request.status in DECISION_OF:
        return None
    return request.deadline - (now or timezone.now())


@dataclass(frozen=True)
class Decided:
    """When the provider decided (its talon or refusal), and whether within the term."""

    at: dt.datetime
    on_time: bool | None  # None: the provider gave no deadline


def decided(request: CitizenRequest, events: Iterable[RequestEvent]) -> Decided | None:
    """The decision among the request's steps (`timeline`), or None while there is none: the
    first, so a talon issued awaiting its e-signature (R3.1) was decided when it was issued."""
    for event in events:
        if event.status in DECISION_OF:
            deadline = request.deadline
            return Decided(event.at, None if deadline is None else event.at <= deadline)
    return None


def talon(request: CitizenRequest) -> dict[str, Any] | None:
    """The talon as the API shows it: its files once signed; while it awaits the provider's
    e-signature (R3.1) its number alone, since an unsigned e-document is not the talon."""
    if request.status == Status.TALON_PENDING and request.talon_number:
        return {
            "number": request.talon_number,
            "signature_pending": True,
            "xml_url": None,
            "pdf_url": None,
            "verify_url": "",
        }
    if request.status != Status.TALON_ISSUED or not request.talon_number:
        return None
    return {
        "number": request.talon_number,
        "signature_pending": False,
        "xml_url": reverse("portal:portal-api:talon-xml", args=[request.number]),
        "pdf_url": reverse("portal:portal-api:talon-pdf", args=[request.number]),
        "verify_url": request.talon_verify_url,
    }


@dataclass(frozen=True)
class TalonFile:
    content: bytes
    media_type: str
    filename: str


def talon_file(request: CitizenRequest, kind: str) -> TalonFile | None:
    """The talon's XML or PDF to download: only of a request whose decision is the talon
    (as `talon` shows it, signed), named by its number in safe characters; None otherwise."""
    if request.status != Status.TALON_ISSUED or talon(request) is None:
        return None
    content = request.talon_xml if kind == "xml" else request.talon_pdf
    if not content:
        return None
    name = re.sub(r"[^A-Za-z0-9-]", "_", request.talon_number)[:40]
    media = "application/xml" if kind == "xml" else "application/pdf"
    return TalonFile(bytes(content), media, f"talon-{name}.{kind}")


def refusal(request: CitizenRequest) -> dict[str, str] | None:
    if request.status != Status.REFUSED:
        return None
    return {
        "reason_code": request.refusal_code,
        "legal_ground": _local(request.refusal_legal_ground or {}),
        "message": _local(request.refusal_message or {}),
    }


def basis(request: CitizenRequest) -> dict[str, str] | None:
    """What the attachment rests on, as the citizen signed it (a request of version 1 rests on
    the registered residence); None when the signed request cannot be read, or when there is
    none (an application taken at the provider's desk or by telephone)."""
    if request.signed_xml is None:
        return None
    try:
        signed = contract.parse_request(bytes(request.signed_xml))
    except (contract.RequestInvalid, ValueError):
        return None
    stated = signed.basis or contract.Basis(AttachmentBasis.REGISTERED_RESIDENCE)
    if stated.kind not in AttachmentBasis.values:
        return None
    return {
        "kind": stated.kind,
        "label": str(AttachmentBasis(stated.kind).label),
        "atu_code": stated.atu_code,
        "address": stated.address,
    }


def timeline(request: CitizenRequest) -> list[RequestEvent]:
    """The steps in the order of the procedure (the gateway's receipt and the provider's first
    answer may arrive in either order; their clocks are not the portal's)."""
    return sorted(request.events.all(), key=lambda e: (STATUS_RANK[Status(e.status)], e.at))


def request_data(request: CitizenRequest) -> dict[str, Any]:
    """The API's shape of a request."""
    left = time_left(request)
    return {
        "number": request.number,
        "status": request.status,
        "status_label": str(Status(request.status).label),
        "channel": request.channel,
        "recipient_iin": request.recipient_iin,
        "provider": {"bin": request.provider_bin, "name": request.provider_name},
        "registration_number": request.registration_number,
        "submitted_at": request.submitted_at.isoformat(),
        "deadline": request.deadline.isoformat() if request.deadline else None,
        "seconds_left": int(left.total_seconds()) if left is not None else None,
        "events": [
            {"at": e.at.isoformat(), "status": e.status, "label": str(Status(e.status).label)}
            for e in timeline(request)
        ],
        "basis": basis(request),
        "talon": talon(request),
        "refusal": refusal(request),
    }


def _provider(provider: register_query.ProviderRef) -> dict[str, str]:
    # As on the cabinet's page: the Kazakh name in Kazakh, the Russian one otherwise.
    return {"bin": provider.bin, "name": _local({"kk": provider.name_kk, "ru": provider.name_ru})}


def _reason_label(reason: str) -> str:
    return str(AttachmentReason(reason).label) if reason in AttachmentReason.values else reason


def attachment_data(person: register_query.PersonAttachments, relation: str = "") -> dict[str, Any]:
    """The API's shape of a person's attachment and its history, as the register answered;
    `relation` (child, ward) when the person is the reader's dependant."""
    current = person.current
    return {
        "iin": person.iin,
        "name": person.name,
        "relation": relation or person.relation,
        "current": {
            "provider": _provider(current.provider),
            "district": current.district,
            "doctor": current.doctor,
            "since": current.since.isoformat(),
            "home_visits": current.home_visits,
        }
        if current is not None
        else None,
        "history": [
            {
                "provider": _provider(period.provider),
                "district": period.district,
                "valid_from": period.valid_from.isoformat(),
                "valid_to": period.valid_to.isoformat() if period.valid_to else None,
                "reason": period.reason,
                "reason_label": _reason_label(period.reason),
            }
            for period in person.history
        ],
    }
