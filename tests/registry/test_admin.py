from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from bekitu.core.models import AuditEntry, User
from bekitu.registry.models import Attachment, Locality, Provider, ServiceArea
from tests.factories import (
    AddressFactory,
    AttachmentFactory,
    PersonRelationFactory,
    ServiceAreaFactory,
)

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.registry.admin_urls")]

MODELS = ("locality", "street", "address", "provider", "doctor", "district", "servicearea")


@pytest.fixture
def admin_client(client: Client) -> Client:
    user = User.objects.create_superuser("chief", "chief@example.kz", "pw")
    client.force_login(user)
    return client


@pytest.fixture
def area() -> ServiceArea:
    area = ServiceAreaFactory()
    AttachmentFactory(provider=area.district.provider, district=area.district)
    PersonRelationFactory()
    AddressFactory(street=area.street)
    return area


@pytest.mark.parametrize("model", [*MODELS, "person", "attachment"])
def test_every_list_opens_and_searches(admin_client: Client, area: ServiceArea, model: str) -> None:
    url = reverse(f"admin:registry_{model}_changelist")
    assert admin_client.get(url).status_code == 200
    assert admin_client.get(url, {"q": "1"}).status_code == 200


def test_provider_page_lists_its_districts(admin_client: Client, area: ServiceArea) -> None:
    district = area.district
    url = reverse("admin:registry_provider_change", args=[district.provider.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="districts-0-number"' in page
    assert f'value="{district.number}"' in page


def test_district_page_lists_its_service_areas(admin_client: Client, area: ServiceArea) -> None:
    url = reverse("admin:registry_district_change", args=[area.district.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="areas-0-house_from"' in page


def test_adding_a_locality_is_audited_as_the_admin_user(admin_client: Client) -> None:
    response = admin_client.post(
        reverse("admin:registry_locality_add"),
        {
            "kato": "634030100",
            "kind": "village",
            "name_kk": "Глубокое",
            "name_ru": "Глубокое",
            "name_en": "Glubokoye",
            "atu_code": "634030000",
            "atu_name_kk": "Глубокое ауданы",
            "atu_name_ru": "Глубоковский район",
            "region_kk": "Шығыс Қазақстан облысы",
            "region_ru": "Восточно-Казахстанская область",
        },
    )
    assert response.status_code == 302
    locality = Locality.objects.get(kato="634030100")
    row = AuditEntry.objects.get(action="registry.locality.create")
    assert (row.object_id, row.actor, row.channel) == (str(locality.pk), "admin:chief", "admin")


def test_opening_a_person_is_an_audited_read(admin_client: Client) -> None:
    attachment = AttachmentFactory()
    person = attachment.person
    page = admin_client.get(reverse("admin:registry_person_change", args=[person.pk]))
    assert page.status_code == 200
    assert person.iin in page.content.decode()
    row = AuditEntry.objects.get(action="registry.person.read")
    assert (row.subject_iin, row.actor, row.data) == (person.iin, "admin:chief", {"via": "admin"})


def test_searching_persons_is_audited(admin_client: Client) -> None:
    admin_client.get(reverse("admin:registry_person_changelist"), {"q": "870101300123"})
    assert AuditEntry.objects.get(action="registry.person.search").data == {"q": "870101300123"}


def test_persons_and_attachments_cannot_be_edited(admin_client: Client) -> None:
    attachment = AttachmentFactory()
    assert admin_client.get(reverse("admin:registry_person_add")).status_code == 403
    assert admin_client.get(reverse("admin:registry_attachment_add")).status_code == 403
    url = reverse("admin:registry_attachment_change", args=[attachment.pk])
    response = admin_client.post(url, {"valid_from": "2020-01-01", "source": "forged"})
    assert response.status_code == 403
    attachment.refresh_from_db()
    assert attachment.source == "desk"
    delete = reverse("admin:registry_person_delete", args=[attachment.person.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403


def test_provider_status_is_changed_only_by_the_close_action(admin_client: Client) -> None:
    attachment = AttachmentFactory()
    provider = attachment.provider
    page = admin_client.get(reverse("admin:registry_provider_change", args=[provider.pk]))
    assert 'name="is_active"' not in page.content.decode()
    response = admin_client.post(
        reverse("admin:registry_provider_changelist"),
        {"action": "close_today", "_selected_action": [provider.pk]},
    )
    assert response.status_code == 302
    provider.refresh_from_db()
    attachment.refresh_from_db()
    assert provider.is_active is False and provider.closed_on is not None
    assert (attachment.valid_to, attachment.end_reason) == (provider.closed_on, "provider_closed")
    assert Attachment.objects.filter(valid_to__isnull=True).count() == 0
    assert AuditEntry.objects.get(action="registry.provider.close").actor == "admin:chief"
    assert not Provider.objects.filter(is_active=True).exists()


def test_admin_pages_carry_the_language_switch(admin_client: Client) -> None:
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert 'action="/i18n/setlang/"' in page
    for code in ("kk", "ru", "en"):
        assert f'name="language" value="{code}"' in page


def test_admin_speaks_russian_when_asked(admin_client: Client) -> None:
    admin_client.cookies["django_language"] = "ru"
    page = admin_client.get(reverse("admin:registry_provider_changelist")).content.decode()
    # Django's own admin strings are catalogued; ours follow from the lead's catalogues.
    assert '<html lang="ru"' in page
    assert "Выберите" in page
