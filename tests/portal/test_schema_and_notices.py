"""The portal's API in the OpenAPI schema; the SMS port's default; notifications of a change
of a request's status (e-mail and SMS, after the change commits)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema

from bekitu.core.sms import FileSmsSender, masked, normalise_phone

pytestmark = pytest.mark.django_db

PATHS = {
    "/portal/api/v1/auth/challenge",
    "/portal/api/v1/me/dependants",
    "/portal/api/v1/me/attachment",
    "/portal/api/v1/me/dependants/{iin}/attachment",
    "/portal/api/v1/providers",
    "/portal/api/v1/auth/register",
    "/portal/api/v1/auth/login",
    "/portal/api/v1/auth/logout",
    "/portal/api/v1/services/attachment/requirements",
    "/portal/api/v1/attachment-requests",
    "/portal/api/v1/attachment-requests/{draft_id}/submit",
    "/portal/api/v1/attachment-requests/{number}",
    "/portal/api/v1/attachment-requests/{number}/talon.xml",
    "/portal/api/v1/attachment-requests/{number}/talon.pdf",
}


def test_the_portal_api_is_in_the_schema_without_warnings() -> None:
    GENERATOR_STATS.reset()
    schema = SchemaGenerator().get_schema(request=None, public=True)
    validate_schema(schema)
    assert set(schema["paths"]) >= PATHS
    complaints = [*GENERATOR_STATS._warn_cache, *GENERATOR_STATS._error_cache]
    # A collision of component or enum names fails the deploy check; it need not name a path.
    assert [c for c in complaints if "portal" in c or "collision" in c] == []
    assert schema["components"]["securitySchemes"]["portalBearer"]["scheme"] == "bearer"


FILES = {
    "/portal/api/v1/attachment-requests/{number}/talon.xml": "application/xml",
    "/portal/api/v1/attachment-requests/{number}/talon.pdf": "application/pdf",
}


def _resolved(schema: dict[str, Any], part: dict[str, Any]) -> dict[str, Any]:
    ref = part.get("$ref", "")
    return schema["components"]["schemas"][ref.rsplit("/", 1)[-1]] if ref else part


def test_every_portal_success_answer_is_typed() -> None:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    seen = 0
    for path, item in schema["paths"].items():
        if not path.startswith("/portal/api/"):
            continue
        for method, operation in item.items():
            (code,) = [c for c in operation["responses"] if c.startswith("2")]
            if code == "204":  # no body, and none declared
                assert "content" not in operation["responses"][code], (method, path)
                continue
            content = operation["responses"][code]["content"]
            if path in FILES:
                assert list(content) == [FILES[path]], path
                continue
            body = _resolved(schema, content["application/json"]["schema"])
            # A component with its fields, not a bare object.
            assert body.get("properties"), (method, path)
            seen += 1
    assert seen >= 12
    request = schema["components"]["schemas"]["CitizenRequestOut"]["properties"]
    assert {"events", "talon", "refusal", "seconds_left"} <= set(request)
    assert request["talon"]["nullable"] is True and request["refusal"]["nullable"] is True
    providers = schema["components"]["schemas"]["ProvidersOut"]["properties"]
    assert set(providers) == {"providers", "policy", "units"}
    assert "basis" in request
    person = schema["components"]["schemas"]["PersonAttachmentOut"]["properties"]
    assert {"iin", "name", "relation", "current", "history"} <= set(person)
    assert person["current"]["nullable"] is True
    page = schema["components"]["schemas"]["CitizenRequestsOut"]["properties"]
    assert {"requests", "count", "page", "pages", "next", "previous"} <= set(page)
    # The register's silence is a documented answer of the operations that read it.
    attachment = schema["paths"]["/portal/api/v1/me/attachment"]["get"]["responses"]
    assert "504" in attachment
    # Two fields named `relation` with different choices: each enum keeps a name of its own.
    enums = set(schema["components"]["schemas"])
    assert {"RelationEnum", "AttachmentRelationEnum"} <= enums


def test_the_default_sms_sender_writes_a_file_and_masks_the_number_in_the_log(
    tmp_path: Path, caplog: Any
) -> None:
    sender = FileSmsSender(tmp_path)
    sent = sender.send("+77015551234", "code 123456")
    (written,) = tmp_path.glob("*.txt")
    assert "code 123456" in written.read_text() and sent.message_id in written.name
    assert "+77015551234" not in caplog.text
    assert normalise_phone("+7 (701) 555-12-34") == "+77015551234"
    assert normalise_phone("12") == "" and masked("+77015551234").endswith("34")


def test_a_status_change_notifies_by_mail_and_sms_after_commit(
    citizen: Any,
    provider: Any,
    test_pki: Any,
    channel: Any,
    sms: list[Any],
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from django.test import Client

    from bekitu.celery import app as celery_app
    from bekitu.portal import sessions
    from tests.portal.conftest import drain
    from tests.portal.test_requests_api import account_of, body, draft, sign, submit

    # On the app's configuration, as the worker reads it: a setting changed after another test
    # patched the configuration would not reach it.
    monkeypatch.setattr(celery_app.conf, "CELERY_TASK_ALWAYS_EAGER", True)
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    auth = {"HTTP_AUTHORIZATION": f"Bearer {sessions.token_issue(account_of(citizen))}"}
    made = draft(client, auth, body(provider)).json()
    submit(client, auth, made["draft_id"], sign(test_pki, citizen.iin, made["xml_to_sign"]))
    with django_capture_on_commit_callbacks(execute=True):
        drain(channel)
    subjects = {m.subject for m in mailoutbox}
    assert subjects == {f"Запрос {made['number']}"}  # the request's language
    texts = [m.body for m in mailoutbox]
    assert any("талон" in t.lower() for t in texts)
    assert [m.phone for m in sms] and all(m.phone == "+77015551234" for m in sms)
