"""No name or IIN prefix of a person search reaches a log: the development server's request
log is read as it is written, and an access-log record of a WSGI server goes through the
same filter."""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from bekitu.core.logging import MaskFilter
from tests.security.processes import SRC, migrated_sqlite

__all__ = ["migrated_sqlite"]

NAME = "Мұқанова Ләззат"
PREFIX = "01022663554"  # 11 digits: the 12th is a check digit, so this is the whole IIN
SECRETS = [PREFIX, urllib.parse.quote(NAME), urllib.parse.quote_plus(NAME), "Мұқанова", "%D0%9C"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_the_development_servers_request_log_masks_person_searches(
    migrated_sqlite: Path, tmp_path: Path
) -> None:
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(SRC),
        "DJANGO_SETTINGS_MODULE": "bekitu.settings",
        "BEKITU_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{migrated_sqlite}",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "bekitu", "runserver", "--noreload", f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                urllib.request.urlopen(base + "/healthz", timeout=2)
                break
            except OSError as exc:
                if getattr(exc, "code", None):
                    break
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        for path in ("/workstation/population/", "/api/v1/population/", "/nowhere/"):
            for value in (NAME, PREFIX):
                url = f"{base}{path}?q={urllib.parse.quote_plus(value)}&page=2"
                with contextlib.suppress(OSError):
                    urllib.request.urlopen(url, timeout=10)
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=30)
    assert "/workstation/population/?q=***&page=***" in output, output[-2000:]
    for secret in SECRETS:
        assert secret not in output, secret


def test_an_access_log_record_of_a_wsgi_server_is_masked_by_the_filter() -> None:
    # gunicorn's access logger: the message is a format, the atoms are its arguments.
    record = logging.LogRecord(
        "gunicorn.access",
        logging.INFO,
        __file__,
        1,
        '%(h)s "%(r)s" %(s)s',
        ({"h": "10.0.0.5", "r": f"GET /api/v1/population/?q={PREFIX} HTTP/1.1", "s": "200"},),
        None,
    )
    assert MaskFilter().filter(record)
    line = logging.Formatter("%(message)s").format(record)
    assert line == '10.0.0.5 "GET /api/v1/population/?q=*** HTTP/1.1" 200'
