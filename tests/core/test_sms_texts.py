"""Every SMS the product sends is one segment but the re-attachment's, which keeps within its
bound (docs/decisions/0019): each text rendered in each language it goes in, for every status,
with the longest values it can carry."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation

from bekitu.core.sms import sms_segments
from bekitu.portal.accounts import registration_code_text
from bekitu.portal.models import Status
from bekitu.portal.notifications import desk_talon_sms_text, status_sms_text
from bekitu.service.reattachment.models import Reattachment
from bekitu.service.reattachment.notices import REATTACHMENT_SMS_SEGMENTS, reattachment_sms_text
from bekitu.service.telephone import talon_ready_text

LANGUAGES = ("kk", "ru", "en")
# The longest numbers: a portal request is P-YYYYMMDD-NNNNNN (the day's serial, six digits);
# an application is A-YYYY-NNNNNN from the year's sequence, given a seventh digit here (more
# than a million applications in a year).
REQUEST_NUMBER = "P-20261231-999999"
APPLICATION_NUMBER = "A-2026-9999999"
DISTRICT = 9999
DAY = dt.date(2026, 12, 31)


def _one_segment(text: str) -> None:
    assert sms_segments(text) == 1, f"{len(text)} characters: {text}"


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("status", list(Status))
def test_the_status_sms_is_one_segment(status: Status, language: str) -> None:
    with translation.override(language):
        _one_segment(status_sms_text(REQUEST_NUMBER, status))


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_desk_talon_sms_in_kazakh_and_russian_is_one_segment(language: str) -> None:
    with translation.override(language):  # the page's language changes nothing
        text = desk_talon_sms_text(APPLICATION_NUMBER)
    _one_segment(text)
    assert "порталда" in text and "на портале" in text


def test_the_telephone_talon_sms_in_kazakh_and_russian_is_one_segment() -> None:
    text = talon_ready_text()
    _one_segment(text)
    assert "дайын" in text and "готов" in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_registration_code_sms_is_one_segment(language: str) -> None:
    with translation.override(language):
        _one_segment(registration_code_text("999999", 999))


# A provider's name at the long end of the register's (most are 40 to 70 characters).
PROVIDER_KK = "«Өскемен қаласының №1 қалалық емханасы» ШЖҚ КМК " + "Ә" * 30
PROVIDER_RU = "КГП на ПХВ «Городская поликлиника №1 города Усть-Каменогорска» " + "Ж" * 16


@pytest.mark.parametrize("kind", list(Reattachment.Kind))
def test_the_reattachment_sms_keeps_within_its_segments(kind: str) -> None:
    """The one SMS let take more than one segment (decision 0019), held to its bound."""
    text = reattachment_sms_text(
        kind=kind, on=DAY, district=DISTRICT, provider_kk=PROVIDER_KK, provider_ru=PROVIDER_RU
    )
    assert sms_segments(text) <= REATTACHMENT_SMS_SEGMENTS, f"{len(text)}: {text}"


def test_the_reattachment_sms_names_the_new_provider_in_kazakh_and_russian() -> None:
    closed = reattachment_sms_text(
        kind=Reattachment.Kind.PROVIDER_CLOSED,
        on=DAY,
        district=12,
        provider_kk="Емхана №1",
        provider_ru="Поликлиника №1",
    )
    assert "Емхана №1, учаске №12" in closed and "Поликлиника №1, участок №12" in closed
    assert "31.12.2026 бастап" in closed and "с 31.12.2026" in closed
    redrawn = reattachment_sms_text(kind=Reattachment.Kind.DISTRICTS_REDRAWN, on=DAY, district=12)
    assert "учаскеңіз №12" in redrawn and "ваш участок №12" in redrawn
