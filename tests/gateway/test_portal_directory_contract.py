"""The portal's two directory queries (`bekitu.portal.providers`, `bekitu.portal.requirements`):
`query.xml` and `answer.xml` under `schemas/portal-providers-1.xsd` and
`schemas/portal-requirements-1.xsd`, which the gateway's partners validate against; what the
schema refuses, each parser refuses as ContractInvalid."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from bekitu.gateway.contracts import portal_providers as pp
from bekitu.gateway.contracts import portal_requirements as pr
from bekitu.gateway.contracts._xml import ContractInvalid

SCHEMAS = Path(__file__).resolve().parents[2] / "src/bekitu/gateway/schemas"
IIN = "880211300123"
BIN = "990340001234"

NAME = {"kk": "№1 қалалық емхана", "ru": "Городская поликлиника №1", "en": "City Polyclinic 1"}
LOCALITY = {"kk": "Алматы қ.", "ru": "г. Алматы"}
PROVIDER = pp.Provider(
    bin=BIN,
    name=NAME,
    address="пр. Абая, 12 <корпус & двор>",
    locality=LOCALITY,
    phone="+7 727 000 00 00",
    districts=(pp.District("1", "gp", "Әлиева Гүлнар"), pp.District("12", "paediatric")),
    covers_address=True,
    covering_districts=("1",),
    home_visits=True,
)
POLICY = pp.Policy("2020", pp.Window((9, 1), (11, 1)), open=False, max_voluntary_changes=1)
UNIT = pp.Unit("751110000", {"kk": "Алмалы ауданы", "ru": "Алмалинский район"})
DOCUMENT = pr.Document(
    "identity_document",
    title={"kk": "Жеке куәлік", "ru": "Удостоверение личности", "en": "Identity document"},
    why={"kk": "Тұлғаны анықтау үшін", "ru": "Для установления личности", "en": "To identify"},
)
SCAN = pr.Scan(5_242_880, ("application/pdf", "image/jpeg", "image/png"))


def test_the_parts_are_xml_and_the_services_keep_their_ids() -> None:
    assert (pp.PART_QUERY, pp.PART_ANSWER) == ("query.xml", "answer.xml")
    assert (pr.PART_QUERY, pr.PART_ANSWER) == ("query.xml", "answer.xml")
    assert pp.SERVICE_ID == "bekitu.portal.providers"
    assert pr.SERVICE_ID == "bekitu.portal.requirements"


@pytest.mark.parametrize(
    "query",
    [
        pp.ProvidersQuery(),
        pp.ProvidersQuery("Абая", IIN, disclose=True),
        pp.ProvidersQuery(BIN, IIN, home=pp.Home("temporary_residence", "ул. Төле би", 25)),
        pp.ProvidersQuery("x" * pp.TEXT_MAX, IIN, home=pp.Home("actual_residence")),
    ],
    ids=["empty", "disclosed", "a home", "longest text, a home without street and house"],
)
def test_a_providers_query_comes_back_as_it_was_built(query: pp.ProvidersQuery) -> None:
    assert pp.parse_query(pp.build_query(query)) == query


@pytest.mark.parametrize(
    "answer",
    [
        pp.ProvidersAnswer((PROVIDER,), POLICY, (UNIT,)),
        pp.ProvidersAnswer(
            (
                PROVIDER,
                pp.Provider(BIN.replace("1", "2"), {"ru": "Без имени", "en": ""}, "", {}, ""),
                pp.Provider(BIN, NAME, "", LOCALITY, "", covers_address=False),
            ),
            pp.Policy("2015", None, open=True, max_voluntary_changes=2, changes_left=0),
        ),
        pp.ProvidersAnswer((), POLICY),
    ],
    ids=["one provider judged", "judged, not judged, outside; all year", "none found"],
)
def test_a_providers_answer_comes_back_as_it_was_built(answer: pp.ProvidersAnswer) -> None:
    assert pp.parse_answer(pp.build_answer(answer)) == answer


@pytest.mark.parametrize("pregnant", [True, False])
@pytest.mark.parametrize("role", ["self", "parent", "guardian", "representative"])
def test_a_requirements_query_comes_back_as_it_was_built(role: str, pregnant: bool) -> None:
    query = pr.RequirementsQuery(IIN, role, "study", pregnant=pregnant)

    assert pr.parse_query(pr.build_query(query)) == query


@pytest.mark.parametrize(
    "answer",
    [
        pr.RequirementsAnswer((DOCUMENT, pr.Document("birth_certificate", {}, {}, False)), SCAN),
        pr.RequirementsAnswer((), pr.Scan(1, ())),
    ],
    ids=["documents in three languages and none", "no documents, no types"],
)
def test_a_requirements_answer_comes_back_as_it_was_built(answer: pr.RequirementsAnswer) -> None:
    assert pr.parse_answer(pr.build_answer(answer)) == answer


def _validated(xsd: str, document: bytes) -> etree._Element:
    schema = etree.XMLSchema(etree.parse(str(SCHEMAS / xsd)))
    element = etree.fromstring(document)
    schema.assertValid(element)
    return element


def test_what_is_built_validates_against_the_published_schemas() -> None:
    documents = [
        (
            "portal-providers-1.xsd",
            pp.NAMESPACE,
            "ProvidersQuery",
            pp.build_query(
                pp.ProvidersQuery("Абая", IIN, True, pp.Home("work", "ул. Сатпаева", 3))
            ),
        ),
        (
            "portal-providers-1.xsd",
            pp.NAMESPACE,
            "ProvidersAnswer",
            pp.build_answer(pp.ProvidersAnswer((PROVIDER,), POLICY, (UNIT,))),
        ),
        (
            "portal-requirements-1.xsd",
            pr.NAMESPACE,
            "RequirementsQuery",
            pr.build_query(
                pr.RequirementsQuery(IIN, "parent", "registered_residence", pregnant=True)
            ),
        ),
        (
            "portal-requirements-1.xsd",
            pr.NAMESPACE,
            "RequirementsAnswer",
            pr.build_answer(pr.RequirementsAnswer((DOCUMENT,), SCAN)),
        ),
    ]

    for xsd, namespace, root, document in documents:
        element = _validated(xsd, document)
        assert element.tag == f"{{{namespace}}}{root}"
        assert element.get("version") == "1"
        assert (SCHEMAS / xsd).read_text().count(f'targetNamespace="{namespace}"') == 1
    assert pp.NAMESPACE == "urn:bekitu:portal-providers:1"
    assert pr.NAMESPACE == "urn:bekitu:portal-requirements:1"


def test_the_texts_travel_in_utf8_as_they_are() -> None:
    document = pr.build_answer(pr.RequirementsAnswer((DOCUMENT,), SCAN))

    assert "Жеке куәлік".encode() in document
    assert document.startswith(b"<?xml version='1.0' encoding='UTF-8'?>")


def test_an_absent_judgement_and_an_absent_window_stay_absent() -> None:
    answer = pp.ProvidersAnswer(
        (pp.Provider(BIN, NAME, "", LOCALITY, ""),), pp.Policy("2015", None, True, 2)
    )
    element = _validated("portal-providers-1.xsd", pp.build_answer(answer))
    ns = {"p": pp.NAMESPACE}

    assert element.find("p:provider/p:coversAddress", ns) is None
    assert element.find("p:policy/p:window", ns) is None
    assert element.find("p:policy/p:changesLeft", ns) is None
    parsed = pp.parse_answer(pp.build_answer(answer))
    assert parsed.providers[0].covers_address is None
    assert (parsed.policy.window, parsed.policy.changes_left) == (None, None)


def test_the_schemas_booleans_and_numbers_are_read_as_they_are_meant() -> None:
    built = pp.build_answer(pp.ProvidersAnswer((PROVIDER,), POLICY))
    spelt = (
        built.replace(b"<coversAddress>true<", b"<coversAddress> 0 <")
        .replace(b"<homeVisits>true<", b"<homeVisits>1<")
        .replace(b"<maxVoluntaryChanges>1<", b"<maxVoluntaryChanges> 03 <")
    )

    answer = pp.parse_answer(spelt)

    assert answer.providers[0].covers_address is False
    assert answer.providers[0].home_visits is True
    assert answer.policy.max_voluntary_changes == 3


def _swap(document: bytes, old: str, new: str) -> bytes:
    assert old.encode() in document, old  # the fault is really made
    return document.replace(old.encode(), new.encode(), 1)


PROVIDERS_QUERY = pp.build_query(pp.ProvidersQuery("Абая", IIN, True, pp.Home("work", "Ш", 3)))
PROVIDERS_ANSWER = pp.build_answer(pp.ProvidersAnswer((PROVIDER,), POLICY, (UNIT,)))
REQUIREMENTS_QUERY = pr.build_query(pr.RequirementsQuery(IIN, "self", "work"))
REQUIREMENTS_ANSWER = pr.build_answer(pr.RequirementsAnswer((DOCUMENT,), SCAN))

NOT_A_PROVIDERS_QUERY = {
    "an IIN too short": _swap(PROVIDERS_QUERY, IIN, IIN[:-1]),
    "an IIN with a letter": _swap(PROVIDERS_QUERY, IIN, "88021130012X"),
    "a text too long": _swap(PROVIDERS_QUERY, "Абая", "x" * 101),
    "no disclose": _swap(PROVIDERS_QUERY, "<disclose>true</disclose>", ""),
    "disclose not a boolean": _swap(PROVIDERS_QUERY, ">true<", ">yes<"),
    "an unknown basis": _swap(PROVIDERS_QUERY, ">work<", ">holiday<"),
    "a house of 0": _swap(PROVIDERS_QUERY, "<house>3<", "<house>0<"),
    "a house not a number": _swap(PROVIDERS_QUERY, "<house>3<", "<house>3а<"),
    "a street too long": _swap(PROVIDERS_QUERY, ">Ш<", ">" + "Ш" * 256 + "<"),
    "another version": _swap(PROVIDERS_QUERY, 'version="1"', 'version="2"'),
    "a wrong namespace": _swap(PROVIDERS_QUERY, pp.NAMESPACE, pr.NAMESPACE),
    "an answer": PROVIDERS_ANSWER,
    "the old JSON form": b'{"text": "", "recipient_iin": "880211300123", "disclose": true}',
    "not XML at all": b"\x00\x01 not xml",
    "nothing": b"",
}

NOT_A_PROVIDERS_ANSWER = {
    "no policy": PROVIDERS_ANSWER[: PROVIDERS_ANSWER.index(b"<policy>")]
    + PROVIDERS_ANSWER[PROVIDERS_ANSWER.index(b"</policy>") + len(b"</policy>") :],
    "a BIN too long": _swap(PROVIDERS_ANSWER, BIN, BIN + "0"),
    "a district number not a number": _swap(PROVIDERS_ANSWER, "<number>12<", "<number>12a<"),
    "a district number 0": _swap(PROVIDERS_ANSWER, "<number>12<", "<number>0<"),
    "a district kind in capitals": _swap(PROVIDERS_ANSWER, ">gp<", ">GP<"),
    "covers not a boolean": _swap(PROVIDERS_ANSWER, "<coversAddress>true<", "<coversAddress>?<"),
    "no homeVisits": _swap(PROVIDERS_ANSWER, "<homeVisits>true</homeVisits>", ""),
    "a language not ours": _swap(PROVIDERS_ANSWER, "<en>City", "<de>City").replace(
        b"</en>", b"</de>", 1
    ),
    "names out of order": _swap(
        PROVIDERS_ANSWER,
        f"<kk>{NAME['kk']}</kk><ru>{NAME['ru']}</ru>",
        f"<ru>{NAME['ru']}</ru><kk>{NAME['kk']}</kk>",
    ),
    "a day with a zone": _swap(PROVIDERS_ANSWER, "--09-01<", "--09-01Z<"),
    "a day of no month": _swap(PROVIDERS_ANSWER, "--09-01<", "--13-01<"),
    "changes left below 0": _swap(
        PROVIDERS_ANSWER,
        "</maxVoluntaryChanges>",
        "</maxVoluntaryChanges><changesLeft>-1</changesLeft>",
    ),
    "a unit code of 8 digits": _swap(PROVIDERS_ANSWER, "751110000", "75111000"),
    "another version": _swap(PROVIDERS_ANSWER, 'version="1"', 'version="2"'),
    "a wrong namespace": _swap(PROVIDERS_ANSWER, pp.NAMESPACE, "urn:bekitu:portal-providers:2"),
    "a query": PROVIDERS_QUERY,
    "the old JSON form": b'{"providers": [], "policy": {}, "units": []}',
    "an entity": b'<!DOCTYPE a [<!ENTITY e "x">]>' + PROVIDERS_ANSWER.split(b"?>", 1)[1],
}

NOT_A_REQUIREMENTS_QUERY = {
    "no IIN": _swap(REQUIREMENTS_QUERY, f"<recipientIin>{IIN}</recipientIin>", ""),
    "an IIN too long": _swap(REQUIREMENTS_QUERY, IIN, IIN + "1"),
    "an unknown role": _swap(REQUIREMENTS_QUERY, ">self<", ">boss<"),
    "an unknown basis": _swap(REQUIREMENTS_QUERY, ">work<", ">holiday<"),
    "pregnant not a boolean": _swap(REQUIREMENTS_QUERY, ">false<", ">no<"),
    "no pregnant": _swap(REQUIREMENTS_QUERY, "<pregnant>false</pregnant>", ""),
    "another version": _swap(REQUIREMENTS_QUERY, 'version="1"', 'version="2"'),
    "no namespace": _swap(REQUIREMENTS_QUERY, f' xmlns="{pr.NAMESPACE}"', ""),
    "the providers' query": PROVIDERS_QUERY,
    "an answer": REQUIREMENTS_ANSWER,
    "the old JSON form": b'{"recipient_iin": "880211300123", "applicant_role": "self"}',
}

NOT_A_REQUIREMENTS_ANSWER = {
    "no scan": _swap(REQUIREMENTS_ANSWER, "<scan>", "<scan_>").replace(b"</scan>", b"</scan_>"),
    "maxBytes 0": _swap(REQUIREMENTS_ANSWER, "<maxBytes>5242880<", "<maxBytes>0<"),
    "maxBytes not a number": _swap(REQUIREMENTS_ANSWER, "<maxBytes>5242880<", "<maxBytes>5M<"),
    "a type not a media type": _swap(REQUIREMENTS_ANSWER, ">image/png<", ">png<"),
    "a code in capitals": _swap(REQUIREMENTS_ANSWER, ">identity_document<", ">Identity<"),
    "no title": _swap(
        REQUIREMENTS_ANSWER,
        "<title><kk>Жеке куәлік</kk><ru>Удостоверение личности</ru><en>Identity document</en>"
        "</title>",
        "",
    ),
    "required not a boolean": _swap(REQUIREMENTS_ANSWER, "<required>true<", "<required>yes<"),
    "a title too long": _swap(REQUIREMENTS_ANSWER, "Жеке куәлік", "Ж" * 501),
    "another version": _swap(REQUIREMENTS_ANSWER, 'version="1"', 'version="2"'),
    "a wrong namespace": _swap(REQUIREMENTS_ANSWER, pr.NAMESPACE, pp.NAMESPACE),
    "a query": REQUIREMENTS_QUERY,
    "the old JSON form": b'{"documents": [], "scan": {"max_bytes": 1, "types": []}}',
    "not XML at all": b"<RequirementsAnswer",
}


@pytest.mark.parametrize(
    ("parse", "document"),
    [
        *((pp.parse_query, d) for d in NOT_A_PROVIDERS_QUERY.values()),
        *((pp.parse_answer, d) for d in NOT_A_PROVIDERS_ANSWER.values()),
        *((pr.parse_query, d) for d in NOT_A_REQUIREMENTS_QUERY.values()),
        *((pr.parse_answer, d) for d in NOT_A_REQUIREMENTS_ANSWER.values()),
    ],
    ids=[
        *(f"providers query: {k}" for k in NOT_A_PROVIDERS_QUERY),
        *(f"providers answer: {k}" for k in NOT_A_PROVIDERS_ANSWER),
        *(f"requirements query: {k}" for k in NOT_A_REQUIREMENTS_QUERY),
        *(f"requirements answer: {k}" for k in NOT_A_REQUIREMENTS_ANSWER),
    ],
)
def test_a_document_the_schema_refuses_is_refused(
    parse: Callable[[bytes], Any], document: bytes
) -> None:
    with pytest.raises(ContractInvalid):
        parse(document)


@pytest.mark.parametrize(
    "build",
    [
        lambda: pp.build_query(pp.ProvidersQuery("x" * (pp.TEXT_MAX + 1))),
        lambda: pp.build_query(pp.ProvidersQuery("a\x00b")),
        lambda: pp.build_query(pp.ProvidersQuery(recipient_iin="12345")),
        lambda: pp.build_query(pp.ProvidersQuery(home=pp.Home("work", house=0))),
        lambda: pp.build_answer(
            pp.ProvidersAnswer((pp.Provider(BIN, {"de": "Klinik"}, "", {}, ""),), POLICY)
        ),
        lambda: pp.build_answer(pp.ProvidersAnswer((), pp.Policy("2020", None, True, -1))),
        lambda: pr.build_query(pr.RequirementsQuery(IIN, "boss", "work")),
        lambda: pr.build_query(pr.RequirementsQuery("", "self", "work")),
        lambda: pr.build_answer(pr.RequirementsAnswer((), pr.Scan(0, ()))),
        lambda: pr.build_answer(
            pr.RequirementsAnswer((pr.Document("x", {"ru": "\x01"}, {}),), SCAN)
        ),
    ],
    ids=[
        "a text too long",
        "a NUL",
        "an IIN too short",
        "a house of 0",
        "a language not ours",
        "negative changes",
        "an unknown role",
        "no IIN",
        "maxBytes 0",
        "a control character",
    ],
)
def test_nothing_the_schema_refuses_is_built(build: Callable[[], bytes]) -> None:
    with pytest.raises(ContractInvalid):
        build()


def test_the_documents_faulted_here_are_valid_ones_before_the_fault() -> None:
    """The refusals above are of one fault each, not of a document this test spells wrong."""
    assert pp.parse_query(PROVIDERS_QUERY).home == pp.Home("work", "Ш", 3)
    assert pp.parse_answer(PROVIDERS_ANSWER).units == (UNIT,)
    assert pr.parse_query(REQUIREMENTS_QUERY) == pr.RequirementsQuery(IIN, "self", "work")
    assert pr.parse_answer(REQUIREMENTS_ANSWER).documents == (DOCUMENT,)
