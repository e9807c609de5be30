"""The status query's own parts (`bekitu.attachment.status.query`): `query.xml` and
`answer.xml` under `schemas/status-query-1.xsd`, which the gateway's partners validate
against; what the schema refuses, each parser refuses as ContractInvalid."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from bekitu.gateway.contracts.status_query import (
    NAMESPACE,
    PART_ANSWER,
    PART_QUERY,
    ContractInvalid,
    StatusAnswer,
    build_answer,
    build_query,
    parse_answer,
    parse_query,
)

XSD = Path(__file__).resolve().parents[2] / "src/bekitu/gateway/schemas/status-query-1.xsd"
NUMBER = "P-20261127-000001"
LONGEST = "P-" + "1" * 38


def _query(number: str = NUMBER, namespace: str = NAMESPACE, root: str = "StatusQuery") -> bytes:
    return (f'<{root} xmlns="{namespace}" version="1"><number>{number}</number></{root}>').encode()


def _answer(
    number: str = NUMBER, known: str = "true", namespace: str = NAMESPACE, version: str = "1"
) -> bytes:
    return (
        f'<StatusAnswer xmlns="{namespace}" version="{version}">'
        f"<number>{number}</number><known>{known}</known></StatusAnswer>"
    ).encode()


def test_the_parts_are_xml() -> None:
    assert (PART_QUERY, PART_ANSWER) == ("query.xml", "answer.xml")


@pytest.mark.parametrize("number", [NUMBER, LONGEST, "A"])
def test_a_query_comes_back_with_its_number(number: str) -> None:
    assert parse_query(build_query(number)) == number


@pytest.mark.parametrize("known", [True, False])
def test_an_answer_comes_back_as_it_was_built(known: bool) -> None:
    answer = StatusAnswer(NUMBER, known=known)

    assert parse_answer(build_answer(answer)) == answer


def test_what_is_built_validates_against_the_published_schema() -> None:
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    documents = {
        "StatusQuery": build_query(NUMBER),
        "StatusAnswer": build_answer(StatusAnswer(NUMBER, known=True)),
    }

    for root, document in documents.items():
        element = etree.fromstring(document)
        schema.assertValid(element)
        assert element.tag == f"{{{NAMESPACE}}}{root}"
        assert element.get("version") == "1"
    assert NAMESPACE == "urn:bekitu:status-query:1"
    assert XSD.read_text().count(f'targetNamespace="{NAMESPACE}"') == 1


def test_the_schemas_booleans_are_read_as_they_are_meant() -> None:
    assert parse_answer(_answer(known="1")).known is True
    assert parse_answer(_answer(known="0")).known is False
    assert parse_answer(_answer(known=" false ")).known is False


@pytest.mark.parametrize("number", ["", "P-" + "1" * 39, "p-20261127-000001", "P 1", "P-1\x00"])
@pytest.mark.parametrize(
    "build",
    [build_query, lambda number: build_answer(StatusAnswer(number, known=True))],
    ids=["query", "answer"],
)
def test_nothing_but_a_request_number_is_built(build: Callable[[str], bytes], number: str) -> None:
    with pytest.raises(ContractInvalid):
        build(number)


NOT_A_QUERY = {
    "no number": b'<StatusQuery xmlns="urn:bekitu:status-query:1" version="1"/>',
    "an empty number": _query(number=""),
    "a number too long": _query(number="P-" + "1" * 39),
    "a number not spelt as one": _query(number="p-20261127-000001"),
    "another version": _query().replace(b'version="1"', b'version="2"'),
    "no version": _query().replace(b' version="1"', b""),
    "a wrong namespace": _query(namespace="urn:bekitu:status-query:2"),
    "no namespace": _query().replace(b' xmlns="urn:bekitu:status-query:1"', b""),
    "a wrong root": _query(root="AttachmentsQuery"),
    "an answer": _answer(),
    "the old JSON form": b'{"number": "P-20261127-000001"}',
    "not XML at all": b"\x00\x01 not xml",
    "nothing": b"",
    "an entity": (
        b'<!DOCTYPE q [<!ENTITY n "P-1">]>'
        b'<StatusQuery xmlns="urn:bekitu:status-query:1" version="1"><number>&n;</number>'
        b"</StatusQuery>"
    ),
}

NOT_AN_ANSWER = {
    "no number": _answer().replace(f"<number>{NUMBER}</number>".encode(), b""),
    "a number too long": _answer(number="P-" + "1" * 39),
    "no known": _answer().replace(b"<known>true</known>", b""),
    "known not a boolean": _answer(known="yes"),
    "known empty": _answer(known=""),
    "known before the number": _answer().replace(
        f"<number>{NUMBER}</number><known>true</known>".encode(),
        f"<known>true</known><number>{NUMBER}</number>".encode(),
    ),
    "another version": _answer(version="2"),
    "a wrong namespace": _answer(namespace="urn:bekitu:attachment-status:1"),
    "no namespace": _answer().replace(b' xmlns="urn:bekitu:status-query:1"', b""),
    "a query": _query(),
    "the old JSON form": b'{"number": "P-20261127-000001", "known": true}',
    "not XML at all": b"<StatusAnswer",
}


@pytest.mark.parametrize("document", NOT_A_QUERY.values(), ids=NOT_A_QUERY.keys())
def test_a_query_the_schema_refuses_is_refused(document: bytes) -> None:
    with pytest.raises(ContractInvalid):
        parse_query(document)


@pytest.mark.parametrize("document", NOT_AN_ANSWER.values(), ids=NOT_AN_ANSWER.keys())
def test_an_answer_the_schema_refuses_is_refused(document: bytes) -> None:
    with pytest.raises(ContractInvalid):
        parse_answer(document)


def test_the_documents_written_by_hand_here_are_valid_ones() -> None:
    """The refusals above are of one fault each, not of a document this test spells wrong."""
    assert parse_query(_query()) == NUMBER
    assert parse_answer(_answer()) == StatusAnswer(NUMBER, known=True)
    assert parse_answer(_answer(known="false")) == StatusAnswer(NUMBER, known=False)
