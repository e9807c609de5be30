"""The status contract (`bekitu.attachment.status`, R9.9-R9.12): steps made together travel in
one message, the last as its status and the ones before it, each with its time, as `earlier`."""

from __future__ import annotations

import datetime as dt

import pytest

from bekitu.gateway.contracts.attachment_status import (
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
