"""Checks a Postgres store's URI and credentials against the real server, when one is reachable."""

from __future__ import annotations

import socket
from urllib.parse import urlparse

import psycopg


def check_postgres(uri: str, username: str, password: str, timeout: float = 3.0) -> str | None:
    """None when the store is usable or no server listens there; else PostgreSQL's error message.

    An address where nothing listens cannot be checked offline, so it is accepted as is.
    """
    parsed = urlparse(uri if "://" in uri else f"postgresql://{uri}")
    host, port = parsed.hostname or "localhost", parsed.port or 5432
    try:
        with socket.create_connection((host, port), timeout=timeout):
            pass
    except OSError:
        return None
    database = parsed.path.lstrip("/") or "postgres"
    try:
        with psycopg.connect(host=host, port=port, dbname=database, user=username, password=password,
                             connect_timeout=int(timeout)) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
    return None
