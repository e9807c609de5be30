"""What the portal does not keep: a request prepared for signing and not submitted within
BEKITU_PORTAL_DRAFT_HOURS is refused (`draft_expired`, in the citizen's language, nothing
sent), and deleted with its e-copies a day later; a submitted request keeps its draft;
expired challenges and tokens go; the purge is audited with its counts."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone, translation

from bekitu.core.models import AuditEntry
from bekitu.gateway.models import OutboxMessage
from bekitu.portal import accounts
from bekitu.portal.errors import MESSAGES
from bekitu.portal.models import ApiToken, Challenge, CitizenRequest, Draft, DraftCopy
from bekitu.portal.retention import portal_purge
from tests.portal.test_cabinet_api import bearer
from tests.portal.test_request_pages import logged_in, prepare
from tests.portal.test_requests_api import body, draft, sign, submit

pytestmark = pytest.mark.django_db


def _age(draft_id: str, hours: float) -> None:
    Draft.objects.filter(pk=draft_id).update(created_at=timezone.now() - dt.timedelta(hours=hours))


def test_an_expired_draft_is_refused_and_nothing_is_sent(
    client: Any, provider: Any, citizen: Any, channel: Any, test_pki: Any, settings: Any
) -> None:
    settings.PORTAL_DRAFT_HOURS = 72
    auth = bearer(citizen)
    made = draft(client, auth, body(provider)).json()
    _age(made["draft_id"], 73)

    refused = client.post(
        f"/portal/api/v1/attachment-requests/{made['draft_id']}/submit",
        {"signed_xml": sign(test_pki, citizen.iin, made["xml_to_sign"])},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="kk",
        **auth,
    )

    assert refused.status_code == 400
    assert refused.json()["code"] == "draft_expired"
    with translation.override("kk"):
        assert refused.json()["message"] == str(MESSAGES["draft_expired"])
    assert not CitizenRequest.objects.exists() and not OutboxMessage.objects.exists()


def test_a_draft_within_its_hours_is_sent_and_kept_by_the_purge(
    client: Any, provider: Any, citizen: Any, channel: Any, test_pki: Any, settings: Any
) -> None:
    settings.PORTAL_DRAFT_HOURS = 72
    auth = bearer(citizen)
    made = draft(client, auth, body(provider)).json()
    _age(made["draft_id"], 71)
    sent = submit(client, auth, made["draft_id"], sign(test_pki, citizen.iin, made["xml_to_sign"]))
    assert sent.status_code == 202
    _age(made["draft_id"], 24 * 30)  # long ago, but submitted: the request reads its draft

    portal_purge()

    assert Draft.objects.filter(pk=made["draft_id"]).exists()
    # Submitting it again still answers with its request, expired or not.
    again = submit(client, auth, made["draft_id"], sign(test_pki, citizen.iin, made["xml_to_sign"]))
    assert again.status_code == 202 and again.json()["number"] == sent.json()["number"]


def test_the_purge_deletes_what_expired_a_day_ago_and_audits_it(
    client: Any, provider: Any, citizen: Any, channel: Any, settings: Any
) -> None:
    settings.PORTAL_DRAFT_HOURS = 72
    auth = bearer(citizen)
    old = draft(client, auth, body(provider)).json()["draft_id"]
    fresh = draft(client, auth, body(provider)).json()["draft_id"]
    _age(old, 72 + 25)
    _age(fresh, 72 + 23)  # expired, but not yet a day ago
    account = accounts.Account.objects.get(iin=citizen.iin)
    now = timezone.now()
    Challenge.objects.create(
        iin=citizen.iin,
        purpose="login",
        way="sms",
        nonce="n",
        issued_at=now - dt.timedelta(days=3),
        expires_at=now - dt.timedelta(days=2),
    )
    ApiToken.objects.create(
        account=account,
        key_hash="0" * 64,
        created_at=now - dt.timedelta(days=1),
        expires_at=now - dt.timedelta(hours=1),
    )
    tokens_before = ApiToken.objects.count()

    report = portal_purge()

    assert (report.drafts, report.challenges, report.tokens) == (1, 1, 1)
    assert {str(pk) for pk in Draft.objects.values_list("pk", flat=True)} == {fresh}
    assert not DraftCopy.objects.filter(draft_id=old).exists()
    assert ApiToken.objects.count() == tokens_before - 1  # the login's own token stays
    entry = AuditEntry.objects.get(action="portal.purge")
    assert (entry.data["drafts"], entry.data["challenges"], entry.data["tokens"]) == (1, 1, 1)


def test_the_page_of_an_expired_draft_says_so_and_offers_a_new_request(
    provider: Any, citizen: Any, channel: Any, settings: Any
) -> None:
    settings.PORTAL_DRAFT_HOURS = 72
    client = logged_in(citizen, "ru")
    sign_url = prepare(client, provider)
    Draft.objects.update(created_at=timezone.now() - dt.timedelta(hours=73))

    page = client.get(sign_url).content.decode()

    assert 'data-code="draft_expired"' in page and 'id="sign-form"' not in page
    with translation.override("ru"):
        assert str(MESSAGES["draft_expired"]) in page
