"""The transport honours the environment's proxy settings as httpx does (``HTTP_PROXY``, ``HTTPS_PROXY``,
``ALL_PROXY``, ``NO_PROXY``), the provider and ``deltastream-provider doctor`` alike, through a proxy on loopback that
counts what it forwards; and it keeps working where ``select.poll`` does not exist (Windows)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import select
import socket
import ssl
import sys
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer, ServerSettings
from deltastream_provider.config import ProviderConfig
from deltastream_provider.deltastream import network, sql
from deltastream_provider.deltastream.client import DeltaStreamClient, RetryPolicy
from deltastream_provider.operator.doctor import Doctor
from deltastream_provider.plugin.wire import SecretValue
from deltastream_provider.resources import database
from tests.certificates import self_signed

FAST = RetryPolicy(attempts=2, base_delay=0.01, max_delay=0.02)
PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUEST_METHOD")


class LoopbackProxy:
    """An HTTP proxy: absolute-form requests (plain HTTP) are forwarded one by one and recorded in ``forwarded``;
    CONNECT (HTTPS) opens a tunnel, recorded in ``tunnels``."""

    def __init__(self) -> None:
        self.forwarded: list[str] = []
        self.tunnels: list[str] = []
        self.url = ""
        self._server: asyncio.Server | None = None

    async def __aenter__(self) -> LoopbackProxy:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self._server.sockets[0].getsockname()[1]}"
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._server is not None
        self._server.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")[:-2]
                method, target, version = head[0].split(" ")
                headers = [line for line in head[1:] if line.split(":")[0].lower() not in
                           ("connection", "proxy-connection", "keep-alive")]
                if method == "CONNECT":
                    await self._tunnel(target, reader, writer)
                    return
                length = next((int(h.split(":", 1)[1]) for h in headers if h.lower().startswith("content-length")), 0)
                body = await reader.readexactly(length)
                self.forwarded.append(f"{method} {target}")
                writer.write(await self._forward(method, target, version, headers, body))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def _forward(self, method: str, target: str, version: str, headers: list[str], body: bytes) -> bytes:
        """One request sent on to the server in origin form; its whole response (the server closes after it)."""
        url = urlsplit(target)
        upstream_reader, upstream = await asyncio.open_connection(url.hostname, url.port)
        path = url.path + (f"?{url.query}" if url.query else "")
        upstream.write("\r\n".join([f"{method} {path} {version}", *headers, "Connection: close", "", ""]).encode()
                       + body)
        response = await upstream_reader.read()
        upstream.close()
        return response

    async def _tunnel(self, target: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.tunnels.append(target)
        host, port = target.rsplit(":", 1)
        upstream_reader, upstream = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        await asyncio.gather(_pipe(reader, upstream), _pipe(upstream_reader, writer))


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    try:
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    except ConnectionError:
        pass
    finally:
        sink.close()


@pytest.fixture
def no_proxy_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """None of this machine's proxy settings (either case) reach the test."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
async def proxy(no_proxy_settings: None) -> AsyncIterator[LoopbackProxy]:
    async with LoopbackProxy() as running:
        yield running


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[BackgroundServer]:
    certificate, key = self_signed("deltastream-local", ip="127.0.0.1")
    (tmp_path / "cert.pem").write_bytes(certificate)
    (tmp_path / "key.pem").write_bytes(key)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    with BackgroundServer(ServerSettings(port=0, tokens={TOKEN: "sysadmin"}, tls=tls)) as server:
        yield server


# --- the provider's client -------------------------------------------------------------------------------------------

async def test_requests_go_through_the_proxy_the_environment_names(proxy: LoopbackProxy, local: BackgroundServer,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    async with DeltaStreamClient(local.url, TOKEN, retry=FAST) as client:
        assert client.proxy == proxy.url
        await client.execute(database.create_statement("db"))
        assert (await client.execute(sql.select("databases", ["name"]))).rows == (("db",),)
    assert proxy.forwarded == [f"POST {local.url}/statements"] * 2
    assert local.server.counters.requests["POST /v2/statements"] == 2


async def test_no_proxy_sends_the_requests_straight_to_the_server(proxy: LoopbackProxy, local: BackgroundServer,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    async with DeltaStreamClient(local.url, TOKEN, retry=FAST) as client:
        assert client.proxy is None
        await client.execute(database.create_statement("db"))
    assert proxy.forwarded == [] and proxy.tunnels == []
    assert local.server.counters.requests["POST /v2/statements"] == 1


async def test_https_goes_through_a_connect_tunnel_and_http_proxy_alone_does_not_apply(
        proxy: LoopbackProxy, https_server: BackgroundServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)  # for http:// URLs only
    async with DeltaStreamClient(https_server.url, TOKEN, verify=False, retry=FAST) as client:
        await client.execute(database.create_statement("direct"))
    assert proxy.tunnels == []
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    async with DeltaStreamClient(https_server.url, TOKEN, verify=False, retry=FAST) as client:
        await client.execute(database.create_statement("tunnelled"))
        await client.execute(sql.select("databases", ["name"]))
    assert proxy.tunnels == [https_server.url.split("/")[2]]  # one kept-alive tunnel for both statements


async def test_the_provider_process_settings_take_the_proxy_too(proxy: LoopbackProxy, local: BackgroundServer,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    harness = await Harness().start()
    try:
        await harness.configure(server=local.url, apiKey=SecretValue(TOKEN))
        resource_id, _ = await harness.create("deltastream:index:Database", {"name": "analytics"})
    finally:
        await harness.stop()
    assert resource_id == "analytics" and proxy.forwarded
    assert set(proxy.forwarded) == {f"POST {local.url}/statements"}


@pytest.mark.parametrize("environment, url", [
    ({"HTTP_PROXY": "PROXY"}, "http://api.example.com/v2"),
    ({"HTTP_PROXY": "PROXY"}, "https://api.example.com/v2"),
    ({"https_proxy": "PROXY"}, "https://api.example.com/v2"),
    ({"ALL_PROXY": "PROXY"}, "https://api.example.com/v2"),
    ({"HTTPS_PROXY": "PROXY", "NO_PROXY": "example.com"}, "https://api.example.com/v2"),
    ({"HTTPS_PROXY": "PROXY", "NO_PROXY": ".example.com"}, "https://example.com/v2"),
    ({"HTTPS_PROXY": "PROXY", "NO_PROXY": "other.com, api.example.com"}, "https://api.example.com/v2"),
    ({"HTTPS_PROXY": "PROXY", "NO_PROXY": "*"}, "https://api.example.com/v2"),
    ({"HTTPS_PROXY": "127.0.0.1:3128"}, "https://api.example.com/v2"),
    ({"HTTP_PROXY": "PROXY", "NO_PROXY": "localhost"}, "http://localhost:8080/v2"),
    ({}, "https://api.example.com/v2"),
])
def test_the_proxy_chosen_is_the_one_httpx_chooses(no_proxy_settings: None, monkeypatch: pytest.MonkeyPatch,
                                                   environment: dict[str, str], url: str) -> None:
    for name, value in environment.items():
        monkeypatch.setenv(name, value.replace("PROXY", "http://proxy.internal:3128"))
    transport: Any = httpx.AsyncClient()._transport_for_url(httpx.URL(url))  # what httpx itself would send through
    pool = transport._pool
    expected = (f"http://{pool._proxy_url.host.decode()}:{pool._proxy_url.port}"
                if hasattr(pool, "_proxy_url") else None)
    assert network.proxy_for(url) == expected


# --- the doctor --------------------------------------------------------------------------------------------------

async def test_the_doctor_goes_through_the_proxy_as_the_provider_does(proxy: LoopbackProxy, local: BackgroundServer,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    checks = {c.name: c for c in await Doctor(ProviderConfig(server=local.url, api_key=TOKEN)).run()}
    assert {c.status for c in checks.values()} == {"pass"}, checks
    port = proxy.url.rsplit(":", 1)[1]
    assert checks["TCP"].detail == f"connected to 127.0.0.1:{port} (the proxy)"
    assert "through the proxy" in checks["API answers"].detail
    assert proxy.forwarded[0] == f"GET {local.url}/version"
    assert f"POST {local.url}/statements" in proxy.forwarded
    assert {f.split(" ")[1].split("/v2")[0] for f in proxy.forwarded} == {local.url.split("/v2")[0]}


async def test_the_doctor_command_and_no_proxy(proxy: LoopbackProxy, local: BackgroundServer) -> None:
    """`deltastream-provider doctor` as a user runs it: through the proxy, then with NO_PROXY past it."""
    env = {**os.environ, "HTTP_PROXY": proxy.url, "DELTASTREAM_SERVER": local.url, "DELTASTREAM_API_KEY": TOKEN}
    for extra, through in (({}, True), ({"NO_PROXY": "127.0.0.1"}, False)):
        before = len(proxy.forwarded)
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "deltastream_provider.operator.cli", "doctor", env={**env, **extra},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
        out, err = await process.communicate()
        assert process.returncode == 0, (out.decode(), err.decode())
        assert ("(the proxy)" in out.decode()) is through
        seen = proxy.forwarded[before:]
        assert (f"GET {local.url}/version" in seen and f"POST {local.url}/statements" in seen) is through, seen
        assert through or seen == []


# --- without select.poll --------------------------------------------------------------------------------------------

@pytest.mark.parametrize("with_poll", [True, False], ids=["poll", "select"])
def test_waiting_data_is_seen_with_and_without_poll(monkeypatch: pytest.MonkeyPatch, with_poll: bool) -> None:
    if not with_poll:
        monkeypatch.delattr(select, "poll", raising=False)
    ours, theirs = socket.socketpair()
    with ours, theirs:
        assert network.waiting_to_be_read(ours.fileno()) is False
        theirs.sendall(b"x")  # a socketpair delivers at once: no wait for it to arrive
        assert network.waiting_to_be_read(ours.fileno()) is True


async def test_the_client_reuses_connections_without_poll(no_proxy_settings: None, local: BackgroundServer,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """On a platform without ``select.poll`` each reuse of a kept-alive connection is checked with ``select``."""
    monkeypatch.delattr(select, "poll", raising=False)
    checked: list[int] = []
    real_select = select.select

    def counted(*args: Any) -> Any:
        checked.append(1)
        return real_select(*args)

    monkeypatch.setattr(select, "select", counted)
    async with DeltaStreamClient(local.url, TOKEN, retry=FAST) as client:
        for i in range(3):
            await client.execute(database.create_statement(f"db{i}"))
    assert local.server.counters.as_dict()["connections"] == 1
    assert checked  # each reuse of the first statement's connection was checked with select


async def test_a_connection_the_server_closed_is_not_reused_without_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(select, "poll", raising=False)
    ours, theirs = socket.socketpair()
    reader, writer = await asyncio.open_connection(sock=ours)
    stream = network.AsyncioStream(reader, writer)
    with theirs:
        assert stream.get_extra_info("is_readable") is False
        theirs.shutdown(socket.SHUT_WR)
        assert stream.get_extra_info("is_readable") is True
    with contextlib.suppress(OSError):
        await stream.aclose()
