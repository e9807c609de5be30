"""Errors as the site answers them: localised pages for people, {"code", "message"} for the
API (under /api/ and /portal/api/), with debug mode on and off."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

TITLES = {
    404: {"en": "Page not found", "ru": "Страница не найдена", "kk": "Бет табылмады"},
    403: {"en": "Access denied", "ru": "Доступ запрещён", "kk": "Қолжетімді емес"},
    500: {"en": "Something went wrong", "ru": "Что-то пошло не так", "kk": "Бірдеңе дұрыс болмады"},
    429: {"en": "Too many requests", "ru": "Слишком много запросов", "kk": "Сұраулар тым көп"},
}
NOT_FOUND = {
    "en": "Nothing is at this address.",
    "ru": "По этому адресу ничего нет.",
    "kk": "Бұл мекенжайда ештеңе жоқ.",
}


def _client(language: str) -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE=language, raise_request_exception=False)


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_an_unknown_page_is_the_404_page_in_the_readers_language(language: str) -> None:
    response = _client(language).get("/no-such-page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert f'<html lang="{language}">' in page
    assert TITLES[404][language] in page


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("prefix", ["/api/v1/", "/portal/api/", "/api/"])
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_an_unknown_api_address_is_json_and_lists_no_urls(
    prefix: str, language: str, debug: bool, settings: Any
) -> None:
    settings.DEBUG = debug
    response = _client(language).get(f"{prefix}no/such/thing/")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"code": "not_found", "message": NOT_FOUND[language]}


@pytest.mark.parametrize("debug", [False, True])
def test_a_method_the_api_does_not_take_is_a_json_405_with_allow(
    debug: bool, settings: Any
) -> None:
    settings.DEBUG = debug
    response = _client("ru").post("/api/v1/talons/verify/ABCDEFGHJK/")
    assert response.status_code == 405
    body = response.json()
    assert body["code"] == "method_not_allowed" and set(body) == {"code", "message"}
    assert "GET" in response["Allow"]


@pytest.mark.urls("tests.core.error_urls")
@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("prefix", ["/api/v1/", "/portal/api/"])
def test_a_failure_under_the_api_is_a_json_500_logged_without_the_iin(
    prefix: str, debug: bool, settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.DEBUG = debug
    response = _client("kk").get(f"{prefix}__fail__/")
    assert response.status_code == 500
    assert response.json() == {
        "code": "server_error",
        "message": "Біз жақта бірдеңе дұрыс болмады. Кейінірек қайталап көріңіз.",
    }
    [record] = [r for r in caplog.records if r.getMessage() == "request.failed"]
    assert record.fields["path"] == f"{prefix}__fail__/"


@pytest.mark.urls("tests.core.error_urls")
@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_failure_of_a_page_is_the_500_page_in_the_readers_language(language: str) -> None:
    response = _client(language).get("/__fail__/")
    assert response.status_code == 500
    page = response.content.decode()
    assert f'<html lang="{language}">' in page and TITLES[500][language] in page
    assert "Traceback" not in page and "900101300123" not in page


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_a_form_sent_without_its_csrf_token_is_the_403_page(language: str) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE=language, enforce_csrf_checks=True)
    response = client.post("/workstation/login/", {"username": "x", "password": "y"})
    assert response.status_code == 403
    assert TITLES[403][language] in response.content.decode()


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_too_many_checks_is_the_429_page_with_retry_after(language: str, settings: Any) -> None:
    settings.TALON_VERIFY_RATE = "0/min"
    response = _client(language).get("/verify/ABCDEFGHJK")
    assert response.status_code == 429 and response["Retry-After"] == "60"
    assert TITLES[429][language] in response.content.decode()


def test_a_throttled_api_check_is_json(settings: Any) -> None:
    settings.TALON_VERIFY_RATE = "0/min"
    response = _client("en").get("/api/v1/talons/verify/ABCDEFGHJK/")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled" and set(response.json()) == {"code", "message"}
