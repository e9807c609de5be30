"""The portal's side of the directory queries (`portal/directory.py`): it asks with the
contracts' XML (`portal-providers-1.xsd`, `portal-requirements-1.xsd`), reads the answers
with their parsers into what the pages and the API read, and takes an answer the schema
refuses for no answer. The gateway is stood in for: no database, no transport."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from bekitu.gateway.contracts import portal_providers as pp
from bekitu.gateway.contracts import portal_requirements as pr
from bekitu.portal import directory
from bekitu.portal.errors import PortalError

IIN = "880211401231"  # a woman born on 11 February 1988, a valid check digit
BIN = "990340001234"


class Gateway:
    """Answers every call with `answer` under `part`, and keeps what it was asked."""

    def __init__(self, answer: bytes, part: str = "answer.xml") -> None:
        self.answer, self.part_name = answer, part
        self.asked: list[dict[str, Any]] = []

    def __call__(self, **call: Any) -> Gateway:
        self.asked.append(call)
        return self

    def part(self, name: str) -> bytes:
        if name != self.part_name:
            raise KeyError(name)
        return self.answer


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch) -> Any:
    def install(answer: bytes, part: str = "answer.xml") -> Gateway:
        stand_in = Gateway(answer, part)
        monkeypatch.setattr(directory, "message_call", stand_in)
        return stand_in

    return install


PROVIDERS_ANSWER = pp.ProvidersAnswer(
    (
        pp.Provider(
            bin=BIN,
            name={"kk": "Емхана", "ru": "Поликлиника", "en": ""},
            address="пр. Абая, 12",
            locality={"kk": "Алматы қ.", "ru": "г. Алматы"},
            phone="+7 727 000 00 00",
            districts=(pp.District("3", "gp", "Әлиева Г."), pp.District("4", "paediatric")),
            covers_address=False,
        ),
    ),
    pp.Policy("2020", pp.Window((9, 1), (11, 1)), False, 1, changes_left=0),
    (pp.Unit("751110000", {"kk": "Алмалы ауданы", "ru": "Алмалинский район"}),),
)


def test_the_providers_are_asked_in_xml_and_read_as_the_pages_read_them(gateway: Any) -> None:
    asked = gateway(pp.build_answer(PROVIDERS_ANSWER))

    with translation.override("en"):
        found = directory.providers_search(
            " Абая\x01 ", IIN, directory.Home("work", "ул.\x00 Төле би", 0), disclose=True
        )

    [call] = asked.asked
    assert call["service_id"] == "bekitu.portal.providers"
    assert pp.parse_query(call["parts"]["query.xml"]) == pp.ProvidersQuery(
        "Абая", IIN, True, pp.Home("work", "ул. Төле би", None)
    )
    [choice] = found.providers
    assert (choice.name, choice.locality) == ("Поликлиника", "г. Алматы")  # no English: Russian
    assert choice.districts == (
        {"number": "3", "kind": "gp", "doctor": "Әлиева Г."},
        {"number": "4", "kind": "paediatric", "doctor": ""},
    )
    assert (choice.covers_address, choice.covering_districts, choice.home_visits) == (
        False,
        (),
        False,
    )
    assert found.policy == {
        "edition": "2020",
        "window": {"opens": [9, 1], "closes": [11, 1]},
        "open": False,
        "max_voluntary_changes": 1,
        "changes_left": 0,
    }
    assert found.units == (directory.Unit("751110000", "Алмалинский район"),)


def test_a_recipient_the_register_cannot_hold_is_not_named_to_the_provider(gateway: Any) -> None:
    asked = gateway(pp.build_answer(pp.ProvidersAnswer((), PROVIDERS_ANSWER.policy)))

    found = directory.providers_search("", "12345")

    assert pp.parse_query(asked.asked[0]["parts"]["query.xml"]).recipient_iin == ""
    assert "changes_left" in found.policy


def test_the_checklist_is_asked_in_xml_and_read_in_the_readers_language(gateway: Any) -> None:
    answer = pr.RequirementsAnswer(
        (
            pr.Document(
                "identity_document",
                {"kk": "Жеке куәлік", "ru": "Удостоверение личности", "en": "Identity document"},
                {"kk": "Анықтау үшін", "ru": "Для установления личности", "en": "To identify"},
            ),
        ),
        pr.Scan(1024, ("application/pdf",)),
    )
    asked = gateway(pr.build_answer(answer))

    with translation.override("kk"):
        needed = directory.requirements(IIN, "parent", "study", pregnant=True)

    [call] = asked.asked
    assert call["service_id"] == "bekitu.portal.requirements"
    query = pr.parse_query(call["parts"]["query.xml"])
    assert query == pr.RequirementsQuery(IIN, "parent", "study", pregnant=True)
    assert needed == directory.Requirements(
        (directory.DocumentNeeded("identity_document", "Жеке куәлік", "Анықтау үшін", True),),
        1024,
        ("application/pdf",),
    )


def test_an_iin_the_register_cannot_hold_is_not_found_without_asking(gateway: Any) -> None:
    asked = gateway(b"")

    with pytest.raises(PortalError) as refused:
        directory.requirements("123", "self")

    assert refused.value.code == "person_not_found"
    assert asked.asked == []


@pytest.mark.parametrize(
    ("ask", "answer"),
    [
        (lambda: directory.providers_search(""), b'{"providers": [], "policy": {}}'),
        (
            lambda: directory.providers_search(""),
            pr.build_answer(pr.RequirementsAnswer((), pr.Scan(1, ()))),
        ),
        (lambda: directory.requirements(IIN, "self"), b'{"documents": [], "scan": {}}'),
        (lambda: directory.requirements(IIN, "self"), pp.build_answer(PROVIDERS_ANSWER)),
    ],
    ids=[
        "providers: the old JSON",
        "providers: another contract's answer",
        "requirements: the old JSON",
        "requirements: another contract's answer",
    ],
)
def test_an_answer_the_schema_refuses_is_no_answer(gateway: Any, ask: Any, answer: bytes) -> None:
    gateway(answer)

    with pytest.raises(PortalError) as refused:
        ask()

    assert refused.value.code == "provider_unavailable"


def test_an_answer_under_the_old_part_name_is_no_answer(gateway: Any) -> None:
    gateway(pp.build_answer(PROVIDERS_ANSWER), part="answer.json")

    with pytest.raises(PortalError) as refused:
        directory.providers_search("")

    assert refused.value.code == "provider_unavailable"
