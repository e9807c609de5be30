"""The regional administrator's re-attachment: the pages (plan, decide by hand, confirm,
progress) and the API, kept to the region; other roles are turned away."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from bekitu.service.reattachment.models import Reattachment
from bekitu.service.reattachment.run import reattachment_run
from bekitu.talons.models import Talon
from bekitu.workstation.services import staff_create
from tests.factories import ProviderFactory
from tests.service.reattachment_world import ON, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(eds_settings: Any, test_pki: Any) -> World:
    return build_world(test_pki)


def _user(world: World, role: str, provider_bin: str | None = None) -> Any:
    bin_ = provider_bin or world.north.bin
    name = f"{role}-{bin_}"
    return staff_create(username=name, password="x-Pass-42-x", provider_bin=bin_, role=role).user


def _client(user: Any, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    client.force_login(user)
    return client


def test_the_region_plans_decides_by_hand_confirms_and_follows_the_progress(
    world: World,
) -> None:
    client = _client(_user(world, "regional_admin"))
    index = client.get(reverse("workstation:reattachments"))
    assert index.status_code == 200 and b'id="nav-reattachments"' in index.content
    made = client.post(
        reverse("workstation:reattachments"),
        {"provider": world.closing.pk, "kind": "provider_closed", "on": ON.strftime("%d.%m.%Y")},
    )
    plan = Reattachment.objects.get()
    assert made.status_code == 302 and made["Location"].endswith(f"/{plan.number}/")
    page = client.get(made["Location"]).content.decode()
    lonely = world.persons[-1]
    assert 'id="plan-targets"' in page and lonely.full_name in page
    assert f'value="{world.south_therapist.pk}"' in page  # a district to send them to
    assert f'value="{world.closing_district.pk}"' not in page  # never the closing provider's
    refused = client.post(reverse("workstation:reattachment-confirm", args=[plan.number]))
    assert "persons have no target yet" in client.get(refused["Location"]).content.decode()
    client.post(
        reverse("workstation:reattachment-assign", args=[plan.number]),
        {"persons": [lonely.pk], "district": world.south_therapist.pk},
    )
    assert 'id="all-placed"' in client.get(made["Location"]).content.decode()
    client.post(reverse("workstation:reattachment-confirm", args=[plan.number]))
    progress_url = reverse("workstation:reattachment-progress", args=[plan.number])
    before = client.get(progress_url).json()
    assert (before["status"], before["processed"], before["total"]) == ("confirmed", 0, 7)
    reattachment_run(plan_id=plan.pk)
    after = client.get(progress_url).json()
    assert (after["status"], after["processed"], after["counts"]) == ("done", 7, {"attached": 7})
    assert after["text"] == "7 of 7 persons processed"
    assert Talon.objects.filter(channel="region").count() == 7


def test_the_plan_form_says_what_is_wrong_in_the_users_language(world: World) -> None:
    client = _client(_user(world, "regional_admin"), "ru")
    answer = client.post(
        reverse("workstation:reattachments"),
        {"provider": world.closing.pk, "kind": "provider_closed", "on": "31.02.2026"},
    )
    assert answer.status_code == 200
    assert "Введите дату" in answer.content.decode()
    assert not Reattachment.objects.exists()


def test_only_the_region_reaches_the_pages_and_only_its_plans(world: World) -> None:
    head = _client(_user(world, "head"))
    assert head.get(reverse("workstation:reattachments")).status_code == 403
    elsewhere = ProviderFactory(atu_code="751010000")
    stranger = _client(_user(world, "regional_admin", provider_bin=elsewhere.bin))
    client = _client(_user(world, "regional_admin", provider_bin=world.north.bin))
    # a provider outside the territory is not offered
    form = stranger.get(reverse("workstation:reattachments")).content.decode()
    assert world.closing.bin not in form
    client.post(
        reverse("workstation:reattachments"),
        {"provider": world.closing.pk, "kind": "provider_closed", "on": ON.strftime("%d.%m.%Y")},
    )
    number = Reattachment.objects.get().number
    assert stranger.get(reverse("workstation:reattachment", args=[number])).status_code == 404


def test_the_api_plans_assigns_and_confirms(world: World) -> None:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(_user(world, "regional_admin"))
    made = api.post(
        "/api/v1/reattachments/",
        {"provider_bin": world.closing.bin, "kind": "provider_closed", "on": ON.isoformat()},
        format="json",
    )
    assert made.status_code == 201, made.json()
    body = made.json()
    lonely = world.persons[-1]
    assert (body["total"], body["status"]) == (7, "planned")
    assert [p["person_id"] for p in body["without_target"]] == [lonely.pk]
    url = f"/api/v1/reattachments/{body['number']}/"
    early = api.post(url + "confirm/")
    assert (early.status_code, early.json()["code"]) == (409, "targets_missing")
    wrong = api.post(
        url + "assign/",
        {"district_id": world.closing_district.pk, "person_ids": [lonely.pk]},
        format="json",
    )
    assert (wrong.status_code, wrong.json()["code"]) == (400, "district_not_allowed")
    placed = api.post(
        url + "assign/",
        {"district_id": world.south_therapist.pk, "person_ids": [lonely.pk]},
        format="json",
    )
    assert placed.status_code == 200 and placed.json()["without_target"] == []
    confirmed = api.post(url + "confirm/")
    assert confirmed.json()["status"] == "confirmed"
    assert api.get(url).json()["processed"] == 0


def test_the_api_turns_away_other_roles(world: World) -> None:
    api = APIClient(HTTP_ACCEPT_LANGUAGE="en")
    api.force_authenticate(_user(world, "statistics_specialist"))
    answer = api.post(
        "/api/v1/reattachments/",
        {"provider_bin": world.closing.bin, "kind": "provider_closed", "on": ON.isoformat()},
        format="json",
    )
    assert (answer.status_code, answer.json()["code"]) == (403, "not_permitted")
