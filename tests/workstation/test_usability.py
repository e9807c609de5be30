"""Pages usable by keyboard and in the user's language: every field has a label, the main
actions have access keys, and errors come in the language chosen."""

from __future__ import annotations

import pytest
from django.urls import reverse
from lxml import html as lxml_html

from bekitu.service import services
from bekitu.workstation.staff import scope_for
from tests.workstation.conftest import Desk

pytestmark = pytest.mark.django_db


def _unlabelled(content: bytes) -> list[str]:
    tree = lxml_html.fromstring(content)
    labelled = {label.get("for") for label in tree.iter("label")}
    missing = []
    for field in tree.xpath("//input|//select|//textarea"):
        if field.get("type") in ("hidden", "submit"):
            continue
        wrapped = any(a.tag == "label" for a in field.iterancestors())
        if field.get("id") not in labelled and not wrapped:
            missing.append(field.get("name") or "?")
    return missing


def test_every_field_of_every_desk_page_has_a_label(desk: Desk) -> None:
    client = desk.client("specialist")
    client.post(reverse("workstation:intake"), {"iin": desk.person.iin})
    scope = scope_for(desk.users["specialist"])
    assert scope is not None
    entry = services.Intake(recipient_iin=desk.elsewhere.iin, channel="desk", reason="choice")
    application = services.application_intake(
        scope=scope, intake=entry, by=desk.users["specialist"], looked_up_by=scope.actor
    )
    pages = [
        reverse("workstation:intake"),
        reverse("workstation:intake-person"),
        reverse("workstation:application", args=[application.number]),
        reverse("workstation:population"),
        reverse("workstation:index"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert _unlabelled(response.content) == [], url
    from django.test import Client

    assert _unlabelled(Client().get(reverse("workstation:login")).content) == []


def test_the_main_actions_have_access_keys(desk: Desk) -> None:
    tree = lxml_html.fromstring(desk.client("specialist").get(reverse("workstation:index")).content)
    keys = {a.get("id"): a.get("accesskey") for a in tree.xpath("//*[@accesskey]")}
    assert keys == {"nav-queue": "q", "nav-intake": "n", "nav-population": "p"}


@pytest.mark.parametrize("lang", ["kk", "ru", "en"])
def test_a_bad_iin_page_comes_in_the_language_chosen(desk: Desk, lang: str) -> None:
    client = desk.client("specialist")
    client.post(reverse("set_language"), {"language": lang})
    response = client.post(reverse("workstation:intake"), {"iin": "12"})
    assert response.status_code == 400
    tree = lxml_html.fromstring(response.content)
    assert tree.get("lang") == lang
    assert tree.xpath('//*[@id="id_iin_error"][@role="alert"]')
