"""A call's time limit covers every request it makes: statements and system-table reads alike."""

from __future__ import annotations

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

SLOW = {"latency_ms": 3000}  # every request takes 3 s; the limits below are 1 s


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


async def test_a_wait_honours_the_timeout_in_its_system_table_reads(provider: Harness,
                                                                   local: BackgroundServer) -> None:
    """The CREATE is answered (1.5 s of a 2.5 s limit); the readiness read that follows would take longer than what
    is left. However slow the machine, the call ends in a timeout: of that read, or of the CREATE itself."""
    local.server.knobs.update({"latency_ms": 1500})
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await provider.create("deltastream:index:Database", {"name": "slow"}, timeout=2.5)
    details = failed.value.details() or ""
    assert "timed out after 2.5s waiting for database 'slow'" in details or "kept in state" in details, details
