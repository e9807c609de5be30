"""R3.1 on the portal channel: a portal request whose talon is issued while the provider's
signing key is unavailable is told `talon_pending` at once, with the talon's number and
without its unsigned e-document; `talon_issued` with the signed talon follows once the key is
back, the talon signed and its PDF made. On an automatic decision on receipt, on a
specialist's decision, and in the answer to the portal's question where a request stands."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from bekitu.eds.verification import verify_provider_document
from bekitu.gateway.contracts.attachment_status import PART_STATUS, PART_TALON_XML
from bekitu.registry.models import Person, Provider
from bekitu.service.models import PortalRequest, PortalSetting
from bekitu.service.portal_status import status_now
from bekitu.service.services import application_issue_talon
from bekitu.talons.models import Talon
from bekitu.talons.services import talon_pdf_make, talons_sign_pending
from tests.service import test_portal_requests as portal
from tests.service.test_portal_requests import _receive, _statuses, _steps

pytestmark = pytest.mark.django_db

# The provider's side of the portal channel, as its tests have it: the gateway's participants
# (autouse) and the citizen living in the provider's area.
participants, citizen = portal.participants, portal.citizen


def _signed_later(provider: Provider, restore: Callable[[], None]) -> Talon:
    """The key back: the beat's job signs the talon, and its signed PDF is made."""
    restore()
    assert talons_sign_pending() == (1, 0)
    return Talon.objects.get(provider=provider)


def test_a_request_decided_on_receipt_without_the_key_is_told_talon_pending_then_issued(
    test_pki: Any, provider: Provider, citizen: Person, key_away: Callable[[], None]
) -> None:
    # The worker makes the talon's unsigned PDF (R3.1) after the decision commits.
    number = _receive(test_pki, provider, citizen)
    application = PortalRequest.objects.get(number=number).application
    assert application is not None and application.state == "talon_issued"
    talon = Talon.objects.get(application_number=application.number)
    assert talon.signature_pending and talon.pdf is not None

    # Registered, checked and the talon pending: one message, the talon's number, no parts.
    [(pending, parts)] = _statuses(number)
    assert [step.status for step in pending.steps] == ["registered", "checked", "talon_pending"]
    assert pending.talon_number == talon.number and pending.verify_url == ""
    assert set(parts) == {PART_STATUS}
    # Asked where it stands (a message lost on the way), the provider says the same: never
    # talon_issued with the unsigned e-document and its unsigned PDF.
    told = status_now(PortalRequest.objects.get(number=number))
    assert told is not None
    assert (told[0].status, told[0].talon_number, told[1]) == ("talon_pending", talon.number, [])

    talon = _signed_later(provider, key_away)

    assert _steps(number) == ["registered", "checked", "talon_pending", "talon_issued"]
    issued, parts = _statuses(number)[-1]
    assert issued.talon_number == talon.number and issued.verify_url
    assert issued.at == application.decided_at.replace(microsecond=0)  # told at the decision
    assert verify_provider_document(parts[PART_TALON_XML], expect_bin=provider.bin).valid
    told = status_now(PortalRequest.objects.get(number=number))
    assert told is not None and told[0].status == "talon_issued" and len(told[1]) == 2


def test_a_specialists_decision_without_the_key_is_told_talon_pending_then_issued(
    test_pki: Any,
    provider: Provider,
    citizen: Person,
    specialist: Any,
    key_away: Callable[[], None],
) -> None:
    PortalSetting.objects.create(provider=provider, decision=PortalSetting.Decision.SPECIALIST)
    number = _receive(test_pki, provider, citizen)
    application = PortalRequest.objects.get(number=number).application
    assert application is not None

    application_issue_talon(application=application, by=specialist)
    talon = Talon.objects.get(application_number=application.number)
    talon_pdf_make(talon_id=talon.pk)  # the unsigned PDF, for a handwritten signature

    assert _steps(number) == ["registered", "checked", "talon_pending"]
    pending, parts = _statuses(number)[-1]
    assert pending.talon_number == talon.number and set(parts) == {PART_STATUS}

    _signed_later(provider, key_away)

    assert _steps(number) == ["registered", "checked", "talon_pending", "talon_issued"]
