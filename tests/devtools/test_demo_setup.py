"""`bekitu demo-setup`: what `make run` does once on a fresh machine, and nothing twice."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from bekitu.registry.models import Person
from bekitu.registry.selectors import attachment_open, districts_covering
from bekitu.workstation.models import StaffProfile

pytestmark = pytest.mark.django_db


def _setup(settings: Any, tmp_path: Path) -> str:
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("demo-setup", persons=300, seed=3, stdout=out)
    return out.getvalue()


def test_demo_setup_loads_people_keys_and_logins_and_prints_them(
    settings: Any, tmp_path: Path
) -> None:
    text = _setup(settings, tmp_path)
    assert Person.objects.count() == 300
    assert (tmp_path / "pki" / "trust").is_dir()
    assert any((tmp_path / "pki" / "providers").glob("*.p12"))
    roles = dict(StaffProfile.objects.values_list("user__username", "role"))
    assert roles == {
        "stat1": "statistics_specialist",
        "head1": "head",
        "stat2": "statistics_specialist",
        "head2": "head",
        "region": "regional_admin",
    }
    assert get_user_model().objects.get(username="admin").is_superuser
    for line in ("/workstation/", "/admin/", "/api/docs/", "stat1", "Try at the desk"):
        assert line in text
    # The portal: a citizen with test keys (every one of them in the register), how to sign,
    # and the gateway's participants served here.
    import json

    from bekitu.gateway.models import Participant

    manifest = json.loads((tmp_path / "pki" / "manifest.json").read_text())
    iins = [p["iin"] for p in manifest["persons"]]
    assert Person.objects.filter(iin__in=iins).count() == len(iins)
    assert "/portal/" in text and iins[1] in text and "ncalayer-dev" in text
    # The citizen the demo signs with is not attached anywhere and is told where a first
    # attachment goes: a provider whose adult district covers their home.
    newcomer = Person.objects.select_related("address").get(iin=iins[1])
    assert attachment_open(person=newcomer) is None
    covering = districts_covering(address=newcomer.address).filter(kind__in=["gp", "therapist"])
    provider = covering.first().provider  # type: ignore[union-attr]
    assert f"not attached anywhere: apply to {provider.name_ru} (BIN {provider.bin})" in text
    assert Participant.objects.filter(system_id__in=["egov-portal", "bekitu-register"]).count() == 2


def test_demo_setup_twice_changes_nothing(settings: Any, tmp_path: Path) -> None:
    _setup(settings, tmp_path)
    counts = (Person.objects.count(), StaffProfile.objects.count())
    _setup(settings, tmp_path)
    assert (Person.objects.count(), StaffProfile.objects.count()) == counts
