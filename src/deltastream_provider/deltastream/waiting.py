"""Waiting on the system tables: the first read at once, then jittered backoff, within a deadline; and the deadline
of a provider call, which every request and poll the call makes respects."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import TypeVar

from ..errors import StatementTimeoutError

T = TypeVar("T")

FIRST_DELAY = 0.05
MAX_DELAY = 2.0
PROGRESS_EVERY = 5.0  # seconds between status messages to the engine during a long wait


@dataclass(frozen=True)
class Deadline:
    """A provider call's time limit: ``at`` in ``time.monotonic()``, the ``seconds`` it was given and what sets them
    (``setting``, for the message and its hint)."""

    at: float
    seconds: float
    setting: str

    def left(self) -> float:
        return max(self.at - time.monotonic(), 0.0)


_CALL: ContextVar[Deadline | None] = ContextVar("deltastream_call_deadline", default=None)


@contextmanager
def call_deadline(seconds: float, setting: str) -> Iterator[Deadline]:
    """Bound every statement sent inside the block (the client reads it; tasks started inside inherit it), replacing
    an outer deadline: a call that has no timeout of its own would otherwise poll a statement that never finishes
    forever."""
    deadline = Deadline(time.monotonic() + seconds, seconds, setting)
    token = _CALL.set(deadline)
    try:
        yield deadline
    finally:
        _CALL.reset(token)


def current_deadline() -> Deadline | None:
    """The deadline of the call this code runs in, if it has one."""
    return _CALL.get()


async def wait_for(probe: Callable[[], Awaitable[T | None]], *, timeout: float, what: str,
                   progress: Callable[[str], Awaitable[None]] | None = None, limit: float | None = None) -> T:
    """Call ``probe`` until it returns a value; raise a timeout error naming ``what`` after ``timeout`` s (what is
    left of a call's ``limit``, the timeout the message names).

    The deadline holds for the probe's own requests too: a read still unanswered at the deadline is abandoned.
    """
    deadline = time.monotonic() + timeout
    delay = FIRST_DELAY
    started = time.monotonic()
    reported = started
    while True:
        try:
            async with asyncio.timeout(max(deadline - time.monotonic(), 0)):
                result = await probe()
        except TimeoutError:
            raise StatementTimeoutError(f"timed out after {limit or timeout:g}s waiting for {what}") from None
        if result is not None:
            return result
        now = time.monotonic()
        if now >= deadline:
            raise StatementTimeoutError(f"timed out after {limit or timeout:g}s waiting for {what}")
        if progress is not None and now - reported >= PROGRESS_EVERY:
            reported = now
            await progress(f"waiting for {what} ({now - started:.0f}s)")
        await asyncio.sleep(min(delay * random.uniform(0.8, 1.2), max(deadline - now, 0)))
        delay = min(delay * 2, MAX_DELAY)
