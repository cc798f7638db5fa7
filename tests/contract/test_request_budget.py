"""API requests per provider operation, counted by the local server: the table in bench/results.md, asserted."""

from __future__ import annotations

from typing import Any

from bench.provider_requests import measure
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.plugin.wire import Secret

BUDGET = {
    "Database create": 2, "Database read": 1, "Namespace create": 2, "Namespace read": 1,
    "Store create": 2, "Store read": 2, "Store update": 2,
    # CREATE and the relation's SELECT (store type known; the columns are those it was created with); a read sends
    # the SELECT and DESCRIBE RELATION COLUMNS at once.
    "Object create": 2, "Object read": 2,
    "Query create": 3, "Query read": 1, "Check / Diff / preview (any)": 0,  # DESCRIBE, INSERT, SELECT
    # a replacing Diff reads what it would take down (issue 30): the relations, and the queries when there are any
    "Diff replacing what nothing depends on": 1, "Diff refusing a replacement": 2,
    "Query delete": 3,
    "Application create": 3, "Application read": 1, "Application delete": 3,  # DESCRIBE, BEGIN APPLICATION, SELECT
    "Secret create": 2, "Secret read": 1, "Secret delete": 2,  # no documented UPDATE SECRET: a change is refused
    "SchemaRegistry create": 2, "SchemaRegistry read": 1, "SchemaRegistry update": 2, "SchemaRegistry delete": 2,
    "Entity create": 2, "Entity read": 1, "Entity update": 2, "Entity delete": 2,  # the statement, a DESCRIBE ENTITY
    "Object delete": 2, "Store delete": 2, "Namespace delete": 2, "Database delete": 2,
}


async def test_requests_per_operation(local: BackgroundServer) -> None:
    counted = {label: requests for label, requests, _, _ in await measure(local, TOKEN)}
    assert counted == BUDGET


async def test_requests_of_the_previews_of_one_process(local: BackgroundServer) -> None:
    """A preview planning creates asks DeltaStream once per process for the session and once per organization
    privilege (issue 31): the first Namespace preview 1 (the session's CAN I CREATE_DATABASE), a Database 0 (the same
    answer), a Store 1 (CAN I CREATE_STORE), a Query 1 (CAN I CREATE_QUERY), every later preview 0."""
    harness = await Harness().start()
    await harness.configure(server=local.url, apiKey=Secret(TOKEN))
    counted = []
    plan: list[tuple[str, dict[str, Any]]] = [
        ("Namespace", {"database": "db", "name": "ns"}), ("Database", {"name": "db"}),
        ("Store", {"name": "events", "kafka": {"uris": "b:9092", "saslHashFunction": "NONE"}}),
        ("Query", {"sql": 'INSERT INTO "db"."public"."dst" SELECT id FROM "db"."public"."src"'})]
    try:
        for kind, inputs in plan * 2:
            before = sum(local.server.counters.requests.values())
            await harness.create(f"deltastream:index:{kind}", inputs, preview=True)
            counted.append(sum(local.server.counters.requests.values()) - before)
    finally:
        await harness.stop()
    assert counted == [1, 0, 1, 1, 0, 0, 0, 0]
