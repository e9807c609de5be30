"""A small region for the report tests: providers A and B in one region (KATO 63...), one
outside it (75...), districts with normative sizes, and staff of every role at A and B."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from rest_framework.test import APIClient

from bekitu.registry.models import District, Provider
from bekitu.workstation.services import staff_create
from tests.factories import DistrictFactory, LocalityFactory, ProviderFactory

PASSWORD = "reports-Pass-42"


@dataclass
class Region:
    a: Provider
    b: Provider
    outside: Provider
    a_gp: District
    a_child: District
    b_gp: District
    far: District
    users: dict[str, Any]

    def client(self, who: str, language: str = "en") -> Client:
        client = Client(HTTP_ACCEPT_LANGUAGE=language)
        client.force_login(self.users[who])
        return client

    def api(self, who: str) -> APIClient:
        client = APIClient(HTTP_ACCEPT_LANGUAGE="en")
        client.force_authenticate(self.users[who])
        return client


def build_region() -> Region:
    """Providers A, B (region 63) and one outside (75); districts; staff at A and B."""
    here = LocalityFactory(atu_code="631010000")
    there = LocalityFactory(atu_code="751010000")
    a = ProviderFactory(locality=here, name_en="Polyclinic A", name_ru="Поликлиника А")
    b = ProviderFactory(locality=here, name_en="Polyclinic B", name_ru="Поликлиника Б")
    outside = ProviderFactory(locality=there, name_en="Far clinic", name_ru="Дальняя")
    a_gp = DistrictFactory(provider=a, number=1, kind="gp", normative_size=2)
    a_child = DistrictFactory(provider=a, number=2, kind="paediatric", normative_size=10)
    b_gp = DistrictFactory(provider=b, number=1, kind="therapist", normative_size=4)
    far = DistrictFactory(provider=outside, number=1, kind="gp")
    users = {
        who: staff_create(username=who, password=PASSWORD, provider_bin=p.bin, role=role).user
        for who, p, role in (
            ("head", a, "head"),
            ("regional", a, "regional_admin"),
            ("specialist", a, "statistics_specialist"),
            ("head_b", b, "head"),
        )
    }
    return Region(a, b, outside, a_gp, a_child, b_gp, far, users)


@pytest.fixture
def region(db: None) -> Region:
    return build_region()


def day(text: str) -> dt.date:
    return dt.date.fromisoformat(text)
