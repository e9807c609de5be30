"""The portal's pages: registration by SMS code, login refusals in the citizen's language,
the cabinet only for a logged-in citizen."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from bekitu.portal.models import Account
from bekitu.registry.models import Person
from tests.portal.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def test_register_by_sms_code_then_the_cabinet(citizen: Person, sms: list[Any]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="kk")
    start = client.post("/portal/register/", {"step": "start", "iin": citizen.iin, "way": "sms"})
    assert start.status_code == 200
    page = start.content.decode()
    assert "SMS-тегі код" in page
    challenge_id = re.search(r'name="challenge_id" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    code = re.search(r"\b(\d{6})\b", sms[0].text).group(1)  # type: ignore[union-attr]
    done = client.post(
        "/portal/register/",
        {
            "step": "finish",
            "iin": citizen.iin,
            "way": "sms",
            "challenge_id": challenge_id,
            "code": code,
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert done.status_code == 302 and done["Location"] == "/portal/cabinet/"
    assert Account.objects.get(iin=citizen.iin).proof == "sms"
    cabinet = client.get("/portal/cabinet/")
    assert citizen.iin in cabinet.content.decode()


def test_login_page_refusals_in_kazakh_and_russian(citizen: Person, sms: list[Any]) -> None:
    for lang, text in (("kk", "тіркелгі тіркелмеген"), ("ru", "не зарегистрирована")):
        client = Client(HTTP_ACCEPT_LANGUAGE=lang)
        page = client.post("/portal/login/", {"iin": citizen.iin, "password": PASSWORD})
        assert page.status_code == 200
        body = page.content.decode()
        assert text in body
        assert 'data-code="not_registered"' in body


def test_the_cabinet_asks_to_log_in(client: Any) -> None:
    response = client.get("/portal/cabinet/")
    assert response.status_code == 302
    assert response["Location"].startswith("/portal/login/")


@pytest.mark.parametrize("path", ["/portal/", "/portal/login/", "/portal/register/"])
def test_each_public_page_names_itself_once_in_its_title(path: str) -> None:
    page = Client(HTTP_ACCEPT_LANGUAGE="kk").get(path).content.decode()
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)  # type: ignore[union-attr]
    parts = [part.strip() for part in title.split("·")]
    assert len(parts) == len(set(parts)), title
    assert parts[-1] == "Bekitu"
