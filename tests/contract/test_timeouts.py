"""A call's time limit covers every request it makes: statements and system-table reads alike.

The local server's latency follows the test's clock here (``paused_clock``): a request is answered only when the
test advances the clock past its latency, so a request the test does not release is never answered, however fast or
slow the machine is, and each call ends in its own timeout.
"""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2, status_pb2
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider import errors
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import DeltaStreamClient
from deltastream_provider.plugin.wire import decode
from deltastream_provider.resources import database
from tests.conftest import ManualClock

SLOW = {"latency_ms": 3000}  # every request waits for 3 s of the test's clock, which the test never gives it
pytestmark = pytest.mark.paused_clock


async def test_a_read_past_its_timeout_is_a_statement_timeout(local: BackgroundServer) -> None:
    local.server.knobs.update(SLOW)
    async with DeltaStreamClient(local.url, TOKEN) as client:
        with pytest.raises(errors.StatementTimeoutError, match="did not finish in time"):
            await client.execute(sql.select("databases", ["name"]), timeout=1)


async def test_a_mutating_statement_past_its_timeout_has_an_unknown_outcome(local: BackgroundServer) -> None:
    local.server.knobs.update(SLOW)
    async with DeltaStreamClient(local.url, TOKEN) as client:
        with pytest.raises(errors.OutcomeUnknownError, match="no answer within 1s"):
            await client.execute(database.create_statement("slow"), timeout=1)


async def test_a_create_that_cannot_settle_in_time_is_kept_in_state(provider: Harness,
                                                                    local: BackgroundServer) -> None:
    """The CREATE's answer misses the limit and so does the read that would settle it: the database may exist,
    so the engine is told to keep it (a later refresh reads whether it does) rather than forget it."""
    local.server.knobs.update(SLOW)
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await provider.create("deltastream:index:Database", {"name": "slow"}, timeout=1)
    details = failed.value.details() or ""
    assert "reading whether it ran did not finish within the timeout" in details and "kept in state" in details
    metadata = dict(failed.value.trailing_metadata() or ())
    status = status_pb2.Status.FromString(metadata["grpc-status-details-bin"])
    kept = provider_pb2.ErrorResourceInitFailed()
    assert status.details[0].Unpack(kept) and kept.id == "slow"
    partial = decode(kept.properties)
    assert partial == {"name": "slow"}  # what is known: the inputs; before, nothing, and refresh was a dead end
    local.server.knobs.update({"latency_ms": 0})
    adopted = await provider.update("deltastream:index:Database", "slow", partial, {"name": "slow"})
    assert adopted["createdAt"]  # the next up creates it (the client gave up first: it never ran), or adopts it


async def test_a_wait_honours_the_timeout_in_its_system_table_reads(provider: Harness, local: BackgroundServer,
                                                                   clock: ManualClock) -> None:
    """The CREATE is answered (the test advances the clock past its latency once it has arrived); the readiness read
    that follows is never answered, so the call ends in that read's timeout, within the call's limit."""
    local.server.knobs.update({"latency_ms": 1500})
    arrived = local.server.counters.requests
    before = arrived["POST /v2/statements"]
    create = asyncio.ensure_future(provider.create("deltastream:index:Database", {"name": "slow"}, timeout=2.5))
    deadline = time.monotonic() + 30
    while arrived["POST /v2/statements"] == before and not create.done():  # the CREATE, held until released
        assert time.monotonic() < deadline, "the CREATE never arrived"
        await asyncio.sleep(0.01)
    clock.advance(1.5)
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await create
    details = failed.value.details() or ""
    assert "timed out after 2.5s waiting for database 'slow'" in details, details
