"""The local server's catalog survives a restart and stays exact under many concurrent clients."""

from __future__ import annotations

import asyncio
from pathlib import Path

from testkit import TOKEN

from deltastream_local.runner import BackgroundServer, ServerSettings
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import DeltaStreamClient, RetryPolicy
from deltastream_provider.resources import database, namespace, store


async def names(client: DeltaStreamClient, table: str) -> list[str]:
    return [r[0] for r in (await client.execute(sql.select(table, ["name"], order_by="name"))).rows]


def test_catalog_survives_a_restart(tmp_path: Path) -> None:
    settings = ServerSettings(port=0, data_dir=str(tmp_path), tokens={TOKEN: "sysadmin"})

    async def create(url: str) -> None:
        async with DeltaStreamClient(url, TOKEN) as c:
            await c.execute(database.create_statement("kept"))
            await c.execute(store.create_statement("k", [("type", sql.Bare("KAFKA")), ("uris", "b:1"),
                                                         ("kafka.sasl.hash_function", sql.Bare("NONE"))]))

    async def read(url: str) -> tuple[list[str], list[str], str]:
        async with DeltaStreamClient(url, TOKEN) as c:
            org = (await c.execute(sql.list_organizations())).records()[0]["id"]
            return await names(c, "databases"), await names(c, "stores"), org

    with BackgroundServer(settings) as first:
        asyncio.run(create(first.url))
        org_before = first.server.catalog.organization.id
    with BackgroundServer(settings) as second:
        databases, stores, org_after = asyncio.run(read(second.url))
    assert databases == ["kept"] and stores == ["k"] and org_after == org_before


async def test_fifty_clients_creating_and_dropping_in_parallel(local: BackgroundServer) -> None:
    async def worker(i: int) -> None:
        async with DeltaStreamClient(local.url, TOKEN, retry=RetryPolicy(base_delay=0.01)) as c:
            for j in range(4):
                await c.execute(database.create_statement(f"w{i:02d}_{j}"))
            await c.execute(namespace.create_statement(f"w{i:02d}_0", "extra"))
            for j in (1, 3):
                await c.execute(database.drop_statement(f"w{i:02d}_{j}"))

    await asyncio.gather(*(worker(i) for i in range(50)))
    async with DeltaStreamClient(local.url, TOKEN) as c:
        assert await names(c, "databases") == sorted(f"w{i:02d}_{j}" for i in range(50) for j in (0, 2))
        schemas = (await c.execute(sql.select("schemas", ["database_name", "name"], {"name": "extra"}))).rows
        assert sorted(d for d, _ in schemas) == [f"w{i:02d}_0" for i in range(50)]
    assert local.server.counters.statements["CreateDatabase"] == 200
