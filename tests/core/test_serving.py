"""Served as in production: the site refuses to start in debug mode under a public host name,
whether started by a `bekitu` command or loaded by the production server."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
