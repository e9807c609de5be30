"""Refusal reasons: each code has a legal ground and a text in Kazakh, Russian and English."""

from __future__ import annotations

import pytest

from bekitu.core.vocabulary import (
    REFUSAL_REASONS,
    legal_ground_texts,
    refusal_reason,
    refusal_texts,
)

EXPECTED = {
    "unreliable_data": "R4-1",
    "deceased": "policy",
    "not_eligible": "policy",
    "no_authority": "representation",
    "too_frequent": "policy",
    "outside_campaign": "policy",
    "provider_not_available": "policy",
    "already_attached": "policy",
    "documents_incomplete": "R8.1",
    "eds_not_confirmed": "R9.7",
}


def test_the_reason_codes_are_those_of_the_service() -> None:
    assert {code: r.clause for code, r in REFUSAL_REASONS.items()} == EXPECTED


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_each_reason_has_a_legal_ground_and_three_texts(code) -> None:
    reason = refusal_reason(code)
    assert reason.legal_ground and reason.label
    texts = refusal_texts(code)
    assert set(texts) == {"kk", "ru", "en"}
    assert texts["en"] == str(reason.text)
    assert all(texts.values())


@pytest.mark.parametrize("code", sorted(EXPECTED))
def test_each_legal_ground_reads_in_kazakh_russian_and_english(code) -> None:
    grounds = legal_ground_texts(code)
    assert set(grounds) == {"kk", "ru", "en"}
    assert grounds["en"] == str(refusal_reason(code).legal_ground)
    assert len({grounds["kk"], grounds["ru"], grounds["en"]}) == 3, grounds


def test_an_unknown_code_is_an_error() -> None:
    with pytest.raises(KeyError):
        refusal_reason("bad_mood")
