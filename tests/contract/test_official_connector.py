"""DeltaStream's own Python connector (a client nobody here wrote) runs its ordinary flows locally."""

from __future__ import annotations

import pytest
from deltastream.api.blob import Blob
from deltastream.api.conn import APIConnection
from deltastream.api.error import SQLError

from deltastream_local.runner import BackgroundServer
from tests.conftest import TOKEN


def connection(local: BackgroundServer) -> APIConnection:
    async def token() -> str:
        return TOKEN

    return APIConnection(server_url=local.url, token_provider=token, session_id=None, timezone="UTC",
                         organization_id=local.server.catalog.organization.id, role_name="sysadmin",
                         database_name=None, schema_name=None, store_name=None)


async def rows(result) -> list[list]:  # type: ignore[no-untyped-def]
    return [row async for row in result]


async def test_connector_lifecycle(local: BackgroundServer) -> None:
    conn = connection(local)
    assert (await conn.version())["major"] == 2
    await conn.exec('CREATE DATABASE "analytics";')
    await conn.exec('USE DATABASE "analytics";')
    assert conn.rsctx.database_name == "analytics"
    await conn.exec('CREATE SCHEMA "raw";')
    listing = await conn.query("LIST DATABASES;")
    assert [c.name for c in listing.columns()][:2] == ["Name", "IsDefault"]
    assert (await rows(listing))[0][0] == "analytics"
    cert = Blob.from_bytes(b"-----BEGIN CERTIFICATE-----\n", name="@cacert")
    await conn.exec("CREATE STORE k WITH ('type' = KAFKA, 'uris' = 'b:1', 'kafka.sasl.hash_function' = NONE, "
                    "'tls.ca_cert_file' = '@cacert');", attachments=[cert])
    stores = await rows(await conn.query('SELECT name, status, created_at FROM deltastream.sys."stores";'))
    assert stores[0][:2] == ["k", "ready"] and stores[0][2].year >= 2026
    with pytest.raises(SQLError) as error:
        await conn.exec('CREATE DATABASE "analytics";')
    assert "42P04" in str(error.value.code) or "already exists" in str(error.value)


async def test_connector_reads_every_partition_and_polls(local: BackgroundServer) -> None:
    conn = connection(local)
    for i in range(5):
        await conn.exec(f'CREATE DATABASE "db{i}";')
    local.server.knobs.update({"page_size": 2, "async_polls": 1})
    result = await conn.query('SELECT name FROM deltastream.sys."databases" ORDER BY name;')
    assert [r[0] for r in await rows(result)] == [f"db{i}" for i in range(5)]
