"""Fuzzing the request bytes: whatever arrives, the answer is a reason code, never an exception,
and a valid answer always carries exactly the content that was signed."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from bekitu.devtools.testpki import TestPki
from bekitu.eds.verification import REASONS, verify_request

from .verify_helpers import signed_request

pytestmark = pytest.mark.django_db

_FIXTURES = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]

# Bytes that matter to XML and XML-DSig, to make mutations hit structure as well as content.
_INTERESTING = st.sampled_from(
    [b"<", b">", b"&", b'"', b"/", b"=", b"!", b"?", b"-", b"]", b"\x00", b"\xff", b"ds:", b" "]
)


@st.composite
def _mutation(draw: st.DrawFn, size: int) -> tuple[str, int, int, bytes]:
    kind = draw(st.sampled_from(["replace", "insert", "delete", "truncate", "duplicate"]))
    start = draw(st.integers(0, size - 1))
    length = draw(st.integers(1, 64))
    payload = draw(st.one_of(_INTERESTING, st.binary(min_size=1, max_size=16)))
    return kind, start, length, payload


def _apply(data: bytes, mutation: tuple[str, int, int, bytes]) -> bytes:
    kind, start, length, payload = mutation
    end = min(len(data), start + length)
    if kind == "replace":
        return data[:start] + payload + data[start + len(payload) :]
    if kind == "insert":
        return data[:start] + payload + data[start:]
    if kind == "delete":
        return data[:start] + data[end:]
    if kind == "truncate":
        return data[:start]
    return data[:end] + data[start:end] + data[end:]


def _c14n(root: etree._Element) -> bytes:
    return etree.tostring(root, method="c14n")


@pytest.fixture
def original(test_pki: TestPki, eds_settings: Any) -> tuple[bytes, bytes]:
    data = signed_request(test_pki)
    result = verify_request(data, expect_iin=test_pki.person.iin)
    assert result.valid and result.signed_root is not None
    return data, _c14n(result.signed_root)


@settings(max_examples=150, deadline=None, suppress_health_check=_FIXTURES)
@given(data=st.data())
def test_any_mutation_of_a_signed_request_gives_a_reason_or_the_signed_content(
    data: st.DataObject, original: tuple[bytes, bytes], test_pki: TestPki
) -> None:
    signed, signed_content = original
    mutations = data.draw(st.lists(_mutation(len(signed)), min_size=1, max_size=3))
    mutated = signed
    for mutation in mutations:
        if mutated:
            mutated = _apply(mutated, mutation)
    result = verify_request(mutated, expect_iin=test_pki.person.iin)
    if result.valid:
        # e.g. whitespace in the base64 of the signature: harmless, and nothing else changed.
        assert result.signed_root is not None
        assert _c14n(result.signed_root) == signed_content
    else:
        assert result.reason in REASONS
        assert result.signed_root is None


@settings(max_examples=100, deadline=None, suppress_health_check=_FIXTURES)
@given(blob=st.binary(max_size=2048))
def test_arbitrary_bytes_give_a_reason_code(blob: bytes, eds_settings: Any) -> None:
    result = verify_request(blob, expect_iin="850314301011")
    assert result.valid is False
    assert result.reason in REASONS


@settings(max_examples=100, deadline=None, suppress_health_check=_FIXTURES)
@given(text=st.text(alphabet=st.sampled_from(list("<>/=\"' abc:ds!-?&;[]")), max_size=300))
def test_arbitrary_markup_gives_a_reason_code(text: str, eds_settings: Any) -> None:
    result = verify_request(text.encode(), expect_iin="850314301011")
    assert result.valid is False
    assert result.reason in REASONS
