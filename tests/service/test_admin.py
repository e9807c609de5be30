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
