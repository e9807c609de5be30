"""The application's page before the decision: checks that cannot have run are pending, a
failed check takes "Issue the talon" away and offers the refusal with its reason, ticks
survive a failed action 1 and a scan upload, parents are named in the page's language, and
the page's first field and the access keys are there for the keyboard."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from lxml import html as lxml_html

from bekitu.registry.models import PersonRelation
from bekitu.service import services
from bekitu.service.models import Application
from bekitu.workstation.staff import scope_for
from tests.factories import POA_DATE, POA_VALID_UNTIL, PersonFactory
from tests.workstation.conftest import Desk

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def _application(desk: Desk, **intake: str) -> Application:
    scope = scope_for(desk.users["specialist"])
    assert scope is not None
    entry = services.Intake(
        recipient_iin=desk.person.iin, channel="desk", reason="choice", **intake
    )
    return services.application_intake(
        scope=scope, intake=entry, by=desk.users["specialist"], looked_up_by=scope.actor
    )


def _tree(content: bytes) -> Any:
    return lxml_html.fromstring(content)


def _one(tree: Any, xpath: str) -> Any:
    """The one element the XPath finds, or None."""
    found = tree.xpath(xpath)
    return found[0] if found else None


def _text(element: Any) -> str:
    return " ".join(element.text_content().split())


def _page(desk: Desk, number: str, lang: str = "en") -> Any:
    client = desk.client("specialist")
    client.cookies["django_language"] = lang
    response = client.get(reverse("workstation:application", args=[number]))
    assert response.status_code == 200
    return _tree(response.content)


def test_the_documents_check_is_pending_before_action_1_not_failed(desk: Desk) -> None:
    application = _application(desk)
    page = _page(desk, application.number)
    row = _one(page, '//tr[@data-check="documents"]')
    assert row is not None and row.get("class") == "pending"
    assert "failed" not in _text(row) and "action 1" in _text(row)
    assert _one(page, '//*[@id="check-failed"]') is None
    # With the documents accepted, the check has run and passed; the talon can be issued.
    client = desk.client("specialist")
    client.post(
        reverse("workstation:accept", args=[application.number]),
        {"documents": ["identity_document"]},
    )
    page = _page(desk, application.number)
    assert _one(page, '//tr[@data-check="documents"]').get("class") == "ok"
    assert _one(page, '//*[@id="issue-submit"]') is not None


def test_a_failed_check_offers_the_refusal_with_its_reason_instead_of_the_talon(
    desk: Desk,
) -> None:
    application = _application(desk)
    client = desk.client("specialist")
    client.post(
        reverse("workstation:accept", args=[application.number]),
        {"documents": ["identity_document"]},
    )
    # The person died after intake: action 1's run of the checks says so.
    desk.person.death_date = dt.date(2026, 1, 5)
    desk.person.save()
    services.application_checks_run(application=application)
    page = _page(desk, application.number)
    assert _one(page, '//*[@id="issue-form"]') is None
    notice = _one(page, '//*[@id="check-failed"]')
    assert notice is not None and "deceased" in _text(notice)
    chosen = _one(page, '//form[@id="refuse-form"]//select[@name="reason_code"]/option[@selected]')
    assert chosen is not None and chosen.get("value") == "deceased"
    # In Russian the notice speaks Russian.
    ru = _page(desk, application.number, "ru")
    assert "Проверка не пройдена" in _text(_one(ru, '//*[@id="check-failed"]'))


def test_ticks_survive_a_failed_action_1(desk: Desk) -> None:
    application = _application(
        desk,
        applicant_role="representative",
        applicant_iin=desk.elsewhere.iin,
        power_of_attorney=services.PowerOfAttorney(
            number="PA-1", date=POA_DATE, valid_until=POA_VALID_UNTIL
        ),
    )
    client = desk.client("specialist")
    page = _page(desk, application.number)
    codes = page.xpath('//form[@id="accept-form"]//input[@name="documents"]/@value')
    assert len(codes) >= 2, codes
    response = client.post(
        reverse("workstation:accept", args=[application.number]),
        {"ticks": "1", "documents": [codes[0]]},
        follow=True,
    )
    application.refresh_from_db()
    assert application.state == "received"
    assert any(m.level_tag == "error" for m in response.context["messages"])
    page = _tree(response.content)
    ticked = page.xpath('//form[@id="accept-form"]//input[@name="documents"][@checked]/@value')
    assert ticked == [codes[0]]


def test_ticks_survive_a_scan_upload_from_the_checklists_form(
    desk: Desk, settings: Any, tmp_path: Any
) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    application = _application(desk)
    client = desk.client("specialist")
    page = _page(desk, application.number)
    button = _one(page, '//*[@id="scan-submit-identity_document"]')
    assert button.get("form") == "accept-form"
    assert button.get("formenctype") == "multipart/form-data"
    upload = SimpleUploadedFile("id.pdf", PDF, content_type="application/pdf")
    response = client.post(
        button.get("formaction"),
        {
            "ticks": "1",
            "documents": ["identity_document"],
            "kind": "identity_document",
            "file-identity_document": upload,
            "note-identity_document": "both sides",
        },
        follow=True,
    )
    assert any(m.level_tag == "success" for m in response.context["messages"])
    page = _tree(response.content)
    assert _one(page, '//*[@id="doc-identity_document"]').get("checked") is not None
    assert "both sides" in _text(_one(page, '//tr[@data-kind="identity_document"]'))
    application.refresh_from_db()
    assert application.state == "received", "a scan is not action 1"


def test_a_scan_without_a_file_says_so_and_keeps_the_ticks(desk: Desk) -> None:
    application = _application(desk)
    client = desk.client("specialist")
    response = client.post(
        reverse("workstation:scan-attach", args=[application.number]),
        {"ticks": "1", "documents": ["identity_document"], "kind": "identity_document"},
        follow=True,
    )
    errors = [str(m) for m in response.context["messages"] if m.level_tag == "error"]
    assert errors == ["Choose the file of the scan."]
    page = _tree(response.content)
    assert _one(page, '//*[@id="doc-identity_document"]').get("checked") is not None


@pytest.mark.parametrize(("lang", "word"), [("kk", "Ата-ана"), ("ru", "Родитель")])
def test_parents_are_named_in_the_page_language(desk: Desk, lang: str, word: str) -> None:
    mother = PersonFactory()
    PersonRelation.objects.create(person=desk.person, relative=mother, kind="parent")
    client = desk.client("specialist")
    client.cookies["django_language"] = lang
    client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    page = _tree(client.get(reverse("workstation:intake-person")).content)
    text = _text(_one(page, '//*[@id="relatives"]'))
    assert mother.full_name in text and mother.iin in text
    assert "parent" not in text
    assert word.lower() in text.lower(), text


def test_each_page_focuses_its_first_field_and_shows_its_access_keys(desk: Desk) -> None:
    client = desk.client("specialist")
    lookup = _tree(client.get(reverse("workstation:intake")).content)
    assert _one(lookup, "//*[@autofocus]").get("name") == "iin"
    client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    intake = _tree(client.get(reverse("workstation:intake-person")).content)
    assert _one(intake, "//*[@autofocus]").get("name") == "channel"
    population = _tree(client.get(reverse("workstation:population")).content)
    assert _one(population, "//*[@autofocus]").get("name") == "q"
    keyed = intake.xpath("//*[@accesskey]")
    assert len(keyed) >= 4
    for element in keyed:
        shown = _one(element, './/kbd[@class="key"]')
        assert shown is not None and _text(shown).lower() == element.get("accesskey")
        assert element.get("aria-keyshortcuts").lower().endswith(element.get("accesskey"))
    assert _one(intake, '//*[@id="keys-hint"]') is not None


def test_the_refusal_carries_its_own_qr_code_and_check_code(desk: Desk, tmp_path: Any) -> None:
    from tests.talons.pdfcheck import pdf_text, qr_texts, render_png

    application = _application(desk)
    client = desk.client("specialist")
    client.post(
        reverse("workstation:refuse", args=[application.number]),
        {"reason_code": "unreliable_data", "comment": "The photo is of another person."},
    )
    application.refresh_from_db()
    assert application.state == "refused"
    pdf = b"".join(
        client.get(
            reverse("workstation:pdf", args=[application.number, "refusal"])
        ).streaming_content
    )
    text = " ".join(pdf_text(pdf).split())
    assert "Код проверки" in text and "/verify/" in text
    [url] = qr_texts(render_png(pdf, tmp_path))
    code = url.rsplit("/", 1)[-1]
    assert f"{code[:5]}-{code[5:]}" in text
    # Anyone holding the paper checks it at the printed address (no login).
    from django.test import Client

    page = Client(HTTP_ACCEPT_LANGUAGE="ru").get(f"/verify/{code}")
    assert page.status_code == 200
    assert application.refusal_number in page.content.decode()
    assert "Проверка отказа" in page.content.decode()


def test_the_talon_names_the_specialist_who_issued_it(desk: Desk) -> None:
    from tests.talons.pdfcheck import pdf_text

    user = desk.users["specialist"]
    user.first_name, user.last_name = "Айгерим", "Сапарова"
    user.save()
    application = _application(desk)
    client = desk.client("specialist")
    client.post(
        reverse("workstation:accept", args=[application.number]),
        {"documents": ["identity_document"]},
    )
    client.post(reverse("workstation:issue", args=[application.number]))
    application.refresh_from_db()
    assert application.state == "talon_issued"
    pdf = b"".join(
        client.get(reverse("workstation:pdf", args=[application.number, "talon"])).streaming_content
    )
    text = " ".join(pdf_text(pdf).split())
    assert "Выдал специалист" in text and "Айгерим Сапарова" in text
    assert "Подписано электронной цифровой подписью" in text


def test_the_api_says_a_check_is_pending_and_names_a_failures_code(desk: Desk) -> None:
    application = _application(desk)
    api = desk.api("specialist")
    body = api.get(reverse("workstation-api:application", args=[application.number])).json()
    documents = next(c for c in body["checks"] if c["name"] == "documents")
    assert documents["pending"] is True and documents["code"] == ""
    desk.person.death_date = dt.date(2026, 1, 5)
    desk.person.save()
    services.application_checks_run(application=application)
    body = api.get(reverse("workstation-api:application", args=[application.number])).json()
    alive = next(c for c in body["checks"] if c["name"] == "alive")
    assert (alive["passed"], alive["pending"], alive["code"]) == (False, False, "deceased")
