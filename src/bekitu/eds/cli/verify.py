"""`bekitu eds verify FILE --expect-iin IIN [--at ISO8601] [--json]`: check a signed request.

Exit status: 0 valid, 1 refused, 2 usage error (bad arguments, unreadable file). With
`--expect-bin` instead, FILE is a document the provider signed (a talon).

The number is matched against the certificate's, so any twelve digits will do: the National
Certification Authority's own test certificates carry IIN 123456789011 (and BIN
123456789021), which fail the checksum, and integrators test with them. The checksum applies
where the service reads a person's IIN, not here.
"""

from __future__ import annotations

import json
import sys
from argparse import ArgumentParser
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from django.utils import timezone

from bekitu.core.audit import audit_context
from bekitu.eds.verification import (
    VerificationResult,
    verify_provider_document,
    verify_request,
)

HELP = "Verify a signed XML request (or, with --expect-bin, a provider's document)."


def add_arguments(parser: ArgumentParser) -> None:
    """The command's arguments."""
    parser.add_argument("file", type=Path, help="the signed XML document")
    who = parser.add_mutually_exclusive_group(required=True)
    who.add_argument(
        "--expect-iin", help="the IIN the request names, twelve digits (individual profile)"
    )
    who.add_argument(
        "--expect-bin", help="the provider's BIN, twelve digits (organization profile)"
    )
    parser.add_argument("--at", help="check validity and revocation at this ISO 8601 moment")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")


def _twelve_digits(value: str) -> bool:
    return len(value) == 12 and value.isascii() and value.isdigit()


def _usage_error(message: str) -> int:
    print(f"bekitu eds verify: {message}", file=sys.stderr)
    return 2


def _moment(raw: str | None) -> datetime | None:
    if raw is None:
        return None
    moment = datetime.fromisoformat(raw)
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def _human(result: VerificationResult) -> str:
    if result.valid and result.signer:
        s = result.signer
        holder = f"BIN {s.bin}" if s.bin else f"IIN {s.iin}"
        return f"valid: signed by {s.common_name} ({holder}), certificate {s.serial}"
    detail = f" ({result.detail})" if result.detail else ""
    return f"refused: {result.reason}{detail}"


def run(options: dict[str, Any], stdout: TextIO) -> int:
    """Verify the file and print the result; return 0 valid, 1 refused, 2 usage error."""
    number = options.get("expect_iin") or options.get("expect_bin") or ""
    if not _twelve_digits(number):
        return _usage_error(f"{number!r} is not twelve digits (an IIN or BIN)")
    try:
        at = _moment(options.get("at"))
    except ValueError:
        return _usage_error(f"--at {options.get('at')!r} is not an ISO 8601 date and time")
    try:
        data = Path(options["file"]).read_bytes()
    except OSError as exc:
        return _usage_error(f"cannot read {options['file']}: {exc.strerror}")
    with audit_context(actor="cli", channel="cli"):
        if options.get("expect_bin"):
            result = verify_provider_document(data, expect_bin=number, at=at)
        else:
            result = verify_request(data, expect_iin=number, at=at)
    if options.get("json"):
        stdout.write(json.dumps(result.as_json(), ensure_ascii=False) + "\n")
    else:
        stdout.write(_human(result) + "\n")
    return 0 if result.valid else 1
