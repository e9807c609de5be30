"""The personal cabinet through the portal's API: the person's attachment and its history and
their children's and wards', read from the register through the gateway as the cabinet's
page reads them (a dependant only when the population register lists them as the reader's),
the register's silence as 504 in the reader's language, and the requests page by page."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone, translation

from bekitu.core.models import AuditEntry
from bekitu.core.vocabulary import AttachmentReason
from bekitu.portal import sessions
from bekitu.portal.errors import MESSAGES
from bekitu.portal.models import Account, CitizenRequest
from bekitu.registry.models import Attachment, Person
from tests.factories import AttachmentFactory, PersonFactory, PersonRelationFactory
from tests.portal.test_requests_api import account_of

API = "/portal/api/v1/"

pytestmark = pytest.mark.django_db


def bearer(person: Person) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {sessions.token_issue(account_of(person))}"}


def reads() -> set[str]:
    """The persons the register was asked about (its audit of each read)."""
    rows = AuditEntry.objects.filter(action="service.register.attachments")
    return {row.subject_iin for row in rows}


def test_my_attachment_and_its_history_over_each_transport(
    client: Any, citizen: Person, provider: Any, any_channel: Any, settings: Any
) -> None:
    earlier = AttachmentFactory(
        person=citizen,
        valid_from=dt.date(2020, 1, 1),
        valid_to=dt.date(2024, 1, 15),
        reason=Attachment.Reason.INITIAL,
    )
    now = AttachmentFactory(person=citizen, provider=provider, home_visits=False)

    answer = client.get(API + "me/attachment", **bearer(citizen))

    assert answer.status_code == 200, answer.json()
    body = answer.json()
    assert (body["iin"], body["relation"]) == (citizen.iin, "self")
    assert body["current"] == {
        "provider": {"bin": provider.bin, "name": provider.name_ru},
        "district": str(now.district.number),
        "doctor": now.district.doctor.full_name,
        "since": "2024-01-15",
        "home_visits": False,
    }
    assert [(p["provider"]["bin"], p["valid_from"], p["valid_to"]) for p in body["history"]] == [
        (provider.bin, "2024-01-15", None),
        (earlier.provider.bin, "2020-01-01", "2024-01-15"),
    ]
    assert body["history"][1]["reason"] == "initial"
    assert body["history"][1]["reason_label"] == "initial registration"
    # The register audits the read, as for the cabinet's page: this person only.
    read = AuditEntry.objects.get(action="service.register.attachments")
    assert (read.subject_iin, read.data["asked_by"]) == (citizen.iin, settings.PORTAL_SYSTEM_ID)


def test_the_providers_name_is_in_the_readers_language(
    client: Any, citizen: Person, provider: Any, channel: Any
) -> None:
    AttachmentFactory(person=citizen, provider=provider)

    kk = client.get(API + "me/attachment", HTTP_ACCEPT_LANGUAGE="kk", **bearer(citizen)).json()

    assert kk["current"]["provider"]["name"] == provider.name_kk
    with translation.override("kk"):
        choice = str(AttachmentReason.CHOICE.label)
    assert kk["history"][0]["reason_label"] == choice != "free choice of provider"


def test_a_parent_reads_their_childs_attachment_and_a_guardian_their_wards(
    client: Any, citizen: Person, child: Person, provider: Any, channel: Any
) -> None:
    AttachmentFactory(person=child, provider=provider, valid_from=dt.date(2018, 6, 1))
    ward = PersonFactory(birth_date=dt.date(1950, 4, 4))
    PersonRelationFactory(person=ward, relative=citizen, kind="guardian")
    auth = bearer(citizen)

    kid = client.get(API + f"me/dependants/{child.iin}/attachment", **auth)
    theirs = client.get(API + f"me/dependants/{ward.iin}/attachment", **auth)

    assert kid.status_code == 200, kid.json()
    assert (kid.json()["iin"], kid.json()["relation"]) == (child.iin, "child")
    assert kid.json()["current"]["since"] == "2018-06-01"
    assert kid.json()["current"]["provider"]["bin"] == provider.bin
    assert theirs.status_code == 200, theirs.json()
    assert theirs.json()["relation"] == "ward"
    assert theirs.json()["current"] is None and theirs.json()["history"] == []
    assert reads() == {child.iin, ward.iin}  # each read audited; the parent's own not asked


@pytest.mark.parametrize("who", ["stranger", "adult_child", "dead_child", "ended_ward", "self"])
def test_a_person_not_ones_dependant_is_refused_and_never_read(
    client: Any, citizen: Person, channel: Any, who: str
) -> None:
    if who == "self":
        iin = citizen.iin
    else:
        born = {"adult_child": dt.date(2000, 1, 1), "ended_ward": dt.date(1950, 1, 1)}
        person = PersonFactory(
            birth_date=born.get(who, dt.date(2017, 1, 1)),
            death_date=dt.date(2020, 1, 1) if who == "dead_child" else None,
        )
        relation = {
            "stranger": {"relative": PersonFactory()},
            "ended_ward": {
                "relative": citizen,
                "kind": "guardian",
                "valid_to": dt.date(2020, 1, 1),
            },
        }.get(who, {"relative": citizen})
        PersonRelationFactory(person=person, **relation)
        iin = person.iin

    refused = client.get(
        API + f"me/dependants/{iin}/attachment", HTTP_ACCEPT_LANGUAGE="ru", **bearer(citizen)
    )

    assert refused.status_code == 403, refused.json()
    assert refused.json()["code"] == "not_a_dependant"
    with translation.override("ru"):
        assert refused.json()["message"] == str(MESSAGES["not_a_dependant"])
    assert reads() == set()


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
@pytest.mark.parametrize("path", ["me/attachment", "me/dependants/{child}/attachment"])
def test_the_register_silent_is_504_with_a_message_in_the_readers_language(
    client: Any, citizen: Person, child: Person, channel: Any, language: str, path: str
) -> None:
    channel.serve = lambda: None  # nobody answers the query
    auth = bearer(citizen)

    with override_settings(GATEWAY_CALL_TIMEOUT_SECONDS=0):
        answer = client.get(
            API + path.format(child=child.iin), HTTP_ACCEPT_LANGUAGE=language, **auth
        )

    assert answer.status_code == 504
    assert answer.json()["code"] == "register_unavailable"
    with translation.override(language):
        expected = str(MESSAGES["register_unavailable"])
    assert answer.json()["message"] == expected
    if language != "en":
        assert "did not answer in time" not in expected  # translated, not the source text


def test_a_person_the_register_no_longer_knows_is_told_so_not_that_it_was_silent(
    client: Any, citizen: Person, channel: Any
) -> None:
    auth = bearer(citizen)
    Person.objects.filter(pk=citizen.pk).delete()  # struck off after the login

    answer = client.get(API + "me/attachment", HTTP_ACCEPT_LANGUAGE="ru", **auth)

    assert answer.status_code == 403
    assert answer.json()["code"] == "person_not_found"
    with translation.override("ru"):
        assert answer.json()["message"] == str(MESSAGES["person_not_found"])


@pytest.mark.parametrize("path", ["me/attachment", "me/dependants/{child}/attachment"])
def test_a_query_string_is_refused_not_read_as_ones_own(
    client: Any, citizen: Person, child: Person, channel: Any, path: str
) -> None:
    answer = client.get(API + path.format(child=child.iin) + f"?for={child.iin}", **bearer(citizen))

    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid" and "for" in answer.json()["fields"]
    assert reads() == set()


def test_the_attachment_needs_a_login(client: Any, child: Person) -> None:
    assert client.get(API + "me/attachment").status_code == 401
    assert client.get(API + f"me/dependants/{child.iin}/attachment").status_code == 401


def _request(account: Account, number: str, day: int) -> CitizenRequest:
    """An application taken at the provider's desk and filed in the cabinet with its talon."""
    return CitizenRequest.objects.create(
        number=number,
        account=account,
        channel="desk",
        recipient_iin=account.iin,
        provider_bin="050140000110",
        provider_name="ГКП «ЕМХАНА №1»",
        status="talon_issued",
        submitted_at=timezone.make_aware(dt.datetime(2026, 3, day, 10, 0)),
        talon_number=f"T-{number}",
    )


def test_my_requests_newest_first_page_by_page(client: Any, citizen: Person) -> None:
    account = account_of(citizen)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {sessions.token_issue(account)}"}
    for number, day in (("D-2", 2), ("D-9", 9), ("D-5", 5)):
        _request(account, number, day)
    _request(account_of(PersonFactory()), "D-7", 7)  # another person's

    first = client.get(API + "attachment-requests?page_size=2", **auth).json()
    second = client.get(first["next"], **auth).json()
    everything = client.get(API + "attachment-requests", **auth).json()

    assert [r["number"] for r in first["requests"]] == ["D-9", "D-5"]
    assert (first["count"], first["page"], first["pages"]) == (3, 1, 2)
    assert first["next"] == "/portal/api/v1/attachment-requests?page=2&page_size=2"
    assert first["previous"] is None
    assert [r["number"] for r in second["requests"]] == ["D-2"]
    assert second["next"] is None
    assert second["previous"] == "/portal/api/v1/attachment-requests?page=1&page_size=2"
    listed = everything["requests"]
    assert [r["number"] for r in listed] == ["D-9", "D-5", "D-2"]
    assert {"number", "status", "recipient_iin", "provider", "submitted_at", "deadline"} <= set(
        listed[0]
    )
    assert listed[0]["provider"] == {"bin": "050140000110", "name": "ГКП «ЕМХАНА №1»"}
    beyond = client.get(API + "attachment-requests?page=7&page_size=2", **auth).json()
    assert beyond["requests"] == [] and beyond["previous"].endswith("page=2&page_size=2")


@pytest.mark.parametrize("query", ["page=0", "page_size=0", "page_size=101", "page=x", "q=1"])
def test_a_page_out_of_its_bounds_is_bad_input(client: Any, citizen: Person, query: str) -> None:
    answer = client.get(API + f"attachment-requests?{query}", **bearer(citizen))

    assert answer.status_code == 400
    assert answer.json()["code"] == "invalid"
    assert set(answer.json()["fields"]) <= {"page", "page_size", "q"}
