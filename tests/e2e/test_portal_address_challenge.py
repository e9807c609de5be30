"""Past the per-address limit of failed logins, the login page's script solves the proof of
work by itself (Web Crypto, portal.js) and the citizen logs in (docs/decisions/0020)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bekitu.core.models import AuditEntry
from tests.e2e.browsing import go
from tests.factories import PersonFactory
from tests.portal.conftest import (  # noqa: F401 - fixtures
    PASSWORD,
    area,
    citizen,
    provider,
)
from tests.portal.test_accounts_api import register_by_eds

pytestmark = pytest.mark.e2e


def test_the_login_page_solves_the_challenge_by_itself_and_logs_in(
    page: Any,
    live_server: Any,
    transactional_db: None,
    settings: Any,
    test_pki: Any,
    citizen: Any,  # noqa: F811
) -> None:
    assert register_by_eds(Client(), test_pki, citizen.iin).status_code == 201
    settings.PORTAL_LOGIN_FAILURES_PER_CLIENT_HOUR = 1
    settings.PORTAL_ADDRESS_CHALLENGE_BITS = 10
    settings.PORTAL_ADDRESS_CHALLENGE_MAX_BITS = 12
    login = f"{live_server.url}/portal/login/"
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    # Within the limit the page carries no puzzle; meanwhile a failure from this address
    # (another subscriber behind the same one) reaches the limit.
    page.goto(login)
    assert page.locator("input[name=proof_nonce]").count() == 0
    failed = Client().post(login, {"iin": PersonFactory().iin, "password": PASSWORD})
    assert 'data-code="not_registered"' in failed.content.decode()

    # The next attempt is answered with a challenge, solved while the password is typed again.
    page.fill("#id_iin", citizen.iin)
    page.fill("#id_password", PASSWORD)
    go(page, "#login-submit")
    assert page.get_attribute("#error-summary", "data-code") == "challenge_required"
    page.locator("#work-status", has_text="Your browser is checked.").wait_for()
    assert page.input_value("input[name=proof_nonce]") != ""
    page.fill("#id_password", PASSWORD)
    go(page, "#login-submit")
    assert page.url.endswith("/portal/cabinet/")
    assert AuditEntry.objects.get(action="portal.login").data["address_proof"] is True

    # A page opened past the limit starts on its own puzzle, and its submission waits for it.
    go(page, "#logout")
    page.goto(login)
    assert page.locator("input[name=proof_nonce]").count() == 1
    page.fill("#id_iin", citizen.iin)
    page.fill("#id_password", PASSWORD)
    go(page, "#login-submit")
    assert page.url.endswith("/portal/cabinet/")
    assert errors == []
