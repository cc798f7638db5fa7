"""API requests each provider operation makes, read from the local server's counters.

    .venv/bin/python -m bench.provider_requests

Drives the provider over gRPC exactly as the engine does (see tests/contract/harness.py).
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable
from typing import Any

import grpc
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer, ServerSettings
from deltastream_provider.plugin.wire import Secret

TOKEN = "bench-token"
KAFKA = {"name": "events", "kafka": {"uris": "b:9092", "saslHashFunction": "PLAIN", "saslUsername": "u",
                                     "saslPassword": "p"}}
OBJ = {"database": "db", "namespace": "public", "name": "src", "kind": "stream", "store": "events",
       "columns": [{"name": "id", "type": "BIGINT"}]}
SQL = 'INSERT INTO "db"."public"."dst" SELECT id FROM "db"."public"."src"'
APP = {"sql": f"BEGIN APPLICATION app {SQL}; END APPLICATION;"}
SECRET = {"name": "token", "secretString": "v1"}
REGISTRY = {"name": "registry", "confluent": {"uris": "https://r1"}}
TOPIC = {"store": "events", "path": ["orders"], "kafka": {"partitions": 1}}


async def refused(call: Awaitable[Any]) -> str:
    """A Diff refusing a replacement at preview: its message (one that goes ahead answers its diff)."""
    try:
        return str(await call)
    except grpc.aio.AioRpcError as refusal:
        return refusal.details() or ""


async def measure(server: BackgroundServer, token: str = TOKEN) -> list[tuple[str, int, str, float]]:
    harness = await Harness().start()
    await harness.configure(server=server.url, apiKey=Secret(token))
    rows = []

    async def op(label: str, call):  # type: ignore[no-untyped-def]
        before = Counter(server.server.counters.statements)
        requests = sum(server.server.counters.requests.values())
        started = time.perf_counter()
        result = await call
        elapsed = (time.perf_counter() - started) * 1000
        spent = Counter(server.server.counters.statements) - before
        rows.append((label, sum(server.server.counters.requests.values()) - requests,
                     ", ".join(f"{k} {v}" for k, v in sorted(spent.items())), elapsed))
        return result

    T = "deltastream:index:"
    _, db = await op("Database create", harness.create(T + "Database", {"name": "db"}))
    await op("Database read", harness.read(T + "Database", "db", db, {"name": "db"}))
    _, ns = await op("Namespace create", harness.create(T + "Namespace", {"database": "db", "name": "ns"}))
    await op("Namespace read", harness.read(T + "Namespace", "db/ns", ns, {"database": "db", "name": "ns"}))
    _, store = await op("Store create", harness.create(T + "Store", KAFKA))
    await op("Store read", harness.read(T + "Store", "events", store, KAFKA))
    rotated = {**KAFKA, "kafka": {**KAFKA["kafka"], "saslPassword": "p2"}}
    await op("Store update", harness.update(T + "Store", "events", store, rotated))
    _, src = await op("Object create", harness.create(T + "DeltaStreamObject", OBJ))
    await op("Object read", harness.read(T + "DeltaStreamObject", "db/public/src", src, OBJ))
    _, dst = await harness.create(T + "DeltaStreamObject", {**OBJ, "name": "dst"})
    qid, query = await op("Query create", harness.create(T + "Query", {"sql": SQL}))
    await op("Query read", harness.read(T + "Query", qid, query, {"sql": SQL}))
    await op("Check / Diff / preview (any)", harness.create(T + "DeltaStreamObject", OBJ, preview=True))
    await op("Diff replacing what nothing depends on", refused(harness.diff(
        T + "Namespace", "db/ns", ns, {"database": "db", "name": "ns2"})))  # SELECT relations: none
    await op("Diff refusing a replacement", refused(harness.diff(
        T + "Store", "events", store, {**KAFKA, "name": "events2"})))  # SELECT relations, LIST QUERIES
    await op("Query delete", harness.delete(T + "Query", qid, query))
    app_id, app = await op("Application create", harness.create(T + "Application", APP))
    await op("Application read", harness.read(T + "Application", app_id, app, APP))
    await op("Application delete", harness.delete(T + "Application", app_id, app))
    for kind, inputs, changed, resource_id in (
            ("Secret", SECRET, None, "token"),  # no UPDATE SECRET is documented: a change replaces it
            ("SchemaRegistry", REGISTRY, {**REGISTRY, "confluent": {"uris": "https://r2"}}, "registry"),
            ("Entity", TOPIC, {**TOPIC, "kafka": {"partitions": 2}}, "events/orders")):
        _, state = await op(f"{kind} create", harness.create(T + kind, inputs))
        await op(f"{kind} read", harness.read(T + kind, resource_id, state, inputs))
        if changed is not None:
            state = await op(f"{kind} update", harness.update(T + kind, resource_id, state, changed))
        await op(f"{kind} delete", harness.delete(T + kind, resource_id, state))
    await harness.delete(T + "DeltaStreamObject", "db/public/dst", dst)
    await op("Object delete", harness.delete(T + "DeltaStreamObject", "db/public/src", src))
    await op("Store delete", harness.delete(T + "Store", "events", store))
    await op("Namespace delete", harness.delete(T + "Namespace", "db/ns", ns))
    await op("Database delete", harness.delete(T + "Database", "db", db))
    await harness.stop()
    return rows


def main() -> None:
    with BackgroundServer(ServerSettings(port=0, tokens={TOKEN: "sysadmin"})) as server:
        rows = asyncio.run(measure(server))
    print("| operation | HTTP requests | statements | ms |\n| --- | --- | --- | --- |")
    for label, requests, statements, ms in rows:
        print(f"| {label} | {requests} | {statements or '-'} | {ms:.1f} |")


if __name__ == "__main__":
    main()
