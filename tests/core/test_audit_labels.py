"""The admin's audit log names what was done and through which channel in the reader's
language, in its list and in its filters (codes made at run time included)."""

from __future__ import annotations

import pytest
from django.test import Client
from django.utils import translation

from bekitu.core.audit import audit_context, audit_record
from bekitu.core.audit_labels import action_label, channel_label
from bekitu.core.models import User

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("lang", "code", "words"),
    [
        ("kk", "service.application.read", "өтініш: оқылды"),
        ("ru", "service.application.read", "заявление: прочитано"),
        ("ru", "registry.person.list", "список просмотрен"),
        ("en", "workstation.phone.sms_sent", "telephone application: SMS sent"),
    ],
)
def test_an_action_code_reads_as_words(lang: str, code: str, words: str) -> None:
    with translation.override(lang):
        assert words.lower() in action_label(code).lower()


def test_an_unknown_code_stays_as_it_is() -> None:
    assert action_label("something.unheard.of") == "something.unheard.of"
    assert channel_label("pigeon") == "pigeon"


@pytest.mark.parametrize(
    ("lang", "action", "channel"),
    [("kk", "оқылды", "жеке келу (АЖО)"), ("ru", "прочитано", "личное обращение (АРМ)")],
)
def test_the_admin_list_and_its_filters_speak_the_language(
    client: Client, lang: str, action: str, channel: str
) -> None:
    client.force_login(User.objects.create_superuser("chief", password="x-Strong-Password-1"))
    with audit_context(actor="specialist", channel="desk"):
        audit_record(action="service.application.read", object_type="service.application")
    page = client.get("/admin/core/auditentry/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()
    assert action in page and channel in page
    assert ">service.application.read<" not in page
    filtered = client.get(
        "/admin/core/auditentry/", {"action": "service.application.read"}, HTTP_ACCEPT_LANGUAGE=lang
    )
    assert filtered.status_code == 200
    assert len(filtered.context["cl"].result_list) == 1
