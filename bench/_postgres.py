"""The benchmarks' own PostgreSQL databases (run as scripts, so this folder is on the import
path): dropped and made afresh before a run, dropped after it."""

from __future__ import annotations


def database_afresh(url: str, *, create: bool = True) -> bool:
    """Drop the database of `url` and, if `create`, make it again; False (saying so) when no
    server answers there."""
    import psycopg

    base, name = url.rsplit("/", 1)
    try:
        with psycopg.connect(f"{base}/postgres", autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if create:
                conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        print(f"PostgreSQL pass skipped: {exc.__class__.__name__}: no server at {base}")
        return False
    return True
