"""Unknown outcomes are settled by reading, never guessed: a statement whose answer was lost (connection dropped
before or after it ran, gateway timeout after it ran) is adopted when it landed and sent again only when the
catalog proves it did not. Faults are aimed at one statement with the local server's fail rules."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import DeltaStreamClient
from tests.contract.test_provider_grpc import DB, INSERT, KAFKA, OBJ, QUERY, STORE, obj, queries


def fault(local: BackgroundServer, pattern: str, kind: str, nth: int = 1) -> None:
    local.server.knobs.update({"fail": [{"pattern": pattern, "fault": kind, "nth": nth}]})


def ran(local: BackgroundServer, kind: str) -> int:
    return local.server.counters.statements[kind]


@pytest.mark.parametrize("kind, executed", [("drop_before", 1), ("drop_after", 1), ("504", 1)])
async def test_store_create_settles_by_reading(provider: Harness, local: BackgroundServer, client: DeltaStreamClient,
                                               kind: str, executed: int) -> None:
    fault(local, r"^CREATE STORE", kind)
    resource_id, state = await provider.create(STORE, KAFKA)
    assert resource_id == "events" and state["status"] == "ready"
    assert ran(local, "CreateStore") == executed  # sent again only when it never ran
    assert (await client.execute(sql.select("stores", ["name"]))).rows == (("events",),)


@pytest.mark.parametrize("kind", ["drop_before", "drop_after", "504"])
async def test_database_and_object_creates_settle_by_reading(provider: Harness, local: BackgroundServer,
                                                             kind: str) -> None:
    fault(local, r"^CREATE DATABASE", kind)
    await provider.create(DB, {"name": "db"})
    await provider.create(STORE, KAFKA)
    fault(local, r"^CREATE STREAM", kind)
    _, state = await provider.create(OBJ, obj("src"))
    assert state["fqn"] == '"db"."public"."src"'
    assert ran(local, "CreateDatabase") == 1 and ran(local, "CreateRelation") == 1


@pytest.mark.parametrize("kind", ["drop_before", "drop_after", "504"])
async def test_query_create_adopts_the_query_it_started_or_starts_one(provider: Harness, local: BackgroundServer,
                                                                      client: DeltaStreamClient, kind: str) -> None:
    await queries(provider)
    fault(local, r"^INSERT INTO", kind)
    resource_id, state = await provider.create(QUERY, {"sql": INSERT})
    rows = (await client.execute(sql.select("queries", ["id", "current_state"]))).rows
    assert rows == ((resource_id, "running"),), "exactly one query, and it is the one in state"
    assert ran(local, "InsertInto") == 1 and state["state"] == "running"
    assert ran(local, "ListObjects") == 1  # the outcome was unknown: settled by its SQL in LIST QUERIES


@pytest.mark.parametrize("kind", ["drop_before", "drop_after", "504"])
async def test_terminate_and_drop_settle_by_reading(provider: Harness, local: BackgroundServer,
                                                    client: DeltaStreamClient, kind: str) -> None:
    await queries(provider)
    query_id, query_state = await provider.create(QUERY, {"sql": INSERT})
    fault(local, r"^TERMINATE QUERY", kind)
    await provider.delete(QUERY, query_id, query_state)
    assert ran(local, "TerminateQuery") == 1
    fault(local, r"^DROP STORE", kind)
    for name in ("src", "dst"):
        await provider.delete(OBJ, f"db/public/{name}", obj(name))
    await provider.delete(STORE, "events", KAFKA)
    assert ran(local, "DropStore") == 1
    assert (await client.execute(sql.select("stores", ["name"]))).rows == ()


async def test_a_drop_refused_for_a_dependent_being_deleted_waits_for_it(provider: Harness, local: BackgroundServer,
                                                                        client: DeltaStreamClient) -> None:
    await queries(provider)
    query_id, query_state = await provider.create(QUERY, {"sql": INSERT})
    local.server.knobs.update({"query_terminated_s": 0.5})  # the query takes a while to stop
    drop = asyncio.ensure_future(provider.delete(OBJ, "db/public/dst", obj("dst")))
    await provider.delete(QUERY, query_id, query_state)
    await asyncio.wait_for(drop, 120)
    assert local.server.counters.sql_states["2BP01"] >= 1  # it was refused at first, then went through
    assert (await client.execute(sql.select("relations", ["name"], {"name": "dst"}))).rows == ()


async def test_a_drop_refused_by_a_dependent_that_stays_fails_at_the_timeout(provider: Harness,
                                                                              local: BackgroundServer) -> None:
    import grpc

    await queries(provider)
    await provider.create(QUERY, {"sql": INSERT})
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await provider.delete(OBJ, "db/public/dst", obj("dst"), timeout=1)
    assert "2BP01" in error.value.details() or "running queries" in error.value.details()
    assert local.server.counters.sql_states["2BP01"] >= 2  # retried within the timeout, then reported


async def test_a_failing_describe_store_is_reported_not_read_as_drift(provider: Harness,
                                                                     local: BackgroundServer) -> None:
    import grpc

    _, state = await provider.create(STORE, KAFKA)
    local.server.knobs.update({"fail": [{"pattern": r"^DESCRIBE STORE", "code": "XX000", "message": "backend down"}]})
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await provider.read(STORE, "events", state, KAFKA)
    assert "backend down" in error.value.details()


@pytest.mark.parametrize("kind", ["drop_before", "drop_after", "504"])
@pytest.mark.parametrize("resource, inputs, pattern, statement", [
    ("Secret", {"name": "token", "secretString": "v"}, r"^CREATE SECRET", "CreateSecret"),
    ("SchemaRegistry", {"name": "registry", "confluent": {"uris": "https://r"}}, r"^CREATE SCHEMA_REGISTRY",
     "CreateSchemaRegistry"),
    ("Entity", {"store": "events", "path": ["orders"], "kafka": {"partitions": 2}}, r"^CREATE ENTITY",
     "CreateEntity"),
])
async def test_catalog_creates_settle_by_reading(provider: Harness, local: BackgroundServer, kind: str, resource: str,
                                                 inputs: dict[str, object], pattern: str, statement: str) -> None:
    await provider.create(STORE, KAFKA)
    fault(local, pattern, kind)
    resource_id, _ = await provider.create(f"deltastream:index:{resource}", inputs)
    assert resource_id and ran(local, statement) == 1  # a lost answer is read, never a second CREATE


@pytest.mark.parametrize("kind", ["drop_before", "drop_after", "504"])
async def test_application_create_adopts_the_one_it_started_or_starts_one(
        provider: Harness, local: BackgroundServer, client: DeltaStreamClient, kind: str) -> None:
    await queries(provider)
    fault(local, r"^BEGIN APPLICATION", kind)
    resource_id, state = await provider.create("deltastream:index:Application",
                                               {"sql": f"BEGIN APPLICATION copy {INSERT}; END APPLICATION;"})
    rows = (await client.execute(sql.select("queries", ["id", "current_state"]))).rows
    assert rows == ((resource_id, "running"),), "exactly one application, and it is the one in state"
    assert ran(local, "BeginApplication") == 1 and state["sinks"] == ['"db"."public"."dst"']


# --- an accepted replacement failing at any of its statements (issue 30) ------------------------------

SECRET_PROPS = {"name": "partner", "secretString": "first-token-value-31", "acceptReplacement": True}
REGISTRY = {"name": "sr", "confluent": {"uris": "https://sr:8081"}}
REGISTERED = {**KAFKA, "kafka": {**KAFKA["kafka"], "schemaRegistryName": "sr"}, "acceptReplacement": True}


async def replace_as_the_engine_does(provider: Harness, type_: str, resource_id: str, state: dict[str, Any],
                                     news: dict[str, Any]) -> str | None:
    """A delete-before-replace: the DROP, then the CREATE; the step that failed (None: neither)."""
    try:
        await provider.delete(type_, resource_id, state)
    except grpc.aio.AioRpcError:
        return "delete"
    try:
        await provider.create(type_, news)
    except grpc.aio.AioRpcError:
        return "create"
    return None


async def next_up(provider: Harness, type_: str, resource_id: str, state: dict[str, Any], news: dict[str, Any],
                  failed: str | None) -> None:
    """What the next `pulumi up` does: a failed DROP left the old one in state (replaced again), a failed CREATE
    left nothing in state (created)."""
    if failed == "delete":
        await provider.delete(type_, resource_id, state)
    if failed is not None:
        await provider.create(type_, news)


@pytest.mark.parametrize("kind", ["sql", "drop_before", "drop_after", "504"])
@pytest.mark.parametrize("pattern", [r"^DROP SECRET", r"^CREATE SECRET"])
async def test_a_secret_rotation_failing_at_any_statement_loses_nothing_unmeant_and_converges(
        provider: Harness, local: BackgroundServer, client: DeltaStreamClient, pattern: str, kind: str) -> None:
    _, state = await provider.create("deltastream:index:Secret", SECRET_PROPS)
    rotated = {**SECRET_PROPS, "secretString": "second-token-value-32"}
    fault(local, pattern, kind)
    failed = await replace_as_the_engine_does(provider, "deltastream:index:Secret", "partner", state, rotated)
    assert failed == ("delete" if pattern == r"^DROP SECRET" else "create") if kind == "sql" else failed is None
    secrets = (await client.execute(sql.select("secrets", ["name", "status"]))).rows
    if failed == "delete":
        assert secrets == (("partner", "ready"),), "a failed DROP deletes nothing"
    await next_up(provider, "deltastream:index:Secret", "partner", state, rotated, failed)
    assert (await client.execute(sql.select("secrets", ["name", "status"]))).rows == (("partner", "ready"),)


@pytest.mark.parametrize("kind", ["sql", "drop_before", "drop_after", "504"])
@pytest.mark.parametrize("pattern", [r"^DROP STORE", r"^CREATE STORE"])
async def test_a_registry_detach_failing_at_any_statement_keeps_the_registry_and_converges(
        provider: Harness, local: BackgroundServer, client: DeltaStreamClient, pattern: str, kind: str) -> None:
    await provider.create("deltastream:index:SchemaRegistry", REGISTRY)
    _, state = await provider.create(STORE, REGISTERED)
    detached = {**KAFKA, "acceptReplacement": True}
    fault(local, pattern, kind)
    failed = await replace_as_the_engine_does(provider, STORE, "events", state, detached)
    assert failed == ("delete" if pattern == r"^DROP STORE" else "create") if kind == "sql" else failed is None
    if failed == "delete":
        assert (await client.execute(sql.select("stores", ["name"]))).rows == (("events",),)
    await next_up(provider, STORE, "events", state, detached, failed)
    assert (await client.execute(sql.select("schema_registries", ["name"]))).rows == (("sr",),)
    _, _, inputs = await provider.read(STORE, "events", {}, detached)
    assert inputs["kafka"].get("schemaRegistryName") is None and ran(local, "CreateStore") >= 2
