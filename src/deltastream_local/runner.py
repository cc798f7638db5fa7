"""Starting and stopping the local server, in the foreground or on a background thread for tests."""

from __future__ import annotations

import asyncio
import os
import signal
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web

from .catalog import Catalog
from .knobs import Knobs
from .server import LocalServer

DEFAULT_TOKEN = "deltastream-local-token"


@dataclass
class ServerSettings:
    host: str = "127.0.0.1"
    port: int = 8787
    data_dir: str | None = None         # None: catalog in memory
    tokens: dict[str, str] = field(default_factory=lambda: {DEFAULT_TOKEN: "sysadmin"})
    organization: str = "local"
    roles: frozenset[str] = frozenset()
    knobs: Knobs = field(default_factory=Knobs)
    clock: Callable[[], float] = time.time  # drives the state machines; tests pass a clock they advance
    tls: ssl.SSLContext | None = None  # serve HTTPS with this server-side context (tests of the client's TLS)

    def url(self, port: int) -> str:
        return f"{'https' if self.tls else 'http'}://{self.host}:{port}/v2"


def build(settings: ServerSettings) -> LocalServer:
    path = None
    if settings.data_dir:
        Path(settings.data_dir).mkdir(parents=True, exist_ok=True)
        path = os.path.join(settings.data_dir, "catalog.sqlite3")
    return LocalServer(Catalog(path, settings.organization), settings.knobs, settings.tokens, settings.roles,
                       settings.clock)


class BackgroundServer:
    """The server on its own thread and event loop; ``url`` is known once started."""

    def __init__(self, settings: ServerSettings) -> None:
        self.settings = settings
        self.server = build(settings)
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True, name="deltastream-local")

    def __enter__(self) -> BackgroundServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(timeout=30)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    async def _start(self) -> None:
        self._runner = web.AppRunner(self.server.app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.settings.host, self.settings.port, ssl_context=self.settings.tls)
        await site.start()
        self.url = self.settings.url(self._runner.addresses[0][1])

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(timeout=30)
            self._runner = None
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if not self._thread.is_alive():
            self._loop.close()  # its selector and wake-up pipe: three descriptors a server would otherwise leave open
        self.server.catalog.close()


def serve_forever(settings: ServerSettings, announce: Callable[[LocalServer, str], None]) -> None:
    """Run in the foreground until interrupted; ``announce`` is told the server and its URL (with the port
    actually bound, so ``port=0`` works) once the socket listens."""
    server = build(settings)

    async def run() -> None:
        stop = asyncio.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(signum, stop.set)
        runner = web.AppRunner(server.app, access_log=None, handle_signals=False)
        await runner.setup()
        try:
            await web.TCPSite(runner, settings.host, settings.port, ssl_context=settings.tls).start()
            announce(server, settings.url(runner.addresses[0][1]))
            await stop.wait()
        finally:
            await runner.cleanup()
            server.catalog.close()

    asyncio.run(run())
