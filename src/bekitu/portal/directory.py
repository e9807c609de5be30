"""What the portal asks the provider's side through the gateway (R9.5): the providers a
citizen may choose and the documents to attach. Synchronous queries (`message_call`) to the
providers' system, `BEKITU_GATEWAY_REGISTER_SYSTEM_ID`; served by `service/portal_queries.py`,
asked and read through the gateway's contracts (`portal_providers`, `portal_requirements`: XML
under their schemas), whose answers are turned here into what the pages and the API read.
No answer in time, or the gateway down: `PortalError("provider_unavailable")`, a clear message."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.utils import translation

from bekitu.core.iin import is_valid_iin
from bekitu.gateway.contracts import portal_providers as pp
from bekitu.gateway.contracts import portal_requirements as pr
from bekitu.gateway.contracts.portal_providers import Home
from bekitu.gateway.envelope import SERVICE_REFUSED
from bekitu.gateway.errors import GatewayError, GatewayRefused
from bekitu.gateway.services import message_call
from bekitu.portal.errors import PortalError

__all__ = [
    "DocumentNeeded",
    "Home",
    "ProviderChoice",
    "Requirements",
    "Search",
    "Unit",
    "attachment",
    "attachments",
    "provider_get",
    "providers_search",
    "requirements",
]

Answer = TypeVar("Answer")


def _ask(service_id: str, query: bytes, parse: Callable[[bytes], Answer]) -> Answer:
    """The answer to a query already built, read by `parse`; an answer the contract's schema
    refuses is no answer. Both directory contracts name their parts `query.xml`, `answer.xml`."""
    try:
        response = message_call(
            service_id=service_id,
            sender_id=settings.PORTAL_SYSTEM_ID,
            route_id=settings.GATEWAY_REGISTER_SYSTEM_ID,
            parts={pp.PART_QUERY: query},
        )
        return parse(response.part(pp.PART_ANSWER))
    except GatewayRefused as exc:
        raise _refused(exc, otherwise="provider_unavailable") from exc
    except (GatewayError, KeyError, ValueError) as exc:  # ValueError: ContractInvalid too
        raise PortalError("provider_unavailable") from exc


def _refused(exc: GatewayRefused, *, otherwise: str) -> PortalError:
    """The providers' system or the register refused the query: when because it does not
    know the person (its handler's code), the citizen is told that, not that nobody answered."""
    if exc.status_code == SERVICE_REFUSED and exc.detail == "person_not_found":
        return PortalError("person_not_found")
    return PortalError(otherwise)


def _local(texts: dict[str, str]) -> str:
    """The text in the active language (Russian, then any, when it is missing)."""
    lang = (translation.get_language() or "kk")[:2]
    return texts.get(lang) or texts.get("ru") or next(iter(texts.values()), "")


# What XML 1.0 cannot carry: the control characters but tab, line feed and carriage return,
# the surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _printable(value: str, limit: int) -> str:
    """What a citizen typed, without the characters XML cannot carry (a control character
    finds nothing a search would not find without it), cut as the provider's side cuts it."""
    return _NOT_XML.sub("", value).strip()[:limit]


@dataclass(frozen=True)
class DocumentNeeded:
    code: str
    title: str
    why: str
    required: bool


@dataclass(frozen=True)
class Requirements:
    documents: tuple[DocumentNeeded, ...]
    max_bytes: int
    types: tuple[str, ...]

    def title(self, code: str) -> str:
        return next((d.title for d in self.documents if d.code == code), code)


def requirements(
    recipient_iin: str,
    applicant_role: str,
    basis: str = "registered_residence",
    pregnant: bool = False,
) -> Requirements:
    """The desk's checklist for this recipient, role and basis of attachment (with the
    document the basis rests on), and its scan rules."""
    if not is_valid_iin(recipient_iin):
        # The providers' system answers so of an IIN the register cannot hold.
        raise PortalError("person_not_found")
    query = pr.RequirementsQuery(recipient_iin, applicant_role, basis, pregnant=pregnant)
    answer = _ask(pr.SERVICE_ID, pr.build_query(query), pr.parse_answer)
    documents = tuple(
        DocumentNeeded(code=d.code, title=_local(d.title), why=_local(d.why), required=d.required)
        for d in answer.documents
    )
    return Requirements(documents, answer.scan.max_bytes, answer.scan.types)


@dataclass(frozen=True)
class ProviderChoice:
    bin: str
    name: str
    address: str
    locality: str
    phone: str
    districts: tuple[dict[str, str], ...]
    covers_address: bool | None  # None: not judged (an address the citizen may not be told of)
    covering_districts: tuple[str, ...]
    home_visits: bool


@dataclass(frozen=True)
class Unit:
    """An administrative-territorial unit where an attachment may rest: its KATO code, name."""

    code: str
    name: str


@dataclass(frozen=True)
class Search:
    providers: tuple[ProviderChoice, ...]
    policy: dict[str, Any]
    units: tuple[Unit, ...] = ()


def providers_search(
    text: str, recipient_iin: str = "", home: Home | None = None, *, disclose: bool = False
) -> Search:
    """Open providers by name, locality or address; for a recipient, whether the address where
    they live is in each one's area (home visits), and what the policy allows now. What the
    register holds of the recipient (the registered address, the changes of provider this
    year) is used only when `disclose` (`dependants.discloses`); otherwise only the address
    the citizen states in `home` is judged."""
    query = pp.ProvidersQuery(
        text=_printable(text, pp.TEXT_MAX),
        # An IIN the register cannot hold names no recipient (the provider's side judges so).
        recipient_iin=recipient_iin if is_valid_iin(recipient_iin) else "",
        disclose=disclose,
        home=None if home is None else _home(home),
    )
    answer = _ask(pp.SERVICE_ID, pp.build_query(query), pp.parse_answer)
    providers = tuple(_choice(p) for p in answer.providers)
    units = tuple(Unit(u.code, _local(u.name)) for u in answer.units)
    return Search(providers, _policy(answer.policy), units)


def _home(home: Home) -> Home:
    """The home as the schema takes it: a house is a positive number or none."""
    house = home.house if home.house is not None and home.house > 0 else None
    return Home(home.basis, _printable(home.street, pp.STREET_MAX), house)


def _choice(provider: pp.Provider) -> ProviderChoice:
    """A provider as the pages and the API read it: in the reader's language, its districts
    as {"number", "kind", "doctor"}."""
    return ProviderChoice(
        bin=provider.bin,
        name=_local(provider.name),
        address=provider.address,
        locality=_local(provider.locality),
        phone=provider.phone,
        districts=tuple(
            {"number": d.number, "kind": d.kind, "doctor": d.doctor} for d in provider.districts
        ),
        covers_address=provider.covers_address,
        covering_districts=provider.covering_districts,
        home_visits=provider.home_visits,
    )


def _policy(policy: pp.Policy) -> dict[str, Any]:
    """The policy as the pages and the API read it; `changes_left` only when told."""
    window = policy.window
    told: dict[str, Any] = {
        "edition": policy.edition,
        "window": None
        if window is None
        else {"opens": list(window.opens), "closes": list(window.closes)},
        "open": policy.open,
        "max_voluntary_changes": policy.max_voluntary_changes,
    }
    if policy.changes_left is not None:
        told["changes_left"] = policy.changes_left
    return told


def provider_get(bin_: str) -> ProviderChoice | None:
    """The open provider with this BIN (its districts), or None."""
    return next((p for p in providers_search(bin_).providers if p.bin == bin_), None)


def attachments(iin: str, *, include_children: bool = True) -> list[Any]:
    """The person's current attachment and history (and, unless told not, their children's
    and wards'), read from the register through the gateway (`bekitu.register.attachments`);
    PortalError("register_unavailable") when it does not answer in time, ("person_not_found")
    when it answers that it has no person with that IIN. The cabinet's page
    and the API both read through here, so the register audits each read the same way."""
    from bekitu.gateway.contracts import register_query as rq

    query = rq.AttachmentsQuery(iin, include_children=include_children)
    try:
        response = message_call(
            service_id=rq.SERVICE_ID,
            sender_id=settings.PORTAL_SYSTEM_ID,
            route_id=settings.GATEWAY_REGISTER_SYSTEM_ID,
            parts={rq.PART_QUERY: rq.build_query(query)},
        )
        return list(rq.parse_answer(response.part(rq.PART_ANSWER)))
    except GatewayRefused as exc:
        # The register answered that it does not know the person: not its silence.
        raise _refused(exc, otherwise="register_unavailable") from exc
    except (GatewayError, KeyError, ValueError) as exc:
        raise PortalError("register_unavailable") from exc


def attachment(iin: str) -> Any:
    """One person's current attachment and history, without anyone else's (one query)."""
    found = next((p for p in attachments(iin, include_children=False) if p.iin == iin), None)
    if found is None:
        # An answer without the person asked about is not an answer to this query.
        raise PortalError("register_unavailable")
    return found
