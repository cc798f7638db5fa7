"""Waiting on the system tables: the first read at once, then jittered backoff, within a deadline; the deadline
of a provider call, which every request and poll the call makes respects; and where the call reports what it waits
for (the engine's output, for the resource), so a retry or a long wait is never silent."""

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
FIRST_REPORT = 10.0  # seconds of waiting before the first "still waiting" line ...
REPORT_EVERY = 30.0  # ... and between the next ones

Report = Callable[[str], Awaitable[None]]


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


_REPORT: ContextVar[Report | None] = ContextVar("deltastream_call_report", default=None)


@contextmanager
def reporting(report: Report) -> Iterator[None]:
    """Send what the code inside the block reports (retries, long waits) to ``report``."""
    token = _REPORT.set(report)
    try:
        yield
    finally:
        _REPORT.reset(token)


async def report(message: str) -> None:
    """Tell the user of the call this code runs in (nowhere outside a call: a test's or the doctor's client)."""
    target = _REPORT.get()
    if target is not None:
        await target(message)


def report_due(waited: float, reported: float | None) -> bool:
    """Whether a wait of ``waited`` seconds, last reported at ``reported``, is due a "still waiting" line."""
    return waited >= FIRST_REPORT if reported is None else waited - reported >= REPORT_EVERY


def still_waiting(what: str, waited: float) -> str:
    """``still waiting for store 'x' to become ready (35s, deadline 20 min: the resource's customTimeouts)``."""
    call = current_deadline()
    limit = f", deadline {duration(call.seconds)}: {call.setting}" if call is not None else ""
    return f"still waiting for {what} ({waited:.0f}s{limit})"


def duration(seconds: float) -> str:
    """``20 min``, ``90s``, ``1.5s``: a limit as a message names it."""
    if seconds >= 120 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{float(f'{seconds:.3g}'):g}s"


async def wait_for(probe: Callable[[], Awaitable[T | None]], *, timeout: float, what: str,
                   progress: Callable[[str], Awaitable[None]] | None = None, limit: float | None = None) -> T:
    """Call ``probe`` until it returns a value; raise a timeout error naming ``what`` after ``timeout`` s (what is
    left of a call's ``limit``, the timeout the message names).

    The deadline holds for the probe's own requests too: a read still unanswered at the deadline is abandoned.
    """
    deadline = time.monotonic() + timeout
    call = current_deadline()
    hint = f"Raise {call.setting}, or check the statement in DeltaStream" if call is not None else None
    delay = FIRST_DELAY
    started = time.monotonic()
    reported: float | None = None
    while True:
        try:
            async with asyncio.timeout(max(deadline - time.monotonic(), 0)):
                result = await probe()
        except TimeoutError:
            raise StatementTimeoutError(f"timed out after {limit or timeout:g}s waiting for {what}",
                                        hint=hint) from None
        if result is not None:
            return result
        now = time.monotonic()
        if now >= deadline:
            raise StatementTimeoutError(f"timed out after {limit or timeout:g}s waiting for {what}", hint=hint)
        if report_due(now - started, reported):
            reported = now - started
            await (progress or report)(still_waiting(what, reported))
        await asyncio.sleep(min(delay * random.uniform(0.8, 1.2), max(deadline - now, 0)))
        delay = min(delay * 2, MAX_DELAY)
