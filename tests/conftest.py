"""Shared fixtures: the local DeltaStream server on loopback and clients for it."""

from __future__ import annotations

from typing import AsyncIterator, Iterator

import pytest

from deltastream_local.knobs import Knobs
from deltastream_local.runner import BackgroundServer, Settings
from deltastream_provider.client import DeltaStreamClient, RetryPolicy, Session

TOKEN = "test-token"


@pytest.fixture
def local() -> Iterator[BackgroundServer]:
    """A fresh local server (in-memory catalog) on a free loopback port."""
    with BackgroundServer(Settings(port=0, tokens={TOKEN: "sysadmin", "analyst-token": "analyst"},
                                   roles=frozenset({"analyst"}), knobs=Knobs())) as server:
        yield server


@pytest.fixture
async def client(local: BackgroundServer) -> AsyncIterator[DeltaStreamClient]:
    async with DeltaStreamClient(local.url, TOKEN, session=Session(role="sysadmin"),
                                 retry=RetryPolicy(base_delay=0.01, max_delay=0.05)) as c:
        yield c
