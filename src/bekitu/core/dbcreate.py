"""`python -m bekitu.core.dbcreate`: create the PostgreSQL database DATABASE_URL names, if it
is missing (`make run-scale` starts on a server that may not have it yet)."""

from __future__ import annotations

import os
import sys

import dj_database_url
import psycopg
import psycopg.conninfo
from psycopg import sql


def main() -> int:
    """Create the database of DATABASE_URL on its server unless it exists; 0 when it does."""
    config = dj_database_url.parse(os.environ["DATABASE_URL"])
    if "postgresql" not in config["ENGINE"]:
        return 0
    name = config["NAME"]
    server = psycopg.conninfo.make_conninfo(
        host=str(config.get("HOST") or "127.0.0.1"),
        port=str(config.get("PORT") or 5432),
        user=str(config.get("USER") or "postgres"),
        password=str(config.get("PASSWORD") or ""),
        dbname="postgres",
    )
    with psycopg.connect(server, autocommit=True) as connection:
        exists = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if exists.fetchone() is None:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
