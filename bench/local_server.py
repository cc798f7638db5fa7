"""Benchmark of the local server: statements per second, and system-table lookup latency with a large catalog.

    .venv/bin/python bench/local_server.py [--relations 10000] [--lookups 2000] [--concurrency 8]

Everything goes over HTTP on loopback through the provider's client, as a real caller would.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time

from deltastream_local.runner import BackgroundServer, ServerSettings
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import DeltaStreamClient
from deltastream_provider.resources import database, namespace, store
from deltastream_provider.resources import object as relation

TOKEN = "bench-token"


async def run(url: str, relations: int, lookups: int, concurrency: int) -> dict[str, float]:
    async with DeltaStreamClient(url, TOKEN, max_connections=concurrency) as client:
        await client.execute(database.create_statement("bench"))
        await client.execute(store.create_statement("k", [("type", sql.Bare("KAFKA")), ("uris", "b:1"),
                                                          ("kafka.sasl.hash_function", sql.Bare("NONE"))]))
        namespaces = max(1, relations // 1000)
        for n in range(namespaces):
            await client.execute(namespace.create_statement("bench", f"ns{n}"))
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(relations):
            queue.put_nowait(i)

        async def creator() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                await client.execute(relation.create_statement(
                    "stream", "bench", f"ns{i % namespaces}", f"rel_{i:05d}",
                    [relation.ColumnDef("id", "BIGINT"), relation.ColumnDef("body", "VARCHAR")], [], [("store", "k")]))

        started = time.perf_counter()
        await asyncio.gather(*(creator() for _ in range(concurrency)))
        create_seconds = time.perf_counter() - started

        latencies: list[float] = []
        started = time.perf_counter()
        for _ in range(lookups):
            i = random.randrange(relations)
            t0 = time.perf_counter()
            result = await client.execute(sql.select(
                "relations", ["name", "relation_type", "owner", "state", "created_at", "updated_at"],
                {"database_name": "bench", "schema_name": f"ns{i % namespaces}", "name": f"rel_{i:05d}"}))
            latencies.append(time.perf_counter() - t0)
            assert len(result.rows) == 1
        lookup_seconds = time.perf_counter() - started
        latencies.sort()
        listing = time.perf_counter()
        page = await client.execute(sql.select("relations", ["name"], {"schema_name": "ns0"}, ["name"], 201))
        list_ms = (time.perf_counter() - listing) * 1000
        assert len(page.rows) == 201
    return {
        "relations": relations,
        "create_statements_per_s": relations / create_seconds,
        "lookup_p50_ms": statistics.median(latencies) * 1000,
        "lookup_p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "lookups_per_s": lookups / lookup_seconds,
        "list_201_ms": list_ms,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--relations", type=int, default=10_000)
    parser.add_argument("--lookups", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--data-dir", default=None, help="SQLite file catalog (default: in memory)")
    args = parser.parse_args()
    with BackgroundServer(ServerSettings(port=0, tokens={TOKEN: "sysadmin"}, data_dir=args.data_dir)) as server:
        figures = asyncio.run(run(server.url, args.relations, args.lookups, args.concurrency))
    for key, value in figures.items():
        print(f"{key:26s} {value:10.2f}")


if __name__ == "__main__":
    main()
