"""The envelope and its schema (R9.8), without a database."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree

from bekitu.gateway import envelope
from bekitu.gateway.envelope import EnvelopeInvalid, Header, Part, Request, Response

ALMATY = dt.timezone(dt.timedelta(hours=5))
NOW = dt.datetime(2026, 9, 15, 10, 30, 0, 123000, tzinfo=ALMATY)


def _header(**changes: object) -> Header:
    fields: dict[str, object] = {
        "message_id": "0b1c6e7a-55a1-4f3e-9c55-3d1b2f0f8a10",
        "service_id": "bekitu.attachment.request",
        "sender_id": "egov-portal",
        "route_id": "050140000110",
        "date": NOW,
    }
    fields.update(changes)
    return Header(**fields)  # type: ignore[arg-type]


def _root(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def test_request_round_trip_keeps_every_field_and_part() -> None:
    request = Request(
        _header(correlation_id="c-1"),
        (Part("request.xml", b"<r/>", "application/xml"), Part("scan.pdf", b"%PDF-1.7")),
        (("channel", "portal"),),
    )
    read = envelope.read_request(_root(envelope.build_request(request)))
    assert read == request
    assert read.part("scan.pdf") == b"%PDF-1.7"


def test_the_envelope_has_the_gateway_shape() -> None:
    xml = envelope.build_request(Request(_header(), (Part("a", b"x"),)))
    root = _root(xml)
    assert root.tag == f"{{{envelope.NS}}}SendMessage"
    info = root.find("request/requestInfo")
    assert info is not None
    assert [c.tag for c in info] == [
        "messageId",
        "serviceId",
        "messageDate",
        "routeId",
        "sender",
    ]
    assert info.findtext("sender/senderId") == "egov-portal"
    assert info.findtext("messageDate") == "2026-09-15T10:30:00.123+05:00"
    assert root.find("request/requestData/data/part") is not None


def test_response_round_trip_and_status() -> None:
    response = Response(
        _header(correlation_id="0b1c6e7a-55a1-4f3e-9c55-3d1b2f0f8a11"),
        envelope.SUCCESS,
        envelope.STATUS_TEXT[envelope.SUCCESS],
        (Part("answer.xml", b"<a/>", "application/xml"),),
    )
    read = envelope.read_response(_root(envelope.build_response(response)))
    assert read == response
    assert read.ok
    failed = Response(response.header, envelope.SERVICE_FAILED, "x")
    assert not envelope.read_response(_root(envelope.build_response(failed))).ok


def test_a_large_part_travels_in_chunks_under_the_parser_limit() -> None:
    content = bytes(range(256)) * 12_000  # 3 MB: four chunks
    xml = envelope.build_request(Request(_header(), (Part("scan.pdf", content),)))
    chunks = _root(xml).findall("request/requestData/data/part/chunk")
    assert len(chunks) == 4
    assert all(len(c.text or "") <= 1_048_576 for c in chunks)
    assert envelope.read_request(_root(xml)).part("scan.pdf") == content


@given(
    parts=st.lists(
        st.tuples(
            st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._\-]{0,20}", fullmatch=True),
            st.binary(max_size=2000),
        ),
        max_size=5,
        unique_by=lambda p: p[0],
    ),
    correlation=st.from_regex(r"[A-Za-z0-9._:\-]{1,64}", fullmatch=True) | st.just(""),
)
@settings(max_examples=60, deadline=None)
def test_any_payload_reads_back_as_it_was_built(
    parts: list[tuple[str, bytes]], correlation: str
) -> None:
    request = Request(_header(correlation_id=correlation), envelope.as_parts(dict(parts)))
    assert envelope.read_request(_root(envelope.build_request(request))) == request


@pytest.mark.parametrize(
    "changes",
    [
        {"message_id": "not-a-uuid"},
        {"message_id": "0B1C6E7A-55A1-4F3E-9C55-3D1B2F0F8A10"},
        {"service_id": "1starts-with-a-digit"},
        {"route_id": "has space"},
        {"sender_id": ""},
        {"correlation_id": "x" * 65},
    ],
)
def test_the_schema_refuses_a_bad_header(changes: dict[str, object]) -> None:
    with pytest.raises(EnvelopeInvalid):
        envelope.build_request(Request(_header(**changes)))


def test_a_message_date_without_its_time_zone_is_refused() -> None:
    with pytest.raises(EnvelopeInvalid):
        envelope.build_request(Request(_header(date=NOW.replace(tzinfo=None))))
    xml = envelope.build_request(Request(_header())).replace(b".123+05:00", b".123")
    with pytest.raises(EnvelopeInvalid):
        envelope.read_request(_root(xml))


def test_two_parts_of_one_name_are_refused() -> None:
    with pytest.raises(EnvelopeInvalid):
        envelope.build_request(Request(_header(), (Part("a", b"1"), Part("a", b"2"))))


def test_a_part_that_does_not_match_its_digest_is_refused() -> None:
    xml = envelope.build_request(Request(_header(), (Part("a", b"hello"),)))
    tampered = xml.replace(b"aGVsbG8=", b"aGVsbG9v")  # "hellooo": same size field, other bytes
    with pytest.raises(EnvelopeInvalid, match="does not match"):
        envelope.read_request(_root(tampered))


def test_an_unknown_element_is_refused() -> None:
    xml = envelope.build_request(Request(_header()))
    extra = xml.replace(b"</requestInfo>", b"<extra>1</extra></requestInfo>")
    with pytest.raises(EnvelopeInvalid):
        envelope.read_request(_root(extra))


def test_a_response_is_not_read_as_a_request() -> None:
    xml = envelope.build_response(
        Response(_header(correlation_id=_header().message_id), "SCSS001", "")
    )
    with pytest.raises(EnvelopeInvalid):
        envelope.read_request(_root(xml))
    assert envelope.kind_of(_root(xml)) == "response"


@pytest.mark.parametrize(
    "data",
    [
        b"<!DOCTYPE x [<!ENTITY e 'boom'>]><x>&e;</x>",
        b"<not-closed>",
        b"",
        b"x" * 101,
    ],
)
def test_parse_refuses_what_is_not_safe_xml(data: bytes) -> None:
    with pytest.raises(EnvelopeInvalid):
        envelope.parse(data, max_bytes=100)


def test_the_message_ids_are_fresh_uuids() -> None:
    ids = {envelope.new_message_id() for _ in range(100)}
    assert len(ids) == 100
    for value in ids:
        envelope.build_request(Request(_header(message_id=value)))
