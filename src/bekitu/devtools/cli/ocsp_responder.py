"""`bekitu eds ocsp-responder [--pki DIR] [--port 8089] [--host 127.0.0.1]`: answer OCSP
requests (RFC 6960) from the test PKI over HTTP on loopback, and serve its CRLs at /crl/.
For development and tests only; it runs until interrupted."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any, TextIO

from django.conf import settings

from bekitu.devtools.ncalayer_dev import is_loopback
from bekitu.devtools.ocsp_responder import make_server

HELP = "Serve OCSP (and the CRLs) for the test PKI on loopback, for development."


def add_arguments(parser: ArgumentParser) -> None:
    """The command's arguments."""
    parser.add_argument("--pki", type=Path, help="test PKI folder (default BEKITU_VAR_DIR/pki)")
    parser.add_argument("--port", type=int, default=8089, help="default 8089")
    parser.add_argument("--host", default="127.0.0.1", help="a loopback address")


def run(options: dict[str, Any], stdout: TextIO) -> int:
    """Serve until interrupted; 2 when the folder holds no test PKI or the host is not local."""
    pki_dir: Path = options.get("pki") or Path(settings.VAR_DIR) / "pki"
    if not (pki_dir / "manifest.json").is_file():
        stdout.write(f"no test PKI in {pki_dir}: run `bekitu eds test-pki` first\n")
        return 2
    if not is_loopback(options["host"]):
        stdout.write("the OCSP responder of the test PKI listens on loopback only\n")
        return 2
    server = make_server(pki_dir, host=options["host"], port=options["port"])
    host, port = server.server_address[:2]
    stdout.write(f"OCSP responder for {pki_dir} at http://{host!s}:{port}/ (CRLs at /crl/)\n")
    stdout.flush()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0
