"""The already-exists hint's read (the id for `pulumi import`) runs under deltastream:readTimeout, the setting a read
has, not a fixed time of its own: with a read timeout too short for any request the create still fails with the
already-exists error, and its hint is the plain one."""

from __future__ import annotations

import grpc
import pytest
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.plugin.wire import SecretValue

DB = "deltastream:index:Database"


@pytest.mark.parametrize("read_timeout, named", [("0.000001", False), ("300", True)], ids=["expired", "default"])
async def test_the_hints_read_is_bounded_by_the_read_timeout(local: BackgroundServer, read_timeout: str,
                                                             named: bool) -> None:
    harness = await Harness().start()
    try:
        await harness.configure(server=local.url, apiKey=SecretValue(TOKEN), readTimeout=read_timeout)
        await harness.create(DB, {"name": "db"})
        with pytest.raises(grpc.aio.AioRpcError) as taken:
            await harness.create(DB, {"name": "db"})
    finally:
        await harness.stop()
    message = taken.value.details() or ""
    assert "already exists" in message, message
    assert (f"`pulumi import {DB} r db`" in message) is named, message
