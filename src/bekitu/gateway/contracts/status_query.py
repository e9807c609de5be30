"""The portal asks the provider where its request stands (R9.9-R9.12): a synchronous query
(the gateway's `message_call`), serviceId `bekitu.attachment.status.query`, portal -> the
provider the request went to (route = its BIN).

A status message the gateway lost on the way (parked by the provider's relay after its last
attempt, or by the portal's inbox, and discarded by an operator) is never sent again; the
portal asks instead. The query's part `query.json` is `{"number"}` (the portal's request
number); the answer's part `answer.json` is `{"number", "known"}`, and when the provider has
something to tell of the request the answer also carries exactly the parts of a status message
(`attachment_status`): `status.xml`, its last status with the ones before it as `earlier`,
each with its time, and with `talon_issued` the parts `talon.xml` and `talon.pdf` (a talon
still awaiting the provider's e-signature is told as `talon_pending`, without them).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from bekitu.gateway.contracts._xml import ContractInvalid

SERVICE_ID = "bekitu.attachment.status.query"
PART_QUERY = "query.json"
PART_ANSWER = "answer.json"
NUMBER_MAX = 40

__all__ = [
    "PART_ANSWER",
    "PART_QUERY",
    "SERVICE_ID",
    "ContractInvalid",
    "StatusAnswer",
    "build_answer",
    "build_query",
    "parse_answer",
    "parse_query",
]


@dataclass(frozen=True)
class StatusAnswer:
    """Whether the provider knows the request (`known`); what it tells is in `status.xml`."""

    number: str
    known: bool


def _object(data: bytes) -> dict[str, object]:
    try:
        value = json.loads(data)
    except ValueError as exc:
        raise ContractInvalid("not JSON") from exc
    if not isinstance(value, dict):
        raise ContractInvalid("not a JSON object")
    return value


def _number(value: object) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= NUMBER_MAX:
        raise ContractInvalid("no request number")
    return value


def build_query(number: str) -> bytes:
    """The query for the request `number`."""
    return json.dumps({"number": _number(number)}).encode()


def parse_query(data: bytes) -> str:
    """The request number asked about (ContractInvalid when there is none)."""
    return _number(_object(data).get("number"))


def build_answer(answer: StatusAnswer) -> bytes:
    """The answer's own part (the status, if any, goes beside it as `status.xml`)."""
    return json.dumps({"number": _number(answer.number), "known": answer.known}).encode()


def parse_answer(data: bytes) -> StatusAnswer:
    """The answer's own part (ContractInvalid when it is not one)."""
    value = _object(data)
    known = value.get("known")
    if not isinstance(known, bool):
        raise ContractInvalid("no known")
    return StatusAnswer(_number(value.get("number")), known)
