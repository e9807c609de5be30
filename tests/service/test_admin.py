"""The admin shows applications read-only, and opening one is an audited read."""

from __future__ import annotations

import pytest

from bekitu.core.models import AuditEntry, User
from bekitu.service.services import application_create

pytestmark = pytest.mark.django_db


def test_an_application_opens_read_only_in_the_admin_and_the_read_is_audited(
    client, adult, provider
) -> None:
    app = application_create(channel="desk", recipient=adult, provider=provider, reason="initial")
    admin = User.objects.create_superuser("root", "root@example.kz", "x-Strong-Password-1")
    client.force_login(admin)
    page = client.get(f"/admin/service/application/{app.pk}/change/")
    assert page.status_code == 200 and app.number in page.content.decode()
    read = AuditEntry.objects.get(action="service.application.read")
    assert (read.actor, read.channel, read.object_id) == ("admin:root", "admin", app.number)
    assert client.get("/admin/service/application/add/").status_code == 403


def test_the_portal_setting_is_changed_only_through_the_audited_service(client, provider) -> None:
    """How a provider decides portal requests (R9.10) changes only through
    `portal_setting_set`, audited with who chose: deleting the setting in the admin would
    turn the provider back to automatic decisions with no audit row, so the admin does not
    delete it (choosing "automatically" is the audited way back)."""
    from bekitu.service.models import PortalSetting
    from bekitu.service.portal_requests import portal_setting_set

    setting = portal_setting_set(provider_id=provider.pk, decision="specialist", by="head")
    admin = User.objects.create_superuser("root", "root@example.kz", "x-Strong-Password-1")
    client.force_login(admin)

    address = f"/admin/service/portalsetting/{setting.pk}/delete/"
    assert client.post(address, {"post": "yes"}).status_code == 403
    changelist = "/admin/service/portalsetting/"
    bulk = {"action": "delete_selected", "_selected_action": [setting.pk], "post": "yes"}
    client.post(changelist, bulk)
    assert PortalSetting.objects.get(pk=setting.pk).decision == "specialist"
