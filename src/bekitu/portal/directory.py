"""What the portal asks the provider's side through the gateway (R9.5): the providers a
citizen may choose and the documents to attach. Synchronous queries (`message_call`) to the
providers' system, `BEKITU_GATEWAY_REGISTER_SYSTEM_ID`; served by `service/portal_queries.py`.
No answer in time, or the gateway down: `PortalError("provider_unavailable")`, a clear message."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

from django.conf import settings
from django.utils import translation

from bekitu.gateway.envelope import SERVICE_REFUSED
from bekitu.gateway.errors import GatewayError, GatewayRefused
from bekitu.gateway.services import message_call
from bekitu.portal.errors import PortalError

PROVIDERS = "bekitu.portal.providers"
REQUIREMENTS = "bekitu.portal.requirements"


def _ask(service_id: str, query: dict[str, Any]) -> dict[str, Any]:
    try:
        response = message_call(
            service_id=service_id,
            sender_id=settings.PORTAL_SYSTEM_ID,
            route_id=settings.GATEWAY_REGISTER_SYSTEM_ID,
            parts={"query.json": json.dumps(query).encode()},
        )
        answer = json.loads(response.part("answer.json"))
    except GatewayRefused as exc:
        raise _refused(exc, otherwise="provider_unavailable") from exc
    except (GatewayError, KeyError, ValueError) as exc:
        raise PortalError("provider_unavailable") from exc
    if not isinstance(answer, dict):
        raise PortalError("provider_unavailable")
    return answer


def _refused(exc: GatewayRefused, *, otherwise: str) -> PortalError:
    """The providers' system or the register refused the query: when because it does not
    know the person (its handler's code), the citizen is told that, not that nobody answered."""
    if exc.status_code == SERVICE_REFUSED and exc.detail == "person_not_found":
        return PortalError("person_not_found")
    return PortalError(otherwise)


def _local(texts: Any) -> str:
    """The text in the active language (Russian, then any, when it is missing)."""
    if not isinstance(texts, dict):
        return str(texts or "")
    lang = (translation.get_language() or "kk")[:2]
    return str(texts.get(lang) or texts.get("ru") or next(iter(texts.values()), ""))


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
    query = {
        "recipient_iin": recipient_iin,
        "applicant_role": applicant_role,
        "basis": basis,
        "pregnant": pregnant,
    }
    answer = _ask(REQUIREMENTS, query)
    documents = tuple(
        DocumentNeeded(
            code=str(d.get("code", "")),
            title=_local(d.get("title")),
            why=_local(d.get("why")),
            required=bool(d.get("required", True)),
        )
        for d in answer.get("documents", [])
        if isinstance(d, dict)
    )
    scan = answer.get("scan") or {}
    return Requirements(
        documents=documents,
        max_bytes=int(scan.get("max_bytes") or settings.SCAN_MAX_BYTES),
        types=tuple(scan.get("types") or ()),
    )


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


@dataclass(frozen=True)
class Home:
    """Where the recipient lives, as the basis being chosen says: for a temporary or actual
    residence each provider judges its area at this street (of its own unit, where the basis
    must lie) and house (decision 0012)."""

    basis: str
    street: str = ""
    house: int | None = None


def providers_search(
    text: str, recipient_iin: str = "", home: Home | None = None, *, disclose: bool = False
) -> Search:
    """Open providers by name, locality or address; for a recipient, whether the address where
    they live is in each one's area (home visits), and what the policy allows now. What the
    register holds of the recipient (the registered address, the changes of provider this
    year) is used only when `disclose` (`dependants.discloses`); otherwise only the address
    the citizen states in `home` is judged."""
    query: dict[str, Any] = {"text": text, "recipient_iin": recipient_iin, "disclose": disclose}
    if home is not None:
        query["home"] = asdict(home)
    answer = _ask(PROVIDERS, query)
    providers = tuple(
        ProviderChoice(
            bin=str(p.get("bin", "")),
            name=_local(p.get("name")),
            address=str(p.get("address", "")),
            locality=_local(p.get("locality")),
            phone=str(p.get("phone", "")),
            districts=tuple(p.get("districts") or ()),
            covers_address=_covers(p.get("covers_address")),
            covering_districts=tuple(p.get("covering_districts") or ()),
            home_visits=bool(p.get("home_visits")),
        )
        for p in answer.get("providers", [])
        if isinstance(p, dict)
    )
    units = tuple(
        Unit(code=str(u.get("code", "")), name=_local(u.get("name")))
        for u in answer.get("units") or ()
        if isinstance(u, dict)
    )
    return Search(providers, dict(answer.get("policy") or {}), units)


def _covers(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


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
