"""Sub-commands of `bekitu eds`. Each is a module with `HELP`, `add_arguments(parser)` and
`run(options, stdout) -> int` (the exit code), registered here by its dotted path.

The trust layer registers its own (verify, refresh-crl); the development tools register
theirs (test-pki, ocsp-responder, ncalayer-dev) from `bekitu.devtools`, so that the command
keeps one name while this app knows nothing of them.
"""

from __future__ import annotations

SUBCOMMANDS: dict[str, str] = {
    # name on the command line -> dotted path of its module
    "verify": "bekitu.eds.cli.verify",
    "refresh-crl": "bekitu.eds.cli.refresh_crl",
}


def subcommand_register(*, name: str, module: str) -> None:
    """Add a sub-command to `bekitu eds` (called from an app's `ready()`)."""
    SUBCOMMANDS[name] = module
