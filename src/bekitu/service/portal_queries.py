"""The provider's side answers the portal's queries through the gateway (R9.5): the
providers a citizen may choose, with their districts and what the policy allows now, and the
documents the desk's checklist asks for a recipient. The portal never reads the register's
tables or the service's rules itself; it asks here (as the real portal asks the system of
the providers).

Both are synchronous queries (`gateway.services.message_call`) whose parts, `query.xml` and
`answer.xml`, are XML under the gateway's contracts (`contracts/portal_providers.py`,
`schemas/portal-providers-1.xsd`; `contracts/portal_requirements.py`,
`schemas/portal-requirements-1.xsd`). Registered in `ServiceConfig.ready`; they change nothing
but audit rows. So is the portal's question where one of its requests stands
(`status_answer`), for a status message lost on the way (`contracts/status_query.py`,
`schemas/status-query-1.xsd`).
"""

from __future__ import annotations

import datetime as dt
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
from bekitu.gateway.contracts import portal_providers as providers_contract
from bekitu.gateway.contracts import portal_requirements as requirements_contract
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

LANGUAGES = ("kk", "ru", "en")
SEARCH_LIMIT = 20
SCAN_TYPES = ("application/pdf", "image/jpeg", "image/png")
XML = "application/xml"


def portal_only(message: Message) -> None:
    """DomainError `not_the_portal` unless the portal (BEKITU_PORTAL_SYSTEM_ID) asks: what
    the register holds of a person is answered for the citizen's portal, not to any other
    participant of the gateway (another provider's system)."""
    if message.sender_id != settings.PORTAL_SYSTEM_ID:
        fields = {"service_id": message.service_id, "sender": message.sender_id}
        log.warning("portal.query.foreign_sender", extra={"fields": fields})
        raise DomainError("only the portal asks this", code="not_the_portal")


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


def _campaign(on: dt.date, changes_used: int | None) -> providers_contract.Policy:
    policy = policy_for(on, settings.POLICY_EDITION)
    window = policy.campaign
    return providers_contract.Policy(
        edition=policy.edition,
        window=None if window is None else providers_contract.Window(window.opens, window.closes),
        open=window is None or window.contains(on),
        max_voluntary_changes=policy.max_voluntary_changes,
        changes_left=None
        if changes_used is None
        else max(0, policy.max_voluntary_changes - changes_used),
    )


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


def _districts(provider: Any) -> tuple[providers_contract.District, ...]:
    return tuple(
        providers_contract.District(
            number=str(d.number), kind=d.kind, doctor=d.doctor.full_name if d.doctor else ""
        )
        for d in provider.districts.select_related("doctor").order_by("number")
    )


def _providers_query(message: Message) -> providers_contract.ProvidersQuery:
    portal_only(message)
    try:
        return providers_contract.parse_query(message.part(providers_contract.PART_QUERY))
    except (KeyError, providers_contract.ContractInvalid) as exc:
        raise DomainError("the query is not a ProvidersQuery", code="bad_query") from exc


def providers_search(message: Message) -> list[Part]:
    """`ProvidersQuery` (text, recipient?, home?, disclose) -> `ProvidersAnswer` (providers,
    policy, units): open providers whose name, address or locality has the text; for a
    recipient, whether the address where they live is in each one's area (and so home visits
    come with it): by `home` the street and house of a temporary or actual residence, or, when
    `disclose`, the registered one (not judged when neither is there), and with `disclose`
    the changes of provider left to them this year."""
    query = _providers_query(message)
    text = query.text.strip()[:100]
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
    recipient = _person(query.recipient_iin)
    # The register's address and history of the recipient are told only when the portal says
    # the citizen may know them (themselves, their child, their ward): fails closed.
    disclose = query.disclose
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
            home = _home(query.home, provider.atu_code, address)
            if home is not None or disclose:
                covering = [
                    str(d.number)
                    for d in home_districts(home, provider=provider)
                    if d.kind in kinds
                ]
        found.append(_provider(provider, covering))
    used = None if recipient is None or not disclose else _changes_used(recipient.iin, on)
    answer = providers_contract.ProvidersAnswer(tuple(found), _campaign(on, used), _units())
    return [Part(providers_contract.PART_ANSWER, providers_contract.build_answer(answer), XML)]


def _provider(provider: Any, covering: list[str] | None) -> providers_contract.Provider:
    """A provider as the answer gives it; `covering` None: the recipient's home not judged."""
    return providers_contract.Provider(
        bin=provider.bin,
        name={"kk": provider.name_kk, "ru": provider.name_ru, "en": provider.name_en},
        address=provider.address,
        locality={"kk": provider.locality.name_kk, "ru": provider.locality.name_ru},
        phone=provider.phone,
        districts=_districts(provider),
        covers_address=None if covering is None else bool(covering),
        covering_districts=tuple(covering or ()),
        home_visits=bool(covering),
    )


def _home(
    stated: providers_contract.Home | None, atu_code: str, registered: Address | None
) -> Home | None:
    """Where the recipient lives, by the basis the citizen is choosing (its street and house
    optional), the street sought in the provider's unit (where the basis must lie): the
    desk's rule (decision 0012)."""
    stated = stated or providers_contract.Home(AttachmentBasis.REGISTERED_RESIDENCE)
    return home_of(
        basis=stated.basis,
        atu_code=atu_code,
        street=stated.street,
        house=stated.house,
        registered=registered,
    )


def _units() -> tuple[providers_contract.Unit, ...]:
    """The administrative-territorial units where open providers are: where an attachment
    may rest (the portal's choice of the unit of a basis's address)."""
    return tuple(
        providers_contract.Unit(code, {"kk": kk, "ru": ru})
        for code, kk, ru in registry.provider_units()
    )


def requirements(message: Message) -> list[Part]:
    """`RequirementsQuery` (recipient, applicant's role, basis, pregnant) ->
    `RequirementsAnswer` (documents: code, title, why, required; scan: max bytes, types): the
    desk's checklist for the case (R8.1), with the document of the basis, and the desk's scan
    rules; titles in kk, ru and en."""
    portal_only(message)
    try:
        query = requirements_contract.parse_query(message.part(requirements_contract.PART_QUERY))
    except (KeyError, requirements_contract.ContractInvalid) as exc:
        # The schema refuses an unknown role or basis, as it refuses anything else.
        raise DomainError("the query is not a RequirementsQuery", code="bad_query") from exc
    recipient = _person(query.recipient_iin)
    if recipient is None:
        raise DomainError("the population register does not know the IIN", code="person_not_found")
    category = Category(
        recipient_age=age_on(recipient.birth_date, registry.today()),
        recipient_sex=recipient.sex,
        recipient_status=recipient.status,
        applicant_role=query.applicant_role,
        basis=query.basis,
        pregnant=query.pregnant,
    )
    documents = tuple(
        requirements_contract.Document(r.kind, _texts(r.label), _texts(r.why), required=True)
        for r in requirements_for(category)
    )
    scan = requirements_contract.Scan(settings.SCAN_MAX_BYTES, SCAN_TYPES)
    answer = requirements_contract.RequirementsAnswer(documents, scan)
    document = requirements_contract.build_answer(answer)
    return [Part(requirements_contract.PART_ANSWER, document, XML)]


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
    query_register(service_id=providers_contract.SERVICE_ID, handler=providers_search)
    query_register(service_id=requirements_contract.SERVICE_ID, handler=requirements)
    query_register(service_id=contract.SERVICE_ID, handler=status_answer)
