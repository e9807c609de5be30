"""Run the same code in several OS processes at once, on one database: what several workers
of the production server do. The processes share the test's PostgreSQL database (the test is
transactional, so they see what is committed), or on SQLite a migrated database file."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

import bekitu

SRC = Path(bekitu.__file__).resolve().parents[1]

PRELUDE = """
import json, os, sys, time
from pathlib import Path
import django
django.setup()
ready, go = Path(os.environ["READY_FILE"]), Path(os.environ["GO_FILE"])
ARG = json.loads(os.environ["PROCESS_ARG"])
"""
WAIT = """
ready.write_text("ready")
while not go.exists():
    time.sleep(0.005)
"""


@dataclass
class Processes:
    """Several processes on one database, started together."""

    env: dict[str, str]
    folder: Path

    def run(self, code: str, args: list[Any], setup: str = "", timeout: float = 300) -> list[Any]:
        """Run `setup` then (all together) `code` in one process per item of `args` (each
        sees its item as ARG); each prints one JSON value last, returned in order."""
        go = self.folder / f"go-{time.monotonic_ns()}"
        children = []
        for i, arg in enumerate(args):
            ready = self.folder / f"ready-{go.name}-{i}"
            env = {
                **self.env,
                "READY_FILE": str(ready),
                "GO_FILE": str(go),
                "PROCESS_ARG": json.dumps(arg),
            }
            script = PRELUDE + setup + WAIT + code
            child = subprocess.Popen(
                [sys.executable, "-c", script],
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            children.append((child, ready))
        deadline = time.monotonic() + timeout
        while not all(ready.exists() for _, ready in children):
            for child, _ in children:
                if child.poll() not in (None, 0):
                    raise AssertionError(child.communicate()[1][-3000:])
            assert time.monotonic() < deadline, "processes did not start"
            time.sleep(0.01)
        go.write_text("go")
        results = []
        for child, _ in children:
            out, err = child.communicate(timeout=timeout)
            assert child.returncode == 0, err[-3000:]
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results

    def once(self, code: str, arg: Any = None) -> Any:
        """Run code in one process (to prepare data) and return what it printed last."""
        return self.run(code, [arg])[0]


def _base_env(folder: Path, database_url: str) -> dict[str, str]:
    path = os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH", "")]))
    return {
        **os.environ,
        "PYTHONPATH": path,
        "DJANGO_SETTINGS_MODULE": "bekitu.settings",
        "BEKITU_VAR_DIR": str(folder / "var"),
        "DATABASE_URL": database_url,
    }


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite database file with every migration applied, made once per test session."""
    folder = tmp_path_factory.mktemp("migrated")
    db = folder / "db.sqlite3"
    subprocess.run(
        [sys.executable, "-m", "bekitu", "migrate", "-v0"],
        env=_base_env(folder, f"sqlite:///{db}"),
        check=True,
        capture_output=True,
        timeout=600,
    )
    return db


@pytest.fixture
def processes(request: pytest.FixtureRequest, tmp_path: Path, transactional_db: None) -> Processes:
    """Processes that share a database: PostgreSQL's test database, or a SQLite file."""
    if connection.vendor == "postgresql":
        s = connection.settings_dict
        auth = s["USER"] + (f":{s['PASSWORD']}" if s.get("PASSWORD") else "")
        url = f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"
    else:
        db = tmp_path / "db.sqlite3"
        shutil.copy(request.getfixturevalue("migrated_sqlite"), db)
        url = f"sqlite:///{db}"
    return Processes(_base_env(tmp_path, url), tmp_path)
