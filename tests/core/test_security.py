"""Web hardening (docs/security.md): the client's address behind proxies, login lockout on
every password door, idle sessions, security headers, the admin's networks, and the
production settings that `check --deploy` asks for."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from bekitu.core.checks import debug_on_a_public_host
from bekitu.core.models import SecurityCounter
from bekitu.core.security import LAST_SEEN, address_in, client_ip, content_security_policy

PASSWORD = "Correct-Horse-Battery-9"


@pytest.fixture(autouse=True)
def _fresh_counters() -> Iterator[None]:
    # Failure counters live in the cache; no test inherits another's, nor leaves its own.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def user(django_user_model: Any) -> Any:
    return django_user_model.objects.create_user(username="stat-7", password=PASSWORD)


# --- the client's address -------------------------------------------------------------------


def _request(remote: str, forwarded: str | None = None) -> Any:
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_a_forwarded_header_is_ignored(settings: Any) -> None:
    settings.TRUSTED_PROXIES = 0
    assert client_ip(_request("203.0.113.9", "198.51.100.1")) == "203.0.113.9"


def test_behind_one_proxy_the_address_it_appended_is_the_clients(settings: Any) -> None:
    settings.TRUSTED_PROXIES = 1
    # The client wrote "6.6.6.6" itself; the proxy appended the address it saw.
    assert client_ip(_request("10.0.0.2", "6.6.6.6, 198.51.100.1")) == "198.51.100.1"
    assert client_ip(_request("10.0.0.2")) == "10.0.0.2"


def test_behind_two_proxies_the_outer_ones_entry_counts(settings: Any) -> None:
    settings.TRUSTED_PROXIES = 2
    assert client_ip(_request("10.0.0.3", "6.6.6.6, 198.51.100.1, 10.0.0.2")) == "198.51.100.1"
    assert client_ip(_request("10.0.0.3", "198.51.100.1")) == "198.51.100.1"


# --- login lockout --------------------------------------------------------------------------


def _login(client: Client, password: str, url: str = "/workstation/login/", **extra: Any) -> int:
    response = client.post(url, {"username": "stat-7", "password": password}, **extra)
    return response.status_code


@pytest.mark.django_db
def test_after_five_wrong_passwords_even_the_right_one_is_refused(user: Any, settings: Any) -> None:
    settings.LOGIN_FAILURE_LIMIT = 5
    client = Client()
    assert [_login(client, f"guess-{i}") for i in range(5)] == [200] * 5
    assert _login(client, PASSWORD) == 200, "locked out: the form is shown again"
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_lockout_is_per_address_and_ends_after_its_time(user: Any, settings: Any) -> None:
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.LOGIN_LOCKOUT_SECONDS = 1
    for _ in range(2):
        _login(Client(), "wrong", REMOTE_ADDR="198.51.100.7")
    assert _login(Client(), PASSWORD, REMOTE_ADDR="198.51.100.7") == 200
    assert _login(Client(), PASSWORD, REMOTE_ADDR="198.51.100.8") == 302
    time.sleep(1.1)
    assert _login(Client(), PASSWORD, REMOTE_ADDR="198.51.100.7") == 302


@pytest.mark.django_db
def test_a_forged_forwarded_header_does_not_escape_the_lockout(user: Any, settings: Any) -> None:
    settings.LOGIN_FAILURE_LIMIT = 2
    settings.TRUSTED_PROXIES = 0
    for i in range(2):
        _login(Client(), "wrong", HTTP_X_FORWARDED_FOR=f"192.0.2.{i}")
    assert _login(Client(), PASSWORD, HTTP_X_FORWARDED_FOR="192.0.2.99") == 200


@pytest.mark.django_db
def test_a_successful_login_forgets_earlier_failures(user: Any, settings: Any) -> None:
    settings.LOGIN_FAILURE_LIMIT = 3
    for _ in range(2):
        _login(Client(), "wrong")
    assert _login(Client(), PASSWORD) == 302
    for _ in range(2):
        _login(Client(), "wrong")
    assert _login(Client(), PASSWORD) == 302


@pytest.mark.django_db
def test_the_admin_login_shares_the_lockout(user: Any, settings: Any) -> None:
    user.is_staff = True
    user.save()
    settings.LOGIN_FAILURE_LIMIT = 2
    for _ in range(2):
        _login(Client(), "wrong", url="/admin/login/")
    assert _login(Client(), PASSWORD, url="/admin/login/") == 200
    assert _login(Client(), PASSWORD) == 200, "and the workstation's door with it"


@pytest.mark.django_db
def test_basic_authentication_of_the_api_is_locked_out_too(user: Any, settings: Any) -> None:
    settings.LOGIN_FAILURE_LIMIT = 3
    url = reverse("workstation-api:applications")

    def call(password: str) -> int:
        client = APIClient()
        token = base64.b64encode(f"stat-7:{password}".encode()).decode()
        client.credentials(HTTP_AUTHORIZATION=f"Basic {token}")
        return client.get(url).status_code

    assert call(PASSWORD) == 403, "authenticated, though not provider staff"
    assert [call("wrong") for _ in range(3)] == [401] * 3
    assert call(PASSWORD) == 401


@pytest.mark.django_db
def test_the_counter_key_holds_no_user_name(user: Any, settings: Any) -> None:
    settings.LOGIN_FAILURE_LIMIT = 5
    _login(Client(), "wrong")
    keys = list(SecurityCounter.objects.values_list("key", flat=True))
    assert keys and not any("stat-7" in key for key in keys)


# --- sessions -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_idle_session_is_logged_out(user: Any, settings: Any) -> None:
    settings.SESSION_IDLE_SECONDS = 600
    client = Client()
    client.force_login(user)
    assert client.get("/admin/").status_code == 302  # not staff: admin sends to its login
    session = client.session
    assert isinstance(session[LAST_SEEN], int)
    session[LAST_SEEN] = int(time.time()) - 601
    session.save()
    client.get("/")
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_an_active_session_stays(user: Any, settings: Any) -> None:
    settings.SESSION_IDLE_SECONDS = 600
    client = Client()
    client.force_login(user)
    client.get("/")
    session = client.session
    session[LAST_SEEN] = int(time.time()) - 500
    session.save()
    client.get("/")
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.session[LAST_SEEN] >= int(time.time()) - 5, "the clock was moved on"


def test_a_login_lasts_one_working_day_at_most_and_ends_with_the_browser(settings: Any) -> None:
    assert settings.SESSION_COOKIE_AGE <= 12 * 3600
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_HTTPONLY is True


def test_short_passwords_are_refused() -> None:
    with pytest.raises(ValidationError):
        validate_password("Kx7-pQ2-wz")  # 10 characters
    validate_password("Kx7-pQ2-wz-Lm4")


# --- headers --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_carry_a_strict_content_security_policy(client: Client) -> None:
    response = client.get("/")
    policy = response["Content-Security-Policy"]
    assert policy == content_security_policy()
    directives = dict(d.split(" ", 1) for d in policy.split("; "))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert directives["object-src"] == "'none'"
    assert "unsafe" not in policy
    assert "camera=()" in response["Permissions-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_the_policy_lets_scripts_reach_ncalayer(settings: Any) -> None:
    settings.EDS_NCALAYER_URL = "wss://127.0.0.1:13579"
    assert "connect-src 'self' wss://127.0.0.1:13579" in content_security_policy()


@pytest.mark.django_db
def test_report_only_mode_sends_the_policy_under_the_other_header(
    client: Client, settings: Any
) -> None:
    settings.CSP_REPORT_ONLY = True
    response = client.get("/")
    assert "Content-Security-Policy" not in response
    assert response["Content-Security-Policy-Report-Only"] == content_security_policy()


@pytest.mark.django_db
def test_pages_for_a_logged_in_user_are_not_stored(user: Any) -> None:
    client = Client()
    client.force_login(user)
    cache_control = client.get("/")["Cache-Control"]
    assert "no-store" in cache_control and "private" in cache_control


@pytest.mark.django_db
def test_public_pages_keep_their_own_caching(client: Client) -> None:
    assert "Cache-Control" not in client.get("/")


@pytest.mark.django_db
def test_api_docs_run_without_inline_script_or_style(client: Client) -> None:
    html = client.get("/api/docs/").content.decode()
    assert "<style" not in html
    assert "<script>" not in html
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert script["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in script.content.decode()


@pytest.mark.django_db
def test_the_admin_page_has_no_inline_style(user: Any) -> None:
    user.is_staff = user.is_superuser = True
    user.save()
    client = Client()
    client.force_login(user)
    html = client.get("/admin/").content.decode()
    assert 'class="admin-lang"' in html and "style=" not in html


# --- the admin's networks -------------------------------------------------------------------


def test_address_in_networks() -> None:
    assert address_in("10.1.2.3", ["10.0.0.0/8"])
    assert not address_in("203.0.113.1", ["10.0.0.0/8", "::1/128"])
    assert not address_in("not an address", ["0.0.0.0/0"])


@pytest.mark.django_db
def test_the_admin_answers_only_its_networks(settings: Any) -> None:
    settings.ADMIN_NETWORKS = ["10.0.0.0/8"]
    settings.TRUSTED_PROXIES = 0
    outside = Client(REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert outside.get("/admin/login/").status_code == 404
    assert Client(REMOTE_ADDR="10.20.30.40").get("/admin/login/").status_code == 200
    assert outside.get("/").status_code == 200


# --- production -----------------------------------------------------------------------------


def _production_env(tmp_path: Any) -> dict[str, str]:
    # As a server would start: none of the test run's settings (the browser tests' conftest
    # allows async-unsafe calls, which `check --deploy` rightly refuses).
    skip = ("BEKITU_", "DJANGO_ALLOW_ASYNC_UNSAFE")
    env = {k: v for k, v in os.environ.items() if not k.startswith(skip)}
    env.update(
        BEKITU_DEBUG="false",
        BEKITU_SECRET_KEY="x" * 60 + "-production-test-secret-key-of-enough-entropy",
        BEKITU_ALLOWED_HOSTS="bekitu.example.kz",
        BEKITU_VAR_DIR=str(tmp_path),
        DJANGO_SETTINGS_MODULE="bekitu.settings",
    )
    env.pop("DATABASE_URL", None)
    return env


@pytest.mark.slow
def test_production_settings_pass_djangos_deployment_checks(tmp_path: Any) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bekitu", "check", "--deploy", "--fail-level", "WARNING"],
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.slow
def test_production_cookies_are_secure_host_only_and_hidden_from_scripts(tmp_path: Any) -> None:
    probe = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.CSRF_COOKIE_HTTPONLY, "
        "s.SESSION_COOKIE_NAME, s.CSRF_COOKIE_NAME, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_SSL_REDIRECT, bool(s.ADMIN_NETWORKS))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        env=_production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.split() == [
        "True",
        "True",
        "True",
        "__Host-sessionid",
        "__Host-csrftoken",
        "31536000",
        "True",
        "True",
    ], done.stderr


# --- request size ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_body_over_the_limit_is_refused_before_anything_reads_it(
    client: Client, settings: Any, tmp_path: Any
) -> None:
    settings.REQUEST_MAX_BYTES = 1000
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path)
    settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 10
    upload = SimpleUploadedFile("big.pdf", b"%PDF-" + b"x" * 5000)
    response = client.post("/workstation/login/", {"username": "a", "scan": upload})
    assert response.status_code == 413
    assert list(tmp_path.iterdir()) == [], "nothing was spooled to disk"


@pytest.mark.django_db
def test_a_body_within_the_limit_goes_on(client: Client, settings: Any) -> None:
    settings.REQUEST_MAX_BYTES = 100_000
    response = client.post("/workstation/login/", {"username": "a", "password": "b"})
    assert response.status_code == 200


# --- debug mode on a public host ------------------------------------------------------------


def test_debug_mode_under_a_public_host_name_refuses_to_start(settings: Any) -> None:
    settings.DEBUG = True
    settings.ALLOWED_HOSTS = ["127.0.0.1", "bekitu.example.kz"]
    (error,) = debug_on_a_public_host()
    assert error.id == "bekitu.E001" and "bekitu.example.kz" in error.msg
    assert error.is_serious()
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]
    assert debug_on_a_public_host() == []
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["bekitu.example.kz"]
    assert debug_on_a_public_host() == []
