"""The status contract (`bekitu.attachment.status`, R9.9-R9.12): steps made together travel in
one message, the last as its status and the ones before it, each with its time, as `earlier`."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from lxml import etree

from bekitu.gateway.contracts._xml import schema
from bekitu.gateway.contracts.attachment_status import (
    VERSION,
    AttachmentStatus,
    ContractInvalid,
    Step,
    build_status,
    parse_status,
)

AT = dt.datetime(2026, 11, 27, 10, 0, 5, tzinfo=dt.UTC)
REGISTERED = Step("registered", AT - dt.timedelta(seconds=2))
CHECKED = Step("checked", AT - dt.timedelta(seconds=1))


def _status(status: str, earlier: tuple[Step, ...]) -> AttachmentStatus:
    return AttachmentStatus(
        number="P-20261127-000001",
        status=status,
        at=AT,
        registration_number="A-2026-000001",
        deadline=AT + dt.timedelta(days=1),
        earlier=earlier,
    )


def test_earlier_steps_come_back_in_order_with_their_times() -> None:
    told = parse_status(build_status(_status("checked", (REGISTERED,))))

    assert told.earlier == (REGISTERED,)
    assert told.steps == (REGISTERED, Step("checked", AT))
    assert told.registration_number == "A-2026-000001"


def test_a_message_without_earlier_steps_is_one_step() -> None:
    told = parse_status(build_status(_status("registered", ())))

    assert told.earlier == ()
    assert told.steps == (Step("registered", AT),)


@pytest.mark.parametrize(
    "status, earlier",
    [
        ("registered", (CHECKED,)),  # out of order
        ("checked", (CHECKED,)),  # twice
        ("checked", (CHECKED, REGISTERED)),  # earlier ones out of order
    ],
)
def test_earlier_steps_out_of_order_or_repeated_are_refused(
    status: str, earlier: tuple[Step, ...]
) -> None:
    with pytest.raises(ContractInvalid):
        build_status(_status(status, earlier))


def test_only_registered_and_checked_can_be_earlier() -> None:
    # In the order of the statuses, but a decision is never an earlier step: the schema says.
    refusal_after_talon = AttachmentStatus(
        number="P-20261127-000001",
        status="refused",
        at=AT,
        refusal=None,
        earlier=(Step("talon_issued", AT),),
    )
    with pytest.raises(ContractInvalid):
        build_status(refusal_after_talon)
    document = build_status(_status("checked", (REGISTERED,)))
    forged = document.replace(b"<status>registered</status>", b"<status>talon_issued</status>")
    with pytest.raises(ContractInvalid):
        parse_status(forged)


# R3.1: a talon issued while the provider's signing key is unavailable (version 2).
PENDING = AttachmentStatus(
    number="P-20261127-000001",
    status="talon_pending",
    at=AT,
    registration_number="A-2026-000001",
    talon_number="T-050140000110-2026-000123",
    earlier=(REGISTERED, CHECKED),
)


def test_a_talon_pending_comes_back_with_its_number_and_the_steps_before_it() -> None:
    document = build_status(PENDING)

    assert schema("attachment-status-2.xsd").validate(etree.fromstring(document))
    assert etree.fromstring(document).get("version") == VERSION == "2"
    told = parse_status(document)
    assert told == PENDING
    assert told.steps == (REGISTERED, CHECKED, Step("talon_pending", AT))
    assert told.verify_url == ""  # checked once signed, with talon_issued


@pytest.mark.parametrize(
    "changes",
    [
        {"talon_number": ""},  # the talon's number goes with it
        {"verify_url": "https://bekitu.example/verify/X"},  # no check before it is signed
        {"status": "checked", "earlier": (REGISTERED,)},  # and the number only with a talon
    ],
)
def test_a_talon_pending_without_its_number_or_with_a_check_address_is_refused(
    changes: dict[str, object],
) -> None:
    with pytest.raises(ContractInvalid):
        build_status(replace(PENDING, **changes))  # type: ignore[arg-type]


def test_a_talon_issued_after_it_was_pending_follows_with_its_check_address() -> None:
    issued = replace(PENDING, status="talon_issued", verify_url="https://bekitu.example/v/X")
    assert parse_status(build_status(issued)) == issued


def _as_version_1(document: bytes) -> bytes:
    return document.replace(b'version="2"', b'version="1"')


def test_a_status_of_version_1_is_still_read() -> None:
    """A provider not yet on version 2 (or a message sent before it) is read as it was."""
    older = _as_version_1(build_status(_status("checked", (REGISTERED,))))
    assert schema("attachment-status-1.xsd").validate(etree.fromstring(older))

    told = parse_status(older)

    assert told.steps == (REGISTERED, Step("checked", AT))
    assert told.registration_number == "A-2026-000001"


def test_version_1_knows_no_talon_pending_and_an_unknown_version_is_refused() -> None:
    """Why talon_pending is a new version: version 1's readers would refuse it."""
    document = build_status(PENDING)
    with pytest.raises(ContractInvalid):
        parse_status(_as_version_1(document))
    with pytest.raises(ContractInvalid):
        parse_status(document.replace(b'version="2"', b'version="3"'))
