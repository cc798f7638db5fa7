"""Shared fixtures: the local DeltaStream server on loopback and clients for it; the check that no process the run
started outlives it (:mod:`testkit.leaks`)."""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from testkit import TOKEN

from deltastream_local.knobs import Knobs
from deltastream_local.runner import BackgroundServer, ServerSettings
from deltastream_provider.deltastream.client import DeltaStreamClient, RetryPolicy
from deltastream_provider.deltastream.session import Session

pytest_plugins = ("testkit.leaks",)


class ManualClock:
    """A clock that moves only when a test advances it, so state machines change exactly when told."""

    def __init__(self) -> None:
        self._now = time.time()
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def local(request: pytest.FixtureRequest, clock: ManualClock) -> Iterator[BackgroundServer]:
    """A fresh local server (in-memory catalog) on a free loopback port. Under ``@pytest.mark.paused_clock`` its
    state machines follow ``clock``: a delayed state holds until the test advances it."""
    paused = request.node.get_closest_marker("paused_clock") is not None
    settings = ServerSettings(port=0, tokens={TOKEN: "sysadmin", "analyst-token": "analyst"},
                              roles=frozenset({"analyst"}), knobs=Knobs(), clock=clock if paused else time.time)
    with BackgroundServer(settings) as server:
        yield server


@pytest.fixture
async def client(local: BackgroundServer) -> AsyncIterator[DeltaStreamClient]:
    async with DeltaStreamClient(local.url, TOKEN, session=Session(role="sysadmin"),
                                 retry=RetryPolicy(base_delay=0.01, max_delay=0.05)) as c:
        yield c
