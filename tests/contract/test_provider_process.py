"""The provider as the process the engine starts, and how it ends."""

from __future__ import annotations

import asyncio
import signal

import pytest
from pulumi.runtime.proto import provider_pb2
from testkit import TOKEN
from testkit.provider import provider_process, urn

from deltastream_local.runner import BackgroundServer
from deltastream_provider.plugin.wire import encode

DB = "deltastream:index:Database"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
async def test_the_engine_signal_ends_the_process_cleanly(local: BackgroundServer, signum: signal.Signals) -> None:
    """The engine sends SIGINT to a provider it is done with and waits for it to exit: the process exits with
    status 0 and no traceback, also after it has talked to DeltaStream (a pooled connection, SQL traces). How soon
    is measured by the benchmark (``exit_on_sigint`` in ``bench/stack.py``), not asserted here."""
    async with provider_process(local.url, TOKEN) as (process, provider):
        read = await provider.Read(provider_pb2.ReadRequest(id="gone", urn=urn(DB, "r"), type=DB,
                                                            properties=encode({"name": "gone"})))
        assert read.id == ""  # the read reached DeltaStream: the database is not there
        process.send_signal(signum)
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0
    assert b"Traceback" not in stderr and b"KeyboardInterrupt" not in stderr
    assert local.server.counters.statements["Select"] == 1
