"""A talon issued at the desk while the provider's key is unavailable (R3.1, decision 9): the
application's page, the queue and the person's card say that it awaits the e-signature, the
public check (page and API) says the paper is valid and the e-document not yet signed; once
the key is back and the talon is signed, every one of them stops saying so."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from bekitu.service.models import Application
from bekitu.talons.models import Talon
from bekitu.talons.services import talons_sign_pending
from tests.workstation.conftest import Desk

pytestmark = pytest.mark.django_db


@pytest.fixture
def keys_away(desk: Desk, settings: Any, tmp_path: Path) -> Path:
    """The providers' key folder, moved away: every key is missing until put back."""
    folder = Path(settings.EDS_PROVIDER_KEYS_DIR)
    away = tmp_path / "away"
    shutil.copytree(folder, away)
    copy = tmp_path / "keys"
    copy.mkdir()
    settings.EDS_PROVIDER_KEYS_DIR = copy
    return away


def _issued(desk: Desk, on_commit: Any) -> Application:
    api = desk.api("specialist")
    payload = {"recipient_iin": desk.person.iin, "channel": "desk", "reason": "choice"}
    created = api.post(reverse("workstation-api:applications"), payload, format="json").json()
    number = created["number"]
    documents = [item["code"] for item in created["checklist"]]
    url = reverse("workstation-api:accept-documents", args=[number])
    assert api.post(url, {"documents": documents}, format="json").status_code == 200
    with on_commit(execute=True):
        issued = api.post(reverse("workstation-api:issue-talon", args=[number]), format="json")
    assert issued.status_code == 200, issued.content
    assert issued.json()["state"] == "talon_issued"
    return Application.objects.get(number=number)


def _seen(desk: Desk, application: Application) -> dict[str, Any]:
    """What the desk and the public check show of the application's talon."""
    client = desk.client("specialist")
    code = Talon.objects.get(number=application.talon_number).code
    number = application.number
    queue = client.get(reverse("workstation:index") + "?decided=unsigned").content.decode()
    today = client.get(reverse("workstation:index") + "?decided=today").content.decode()
    card = client.get(reverse("workstation:person", args=[application.recipient_id]))
    api = desk.api("specialist").get(reverse("workstation-api:application", args=[number]))
    public = Client().get(reverse("talons:api-verify", args=[code]))
    page = Client().get(reverse("talons:verify", args=[code]), HTTP_ACCEPT_LANGUAGE="ru")
    return {
        "page": 'id="signature-pending"'
        in client.get(reverse("workstation:application", args=[number])).content.decode(),
        "unsigned_queue": f'data-number="{number}"' in queue,
        "today_badge": f'id="unsigned-{number}"' in today,
        "today_listed": f'data-number="{number}"' in today,
        "card": f'id="history-unsigned-{number}"' in card.content.decode()
        and f'id="app-unsigned-{number}"' in card.content.decode(),
        "api": api.json()["talon_signature_pending"],
        "public": public.json(),
        "verify": page.content.decode(),
    }


def test_the_desk_and_the_public_check_say_the_talon_awaits_its_e_signature_until_signed(
    desk: Desk, keys_away: Path, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    application = _issued(desk, django_capture_on_commit_callbacks)
    talon = Talon.objects.get(number=application.talon_number)
    assert talon.signature_pending

    seen = _seen(desk, application)
    assert seen["page"] and seen["unsigned_queue"] and seen["today_badge"] and seen["card"]
    assert seen["api"] is True
    public = seen["public"]
    assert public["signature_pending"] is True and public["authentic"] is False
    # The paper can be compared with what the provider recorded.
    assert public["number"] == talon.number and public["provider_bin"] == desk.provider.bin
    assert "Ещё не подписан" in seen["verify"]
    assert 'id="pending-facts"' in seen["verify"] and talon.number in seen["verify"]

    for item in keys_away.iterdir():
        shutil.copy(item, Path(settings.EDS_PROVIDER_KEYS_DIR) / item.name)
    with django_capture_on_commit_callbacks(execute=True):
        assert talons_sign_pending() == (1, 0)

    seen = _seen(desk, application)
    assert not seen["page"] and not seen["unsigned_queue"] and not seen["card"]
    assert seen["today_listed"] and not seen["today_badge"]
    assert seen["api"] is False
    assert seen["public"]["signature_pending"] is False and seen["public"]["authentic"] is True
    assert 'id="pending-facts"' not in seen["verify"]


def test_a_talon_signed_at_once_is_never_marked(
    desk: Desk, django_capture_on_commit_callbacks: Any
) -> None:
    application = _issued(desk, django_capture_on_commit_callbacks)
    seen = _seen(desk, application)
    assert seen["today_listed"] and not seen["today_badge"] and not seen["unsigned_queue"]
    assert not seen["page"] and not seen["card"] and seen["api"] is False
    assert seen["public"]["authentic"] is True and seen["public"]["signature_pending"] is False


def test_the_queue_offers_the_filter_in_the_users_language(desk: Desk) -> None:
    page = desk.client("specialist").get(reverse("workstation:index"), HTTP_ACCEPT_LANGUAGE="kk")
    assert 'value="unsigned"' in page.content.decode()
