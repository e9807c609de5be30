"""Served as in production: the site refuses to start in debug mode under a public host name,
whether started by a `bekitu` command or loaded by the production server."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from bekitu.core.checks import local_http_on_a_public_host
from bekitu.core.gunicorn import AccessFormatter

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "BEKITU_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        **env,
    }
    return subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, timeout=120
    )


def test_the_wsgi_application_refuses_debug_mode_under_a_public_host(tmp_path: Path) -> None:
    public = {"BEKITU_DEBUG": "true", "BEKITU_ALLOWED_HOSTS": "bekitu.example.kz"}
    refused = _run("import bekitu.wsgi", tmp_path, **public)
    assert refused.returncode != 0
    assert "bekitu.E001" in refused.stderr and "bekitu.example.kz" in refused.stderr
    local = _run("import bekitu.wsgi", tmp_path, BEKITU_DEBUG="true")
    assert local.returncode == 0, local.stderr


def test_plain_http_under_a_public_host_refuses_to_start(settings: Any) -> None:
    settings.LOCAL_HTTP = True
    settings.ALLOWED_HOSTS = ["127.0.0.1", "bekitu.example.kz"]
    (error,) = local_http_on_a_public_host()
    assert error.id == "bekitu.E002" and error.is_serious()
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    assert local_http_on_a_public_host() == []


def test_gunicorns_access_log_is_one_json_event_with_the_iin_masked() -> None:
    atoms = {"m": "GET", "U": "/verify/", "q": "code=900101300123", "s": "200", "B": 2143}
    record = logging.LogRecord("gunicorn.access", logging.INFO, "", 0, "%(h)s", (atoms,), None)
    record.args = {**atoms, "D": 23456, "p": "<42>"}
    line = json.loads(AccessFormatter().format(record))
    assert line["event"] == "http.request" and line["logger"] == "gunicorn.access"
    assert (line["method"], line["path"], line["status"], line["ms"]) == (
        "GET",
        "/verify/",
        "200",
        23.5,
    )
    assert line["query"] == "code=************" and line["pid"] == "42"


@pytest.mark.slow
def test_scripts_serve_answers_with_gunicorn_and_the_worker(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT / "src"),
        "BEKITU_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "BEKITU_WEB_WORKERS": "1",
    }
    env.pop("BEKITU_DEBUG", None)
    bekitu = str(Path(sys.executable).parent / "bekitu")
    subprocess.run([bekitu, "migrate", "-v0"], env=env, check=True, timeout=300)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [str(ROOT / "scripts" / "serve"), f"127.0.0.1:{port}"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        for _ in range(120):
            try:
                page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=5)
                break
            except OSError:
                time.sleep(0.5)
        else:
            raise AssertionError("scripts/serve did not answer")
        assert page.status == 200
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/no-such/", timeout=5)
        except urllib.error.HTTPError as error:
            assert error.code == 404 and json.loads(error.read())["code"] == "not_found"
        css = urllib.request.urlopen(f"http://127.0.0.1:{port}/static/bekitu/bekitu.css")
        assert css.status == 200  # WhiteNoise, debug mode off
        icon = urllib.request.urlopen(f"http://127.0.0.1:{port}/favicon.ico", timeout=5)
        assert icon.status == 200 and icon.headers["Content-Type"] == "image/svg+xml"
        # The worker logs through the project's LOGGING: its own lines are JSON too.
        worker_log = tmp_path / "worker.log"
        for _ in range(60):
            if '"logger": "celery' in (worker_log.read_text() if worker_log.exists() else ""):
                break
            time.sleep(0.5)
        else:
            raise AssertionError("the worker wrote no JSON line of its own")
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        out, err = server.communicate(timeout=60)
    assert "gunicorn" in out
    events = [json.loads(line) for line in err.splitlines() if line.startswith("{")]
    assert any(e["event"] == "Starting gunicorn 27.0.1" for e in events)
    assert (tmp_path / "worker.log").exists()
