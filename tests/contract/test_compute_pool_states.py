"""Compute pools' running and stopped states: the local server's state machine over its clock (starting, running,
stopping, stopped, errored), its refusals (a DROP of a pool not stopped, a statement naming a missing pool), and the
provider's ComputePool bringing a pool to the program's state, stopping it before it drops it, and finding a pool
stopped by hand as drift that the next update undoes. Request counts are exact."""

from __future__ import annotations

import asyncio

import grpc
import httpx
import pytest
from pulumi.runtime.proto import provider_pb2
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from tests.conftest import ManualClock

POOL = "deltastream:index:ComputePool"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ETL = {"name": "etl", "size": "small", "timeoutMin": 10}


def post(local: BackgroundServer, statement: str, **fields: str) -> dict[str, object]:
    """A statement sent as DeltaStream's clients send it; its answer's body."""
    body: dict[str, object] = httpx.post(f"{local.url}/statements", json={"statement": statement, **fields},
                                         headers=AUTH).json()
    return body


def ok(local: BackgroundServer, statement: str, **fields: str) -> None:
    body = post(local, statement, **fields)
    assert body["sqlState"] == "00000", body


def refused(local: BackgroundServer, statement: str, **fields: str) -> str:
    """The SQLSTATE of a refused statement."""
    body = post(local, statement, **fields)
    assert body["sqlState"] != "00000", body
    return str(body["sqlState"])


def states(local: BackgroundServer) -> dict[str, list[object]]:
    """Each pool's IntendedState, ActualState and ErrorMessages, as LIST COMPUTE_POOLS answers them."""
    body = post(local, "LIST COMPUTE_POOLS;")
    rows: list[list[object]] = body["data"]  # type: ignore[assignment]
    return {str(row[0]): row[1:4] for row in rows}


def requests(local: BackgroundServer) -> int:
    return sum(local.server.counters.requests.values())


# --- the local server ------------------------------------------------------------------------------------------

@pytest.mark.paused_clock
def test_state_machine_over_the_clock(local: BackgroundServer, clock: ManualClock) -> None:
    local.server.knobs.update({"pool_transition_s": 30})
    ok(local, "CREATE COMPUTE_POOL p WITH ('compute_pool.size' = 'medium', 'compute_pool.timeout_min' = 5);")
    assert states(local) == {"p": ["running", "starting", ""]}
    assert refused(local, "DROP COMPUTE_POOL p;") == "3E004"
    clock.advance(29.9)
    assert states(local)["p"][1] == "starting"
    clock.advance(0.1)
    assert states(local) == {"p": ["running", "running", ""]}
    ok(local, "START COMPUTE_POOL p;")  # already running: nothing changes
    assert states(local) == {"p": ["running", "running", ""]}
    ok(local, "STOP COMPUTE_POOL p;")
    assert states(local) == {"p": ["stopped", "stopping", ""]}
    assert refused(local, "DROP COMPUTE_POOL p;") == "3E004"  # not stopped yet
    clock.advance(30)
    assert states(local) == {"p": ["stopped", "stopped", ""]}
    ok(local, "STOP COMPUTE_POOL p;")  # already stopped: nothing changes
    ok(local, "START COMPUTE_POOL p;")
    assert states(local) == {"p": ["running", "starting", ""]}
    ok(local, "STOP COMPUTE_POOL p;")  # stopping a pool on its way up
    clock.advance(30)
    ok(local, "DROP COMPUTE_POOL p;")
    assert states(local) == {}
    assert refused(local, "STOP COMPUTE_POOL p;") == refused(local, "START COMPUTE_POOL p;") == "3D023"


def test_errored_pool_reports_why_and_can_be_stopped_and_dropped(local: BackgroundServer) -> None:
    local.server.knobs.update({"errored_pools": "^bad"})
    ok(local, "CREATE COMPUTE_POOL bad_pool;")
    intended, actual, errors = states(local)["bad_pool"]
    assert (intended, actual) == ("running", "errored") and "failed to start" in str(errors)
    ok(local, "DROP COMPUTE_POOL bad_pool;")  # an errored pool runs nothing: it may be dropped
    ok(local, "CREATE COMPUTE_POOL bad_pool;")
    ok(local, "STOP COMPUTE_POOL bad_pool;")
    assert states(local) == {"bad_pool": ["stopped", "stopped", ""]}


def test_refusals(local: BackgroundServer) -> None:
    ok(local, "CREATE COMPUTE_POOL p;")
    assert refused(local, "CREATE COMPUTE_POOL p;") == "42P019"  # the Go client's DuplicateComputePool
    assert refused(local, "DROP COMPUTE_POOL p;") == "3E004"
    assert refused(local, "STOP COMPUTE_POOL public.p;") == "42601"  # a pool is no schema's object
    assert refused(local, "LIST DATABASES;", computePool="nope") == "3D023"  # the request's pool must exist
    body = post(local, "LIST DATABASES;", computePool="p")
    assert body["sqlState"] == "00000" and body["metadata"]["context"]["computePoolName"] == "p"  # type: ignore[index]


# --- the provider ---------------------------------------------------------------------------------------------

async def test_created_stopped_then_started_in_place(provider: Harness, local: BackgroundServer) -> None:
    before = requests(local)
    resource_id, state = await provider.create(POOL, {**ETL, "running": False})
    assert requests(local) - before == 4  # CREATE, a LIST that finds it running, STOP, a LIST that finds it stopped
    assert (state["running"], state["state"]) == (False, "stopped") and states(local) == {"etl": ["stopped",
                                                                                                   "stopped", ""]}
    diff = await provider.diff(POOL, resource_id, state, ETL)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME and list(diff.diffs) == ["running"]
    assert not diff.replaces
    before = requests(local)
    state = await provider.update(POOL, resource_id, state, {**ETL, "running": True})
    assert requests(local) - before == 3  # a LIST, START, a LIST that finds it running
    assert (state["running"], state["state"]) == (True, "running") and states(local)["etl"][:2] == ["running",
                                                                                                    "running"]
    before = requests(local)
    state = await provider.update(POOL, resource_id, state, {**ETL, "timeoutMin": 5, "running": False})
    assert requests(local) - before == 4  # UPDATE, a LIST, STOP, a LIST
    assert state["state"] == "stopped" and post(local, "LIST COMPUTE_POOLS;")["data"][0][5] == "5"  # type: ignore[index]
    before = requests(local)
    await provider.delete(POOL, resource_id, state)
    assert requests(local) - before == 3  # stopped already: a LIST, DROP, a LIST that finds it gone
    assert states(local) == {}


@pytest.mark.paused_clock
async def test_delete_stops_a_running_pool_and_waits_until_it_is_stopped(
        provider: Harness, local: BackgroundServer, clock: ManualClock) -> None:
    resource_id, state = await provider.create(POOL, ETL)
    local.server.knobs.update({"pool_transition_s": 60})
    local.server.counters.texts.clear()
    deleting = asyncio.ensure_future(provider.delete(POOL, resource_id, state))
    assert await asyncio.to_thread(local.server.counters.wait_for_statements, "StopComputePool", 1, 60)
    polls = local.server.counters.statements["ListObjects"]
    assert await asyncio.to_thread(local.server.counters.wait_for_statements, "ListObjects", polls + 1, 60)
    assert states(local)["etl"][:2] == ["stopped", "stopping"] and not deleting.done()
    assert local.server.counters.statements["DropComputePool"] == 0  # nothing dropped while it stops
    clock.advance(60)
    await asyncio.wait_for(deleting, 60)
    verbs = [text.split()[0] for text in local.server.counters.texts]
    assert [verb for verb in verbs if verb in ("STOP", "DROP")] == ["STOP", "DROP"] and states(local) == {}


async def test_stopped_by_hand_is_drift_and_the_update_starts_it(provider: Harness, local: BackgroundServer) -> None:
    resource_id, state = await provider.create(POOL, ETL)
    ok(local, 'STOP COMPUTE_POOL "etl";')
    _, read, inputs = await provider.read(POOL, resource_id, state, ETL)
    assert (read["state"], read["running"], inputs["running"]) == ("stopped", False, False)
    diff = await provider.diff(POOL, resource_id, read, ETL, old_inputs=inputs)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_SOME and list(diff.diffs) == ["running"]
    assert not diff.replaces
    before = requests(local)
    state = await provider.update(POOL, resource_id, read, ETL)
    assert requests(local) - before == 3 and local.server.counters.statements["StartComputePool"] == 1
    assert (state["running"], state["state"]) == (True, "running") and states(local)["etl"][:2] == ["running",
                                                                                                    "running"]


async def test_an_errored_pool_fails_the_create_and_is_removed(provider: Harness, local: BackgroundServer) -> None:
    local.server.knobs.update({"errored_pools": "^etl$"})
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await provider.create(POOL, ETL)
    details = failed.value.details() or ""
    assert "compute pool 'etl' did not reach running: it is errored" in details and "failed to start" in details
    assert "ErrorMessages" in details  # the hint
    assert states(local) == {}  # stopped and dropped again: nothing left behind
    ok(local, "CREATE COMPUTE_POOL etl;")
    resource_id, state = await provider.create(POOL, {**ETL, "name": "other"})
    local.server.knobs.update({"errored_pools": "^other$"})
    ok(local, 'STOP COMPUTE_POOL "other";')
    with pytest.raises(grpc.aio.AioRpcError) as restart:  # started again by the update, it fails again
        await provider.update(POOL, resource_id, {**state, "running": False}, {**ETL, "name": "other"})
    assert "did not reach running" in (restart.value.details() or "")


async def test_imported_pool_reads_its_running_state(provider: Harness, local: BackgroundServer) -> None:
    ok(local, "CREATE COMPUTE_POOL held WITH ('compute_pool.size' = 'large');")
    ok(local, "STOP COMPUTE_POOL held;")
    _, state, inputs = await provider.read(POOL, "held")
    assert inputs == {"name": "held", "size": "large", "running": False} and state["state"] == "stopped"


@pytest.mark.parametrize("fault", ["drop_after", "drop_before"])
async def test_a_lost_stop_answer_is_settled_by_reading(provider: Harness, local: BackgroundServer,
                                                        fault: str) -> None:
    """A STOP whose answer is lost (the connection closed after or before it ran) is sent again only when the next
    LIST COMPUTE_POOLS finds that it did not run."""
    local.server.knobs.update({"fail": [{"pattern": "^STOP COMPUTE_POOL", "fault": fault}]})
    _, state = await provider.create(POOL, {**ETL, "running": False})
    assert state["state"] == "stopped" and states(local) == {"etl": ["stopped", "stopped", ""]}
    assert local.server.counters.statements["StopComputePool"] == 1


async def test_a_pool_of_the_last_release_shows_no_change(provider: Harness) -> None:
    """State written before ``running`` existed (no such key) against a program that does not set it: no diff."""
    checked, failures = await provider.check(POOL, ETL)
    assert not failures
    old_state = {**ETL, "state": "running", "owner": "sysadmin", "createdAt": "2026-01-01 00:00:00.000000Z"}
    diff = await provider.diff(POOL, "etl", old_state, checked, old_inputs=ETL)
    assert diff.changes == provider_pb2.DiffResponse.DIFF_NONE, list(diff.diffs)


@pytest.mark.paused_clock
async def test_an_update_does_not_wait_on_a_pool_it_did_not_start_or_stop(
        provider: Harness, local: BackgroundServer, clock: ManualClock) -> None:
    """A timeout changed on a pool already intended running is UPDATE and one LIST: its actual state (here on its way
    up, started outside Pulumi; in DeltaStream an idle pool suspended after its timeout) is reported, not awaited."""
    resource_id, state = await provider.create(POOL, ETL)
    local.server.knobs.update({"pool_transition_s": 60})
    ok(local, 'STOP COMPUTE_POOL "etl";')
    clock.advance(60)
    ok(local, 'START COMPUTE_POOL "etl";')
    before = requests(local)
    state = await asyncio.wait_for(provider.update(POOL, resource_id, state, {**ETL, "timeoutMin": 5}), 60)
    assert requests(local) - before == 2 and state["state"] == "starting"  # UPDATE, a LIST; the clock never moved
    assert states(local)["etl"][:2] == ["running", "starting"]
