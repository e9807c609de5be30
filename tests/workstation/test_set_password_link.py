"""`bekitu staff-create --link`: no password on the command line at all; the staff member
chooses it through a one-time link that works once, expires, and runs the validators."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import pytest
from django.contrib.auth import authenticate, get_user_model
from django.core.management import CommandError, call_command
from django.test import Client

from bekitu.core.models import AuditEntry
from bekitu.workstation.services import set_password_tokens
from tests.factories import ProviderFactory

pytestmark = pytest.mark.django_db

GOOD = "Aigul-chooses-1t"


def _create(*extra: str) -> str:
    provider = ProviderFactory()
    out = io.StringIO()
    call_command(
        "staff-create",
        "--username",
        "aigul",
        "--provider-bin",
        provider.bin,
        "--role",
        "statistics_specialist",
        "--link",
        *extra,
        stdin=io.StringIO(""),
        stdout=out,
    )
    return out.getvalue()


def _link(out: str) -> str:
    found = re.search(r"(https://desk\.example)?(/workstation/set-password/[^\s]+/)", out)
    assert found, out
    return found.group(2)


def _client() -> Client:
    return Client(HTTP_ACCEPT_LANGUAGE="en")


def _choose(url: str, password: str, again: str | None = None) -> Any:
    data = {"new_password1": password, "new_password2": password if again is None else again}
    return _client().post(url, data)


def test_the_login_has_no_password_until_the_link_sets_it_once() -> None:
    out = _create("--base-url", "https://desk.example/")
    assert "https://desk.example/workstation/set-password/" in out
    assert "valid 24 h" in out
    user = get_user_model().objects.get(username="aigul")
    assert not user.has_usable_password()
    url = _link(out)

    page = _client().get(url)
    assert page.status_code == 200
    assert b"aigul" in page.content
    assert page["Cache-Control"].startswith("max-age=0")
    assert page["Referrer-Policy"] == "same-origin"

    done = _choose(url, GOOD)
    assert done.status_code == 302
    assert done["Location"].endswith("/workstation/login/")
    assert authenticate(username="aigul", password=GOOD) == user
    entry = AuditEntry.objects.get(action="workstation.staff.password_set")
    assert entry.data == {"username": "aigul", "through": "link"}
    assert GOOD not in str(AuditEntry.objects.values_list("data", flat=True))

    # used: the link is gone, and cannot set another password
    assert _client().get(url).status_code == 404
    assert _choose(url, "Another-choice-2x").status_code == 404
    assert authenticate(username="aigul", password=GOOD) == user


def test_the_password_validators_run_on_the_page() -> None:
    url = _link(_create())
    for weak in ("1234", "aigul-aigul", "password1234"):
        page = _choose(url, weak)
        assert page.status_code == 400, weak
        assert b'role="alert"' in page.content
    assert _choose(url, GOOD, again="Something-else-9").status_code == 400
    user = get_user_model().objects.get(username="aigul")
    assert not user.has_usable_password()
    assert not AuditEntry.objects.filter(action="workstation.staff.password_set").exists()
    # the refused tries did not use the link up
    assert _choose(url, GOOD).status_code == 302


def test_the_link_expires(monkeypatch: pytest.MonkeyPatch, settings: Any) -> None:
    settings.PASSWORD_RESET_TIMEOUT = 3600
    url = _link(_create())
    made = set_password_tokens._now()
    monkeypatch.setattr(set_password_tokens, "_now", lambda: made + dt.timedelta(hours=2))
    assert _client().get(url).status_code == 404
    assert _choose(url, GOOD).status_code == 404
    assert not get_user_model().objects.get(username="aigul").has_usable_password()


@pytest.mark.parametrize(
    "mangle",
    [
        lambda uid, token: (uid, token[:-1] + ("0" if token[-1] != "0" else "1")),
        lambda uid, token: ("MTIzNDU2", token),
        lambda uid, token: ("!!", token),
        lambda uid, token: (uid, "x-y"),
    ],
)
def test_a_wrong_token_or_user_is_404(mangle: Any) -> None:
    url = _link(_create())
    uid, token = url.rstrip("/").split("/")[-2:]
    uid, token = mangle(uid, token)
    assert _client().get(f"/workstation/set-password/{uid}/{token}/").status_code == 404


def test_a_link_of_another_purpose_or_of_a_non_staff_user_is_refused() -> None:
    from django.contrib.auth.tokens import default_token_generator
    from django.utils.encoding import force_bytes
    from django.utils.http import urlsafe_base64_encode

    url = _link(_create())
    user = get_user_model().objects.get(username="aigul")
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    # Django's own password-reset token is not a set-password token here
    other = default_token_generator.make_token(user)
    assert _client().get(f"/workstation/set-password/{uid}/{other}/").status_code == 404
    plain = get_user_model().objects.create_user("visitor")
    plain.set_unusable_password()
    plain.save()
    puid = urlsafe_base64_encode(force_bytes(plain.pk))
    token = set_password_tokens.make_token(plain)
    assert _client().get(f"/workstation/set-password/{puid}/{token}/").status_code == 404
    assert _client().get(url).status_code == 200


def test_link_and_password_stdin_do_not_go_together() -> None:
    with pytest.raises(CommandError):
        _create("--password-stdin")
    assert not get_user_model().objects.filter(username="aigul").exists()


def test_a_link_for_an_existing_login_stops_its_old_password() -> None:
    provider = ProviderFactory()
    call_command(
        "staff-create",
        "--username",
        "aigul",
        "--provider-bin",
        provider.bin,
        "--role",
        "head",
        "--password-stdin",
        stdin=io.StringIO("Old-password-77\n"),
        stdout=io.StringIO(),
    )
    assert authenticate(username="aigul", password="Old-password-77") is not None
    url = _link(_create())
    assert authenticate(username="aigul", password="Old-password-77") is None
    assert _choose(url, GOOD).status_code == 302
    assert authenticate(username="aigul", password=GOOD) is not None


@pytest.mark.parametrize(
    ("lang", "title", "weak"),
    [
        ("kk", "Құпиясөзіңізді таңдаңыз", "Бұл пароль тым қысқа"),
        ("ru", "Выберите пароль", "Введённый пароль слишком короткий"),
        ("en", "Choose your password", "This password is too short"),
    ],
)
def test_the_page_and_its_errors_speak_the_users_language(lang: str, title: str, weak: str) -> None:
    url = _link(_create())
    client = Client(HTTP_ACCEPT_LANGUAGE=lang)
    assert title in client.get(url).content.decode()
    page = client.post(url, {"new_password1": "Ab-9", "new_password2": "Ab-9"})
    assert page.status_code == 400
    assert weak in page.content.decode()
