"""The SQLite database, the var folder and scans are the service user's alone (they hold
every person's data, password hashes and sessions): a fresh start under umask 022, and a
start over an earlier version's world-readable files, both end up owner-only."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

START = """
import django
django.setup()
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute("CREATE TABLE IF NOT EXISTS t (x int)")
    cursor.execute("INSERT INTO t VALUES (1)")
print(default_storage.save("scans/2026/a.pdf", ContentFile(b"%PDF-1.4")))
"""


def _start(var: Path) -> None:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bekitu.settings",
        "BEKITU_VAR_DIR": str(var),
        "DATABASE_URL": f"sqlite:///{var / 'bekitu.sqlite3'}",
    }
    subprocess.run(
        [sys.executable, "-c", f"import os; os.umask(0o022)\n{START}"],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _assert_owner_only(var: Path) -> None:
    for path in [var, *var.rglob("*")]:
        assert _mode(path) & 0o077 == 0, (path, oct(_mode(path)))
    assert (var / "bekitu.sqlite3").is_file()
    assert (var / "media" / "scans" / "2026" / "a.pdf").is_file()


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_fresh_start_creates_everything_owner_only(tmp_path: Path) -> None:
    var = tmp_path / "var"
    _start(var)
    _assert_owner_only(var)


@pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")
def test_a_start_narrows_what_an_earlier_version_left_readable(tmp_path: Path) -> None:
    var = tmp_path / "var"
    (var / "media" / "scans").mkdir(parents=True)
    (var / "media" / "scans" / "old.pdf").write_bytes(b"%PDF-1.4")
    (var / "bekitu.sqlite3").write_bytes(b"")
    for path in [var, *var.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    _start(var)
    _assert_owner_only(var)
