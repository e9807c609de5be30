"""Every SMS the product sends is one segment (docs/decisions/0019): each text rendered in
each language it goes in, for every status, with the longest values it can carry."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import translation

from bekitu.core.sms import sms_segments
from bekitu.portal.accounts import registration_code_text
from bekitu.portal.models import Status
from bekitu.portal.notifications import desk_talon_sms_text, status_sms_text
from bekitu.service.reattachment.models import Reattachment
from bekitu.service.reattachment.notices import reattachment_sms_text
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


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("kind", list(Reattachment.Kind))
def test_the_reattachment_sms_is_one_segment(kind: str, language: str, settings: Any) -> None:
    settings.SMS_LANGUAGE = language
    _one_segment(reattachment_sms_text(kind=kind, on=DAY, district=DISTRICT))


def test_the_reattachment_sms_goes_in_the_language_of_the_setting(settings: Any) -> None:
    settings.SMS_LANGUAGE = "ru"
    closed = Reattachment.Kind.PROVIDER_CLOSED
    assert "участок №12" in reattachment_sms_text(kind=closed, on=DAY, district=12)
    settings.SMS_LANGUAGE = "kk"
    assert "учаскеңіз №12" in reattachment_sms_text(kind=closed, on=DAY, district=12)
