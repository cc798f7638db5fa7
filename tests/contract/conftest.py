"""The provider's gRPC service in-process, configured for the local server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.plugin.wire import SecretValue


@pytest.fixture
async def provider(local: BackgroundServer) -> AsyncIterator[Harness]:
    harness = await Harness().start()
    await harness.configure(server=local.url, apiKey=SecretValue(TOKEN))
    yield harness
    await harness.stop()
