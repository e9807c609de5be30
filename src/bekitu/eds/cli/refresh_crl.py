"""`bekitu eds refresh-crl [--url URL ...] [--json]`: download the CRLs into EDS_CRL_DIR.

The addresses are the CRL distribution points of the trust-store certificates, then
`BEKITU_EDS_CRL_URLS`, then any `--url`. Each CRL must be signed by a trust-store CA and have a
nextUpdate that is not past; it replaces its file atomically. Exit status 1 if any failed.
"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from typing import Any, TextIO

from bekitu.eds.tasks import refresh_crls_now

HELP = "Download and check the CRLs of the trust store into BEKITU_EDS_CRL_DIR."


def add_arguments(parser: ArgumentParser) -> None:
    """The command's arguments."""
    parser.add_argument(
        "--url", action="append", default=[], help="also fetch this CRL address (repeatable)"
    )
    parser.add_argument("--json", action="store_true", help="print the outcomes as JSON")


def run(options: dict[str, Any], stdout: TextIO) -> int:
    """Refresh the CRLs and print one line per address; 1 if any failed, else 0."""
    outcomes = refresh_crls_now(extra_urls=list(options.get("url") or []))
    if options.get("json"):
        stdout.write(json.dumps([o.as_json() for o in outcomes], ensure_ascii=False) + "\n")
    elif not outcomes:
        stdout.write("no CRL addresses: none in the trust store, none configured\n")
    for outcome in [] if options.get("json") else outcomes:
        state = "ok" if outcome.ok else "FAILED"
        stdout.write(f"{state} {outcome.url} -> {outcome.file}: {outcome.detail}\n")
    return 0 if all(o.ok for o in outcomes) else 1
