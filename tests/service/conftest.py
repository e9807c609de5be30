"""Fixtures of the state service's tests: a provider that holds a signing key of the test
PKI, its districts covering one street, and persons living there."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from bekitu.core.models import User
from bekitu.registry.models import District, Person, Provider, ServiceArea
from tests.factories import PersonFactory, ProviderFactory, ServiceAreaFactory


@pytest.fixture
def provider(eds_settings: Any, test_pki: Any, settings: Any, tmp_path: Any) -> Provider:
    """A provider whose BIN has a key in the test PKI, so talons can be signed."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return ProviderFactory(bin=test_pki.provider.bin)


@pytest.fixture
def gp_area(provider: Provider) -> ServiceArea:
    return ServiceAreaFactory(district__provider=provider, district__kind=District.Kind.GP)


@pytest.fixture
def paediatric_area(provider: Provider, gp_area: ServiceArea) -> ServiceArea:
    return ServiceAreaFactory(
        district__provider=provider,
        district__kind=District.Kind.PAEDIATRIC,
        street=gp_area.street,
    )


@pytest.fixture
def adult(gp_area: ServiceArea) -> Person:
    """A citizen of 41 who lives on the street the GP district covers, attached nowhere."""
    return PersonFactory(birth_date=dt.date(1985, 3, 4), sex="male", address__street=gp_area.street)


@pytest.fixture
def specialist(provider: Provider) -> User:
    return User.objects.create_user(username="stat-1", password="x-Strong-Password-1")
