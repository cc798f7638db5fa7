"""httpcore's network I/O on asyncio streams, for the provider's HTTP client.

httpcore reaches asyncio through anyio by default, which wraps every read and write in a cancel scope and builds a
dictionary of socket attributes each time the pool checks a kept-alive connection. This backend does the same work
on asyncio's own streams, raising httpcore's exceptions (which httpx turns into its own) exactly where the anyio
backend does; with the client's requests sent straight to the transport, a burst of reads costs a fifth less CPU.

Without an ``httpx.AsyncClient`` nothing reads the proxy settings of the environment, so :func:`proxy_for` does what
the client would (``HTTPS_PROXY``, ``HTTP_PROXY``, ``ALL_PROXY``, ``NO_PROXY``, by httpx's own rules), and the
transport goes through that proxy on this backend too.
"""

from __future__ import annotations

import asyncio
import select
import ssl
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx
from httpx._utils import URLPattern, get_environment_proxies


@contextmanager
def _raising(on_timeout: type[Exception], on_error: type[Exception]) -> Iterator[None]:
    """asyncio's timeouts and socket errors as httpcore's exceptions."""
    try:
        yield
    except TimeoutError as exc:
        raise on_timeout(str(exc) or "timed out") from exc
    except OSError as exc:  # ssl.SSLError and ConnectionResetError included
        raise on_error(str(exc) or type(exc).__name__) from exc


class AsyncioStream(httpcore.AsyncNetworkStream):
    """One TCP (or TLS) connection as httpcore reads and writes it."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        with _raising(httpcore.ReadTimeout, httpcore.ReadError):
            async with asyncio.timeout(timeout):
                return await self._reader.read(max_bytes)  # b"" at the end of the stream, as httpcore expects

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        if not buffer:
            return
        with _raising(httpcore.WriteTimeout, httpcore.WriteError):
            self._writer.write(buffer)
            async with asyncio.timeout(timeout):
                await self._writer.drain()

    async def aclose(self) -> None:
        self._writer.close()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        with _raising(httpcore.ConnectTimeout, httpcore.ConnectError):
            try:
                async with asyncio.timeout(timeout):
                    await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
            except BaseException:
                self._writer.close()
                raise
        return self

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return self._closed_by_peer()
        names = {"ssl_object": "ssl_object", "client_addr": "sockname", "server_addr": "peername",
                 "socket": "socket"}
        return self._writer.get_extra_info(names[info]) if info in names else None

    def _closed_by_peer(self) -> bool:
        """Whether an idle kept-alive connection can no longer be used: the end of the stream has arrived, or
        anything at all is waiting on the socket (a server sends nothing unasked but its close)."""
        if self._reader.at_eof() or self._writer.transport.is_closing():
            return True
        sock = self._writer.get_extra_info("socket")
        return sock is None or waiting_to_be_read(sock.fileno())


def waiting_to_be_read(fd: int) -> bool:
    """Whether anything waits on a socket, without reading it: ``poll`` (no limit on descriptor numbers) where there
    is one, ``select`` on Windows and wherever ``poll`` is missing, as httpcore's own check does."""
    if fd < 0:
        return True
    if sys.platform == "win32" or not hasattr(select, "poll"):
        readable, _, _ = select.select([fd], [], [], 0)
        return bool(readable)
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(0))


def proxy_for(url: str) -> str | None:
    """The proxy ``httpx.AsyncClient`` (``trust_env``, its default) would send a request for ``url`` through, from the
    environment (and the system's settings on Windows and macOS, as ``urllib`` reads them); None: straight there."""
    mounts = {URLPattern(pattern): proxy for pattern, proxy in get_environment_proxies().items()}
    target = httpx.URL(url)
    return next((mounts[pattern] for pattern in sorted(mounts) if pattern.matches(target)), None)


class AsyncioBackend(httpcore.AsyncNetworkBackend):
    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        with _raising(httpcore.ConnectTimeout, httpcore.ConnectError):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_connection(
                    host, port, local_addr=(local_address, 0) if local_address else None)
        sock = writer.get_extra_info("socket")
        for option in socket_options or ():
            sock.setsockopt(*option)  # asyncio has already set TCP_NODELAY, as anyio does
        return AsyncioStream(reader, writer)

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None
                                  ) -> httpcore.AsyncNetworkStream:
        with _raising(httpcore.ConnectTimeout, httpcore.ConnectError):
            async with asyncio.timeout(timeout):
                reader, writer = await asyncio.open_unix_connection(path)
        return AsyncioStream(reader, writer)

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


class OnePassAssignment:
    """httpcore's assignment of queued requests to connections (1.0.9's ``_assign_requests_to_connections``), run on
    every request's start and end, without the quadratic part it cannot use here.

    For each idle connection httpcore counts all connections (not the idle ones: encode/httpcore#1035) to decide
    whether it is a surplus keep-alive connection; with as many keep-alive connections allowed as connections, as
    the client configures its pool, no connection is ever a surplus, and that count was most of the pool's CPU in a
    burst of reads over 32 connections (bench.read_cpu). The rest is httpcore's own logic, first match as it takes
    it; any other configuration runs httpcore's method unchanged."""

    _connections: list[Any]
    _requests: list[Any]
    _max_connections: int
    _max_keepalive_connections: int

    def _assign_requests_to_connections(self) -> list[Any]:
        if self._max_keepalive_connections < self._max_connections:
            return super()._assign_requests_to_connections()  # type: ignore[misc, no-any-return]
        closing = []
        for connection in list(self._connections):
            if connection.is_closed():
                self._connections.remove(connection)
            elif connection.has_expired():
                self._connections.remove(connection)
                closing.append(connection)
        for pool_request in [request for request in self._requests if request.is_queued()]:
            origin = pool_request.request.url.origin
            connection = next((c for c in self._connections if c.can_handle_request(origin) and c.is_available()),
                              None)
            if connection is None and len(self._connections) >= self._max_connections:
                idle = next((c for c in self._connections if c.is_idle()), None)
                if idle is None:
                    continue
                self._connections.remove(idle)
                closing.append(idle)
            if connection is None:
                connection = self.create_connection(origin)  # type: ignore[attr-defined]
                self._connections.append(connection)
            pool_request.assign_to_connection(connection)
        return closing


class OnePassPool(OnePassAssignment, httpcore.AsyncConnectionPool):
    pass


class OnePassProxy(OnePassAssignment, httpcore.AsyncHTTPProxy):
    pass


ONE_PASS = {httpcore.AsyncConnectionPool: OnePassPool, httpcore.AsyncHTTPProxy: OnePassProxy}


class AsyncioTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (its request and response mapping, its exceptions) on :class:`AsyncioBackend`, its pool
    assigning requests in one pass (:class:`OnePassAssignment`).

    httpx takes neither a network backend nor a pool class as an option; its connection pool reads the backend from
    this attribute whenever it opens a connection (httpcore 1.x), and a test checks that requests go through it."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._pool._network_backend = AsyncioBackend()  # a proxy's pool (httpcore.AsyncHTTPProxy) reads it too
        self._pool.__class__ = ONE_PASS.get(type(self._pool), type(self._pool))
