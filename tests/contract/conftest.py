"""The provider's gRPC service in-process, configured for the local server."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.plugin.wire import SecretValue


@asynccontextmanager
async def configured(local: BackgroundServer) -> AsyncIterator[Harness]:
    """A provider configured for the local server. Each Pulumi command starts a provider of its own, so a test of
    what a later command sees (a refresh after a change made outside Pulumi) reads through another one."""
    harness = await Harness().start()
    try:
        await harness.configure(server=local.url, apiKey=SecretValue(TOKEN))
        yield harness
    finally:
        await harness.stop()


@pytest.fixture
async def provider(local: BackgroundServer) -> AsyncIterator[Harness]:
    async with configured(local) as harness:
        yield harness
