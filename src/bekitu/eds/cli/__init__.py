"""Sub-commands of `bekitu eds`. Each module here has `HELP`, `add_arguments(parser)` and
`run(options, stdout) -> int` (the exit code), and is listed in SUBCOMMANDS."""

from __future__ import annotations

SUBCOMMANDS: dict[str, str] = {
    # name on the command line -> module under bekitu.eds.cli
    "verify": "verify",
    "refresh-crl": "refresh_crl",
    "test-pki": "test_pki",
    "ocsp-responder": "ocsp_responder",
    "ncalayer-dev": "ncalayer_dev",
}
