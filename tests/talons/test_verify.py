"""The public check by verification code: the selector, the page and the API."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from lxml import etree

from bekitu.core.models import AuditEntry
from bekitu.registry import services as registry
from bekitu.registry.selectors import today
from bekitu.talons.models import Talon
from bekitu.talons.selectors import Status, talon_get, talon_verify
from bekitu.talons.services import talon_issue
from bekitu.talons.xml import NAMESPACE
from tests.factories import AttachmentFactory, DistrictFactory

pytestmark = pytest.mark.django_db


def _tamper(talon: Talon, old: str, new: str) -> None:
    """Change the stored signed XML behind the service's back, as an intruder would."""
    xml = bytes(talon.xml).replace(old.encode(), new.encode(), 1)
    assert xml != bytes(talon.xml)
    Talon.objects.filter(pk=talon.pk).update(xml=xml)


def _transfer(talon: Talon, on: dt.date) -> None:
    district = DistrictFactory(provider=talon.provider)
    registry.attachment_transfer(
        person=talon.person,
        provider=talon.provider,
        district=district,
        valid_from=on,
        reason="choice",
        source="desk",
    )


# --- the selector ---------------------------------------------------------------------------


def test_fresh_talon_is_authentic_and_current(talon: Talon) -> None:
    result = talon_verify(code=talon.code)
    assert result.found and result.authentic, result.problem
    assert result.status == Status.CURRENT and result.current and result.in_force
    assert result.number == talon.number
    assert result.initials == talon.person.initials == "Ә. С. Н."
    assert result.provider_bin == talon.provider.bin
    assert result.effective_date == talon.effective_date
    assert result.ended_on is None


def test_code_is_read_as_a_person_types_it(talon: Talon) -> None:
    typed = f"{talon.code[:5].lower()}-{talon.code[5:]}"
    assert talon_verify(code=typed).authentic


def test_talon_after_a_transfer_is_superseded(talon: Talon) -> None:
    _transfer(talon, today())
    result = talon_verify(code=talon.code)
    assert result.authentic
    assert result.status == Status.SUPERSEDED and not result.current and not result.in_force
    assert result.ended_on == today()


def test_talon_superseded_from_a_future_day_is_in_force_until_then(talon: Talon) -> None:
    day = today() + dt.timedelta(days=30)
    _transfer(talon, day)
    result = talon_verify(code=talon.code)
    assert result.status == Status.SUPERSEDED and result.in_force
    assert result.in_force_until == day - dt.timedelta(days=1)


def test_talon_of_a_person_who_died_is_ended(talon: Talon) -> None:
    registry.attachment_end(person=talon.person, on=today(), end_reason="death")
    result = talon_verify(code=talon.code)
    assert result.status == Status.ENDED and not result.current


def test_talon_effective_next_year_is_current_but_not_yet_in_force(provider: Any) -> None:
    start = today() + dt.timedelta(days=40)
    attachment = AttachmentFactory(provider=provider, valid_from=start)
    talon = talon_issue(attachment=attachment, application_number="A-9", channel="portal")
    result = talon_verify(code=talon.code)
    assert result.current and not result.in_force


def test_tampered_xml_is_not_authentic(talon: Talon) -> None:
    _tamper(talon, ">true</", ">false</")  # home visits taken away
    result = talon_verify(code=talon.code)
    assert result.found and not result.authentic
    assert result.problem


def test_a_validly_signed_xml_of_another_talon_is_not_authentic(
    talon: Talon, provider: Any
) -> None:
    other = talon_issue(
        attachment=AttachmentFactory(provider=provider), application_number="A-7", channel="desk"
    )
    Talon.objects.filter(pk=talon.pk).update(xml=bytes(other.xml))
    result = talon_verify(code=talon.code)
    assert not result.authentic
    assert result.problem == "content_mismatch"


def test_unknown_code_says_nothing_more(talon: Talon) -> None:
    result = talon_verify(code="0000000000")
    assert not result.found and not result.authentic
    assert result.number == result.initials == result.provider_name == ""


def test_code_that_cannot_exist_does_not_reach_the_database() -> None:
    with CaptureQueriesContext(connection) as queries:
        assert not talon_verify(code="../../etc/passwd").found
    assert len(queries) == 0


def test_check_is_audited_as_a_public_read(talon: Talon, client: Client) -> None:
    client.get(reverse("talons:verify", args=[talon.code]))
    entry = AuditEntry.objects.filter(action="talons.talon.verify").get()
    assert (entry.actor, entry.channel) == ("anonymous", "public")
    assert entry.subject_iin == talon.person.iin
    assert entry.data["authentic"] is True


def test_talon_get_finds_by_number_and_audits_the_read(talon: Talon) -> None:
    found = talon_get(number=talon.number)
    assert found == talon
    assert AuditEntry.objects.filter(action="talons.talon.read", object_id=str(talon.pk)).exists()
    assert talon_get(number="T-000000000000-2026-000001") is None


def _main(page: bytes) -> str:
    """The page's own content, without the header's token and the address it returns to."""
    text = page.decode()
    return text[text.index("<main") : text.index("</main>")]


# --- the page -------------------------------------------------------------------------------


def test_qr_address_opens_the_page_without_login(talon: Talon, client: Client) -> None:
    response = client.get(f"/verify/{talon.code}")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Authentic" in page
    assert "current attachment" in page
    assert talon.number in page
    assert talon.person.initials in page
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "same-origin"


def test_page_never_shows_the_iin_or_the_full_name(talon: Talon, client: Client) -> None:
    page = client.get(f"/verify/{talon.code}").content.decode()
    person = talon.person
    for secret in (person.iin, person.surname, person.given_name, person.patronymic):
        assert secret not in page
    assert f"{person.birth_date:%d.%m.%Y}" not in page


def test_page_after_a_transfer_says_superseded(talon: Talon, client: Client) -> None:
    _transfer(talon, today())
    page = client.get(f"/verify/{talon.code}").content.decode()
    assert "Superseded" in page and "Authentic" in page


def test_page_of_a_tampered_talon_says_not_authentic(talon: Talon, client: Client) -> None:
    _tamper(talon, talon.person.given_name, "Мария")
    response = client.get(f"/verify/{talon.code}")
    assert response.status_code == 200
    assert "Not authentic" in response.content.decode()


def test_unknown_and_malformed_codes_answer_the_same_404_page(client: Client) -> None:
    unknown = client.get("/verify/0000000000")
    malformed = client.get("/verify/not-a-code")
    assert unknown.status_code == malformed.status_code == 404
    assert _main(unknown.content) == _main(malformed.content)
    assert "No talon has this code" in unknown.content.decode()


@pytest.mark.parametrize(("language", "lang_attr"), [("kk", "kk"), ("ru", "ru"), ("en", "en")])
def test_page_speaks_each_language(
    talon: Talon, client: Client, settings: Any, language: str, lang_attr: str
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    page = client.get(f"/verify/{talon.code}").content.decode()
    assert f'<html lang="{lang_attr}">' in page
    assert 'name="language"' in page  # the switch of the base template


def test_typed_code_goes_to_its_page(talon: Talon, client: Client) -> None:
    typed = f"{talon.code[:5].lower()}-{talon.code[5:]}"
    response = client.get(reverse("talons:verify-form"), {"code": typed})
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{talon.code}"


def test_form_explains_a_code_of_the_wrong_shape(client: Client) -> None:
    response = client.get(reverse("talons:verify-form"), {"code": "12"})
    assert response.status_code == 200
    assert 'aria-invalid="true"' in response.content.decode()


def test_too_many_checks_from_one_address_are_slowed_down(
    talon: Talon, client: Client, settings: Any
) -> None:
    settings.TALON_VERIFY_RATE = "3/min"
    codes = [client.get(f"/verify/{talon.code}").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get(f"/api/v1/talons/verify/{talon.code}/").status_code == 429


# --- the API --------------------------------------------------------------------------------


def test_api_gives_the_same_answer_as_json(talon: Talon, client: Client) -> None:
    response = client.get(f"/api/v1/talons/verify/{talon.code}/")
    assert response.status_code == 200
    body = response.json()
    assert body["found"] and body["authentic"] and body["current"]
    assert body["status"] == "current"
    assert body["number"] == talon.number
    assert body["initials"] == talon.person.initials
    assert body["effective_date"] == talon.effective_date.isoformat()
    assert talon.person.iin not in response.content.decode()
    assert "problem" not in body


def test_api_after_a_transfer_and_after_tampering(talon: Talon, client: Client) -> None:
    _transfer(talon, today())
    iin = talon.person.iin
    other_digit = "1" if iin.endswith("0") else "0"  # a change, whatever the last digit is
    _tamper(talon, f">{iin}<", f">{iin[:-1]}{other_digit}<")
    body = client.get(f"/api/v1/talons/verify/{talon.code}/").json()
    assert body["status"] == "superseded"
    assert body["authentic"] is False


def test_api_answers_an_unknown_code_with_404_and_the_same_shape(
    talon: Talon, client: Client
) -> None:
    known = client.get(f"/api/v1/talons/verify/{talon.code}/").json()
    unknown = client.get("/api/v1/talons/verify/0000000000/")
    assert unknown.status_code == 404
    body = unknown.json()
    assert set(body) == set(known)
    assert body["found"] is False and body["number"] == "" and body["issued_at"] is None


def test_api_is_public_and_in_the_openapi_schema(client: Client) -> None:
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/talons/verify/{code}/"]["get"]
    assert operation["operationId"] == "talons_verify"
    assert set(operation["responses"]) == {"200", "404"}
    assert operation.get("security") in (None, [], [{}])


def test_signed_xml_keeps_the_namespace_and_version(talon: Talon) -> None:
    root = etree.fromstring(bytes(talon.xml))
    assert root.tag == f"{{{NAMESPACE}}}talon" and root.get("version") == "1.1"
