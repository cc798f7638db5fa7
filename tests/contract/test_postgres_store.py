"""A Postgres store pointing at a real PostgreSQL (started by scripts/postgres.sh) is checked for real."""

from __future__ import annotations

import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import DeltaStreamClient
from deltastream_provider.resources import store

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "pg-test-password"


@pytest.fixture(scope="module")
def postgres_port() -> Iterator[int]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    directory = Path(tempfile.mkdtemp(prefix="deltastream-pg-")) / "data"
    subprocess.run(["bash", str(ROOT / "scripts/postgres.sh"), "start", str(directory), str(port), PASSWORD],
                   check=True, timeout=300)
    try:
        yield port
    finally:
        subprocess.run(["bash", str(ROOT / "scripts/postgres.sh"), "stop", str(directory)], timeout=60)


def postgres_store(name: str, port: int, password: str, database: str = "orders") -> sql.Statement:
    return store.create_statement(name, [("type", sql.Bare("POSTGRESQL")),
                                         ("uris", f"postgresql://127.0.0.1:{port}/{database}"),
                                         ("postgres.username", "postgres"),
                                         ("postgres.password", sql.SecretLiteral(password))])


async def status(client: DeltaStreamClient, name: str) -> tuple[str, str | None]:
    (row,) = (await client.execute(sql.select("stores", ["status", "status_message"], {"name": name}))).rows
    return row


async def test_good_credentials_make_a_ready_store(client: DeltaStreamClient, postgres_port: int) -> None:
    await client.execute(postgres_store("pg_ok", postgres_port, PASSWORD))
    assert await status(client, "pg_ok") == ("ready", None)


async def test_wrong_password_errors_with_the_servers_message(client: DeltaStreamClient, postgres_port: int) -> None:
    await client.execute(postgres_store("pg_bad", postgres_port, "wrong"))
    state, message = await status(client, "pg_bad")
    assert state == "errored" and "password authentication failed" in (message or "")
    assert "wrong" not in (message or "")


async def test_missing_database_is_reported(client: DeltaStreamClient, postgres_port: int) -> None:
    await client.execute(postgres_store("pg_nodb", postgres_port, PASSWORD, database="nope"))
    state, message = await status(client, "pg_nodb")
    assert state == "errored" and 'database "nope" does not exist' in (message or "")


async def test_update_store_rechecks_the_credentials(client: DeltaStreamClient, postgres_port: int) -> None:
    await client.execute(postgres_store("pg_rot", postgres_port, PASSWORD))
    await client.execute(store.update_statement("pg_rot", [("postgres.username", "postgres"),
                                                           ("postgres.password", sql.SecretLiteral("rotated-wrong"))]))
    assert (await status(client, "pg_rot"))[0] == "errored"
    await client.execute(store.update_statement("pg_rot", [("postgres.username", "postgres"),
                                                           ("postgres.password", sql.SecretLiteral(PASSWORD))]))
    assert await status(client, "pg_rot") == ("ready", None)


async def test_update_of_the_uri_alone_rechecks_with_the_kept_credentials(client: DeltaStreamClient,
                                                                         postgres_port: int) -> None:
    """The catalog shows a credential only as set; the re-check uses the credential itself (API contract 13.4)."""
    await client.execute(postgres_store("pg_uri", postgres_port, PASSWORD))
    uri = f"postgresql://127.0.0.1:{postgres_port}/orders?sslmode=disable&application_name=pulumi"
    await client.execute(store.update_statement("pg_uri", [("uris", uri)]))
    assert await status(client, "pg_uri") == ("ready", None)
    await client.execute(store.update_statement("pg_uri", [("uris", f"postgresql://127.0.0.1:{postgres_port}/nope")]))
    state, message = await status(client, "pg_uri")
    assert state == "errored" and 'database "nope" does not exist' in (message or "")
