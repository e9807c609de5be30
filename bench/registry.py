"""Writes to the register of attached population, per second: attachment_transfer (lock the
person, close the open attachment, open the new one, audit) and provider_close (end every
running attachment of a provider), on SQLite and, where a server answers, PostgreSQL.

    .venv/bin/python bench/registry.py              # 400 persons, both databases
    .venv/bin/python bench/registry.py --n 2000 --db sqlite

Each database runs in a child process of its own (Django's settings are read once).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_URL = "postgres://postgres@127.0.0.1:5432/bekitu_bench_registry"


def _child(db: str, n: int) -> None:
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    folder = Path(tempfile.mkdtemp(prefix="bench-registry-"))
    url = PG_URL if db == "postgres" else f"sqlite:///{folder / 'bench.sqlite3'}"
    os.environ.update(
        BEKITU_VAR_DIR=str(folder),
        DATABASE_URL=url,
        BEKITU_LOG_LEVEL="WARNING",
        DJANGO_SETTINGS_MODULE="bekitu.settings",
    )
    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import (
        get_runner,
        setup_test_environment,  # noqa: F401 - keeps imports cheap
    )

    runner = get_runner(settings)(verbosity=0, interactive=False)
    old = runner.setup_databases()  # a fresh test database, dropped at the end
    try:
        _measure(db, n)
    finally:
        runner.teardown_databases(old)


def _measure(db: str, n: int) -> None:
    from tests.factories import AttachmentFactory, DistrictFactory

    from bekitu.registry.services import attachment_transfer, provider_close

    source, target = DistrictFactory(), DistrictFactory()
    attachments = [
        AttachmentFactory(provider=source.provider, district=source, valid_from=dt.date(2020, 1, 1))
        for _ in range(n)
    ]
    half = attachments[: n // 2]
    start = time.perf_counter()
    for attachment in half:
        attachment_transfer(
            person=attachment.person,
            provider=target.provider,
            district=target,
            valid_from=dt.date(2025, 1, 1),
            reason="choice",
            source="bench",
        )
    transfer = time.perf_counter() - start
    start = time.perf_counter()
    ended = provider_close(provider=source.provider, on=dt.date(2025, 2, 1))
    close = time.perf_counter() - start
    print(
        f"{db:<9} attachment_transfer {len(half):>6} persons {transfer:7.2f} s "
        f"{len(half) / transfer:8.0f}/s   provider_close ended {ended:>6} {close:6.2f} s "
        f"{ended / close:8.0f}/s"
    )


def _postgres_answers() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), 2).close()
    except OSError:
        return False
    return True


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=400, help="persons attached to the provider")
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--child", choices=["sqlite", "postgres"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.n)
        return
    for db in ("sqlite", "postgres") if args.db == "both" else (args.db,):
        if db == "postgres" and not _postgres_answers():
            print("postgres  skipped: no server at 127.0.0.1:5432")
            continue
        command = [sys.executable, __file__, "--child", db, "--n", str(args.n)]
        subprocess.run(command, check=True)


if __name__ == "__main__":
    main()
