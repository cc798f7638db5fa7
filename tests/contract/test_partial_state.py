"""A create that cannot finish (its timeout, an answer that never comes, Ctrl-C) is kept in state with what is known,
and the next refresh, up and destroy work on it: adopt what exists, create what does not, never a second copy."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
from pulumi.runtime.proto import provider_pb2, status_pb2
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.deltastream.client import DeltaStreamClient
from deltastream_provider.plugin.wire import decode
from deltastream_provider.resources.continuous import PENDING
from tests.contract.test_provider_grpc import INSERT, QUERY, queries

DB = "deltastream:index:Database"


def never_answered(local: BackgroundServer, pattern: str) -> None:
    """The statement runs, but its answer is 202 (still running) to every poll."""
    local.server.knobs.update({"fail": [{"pattern": pattern, "fault": "never_answered", "nth": 0}]})


def kept(error: grpc.aio.AioRpcError) -> tuple[str, dict[str, Any]]:
    """The id and the partial state a failed create asks the engine to keep."""
    metadata = dict(error.trailing_metadata() or ())
    status = status_pb2.Status.FromString(metadata["grpc-status-details-bin"])
    detail = provider_pb2.ErrorResourceInitFailed()
    assert status.details[0].Unpack(detail)
    return detail.id, decode(detail.properties)


async def running_queries(client: DeltaStreamClient) -> list[str]:
    rows = (await client.execute("SELECT id, current_state FROM deltastream.sys.\"queries\";")).rows
    return [r[0] for r in rows if r[1] == "running"]


async def test_a_create_whose_answer_never_comes_is_kept_and_adopted(provider: Harness,
                                                                     local: BackgroundServer) -> None:
    never_answered(local, r"^CREATE DATABASE")
    try:
        await provider.create(DB, {"name": "late"}, timeout=1)
    except grpc.aio.AioRpcError as error:
        resource_id, partial = kept(error)
    assert (resource_id, partial["name"]) == ("late", "late") and "createdAt" not in partial
    local.server.knobs.update({"fail": []})
    _, refreshed, _ = await provider.read(DB, resource_id, partial, {"name": "late"})
    assert refreshed["createdAt"]  # refresh adopts it
    adopted = await provider.update(DB, resource_id, partial, {"name": "late"})  # so does the next up
    assert adopted["createdAt"] and local.server.counters.statements["CreateDatabase"] == 1
    await provider.delete(DB, resource_id, adopted)


async def test_a_partial_state_of_something_that_never_landed_is_created_by_the_next_up(
        provider: Harness, local: BackgroundServer) -> None:
    """As earlier releases recorded it, with no outputs at all: refresh drops it, the next up creates it."""
    assert (await provider.read(DB, "ghost", {}, {"name": "ghost"}))[0] == ""
    created = await provider.update(DB, "ghost", {}, {"name": "ghost"})
    assert created["createdAt"] and local.server.counters.statements["CreateDatabase"] == 1
    await provider.delete(DB, "ghost", {"name": "ghost"})  # destroy too works on what is known


async def test_a_query_start_never_answered_is_found_by_its_sql(provider: Harness, local: BackgroundServer,
                                                                client: DeltaStreamClient) -> None:
    await queries(provider)
    never_answered(local, r"^INSERT INTO")
    local.server.knobs.update({"latency_ms": 400})  # so the settling read cannot fit in what is left of 1 s
    try:
        await provider.create(QUERY, {"sql": INSERT}, timeout=1)
    except grpc.aio.AioRpcError as error:
        resource_id, partial = kept(error)
    local.server.knobs.update({"fail": [], "latency_ms": 0})
    (started,) = await running_queries(client)
    if resource_id.startswith(PENDING):  # its start was never settled: a refresh finds it by its SQL
        found_id, refreshed, _ = await provider.read(QUERY, resource_id, partial, {"sql": INSERT})
        assert found_id == started and refreshed["queryId"] == started
    else:
        assert resource_id == started
    adopted = await provider.update(QUERY, resource_id, partial, {"sql": INSERT})
    assert adopted["queryId"] == started and adopted["state"] == "running"
    assert await running_queries(client) == [started], "exactly one copy"
    await provider.delete(QUERY, resource_id, partial)  # destroy finds it from what is known, and terminates it
    assert await running_queries(client) == []


async def test_ctrl_c_while_a_query_starts_records_the_query_it_started(provider: Harness, local: BackgroundServer,
                                                                       client: DeltaStreamClient) -> None:
    await queries(provider)
    never_answered(local, r"^INSERT INTO")
    create = asyncio.ensure_future(provider.create(QUERY, {"sql": INSERT}))
    landed = await asyncio.to_thread(local.server.counters.wait_for_statements, "InsertInto", 1, 60)
    assert landed
    await provider.cancel()  # what the engine sends on Ctrl-C
    try:
        await create
    except grpc.aio.AioRpcError as error:
        resource_id, partial = kept(error)
    local.server.knobs.update({"fail": []})
    assert await running_queries(client) == [resource_id], "the query it started is the one in state"
    adopted = await provider.update(QUERY, resource_id, partial, {"sql": INSERT})
    assert adopted["state"] == "running" and local.server.counters.statements["InsertInto"] == 1


async def test_ctrl_c_during_a_create_keeps_what_it_created(provider: Harness, local: BackgroundServer) -> None:
    """The CREATE ran but its answer never came; the engine's cancel then lands. Before, the cancellation was passed
    on and the database was left on the server, forgotten (the next up: already exists)."""
    never_answered(local, r"^CREATE DATABASE")
    create = asyncio.ensure_future(provider.create(DB, {"name": "made"}))
    assert await asyncio.to_thread(local.server.counters.wait_for_statements, "CreateDatabase", 1, 60)
    await provider.cancel()
    try:
        await create
    except grpc.aio.AioRpcError as error:
        resource_id, partial = kept(error)
    assert (resource_id, partial["name"]) == ("made", "made")
    local.server.knobs.update({"fail": []})
    adopted = await provider.update(DB, resource_id, partial, {"name": "made"})
    assert adopted["createdAt"] and local.server.counters.statements["CreateDatabase"] == 1
