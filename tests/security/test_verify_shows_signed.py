"""The public talon check shows only what the signed document says, and says "not
authentic" when the stored row and the signed document disagree (an effective date edited
in the database was shown, under "authentic")."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from bekitu.talons.models import Talon
from bekitu.talons.selectors import talon_verify
from tests.talons.conftest import attachment, provider, talon

__all__ = ["attachment", "provider", "talon"]

pytestmark = pytest.mark.django_db


def test_an_effective_date_edited_in_the_database_is_not_authentic(
    talon: Talon, client: Client
) -> None:
    signed = talon.effective_date
    edited = signed + dt.timedelta(days=40)
    Talon.objects.filter(pk=talon.pk).update(effective_date=edited)
    result = talon_verify(code=talon.code)
    assert result.found and not result.authentic
    assert result.problem == "content_mismatch"
    assert result.effective_date is None and result.initials == ""
    page = client.get(f"/verify/{talon.code}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Not authentic" in page and edited.strftime("%d.%m.%Y") not in page


def test_an_issue_time_edited_in_the_database_is_not_authentic(talon: Talon) -> None:
    Talon.objects.filter(pk=talon.pk).update(issued_at=talon.issued_at - dt.timedelta(days=3))
    assert not talon_verify(code=talon.code).authentic


def test_what_is_shown_comes_from_the_signed_document(talon: Talon) -> None:
    # A provider renamed after the talon was issued: the check shows the signed name.
    provider = talon.provider
    signed_name = provider.name_ru
    type(provider).objects.filter(pk=provider.pk).update(name_ru="Renamed", name_kk="Renamed")
    result = talon_verify(code=talon.code)
    assert result.authentic
    assert result.provider_name == signed_name and result.effective_date == talon.effective_date
