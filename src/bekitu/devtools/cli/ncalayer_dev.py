"""`bekitu eds ncalayer-dev --p12 FILE --password P [--port 13579] [--host 127.0.0.1]
[--no-tls]`: a local stand-in for NCALayer that signs with a test key (see
docs/eds-test-pki.md). With TLS (the default, as NCALayer: wss://) the certificate is
self-signed: open https://HOST:PORT/ once in the browser and accept it. Runs until interrupted.
"""

from __future__ import annotations

import tempfile
from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO

from bekitu.core.errors import DomainError
from bekitu.devtools.ncalayer_dev import DEFAULT_PORT, is_loopback, make_server, self_signed_tls
from bekitu.eds.signing import load_p12

HELP = "Stand in for NCALayer on loopback, signing with a test PKCS#12 key."


def add_arguments(parser: ArgumentParser) -> None:
    """The command's arguments."""
    parser.add_argument("--p12", type=Path, required=True, help="the PKCS#12 key to sign with")
    parser.add_argument("--password", required=True, help="its password (test keys: Qwerty12)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")
    parser.add_argument("--no-tls", action="store_true", help="plain ws:// instead of wss://")


def run(options: dict[str, Any], stdout: TextIO) -> int:
    """Serve until interrupted; 2 on an unreadable key or a host that is not local."""
    host = options["host"]
    if not is_loopback(host):
        stdout.write("ncalayer-dev listens on loopback only\n")
        return 2
    try:
        key = load_p12(options["p12"], options["password"])
    except DomainError as exc:
        stdout.write(f"{exc.message}\n")
        return 2
    with tempfile.TemporaryDirectory(prefix="ncalayer-dev-") as tmp:
        tls = None if options.get("no_tls") else self_signed_tls(Path(tmp), host)
        server = make_server(key, host=host, port=options["port"], tls=tls)
        port = server.socket.getsockname()[1]
        scheme = "ws" if tls is None else "wss"
        stdout.write(
            f"ncalayer-dev at {scheme}://{host}:{port} signing as serial {key.serial_hex}\n"
        )
        if tls is not None:
            stdout.write(f"open https://{host}:{port}/ once and accept its certificate\n")
        stdout.flush()
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            pass
        finally:
            server.shutdown()
    return 0
