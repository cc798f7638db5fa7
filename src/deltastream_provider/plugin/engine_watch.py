"""The provider lives only as long as the engine that started it: when the engine is gone (a killed
`pulumi up`), the provider stops, cancelling what is in flight, instead of finishing creates nobody records."""

from __future__ import annotations

import asyncio

INTERVAL = 0.5  # seconds between checks
MISSES = 2      # consecutive failed checks that mean the engine is gone


async def engine_gone(address: str, interval: float = INTERVAL, misses: int = MISSES) -> None:
    """Return once ``address`` (host:port of the engine's gRPC server) has refused connections ``misses`` times
    in a row; a listening socket is all that is asked of the engine, so nothing is sent to it."""
    host, _, port = address.rpartition(":")
    missed = 0
    while missed < misses:
        await asyncio.sleep(interval)
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host.strip("[]"), int(port)), interval * 4)
        except (TimeoutError, OSError):
            missed += 1
            continue
        writer.close()
        missed = 0
