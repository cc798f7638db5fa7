"""A refresh's reads share requests (issue 32): one SELECT of a database's relations serves every object read of it,
and a relation's columns are read again only when it was re-created."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.deltastream.client import DeltaStreamClient
from deltastream_provider.deltastream.session import Session
from deltastream_provider.plugin.wire import SecretValue
from tests.conftest import ManualClock

T = "deltastream:index:"
KAFKA = {"name": "events", "kafka": {"uris": "b:9092", "saslHashFunction": "NONE"}}


def stream(namespace: str, name: str) -> dict[str, Any]:
    return {"database": "db", "namespace": namespace, "name": name, "kind": "stream", "store": "events",
            "valueFormat": "json", "columns": [{"name": "id", "type": "BIGINT"}, {"name": "v", "type": "VARCHAR"}]}


def sent(local: BackgroundServer, before: dict[str, int]) -> dict[str, int]:
    """The statements sent since ``before``, by kind."""
    now = local.server.counters.statements
    return {kind: n - before.get(kind, 0) for kind, n in now.items() if n != before.get(kind, 0)}


async def made(harness: Harness) -> dict[str, tuple[str, dict[str, Any], dict[str, Any]]]:
    """A database, two namespaces and five streams; each stream's id, state and inputs."""
    await harness.create(T + "Database", {"name": "db"})
    await harness.create(T + "Namespace", {"database": "db", "name": "a"})
    await harness.create(T + "Namespace", {"database": "db", "name": "b"})
    await harness.create(T + "Store", KAFKA)
    objects = {}
    for namespace, name in [("a", "s1"), ("a", "s2"), ("a", "s3"), ("b", "s4"), ("b", "s5")]:
        inputs = stream(namespace, name)
        object_id, state = await harness.create(T + "DeltaStreamObject", inputs)
        objects[name] = (object_id, state, inputs)
    return objects


async def refresh(harness: Harness, objects: dict[str, tuple[str, dict[str, Any], dict[str, Any]]]
                  ) -> dict[str, dict[str, Any]]:
    """Every object read at once, as the engine's refresh reads them."""
    reads = await asyncio.gather(*(harness.read(T + "DeltaStreamObject", object_id, state, inputs)
                                   for object_id, state, inputs in objects.values()))
    return {name: props for name, (_, props, _) in zip(objects, reads, strict=True)}


@pytest.mark.paused_clock
async def test_a_refresh_reads_each_database_once_and_no_columns(local: BackgroundServer) -> None:
    harness = await Harness().start()
    try:
        await harness.configure(server=local.url, apiKey=SecretValue(TOKEN))
        objects = await made(harness)
        before = dict(local.server.counters.statements)
        found = await refresh(harness, objects)
        assert sent(local, before) == {"Select": 1}  # the database's relations; no DESCRIBE RELATION COLUMNS
        assert [c["name"] for c in found["s1"]["columns"]] == ["id", "v"]
        assert found["s4"]["fqn"] == '"db"."b"."s4"'
        before = dict(local.server.counters.statements)
        await refresh(harness, objects)  # nothing changed since: the namespaces' rows still serve
        assert sent(local, before) == {}
    finally:
        await harness.stop()


@pytest.mark.paused_clock
async def test_a_recreated_relation_has_its_columns_read(local: BackgroundServer, clock: ManualClock) -> None:
    harness = await Harness().start()
    try:
        await harness.configure(server=local.url, apiKey=SecretValue(TOKEN))
        objects = await made(harness)
        clock.advance(5)
        async with DeltaStreamClient(local.url, TOKEN, session=Session(role="sysadmin")) as client:
            await client.execute('DROP RELATION "db"."a"."s2";')
            await client.execute('CREATE STREAM "db"."a"."s2" (id BIGINT, extra DOUBLE) '
                                 "WITH ('store' = 'events', 'topic' = 's2', 'value.format' = 'json');")
        before = dict(local.server.counters.statements)
        found = await refresh(harness, objects)
        assert sent(local, before) == {"Select": 1, "DescribeRelationColumns": 1}
        assert [(c["name"], c["type"]) for c in found["s2"]["columns"]] == [("id", "BIGINT"), ("extra", "DOUBLE")]
        assert [c["name"] for c in found["s3"]["columns"]] == ["id", "v"]
    finally:
        await harness.stop()


async def test_a_change_makes_the_next_read_select_again(local: BackgroundServer) -> None:
    """What this process changes is never answered from rows read before it."""
    harness = await Harness().start()
    try:
        await harness.configure(server=local.url, apiKey=SecretValue(TOKEN))
        objects = await made(harness)
        await refresh(harness, objects)
        object_id, state, inputs = objects["s1"]
        await harness.delete(T + "DeltaStreamObject", object_id, state)
        before = dict(local.server.counters.statements)
        _, props, _ = await harness.read(T + "DeltaStreamObject", object_id, state, inputs)
        assert props == {}  # gone: read from a new SELECT, not from the rows read before the DROP
        assert sent(local, before) == {"Select": 1}
    finally:
        await harness.stop()


async def test_a_refresh_reads_the_running_queries_once(local: BackgroundServer) -> None:
    """Queries that run are rows of one SELECT shared by every query read; one that stopped is read by its id."""
    harness = await Harness().start()
    try:
        await harness.configure(server=local.url, apiKey=SecretValue(TOKEN))
        objects = await made(harness)
        queries = []
        for source, sink in [("s1", "s2"), ("s1", "s3"), ("s4", "s5")]:
            inputs = {"sql": f'INSERT INTO "db"."{objects[sink][2]["namespace"]}"."{sink}" '
                             f'SELECT id, v FROM "db"."{objects[source][2]["namespace"]}"."{source}"'}
            query_id, state = await harness.create(T + "Query", inputs)
            queries.append((query_id, state, inputs))
        async with DeltaStreamClient(local.url, TOKEN, session=Session(role="sysadmin")) as client:
            await client.execute(f"TERMINATE QUERY {queries[2][0]};")
        before = dict(local.server.counters.statements)
        reads = await asyncio.gather(*(harness.read(T + "Query", query_id, state, inputs)
                                       for query_id, state, inputs in queries))
        assert sent(local, before) == {"Select": 2}  # the running ones, then the terminated one by its id
        assert [props["state"] for _, props, _ in reads] == ["running", "running", "terminated"]
    finally:
        await harness.stop()


async def test_a_refresh_mends_a_record_whose_inputs_are_incomplete(provider: Harness) -> None:
    """A record lacking a required input (edited by hand, or written as another type) is read as an import reads: the
    inputs come back from DeltaStream, so the refresh that the Diff's error asks for does mend it."""
    await provider.create(T + "Database", {"name": "db"})
    resource_id, state = await provider.create(T + "Namespace", {"database": "db", "name": "ns"})
    found_id, _, inputs = await provider.read(T + "Namespace", resource_id, state, {"name": "ns"})
    assert found_id == resource_id and inputs["database"] == "db" and inputs["name"] == "ns"
