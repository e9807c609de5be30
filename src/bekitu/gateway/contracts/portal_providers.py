"""The portal asks which providers a citizen may choose (R9.5): a synchronous query (the
gateway's `message_call`), serviceId `bekitu.portal.providers`, portal -> the providers'
system (route = `BEKITU_GATEWAY_REGISTER_SYSTEM_ID`), answered only to the portal.

The query's part `query.xml` (`ProvidersQuery`) gives the search text, the recipient, whether
what the register holds of them may be told (`disclose`) and where they live by the basis
being chosen (`home`, decision 0012); the answer's part `answer.xml` (`ProvidersAnswer`) the
open providers found, with their districts and whether the recipient's home is in one of
their areas (absent: not judged), the policy in force today, and the administrative-territorial
units that have an open provider. Names come in the languages the provider's system holds
them in (kk, ru, en); the portal shows the reader's.

Schema: `schemas/portal-providers-1.xsd`, namespace `urn:bekitu:portal-providers:1`, which the
gateway's partners validate the payload against; a new version is a new namespace and file.
"""

from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

from bekitu.gateway.contracts._xml import (
    ContractInvalid,
    Vocabulary,
    boolean,
    read_texts,
    serialise,
    sub,
    sub_texts,
    text,
    xs_boolean,
)

SERVICE_ID = "bekitu.portal.providers"
SCHEMA = "portal-providers-1.xsd"
NAMESPACE = "urn:bekitu:portal-providers:1"
VERSION = "1"
PART_QUERY = "query.xml"
PART_ANSWER = "answer.xml"
TEXT_MAX = 100
STREET_MAX = 255

__all__ = [
    "NAMESPACE",
    "PART_ANSWER",
    "PART_QUERY",
    "SERVICE_ID",
    "ContractInvalid",
    "District",
    "Home",
    "Policy",
    "Provider",
    "ProvidersAnswer",
    "ProvidersQuery",
    "Unit",
    "Window",
    "build_answer",
    "build_query",
    "parse_answer",
    "parse_query",
]


@dataclass(frozen=True)
class Home:
    """Where the recipient lives, as the basis being chosen says: for a temporary or actual
    residence each provider judges its area at this street (of its own unit, where the basis
    must lie) and house (decision 0012)."""

    basis: str
    street: str = ""
    house: int | None = None


@dataclass(frozen=True)
class ProvidersQuery:
    """The search (`text`: name, locality, address or BIN); the recipient ("" for none);
    `disclose`: the register's address and changes of the recipient may be used."""

    text: str = ""
    recipient_iin: str = ""
    disclose: bool = False
    home: Home | None = None


@dataclass(frozen=True)
class District:
    number: str
    kind: str
    doctor: str = ""


@dataclass(frozen=True)
class Provider:
    """An open provider; `covers_address` None: the recipient's home was not judged."""

    bin: str
    name: dict[str, str]
    address: str
    locality: dict[str, str]
    phone: str
    districts: tuple[District, ...] = ()
    covers_address: bool | None = None
    covering_districts: tuple[str, ...] = ()
    home_visits: bool = False


@dataclass(frozen=True)
class Window:
    """The yearly campaign from (month, day) to (month, day), both included."""

    opens: tuple[int, int]
    closes: tuple[int, int]


@dataclass(frozen=True)
class Policy:
    """The policy in force today; `changes_left` only for a recipient whose register data may
    be told, `window` None: a change by free choice all year."""

    edition: str
    window: Window | None
    open: bool
    max_voluntary_changes: int
    changes_left: int | None = None


@dataclass(frozen=True)
class Unit:
    """An administrative-territorial unit with an open provider: its KATO code, its names."""

    code: str
    name: dict[str, str]


@dataclass(frozen=True)
class ProvidersAnswer:
    providers: tuple[Provider, ...]
    policy: Policy
    units: tuple[Unit, ...] = ()


_WORDS = Vocabulary(NAMESPACE, SCHEMA, VERSION)
_tag, _root, _read = _WORDS.tag, _WORDS.root, _WORDS.read


def build_query(query: ProvidersQuery) -> bytes:
    """The query's part (ContractInvalid when the schema refuses it)."""
    root = _root("ProvidersQuery")
    sub(root, _tag("text"), query.text)
    if query.recipient_iin:
        sub(root, _tag("recipientIin"), query.recipient_iin)
    sub(root, _tag("disclose"), xs_boolean(query.disclose))
    if query.home is not None:
        home = sub(root, _tag("home"))
        sub(home, _tag("basis"), query.home.basis)
        if query.home.street:
            sub(home, _tag("street"), query.home.street)
        if query.home.house is not None:
            sub(home, _tag("house"), str(query.home.house))
    return serialise(root, SCHEMA)


def parse_query(data: bytes) -> ProvidersQuery:
    """The query (ContractInvalid when it is not a valid one)."""
    root = _read(data, "ProvidersQuery")
    home = root.find(_tag("home"))
    return ProvidersQuery(
        text=text(root, _tag("text")),
        recipient_iin=text(root, _tag("recipientIin")),
        disclose=boolean(root, _tag("disclose")),
        home=None if home is None else _home(home),
    )


def _home(element: etree._Element) -> Home:
    house = element.findtext(_tag("house"))
    return Home(
        basis=text(element, _tag("basis")),
        street=text(element, _tag("street")),
        house=None if house is None else int(house),
    )


def build_answer(answer: ProvidersAnswer) -> bytes:
    """The answer's part (ContractInvalid when the schema refuses it)."""
    root = _root("ProvidersAnswer")
    for provider in answer.providers:
        _provider(root, provider)
    _policy(root, answer.policy)
    for unit in answer.units:
        element = sub(root, _tag("unit"))
        sub(element, _tag("code"), unit.code)
        sub_texts(element, _tag("name"), unit.name, NAMESPACE)
    return serialise(root, SCHEMA)


def _provider(root: etree._Element, provider: Provider) -> None:
    element = sub(root, _tag("provider"))
    sub(element, _tag("bin"), provider.bin)
    sub_texts(element, _tag("name"), provider.name, NAMESPACE)
    sub(element, _tag("address"), provider.address)
    sub_texts(element, _tag("locality"), provider.locality, NAMESPACE)
    sub(element, _tag("phone"), provider.phone)
    for district in provider.districts:
        child = sub(element, _tag("district"))
        sub(child, _tag("number"), district.number)
        sub(child, _tag("kind"), district.kind)
        if district.doctor:
            sub(child, _tag("doctor"), district.doctor)
    if provider.covers_address is not None:
        sub(element, _tag("coversAddress"), xs_boolean(provider.covers_address))
    for number in provider.covering_districts:
        sub(element, _tag("coveringDistrict"), number)
    sub(element, _tag("homeVisits"), xs_boolean(provider.home_visits))


def _policy(root: etree._Element, policy: Policy) -> None:
    element = sub(root, _tag("policy"))
    sub(element, _tag("edition"), policy.edition)
    if policy.window is not None:
        window = sub(element, _tag("window"))
        sub(window, _tag("opens"), "--{:02d}-{:02d}".format(*policy.window.opens))
        sub(window, _tag("closes"), "--{:02d}-{:02d}".format(*policy.window.closes))
    sub(element, _tag("open"), xs_boolean(policy.open))
    sub(element, _tag("maxVoluntaryChanges"), str(policy.max_voluntary_changes))
    if policy.changes_left is not None:
        sub(element, _tag("changesLeft"), str(policy.changes_left))


def parse_answer(data: bytes) -> ProvidersAnswer:
    """The answer (ContractInvalid when it is not a valid one)."""
    root = _read(data, "ProvidersAnswer")
    policy = root.find(_tag("policy"))
    if policy is None:  # the schema requires it: this only tells mypy
        raise ContractInvalid("no policy")
    units = tuple(
        Unit(text(u, _tag("code")), read_texts(u, _tag("name"), NAMESPACE))
        for u in root.iterfind(_tag("unit"))
    )
    providers = tuple(_read_provider(p) for p in root.iterfind(_tag("provider")))
    return ProvidersAnswer(providers, _read_policy(policy), units)


def _read_provider(element: etree._Element) -> Provider:
    covers = element.find(_tag("coversAddress"))
    return Provider(
        bin=text(element, _tag("bin")),
        name=read_texts(element, _tag("name"), NAMESPACE),
        address=text(element, _tag("address")),
        locality=read_texts(element, _tag("locality"), NAMESPACE),
        phone=text(element, _tag("phone")),
        districts=tuple(
            District(text(d, _tag("number")), text(d, _tag("kind")), text(d, _tag("doctor")))
            for d in element.iterfind(_tag("district"))
        ),
        covers_address=None if covers is None else boolean(element, _tag("coversAddress")),
        covering_districts=tuple(n.text or "" for n in element.iterfind(_tag("coveringDistrict"))),
        home_visits=boolean(element, _tag("homeVisits")),
    )


def _day(value: str) -> tuple[int, int]:
    """An xs:gMonthDay without a zone (`--MM-DD`) as (month, day)."""
    month, day = value.strip().removeprefix("--").split("-")
    return int(month), int(day)


def _read_policy(element: etree._Element) -> Policy:
    window = element.find(_tag("window"))
    left = element.findtext(_tag("changesLeft"))
    return Policy(
        edition=text(element, _tag("edition")),
        window=None
        if window is None
        else Window(_day(text(window, _tag("opens"))), _day(text(window, _tag("closes")))),
        open=boolean(element, _tag("open")),
        max_voluntary_changes=int(text(element, _tag("maxVoluntaryChanges"))),
        changes_left=None if left is None else int(left),
    )
