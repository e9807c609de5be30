"""The portal asks the provider where its request stands (R9.9-R9.12): a synchronous query
(the gateway's `message_call`), serviceId `bekitu.attachment.status.query`, portal -> the
provider the request went to (route = its BIN).

A status message the gateway lost on the way (parked by the provider's relay after its last
attempt, or by the portal's inbox, and discarded by an operator) is never sent again; the
portal asks instead. The query's part `query.xml` (`StatusQuery`) names the portal's request
number; the answer's part `answer.xml` (`StatusAnswer`) gives the number and whether the
provider knows the request (`known`), and when the provider has something to tell of it the
answer also carries exactly the parts of a status message (`attachment_status`): `status.xml`,
its last status with the ones before it as `earlier`, each with its time, and with
`talon_issued` the parts `talon.xml` and `talon.pdf` (a talon still awaiting the provider's
e-signature is told as `talon_pending`, without them).

Schema: `schemas/status-query-1.xsd`, namespace `urn:bekitu:status-query:1`, which the
gateway's partners validate the payload against; a new version is a new namespace and file.
"""

from __future__ import annotations

from dataclasses import dataclass

from bekitu.gateway.contracts._xml import ContractInvalid, Vocabulary, serialise, sub, text

SERVICE_ID = "bekitu.attachment.status.query"
SCHEMA = "status-query-1.xsd"
NAMESPACE = "urn:bekitu:status-query:1"
VERSION = "1"
PART_QUERY = "query.xml"
PART_ANSWER = "answer.xml"

__all__ = [
    "NAMESPACE",
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


_WORDS = Vocabulary(NAMESPACE, SCHEMA, VERSION)
_tag, _root, _read = _WORDS.tag, _WORDS.root, _WORDS.read


def build_query(number: str) -> bytes:
    """The query for the request `number` (ContractInvalid when it is not a request number)."""
    root = _root("StatusQuery")
    sub(root, _tag("number"), number)
    return serialise(root, SCHEMA)


def parse_query(data: bytes) -> str:
    """The request number asked about (ContractInvalid when the query is not valid)."""
    return text(_read(data, "StatusQuery"), _tag("number"))


def build_answer(answer: StatusAnswer) -> bytes:
    """The answer's own part (the status, if any, goes beside it as `status.xml`)."""
    root = _root("StatusAnswer")
    sub(root, _tag("number"), answer.number)
    sub(root, _tag("known"), "true" if answer.known else "false")
    return serialise(root, SCHEMA)


def parse_answer(data: bytes) -> StatusAnswer:
    """The answer's own part (ContractInvalid when it is not a valid one)."""
    root = _read(data, "StatusAnswer")
    # xs:boolean: true, false, 1 or 0, its white space collapsed.
    known = text(root, _tag("known")).strip() in ("true", "1")
    return StatusAnswer(text(root, _tag("number")), known)
