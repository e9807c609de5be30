"""The provider's side answers the portal's queries through the gateway (R9.5): the
providers a citizen may choose, with their districts and what the policy allows now, and the
documents the desk's checklist asks for a recipient. The portal never reads the register's
tables or the service's rules itself; it asks here (as the real portal asks the system of
the providers).

Both are synchronous queries (`gateway.services.message_call`): the request part
`query.json`, the answer part `answer.json` (UTF-8 JSON). Registered in
`ServiceConfig.ready`; they change nothing but audit rows. So is the portal's question where
one of its requests stands (`status_answer`), for a status message lost on the way, whose
parts are XML under the gateway's contract (`contracts/status_query.py`,
`schemas/status-query-1.xsd`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db.models import Q
from django.utils import translation

from bekitu.core.audit import audit_record
from bekitu.core.errors import DomainError
from bekitu.core.iin import is_valid_iin
from bekitu.core.vocabulary import AttachmentBasis
from bekitu.gateway.contracts import attachment_status
from bekitu.gateway.contracts import status_query as contract
from bekitu.gateway.envelope import Part
from bekitu.gateway.handlers import Message, query_register
from bekitu.registry import selectors as registry
from bekitu.registry.population import PersonRecord, get_population_register
from bekitu.service.facts import Home, home_districts, home_of
from bekitu.service.models import PortalRequest
from bekitu.service.policy import policy_for
from bekitu.service.portal_status import status_now
from bekitu.service.requirements import Category, age_on, requirements_for
from bekitu.service.rules import district_kinds

if TYPE_CHECKING:
    from bekitu.registry.models import Address

log = logging.getLogger("bekitu.service")

PROVIDERS = "bekitu.portal.providers"
REQUIREMENTS = "bekitu.portal.requirements"
QUERY_PART = "query.json"
ANSWER_PART = "answer.json"
LANGUAGES = ("kk", "ru", "en")
SEARCH_LIMIT = 20
ROLES = ("self", "parent", "guardian", "representative")


def portal_only(message: Message) -> None:
    """DomainError `not_the_portal` unless the portal (BEKITU_PORTAL_SYSTEM_ID) asks: what
    the register holds of a person is answered for the citizen's portal, not to any other
    participant of the gateway (another provider's system)."""
    if message.sender_id != settings.PORTAL_SYSTEM_ID:
        fields = {"service_id": message.service_id, "sender": message.sender_id}
        log.warning("portal.query.foreign_sender", extra={"fields": fields})
        raise DomainError("only the portal asks this", code="not_the_portal")


def _query(message: Message) -> dict[str, Any]:
    portal_only(message)
    try:
        data = json.loads(message.part(QUERY_PART))
    except (KeyError, ValueError) as exc:
        raise DomainError("the query is not JSON", code="bad_query") from exc
    if not isinstance(data, dict):
        raise DomainError("the query is not an object", code="bad_query")
    return data


def _answer(data: dict[str, Any]) -> dict[str, bytes]:
    return {ANSWER_PART: json.dumps(data, ensure_ascii=False).encode("utf-8")}


def _texts(text: Any) -> dict[str, str]:
    """A lazy text in each of the service's languages."""
    out = {}
    for lang in LANGUAGES:
        with translation.override(lang):
            out[lang] = str(text)
    return out


def _person(iin: str) -> PersonRecord | None:
    if not is_valid_iin(iin):
        return None
    return get_population_register().lookup(iin)


def _campaign(on: dt.date) -> dict[str, Any]:
    policy = policy_for(on, settings.POLICY_EDITION)
    window = policy.campaign
    return {
        "edition": policy.edition,
        "window": None if window is None else {"opens": window.opens, "closes": window.closes},
        "open": window is None or window.contains(on),
        "max_voluntary_changes": policy.max_voluntary_changes,
    }


def _changes_used(iin: str, on: dt.date) -> int | None:
    person = registry.person_get_by_iin(iin)
    if person is None:
        return None
    start = on - dt.timedelta(days=365)
    return sum(
        1
        for a in registry.attachment_history(person=person)
        if a.reason == "choice" and start < a.valid_from <= on
    )


def _districts(provider: Any) -> list[dict[str, Any]]:
    return [
        {
            "number": str(d.number),
            "kind": d.kind,
            "doctor": d.doctor.full_name if d.doctor else "",
        }
        for d in provider.districts.select_related("doctor").order_by("number")
    ]


def providers_search(message: Message) -> dict[str, bytes]:
    """`{"text", "recipient_iin"?, "home"?, "disclose"?}` -> `{"providers": [...], "policy":
    {...}}`: open providers whose name, address or locality has the text; for a recipient,
    whether the address where they live is in each one's area (and so home visits come with
    it): by `home` the street and house of a temporary or actual residence, or, when
    `disclose`, the registered one (`covers_address` null when neither is there to judge),
    and with `disclose` the changes of provider left to them this year."""
    query = _query(message)
    text = str(query.get("text") or "").strip()[:100]
    on = registry.today()
    providers = registry.providers_active()
    if text:
        providers = providers.filter(
            Q(name_ru__icontains=text)
            | Q(name_kk__icontains=text)
            | Q(name_en__icontains=text)
            | Q(address__icontains=text)
            | Q(locality__name_ru__icontains=text)
            | Q(locality__name_kk__icontains=text)
            | Q(bin=text)
        )
    recipient = _person(str(query.get("recipient_iin") or ""))
    # The register's address and history of the recipient are told only when the portal says
    # the citizen may know them (themselves, their child, their ward): fails closed.
    disclose = query.get("disclose") is True
    address = None
    kinds: frozenset[str] = frozenset()
    if recipient is not None:
        if disclose:
            person = registry.person_get_by_iin(recipient.iin)
            address = person.address if person is not None else None
        kinds = district_kinds(age_on(recipient.birth_date, on))
    found = []
    for provider in providers[:SEARCH_LIMIT]:
        covering: list[str] | None = None
        if recipient is not None:
            home = _home(query.get("home"), provider.atu_code, address)
            if home is not None or disclose:
                covering = [
                    str(d.number)
                    for d in home_districts(home, provider=provider)
                    if d.kind in kinds
                ]
        found.append(
            {
                "bin": provider.bin,
                "name": {"kk": provider.name_kk, "ru": provider.name_ru, "en": provider.name_en},
                "address": provider.address,
                "locality": {"kk": provider.locality.name_kk, "ru": provider.locality.name_ru},
                "phone": provider.phone,
                "districts": _districts(provider),
                "covers_address": None if covering is None else bool(covering),
                "covering_districts": covering or [],
                "home_visits": bool(covering),
            }
        )
    policy = _campaign(on)
    answer: dict[str, Any] = {"providers": found, "policy": policy, "units": _units()}
    if recipient is not None and disclose:
        used = _changes_used(recipient.iin, on)
        if used is not None:
            policy["changes_left"] = max(0, policy["max_voluntary_changes"] - used)
    return _answer(answer)


def _home(stated: Any, atu_code: str, registered: Address | None) -> Home | None:
    """Where the recipient lives, by the basis the citizen is choosing (`{"basis", "street",
    "house"}`, all optional), the street sought in the provider's unit (where the basis must
    lie): the desk's rule (decision 0012)."""
    stated = stated if isinstance(stated, dict) else {}
    house = stated.get("house")
    return home_of(
        basis=str(stated.get("basis") or AttachmentBasis.REGISTERED_RESIDENCE),
        atu_code=atu_code,
        street=str(stated.get("street") or "")[:255],
        house=house if isinstance(house, int) and house > 0 else None,
        registered=registered,
    )


def _units() -> list[dict[str, Any]]:
    """The administrative-territorial units where open providers are: where an attachment
    may rest (the portal's choice of the unit of a basis's address)."""
    return [
        {"code": code, "name": {"kk": kk, "ru": ru}} for code, kk, ru in registry.provider_units()
    ]


def requirements(message: Message) -> dict[str, bytes]:
    """`{"recipient_iin", "applicant_role", "basis"?, "pregnant"?}` -> `{"documents": [{"code",
    "title", "why", "required"}], "scan": {"max_bytes", "types"}}`: the desk's checklist for
    the case (R8.1), with the document of the basis, and the desk's scan rules; titles in kk,
    ru and en."""
    query = _query(message)
    role = str(query.get("applicant_role") or "self")
    if role not in ROLES:
        raise DomainError("unknown applicant role", code="bad_query")
    basis = str(query.get("basis") or AttachmentBasis.REGISTERED_RESIDENCE)
    if basis not in AttachmentBasis.values:
        raise DomainError("unknown basis", code="bad_query")
    recipient = _person(str(query.get("recipient_iin") or ""))
    if recipient is None:
        raise DomainError("the population register does not know the IIN", code="person_not_found")
    category = Category(
        recipient_age=age_on(recipient.birth_date, registry.today()),
        recipient_sex=recipient.sex,
        recipient_status=recipient.status,
        applicant_role=role,
        basis=basis,
        pregnant=query.get("pregnant") is True,
    )
    documents = [
        {"code": r.kind, "title": _texts(r.label), "why": _texts(r.why), "required": True}
        for r in requirements_for(category)
    ]
    scan = {
        "max_bytes": settings.SCAN_MAX_BYTES,
        "types": ["application/pdf", "image/jpeg", "image/png"],
    }
    return _answer({"documents": documents, "scan": scan})


def status_answer(message: Message) -> list[Part]:
    """`StatusQuery` (the number) -> `StatusAnswer` (the number, `known`) with, when there
    is something to tell, the parts of the status message (`portal_status.status_now`: the
    last status, the ones before it and their times, the talon or the refusal), so that a
    portal whose status message was lost on the way learns where its request stands. Only of
    a request this portal sent to this provider (the route asked); of any other number the
    answer is that it is unknown. Audited: the talon carries the person's data."""
    portal_only(message)
    try:
        number = contract.parse_query(message.part(contract.PART_QUERY))
    except (KeyError, contract.ContractInvalid) as exc:
        raise DomainError("the query names no request", code="bad_query") from exc
    request = (
        PortalRequest.objects.select_related(
            "provider", "application__provider", "application__recipient"
        )
        .filter(number=number, sender_id=message.sender_id)
        .first()
    )
    if request is not None and request.provider is not None:
        # Another provider's request is not this one's to tell of.
        request = request if request.provider.bin == message.route_id else None
    told = None if request is None else status_now(request)
    application = None if request is None else request.application
    audit_record(
        action="service.portal_request.status_asked",
        object_type="service.portal_request",
        object_id=number,
        subject_iin="" if application is None else application.recipient.iin,
        data={
            "asked_by": message.sender_id,
            "known": request is not None,
            "status": "" if told is None else told[0].status,
        },
    )
    answer = contract.build_answer(contract.StatusAnswer(number, known=request is not None))
    parts = [Part(contract.PART_ANSWER, answer, "application/xml")]
    if told is not None:
        status, talon = told
        document = attachment_status.build_status(status)
        parts += [Part(attachment_status.PART_STATUS, document, "application/xml"), *talon]
    return parts


def register() -> None:
    """Serve the portal's queries (ServiceConfig.ready)."""
    query_register(service_id=PROVIDERS, handler=providers_search)
    query_register(service_id=REQUIREMENTS, handler=requirements)
    query_register(service_id=contract.SERVICE_ID, handler=status_answer)
