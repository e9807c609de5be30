"""Each batch of a re-attachment tells the portal through the gateway: a notice into the
cabinet of each re-attached person who has an account there, nothing for the others."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bekitu.core.models import User
from bekitu.gateway.contracts import attachment_notice
from bekitu.gateway.models import OutboxMessage
from bekitu.gateway.transports.memory import MemoryTransport
from bekitu.gateway.worker import gateway_drain
from bekitu.portal.models import Account, CabinetNotice
from bekitu.service.reattachment.models import Reattachment
from bekitu.service.reattachment.plan import (
    reattachment_assign,
    reattachment_confirm,
    reattachment_plan,
)
from bekitu.service.reattachment.run import reattachment_run
from bekitu.talons.models import Talon
from tests.gateway.conftest import GatewayPki
from tests.service.reattachment_world import ON, World, build_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(gw: GatewayPki, settings: Any) -> World:
    """The re-attachment world with the gateway's two clinics as the target providers, and
    the register served by this installation (clinic A's key signs its envelopes)."""
    settings.GATEWAY_REGISTER_SYSTEM_ID = gw.clinic_a.system_id
    settings.PORTAL_SYSTEM_ID = gw.portal.system_id
    keys = SimpleNamespace(providers=[gw.clinic_a, gw.clinic_b])
    return build_world(keys)


def _account(iin: str) -> Account:
    user = User.objects.create_user(username=f"citizen-{iin}", password="x-Pass-42-x")
    return Account.objects.create(user=user, iin=iin, proof="sms", registered_at=timezone.now())


def _carried_out(world: World) -> Reattachment:
    plan = reattachment_plan(
        provider=world.closing, kind="provider_closed", on=ON, kato_prefix="", planned_by="t"
    )
    reattachment_assign(
        plan=plan, person_ids=[world.persons[-1].pk], district=world.south_therapist
    )
    Reattachment.objects.filter(pk=plan.pk).update(batch_size=3)
    reattachment_confirm(plan=plan, confirmed_by="t")
    return reattachment_run(plan_id=plan.pk)


def test_the_portal_puts_a_notice_into_the_cabinet_of_each_account_holder(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    holder, other_holder = world.persons[0], world.persons[5]
    account = _account(holder.iin)
    _account(other_holder.iin)
    plan = _carried_out(world)
    sent = OutboxMessage.objects.filter(service_id=attachment_notice.SERVICE_ID)
    assert sent.count() == 3  # one per committed batch (3 + 3 + 1)
    gateway_drain(transport=MemoryTransport(), passes=20)
    notices = {n.talon_number: n for n in CabinetNotice.objects.all()}
    assert len(notices) == 2  # the five without an account are told by SMS only
    item = plan.items.get(person=holder)
    notice = notices[item.talon_number]
    assert (notice.account_id, notice.number, notice.reason) == (
        account.pk,
        plan.number,
        "provider_closed",
    )
    assert (notice.provider_bin, notice.district_number, notice.valid_from) == (
        item.target_provider.bin,  # type: ignore[union-attr]
        item.target_district.number,  # type: ignore[union-attr]
        ON,
    )
    talon = Talon.objects.get(number=item.talon_number)
    assert notice.talon_verify_url.endswith(talon.code) or talon.code in notice.talon_verify_url
    # delivered again, nothing is added twice
    gateway_drain(transport=MemoryTransport(), passes=5)
    assert CabinetNotice.objects.count() == 2
    monkeypatch.setattr("bekitu.portal.directory.attachments", lambda iin: [])
    client = Client(HTTP_ACCEPT_LANGUAGE="ru")
    client.force_login(account.user)
    page = client.get(reverse("portal:cabinet")).content.decode()
    assert 'id="notices"' in page and item.talon_number in page
    assert item.target_provider.name_ru in page  # type: ignore[union-attr]


def test_without_a_portal_on_the_gateway_the_run_still_completes(
    world: World, settings: Any
) -> None:
    settings.PORTAL_SYSTEM_ID = "no-such-portal"
    plan = _carried_out(world)
    assert plan.counts == {"attached": 7}
    assert not OutboxMessage.objects.filter(service_id=attachment_notice.SERVICE_ID).exists()
