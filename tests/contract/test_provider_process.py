"""The provider as the process the engine starts, and how it ends."""

from __future__ import annotations

import asyncio
import ctypes
import os
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


async def test_a_signal_the_kernel_gives_another_thread_still_ends_the_process(local: BackgroundServer) -> None:
    """The kernel may hand a process's signal to any of its threads (gRPC's), and Python runs handlers only in the
    main thread, which sleeps in the event loop: the loop's wake-up descriptor must wake it all the same. Sent here
    with tgkill(2) to a thread that is not the main one."""
    async with provider_process(local.url, TOKEN) as (process, _):
        threads = [int(name) for name in os.listdir(f"/proc/{process.pid}/task") if int(name) != process.pid]
        assert threads, "the provider has threads besides its main one (gRPC's)"
        libc = ctypes.CDLL(None, use_errno=True)
        assert libc.tgkill(process.pid, threads[0], signal.SIGTERM) == 0
        _, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0
    assert b"Traceback" not in stderr
