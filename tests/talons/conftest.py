"""Talons under test: a provider whose key is in the test PKI, an attachment, an issued talon."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from bekitu.devtools.testpki import TestPki
from bekitu.registry.models import Attachment, Provider
from bekitu.talons.models import Talon
from bekitu.talons.services import talon_issue, talon_pdf_make
from tests.factories import AttachmentFactory, PersonFactory, ProviderFactory


@pytest.fixture(autouse=True)
def _fresh_throttle() -> None:
    # The check's rate limit counts in the cache; every test starts with a clean count.
    cache.clear()


@pytest.fixture
def provider(eds_settings: Any, test_pki: TestPki) -> Provider:
    """A provider whose organization key is in the test PKI's key folder."""
    return ProviderFactory(
        bin=test_pki.provider.bin,
        name_kk="«№3 қалалық емхана» ШЖҚ МКК",
        name_ru="КГП на ПХВ «Городская поликлиника №3»",
        name_en="City polyclinic No. 3",
        address="Өскемен қ., Қазақстан көшесі, 85",
        phone="+7 7232 25-14-08",
    )


@pytest.fixture
def attachment(provider: Provider) -> Attachment:
    """An open attachment of a Kazakh-named person to the provider, with home visits."""
    person = PersonFactory(surname="Нұрланова", given_name="Әсел", patronymic="Серікқызы")
    return AttachmentFactory(person=person, provider=provider, home_visits=True)


@pytest.fixture
def talon(attachment: Attachment) -> Talon:
    """The talon of `attachment`, issued at the desk, with the PDF the background worker
    makes once the issue commits."""
    talon = talon_issue(attachment=attachment, application_number="A-2026-000451", channel="desk")
    talon_pdf_make(talon_id=talon.pk)
    return talon
