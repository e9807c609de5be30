"""Security review of the public talon check (docs/security.md): the rate limit counts the
real client, whatever X-Forwarded-For it sends and whether or not it is logged in; reads of
a refusal are audited however they are looked up."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from bekitu.core.models import AuditEntry
from bekitu.registry.models import Provider
from bekitu.talons.models import Talon
from bekitu.talons.selectors import refusal_for_application
from bekitu.talons.services import refusal_issue
from tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_a_forged_forwarded_header_gets_no_fresh_allowance(
    talon: Talon, client: Client, settings: Any
) -> None:
    settings.TALON_VERIFY_RATE = "3/min"
    settings.TRUSTED_PROXIES = 0
    codes = [
        client.get(f"/verify/{talon.code}", HTTP_X_FORWARDED_FOR=f"198.51.100.{i}").status_code
        for i in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    api = client.get(f"/api/v1/talons/verify/{talon.code}/", HTTP_X_FORWARDED_FOR="192.0.2.1")
    assert api.status_code == 429


def test_behind_a_trusted_proxy_each_client_has_its_own_allowance(
    talon: Talon, client: Client, settings: Any
) -> None:
    settings.TALON_VERIFY_RATE = "2/min"
    settings.TRUSTED_PROXIES = 1

    def check(forwarded: str) -> int:
        return client.get(f"/verify/{talon.code}", HTTP_X_FORWARDED_FOR=forwarded).status_code

    assert [check("198.51.100.1") for _ in range(3)] == [200, 200, 429]
    assert check("198.51.100.2") == 200
    # A client that writes its own header is still known by what the proxy appended.
    assert check("10.9.9.9, 198.51.100.1") == 429


def test_a_logged_in_user_is_counted_like_anyone(
    talon: Talon, client: Client, settings: Any, django_user_model: Any
) -> None:
    settings.TALON_VERIFY_RATE = "2/min"
    client.force_login(django_user_model.objects.create_user(username="someone", password="x"))
    codes = [client.get(f"/verify/{talon.code}").status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_the_check_page_is_not_stored_by_anyone(talon: Talon, client: Client) -> None:
    response = client.get(f"/verify/{talon.code}")
    assert response["Cache-Control"] == "no-store"
    assert "Content-Security-Policy" in response
    assert client.get(f"/api/v1/talons/verify/{talon.code}/")["Cache-Control"] == "no-store"


def test_a_refusal_looked_up_by_its_application_is_an_audited_read(provider: Provider) -> None:
    person = PersonFactory()
    refusal = refusal_issue(
        application_number="A-2026-000777",
        person=person,
        provider=provider,
        reason_code="deceased",
        reason_text_kk="kk",
        reason_text_ru="ru",
        reason_text_en="en",
        legal_ground="R4-1",
        decided_at=refusal_decided_at(),
        channel="desk",
    )
    assert refusal_for_application(application_number="A-2026-000777") == refusal
    entry = AuditEntry.objects.get(action="talons.refusal.read")
    assert (entry.subject_iin, entry.object_id) == (person.iin, str(refusal.pk))


def refusal_decided_at() -> Any:
    from django.utils import timezone

    return timezone.now()
