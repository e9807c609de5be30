"""How many segments an SMS is sent as: the GSM 7-bit alphabet (160 in one, 153 a part, an
extension character counting two), UCS-2 for anything else (70 in one, 67 a part, a
character beyond the basic plane counting two); and the sender records the count."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from bekitu.core.sms import FileSmsSender, MemorySmsSender, send_sms, sms_segments

KAZAKH_LETTERS = "әғқңөұүһі"


def test_an_empty_text_is_one_segment() -> None:
    assert sms_segments("") == 1


@pytest.mark.parametrize(
    ("length", "segments"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)]
)
def test_gsm_text_fits_160_in_one_and_153_a_part(length: int, segments: int) -> None:
    assert sms_segments("a" * length) == segments


def test_the_whole_gsm_basic_alphabet_stays_gsm() -> None:
    text = "@£$¥èéùìòÇØøÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./:;<=>?¡ÄÖÑÜ§¿äöñüà0Zz"
    assert sms_segments(text + "a" * (160 - len(text))) == 1


@pytest.mark.parametrize("character", list("^{}\\[~]|€"))
def test_an_extension_character_counts_two(character: str) -> None:
    assert sms_segments(character * 80) == 1
    assert sms_segments(character * 80 + "a") == 2
    assert sms_segments("a" * 159 + character) == 2


def test_an_extension_character_is_not_split_between_parts() -> None:
    # 152 units then a two-unit character: it starts the second part, which then holds 154.
    assert sms_segments("a" * 152 + "€" + "a" * 152) == 3
    assert sms_segments("a" * 152 + "€" + "a" * 151) == 2


@pytest.mark.parametrize(
    ("length", "segments"), [(1, 1), (70, 1), (71, 2), (134, 2), (135, 3), (201, 3), (202, 4)]
)
def test_cyrillic_text_fits_70_in_one_and_67_a_part(length: int, segments: int) -> None:
    assert sms_segments("ж" * length) == segments


@pytest.mark.parametrize("letter", list(KAZAKH_LETTERS))
def test_kazakh_letters_make_the_text_ucs2(letter: str) -> None:
    assert sms_segments(letter * 70) == 1
    assert sms_segments(letter * 71) == 2


def test_one_letter_outside_gsm_makes_a_latin_text_ucs2() -> None:
    assert sms_segments("a" * 69 + "қ") == 1
    assert sms_segments("a" * 70 + "қ") == 2
    assert sms_segments("a" * 70 + "№") == 2  # the numero sign is not in the GSM alphabet


def test_a_character_beyond_the_basic_plane_counts_two() -> None:
    assert sms_segments("😀" * 35) == 1
    assert sms_segments("😀" * 35 + "a") == 2
    # A surrogate pair is not split between two parts of 67.
    assert sms_segments("a" * 66 + "😀" + "a" * 66) == 3


def test_the_sent_message_records_its_segments(settings: Any) -> None:
    settings.SMS_SENDER = "bekitu.core.sms.MemorySmsSender"
    MemorySmsSender.outbox.clear()
    assert send_sms("+77015551234", "Bekitu: талон берілді").segments == 1
    assert send_sms("+77015551234", "қ" * 71).segments == 2
    assert [m.segments for m in MemorySmsSender.outbox] == [1, 2]


def test_the_file_sender_logs_the_segments(tmp_path: Any, caplog: Any) -> None:
    with caplog.at_level(logging.INFO, logger="bekitu.core"):
        message = FileSmsSender(tmp_path).send("+77015551234", "a" * 161)
    assert message.segments == 2
    (record,) = [r for r in caplog.records if r.getMessage() == "sms.sent"]
    assert record.fields["segments"] == 2  # type: ignore[attr-defined]


def test_a_message_of_more_than_one_segment_is_a_warning(settings: Any, caplog: Any) -> None:
    settings.SMS_SENDER = "bekitu.core.sms.MemorySmsSender"
    with caplog.at_level(logging.WARNING, logger="bekitu.core"):
        send_sms("+77015551234", "ж" * 70)
        assert not [r for r in caplog.records if r.getMessage() == "sms.segments"]
        send_sms("+77015551234", "ж" * 71)
    (record,) = [r for r in caplog.records if r.getMessage() == "sms.segments"]
    assert record.fields == {"segments": 2, "length": 71}  # type: ignore[attr-defined]
