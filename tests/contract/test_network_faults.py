"""Fail fast when waiting cannot help, and speak while waiting (issue 31).

Each network mistake a user makes, against real sockets on loopback: a port nothing listens on, a host that does not
resolve, a certificate for another name, a rejected token, a server that accepts and never answers, a rate limit.
The client's sleeps between retries go to a recording clock (no real sleeping, nothing timed): each test asserts what
error comes, after how many requests and which waits, and the lines the user is shown while it happens.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import engine_pb2, provider_pb2, status_pb2
from testkit import TOKEN
from testkit.provider import Harness, urn

from deltastream_local.runner import BackgroundServer, ServerSettings
from deltastream_provider import errors
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import DeltaStreamClient, RetryPolicy, Timeouts
from deltastream_provider.deltastream.waiting import reporting
from deltastream_provider.plugin.engine_log import EngineLog
from deltastream_provider.plugin.wire import SecretValue
from deltastream_provider.resources import database
from tests.certificates import self_signed

DB = "deltastream:index:Database"


class Clock:
    """The client's sleep between retries: records each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class Lines:
    """What the call reports to its user, in order."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    async def __call__(self, line: str) -> None:
        self.lines.append(line)


@pytest.fixture
def closed_port() -> int:
    """A loopback port nothing listens on (bound, then closed): a connection to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
async def blackhole() -> AsyncIterator[str]:
    """A server that accepts connections and reads requests, and never answers."""
    held: list[asyncio.StreamWriter] = []

    async def swallow(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        while await reader.read(65536):
            pass

    server = await asyncio.start_server(swallow, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/v2"
    for writer in held:
        writer.close()
    server.close()


@pytest.fixture
def other_name(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[BackgroundServer]:
    """The local server behind TLS on 127.0.0.1 with a trusted certificate made out to 127.0.0.2: the name does
    not match."""
    certificate, key = self_signed("deltastream-elsewhere", ip="127.0.0.2")
    (tmp_path / "cert.pem").write_bytes(certificate)
    (tmp_path / "key.pem").write_bytes(key)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "cert.pem"))
    with BackgroundServer(ServerSettings(port=0, tokens={TOKEN: "sysadmin"}, tls=tls)) as server:
        yield server


async def attempt(url: str, statement: sql.Statement, token: str = TOKEN, **options: Any
                  ) -> tuple[errors.DeltaStreamError, DeltaStreamClient, Clock, list[str]]:
    """Run one statement with the default retry policy; the error it ends in, the client, the waits and lines."""
    clock, lines = Clock(), Lines()
    async with DeltaStreamClient(url, token, sleep=clock, **options) as client:
        with reporting(lines), pytest.raises(errors.DeltaStreamError) as failed:
            await client.execute(statement)
    return failed.value, client, clock, lines.lines


async def test_a_port_typo_fails_after_three_quick_retries(closed_port: int) -> None:
    error, client, clock, lines = await attempt(f"http://127.0.0.1:{closed_port}/v2", sql.select("databases", ["n"]))
    assert type(error) is errors.ConnectRefused
    assert str(error).startswith(f"could not connect to http://127.0.0.1:{closed_port}/v2: connection refused "
                                 "(nothing listens at that host and port) (after 4 attempts). Check deltastream:server")
    assert client.stats.requests == 4 and clock.waits == [0.25, 0.5, 1.0]  # 1.75 s in all, whatever the policy says
    assert [line.split("; ")[-1] for line in lines] == ["try 2 of 4 in 0.25s", "try 3 of 4 in 0.5s",
                                                        "try 4 of 4 in 1s"]
    assert lines[0].startswith("SELECT: could not connect to") and "connection refused" in lines[0]


async def test_a_refused_connection_comes_back_within_the_quick_retries(closed_port: int) -> None:
    """A server restarting: refused twice, then listening again; the statement goes through on the third try."""
    started: list[BackgroundServer] = []

    async def restart_on_second_wait(seconds: float) -> None:
        clock.waits.append(seconds)
        if len(clock.waits) == 2:
            started.append(BackgroundServer(ServerSettings(port=closed_port, tokens={TOKEN: "sysadmin"})).__enter__())

    clock = Clock()
    try:
        async with DeltaStreamClient(f"http://127.0.0.1:{closed_port}/v2", TOKEN, sleep=restart_on_second_wait) as c:
            assert (await c.execute(sql.select("databases", ["name"]))).rows == ()
            assert c.stats.requests == 3 and clock.waits == [0.25, 0.5]
    finally:
        for server in started:
            server.__exit__(None, None, None)


async def test_a_host_that_does_not_resolve_fails_at_once() -> None:
    error, client, clock, lines = await attempt("http://no-such-host.invalid/v2", sql.select("databases", ["name"]))
    assert type(error) is errors.NotReachable
    assert "the host name 'no-such-host.invalid' does not resolve" in str(error) and "not retried" in str(error)
    assert "Check deltastream:server" in str(error)
    assert client.stats.requests == 1 and clock.waits == [] and lines == []


async def test_a_certificate_for_another_name_fails_at_once(other_name: BackgroundServer) -> None:
    error, client, clock, lines = await attempt(other_name.url, sql.select("databases", ["name"]))
    assert type(error) is errors.NotReachable
    assert "the server's certificate does not verify (IP address mismatch" in str(error), str(error)
    assert "CERTIFICATE_VERIFY_FAILED" in str(error) and "not retried" in str(error)
    assert client.stats.requests == 1 and clock.waits == [] and lines == []
    assert other_name.server.counters.statements == {}


async def test_a_rejected_token_fails_at_once(local: BackgroundServer) -> None:
    error, client, clock, lines = await attempt(local.url, sql.select("databases", ["name"]), token="wrong")
    assert type(error) is errors.AuthenticationError and error.http_status == 403
    assert "set deltastream:apiKey" in str(error)
    assert client.stats.requests == 1 and clock.waits == [] and lines == []
    assert sum(local.server.counters.requests.values()) == 1


async def test_a_server_that_never_answers_a_read_fails_at_the_request_timeout(blackhole: str) -> None:
    """Nothing comes back: the read is given up at the request timeout (not resent: a server that kept one request
    that long keeps the next), and while it waits the user is told, more than once."""
    error, client, clock, lines = await attempt(blackhole, sql.select("databases", ["name"]),
                                                timeouts=Timeouts(read=0.5, report_after=0.1))
    assert type(error) is errors.NoAnswerError
    assert str(error).startswith(f"no answer from {blackhole} to SELECT within 0.5s (deltastream:requestTimeout "
                                 "(DELTASTREAM_REQUEST_TIMEOUT)). Raise deltastream:requestTimeout"), str(error)
    assert client.stats.requests == 1 and clock.waits == []
    assert len(lines) >= 2 and all(line.startswith(f"no answer yet from {blackhole} to SELECT (") for line in lines)
    assert "gives up at 0.5s: deltastream:requestTimeout" in lines[0]


async def test_a_server_that_never_answers_a_write_leaves_its_outcome_unknown(blackhole: str) -> None:
    error, client, clock, _ = await attempt(blackhole, database.create_statement("db"),
                                            timeouts=Timeouts(read=0.3, report_after=0.1))
    assert type(error) is errors.OutcomeUnknownError
    assert "no answer within 0.3s (deltastream:requestTimeout (DELTASTREAM_REQUEST_TIMEOUT)) to a mutating " \
           "statement (CREATE DATABASE)" in str(error) and "pulumi refresh" in str(error)
    assert client.stats.requests == 1 and clock.waits == []


async def test_a_rate_limit_is_waited_out_as_retry_after_says(local: BackgroundServer) -> None:
    local.server.knobs.update({"rate_429": 0.5, "retry_after_s": 3})
    clock, lines = Clock(), Lines()
    async with DeltaStreamClient(local.url, TOKEN, sleep=clock) as client:
        with reporting(lines):
            await client.execute(database.create_statement("db"))
            await client.execute(database.create_statement("db2"))
    assert local.server.counters.statuses["429"] == 2 and local.server.counters.statements["CreateDatabase"] == 2
    assert len(clock.waits) == 2 and all(3 <= wait <= 4.5 for wait in clock.waits)  # spread, never sooner
    assert len(lines.lines) == 2 and all("(HTTP 429); try 2 of 10 in" in line for line in lines.lines), lines.lines


async def test_a_rate_limit_that_never_lifts_fails_after_every_retry(local: BackgroundServer) -> None:
    local.server.knobs.update({"rate_429": 1.0, "retry_after_s": 60})
    error, _, clock, lines = await attempt(local.url, sql.select("databases", ["name"]),
                                           retry=RetryPolicy(attempts=4, max_delay=20))
    assert type(error) is errors.RateLimitedError and "(after 4 attempts)" in str(error)
    assert clock.waits == [20, 20, 20] and len(lines) == 3  # Retry-After is honoured up to retryMaxDelay
    assert local.server.counters.statements == {}


class Recorded(EngineLog):
    """The engine's log service as the provider calls it: (severity, message, urn, ephemeral) of every message."""

    def __init__(self) -> None:
        super().__init__(None)
        self.messages: list[tuple[int, str, str, bool]] = []

    async def log(self, severity: Any, message: str, urn: str = "", ephemeral: bool = False) -> None:
        self.messages.append((severity, message, urn, ephemeral))


async def test_the_engine_shows_each_retry_on_the_resource(provider: Harness, local: BackgroundServer,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the provider's gRPC service: a create meeting 503s says so on its resource, attempt by attempt."""
    engine = Recorded()
    provider.provider.engine = engine
    clock = Clock()
    await provider.configure(server=local.url, apiKey=SecretValue(TOKEN), retryBaseDelay=0.5)
    assert provider.provider.client is None
    client = provider.provider._configured_client()
    monkeypatch.setattr(client, "_sleep", clock)
    local.server.knobs.update({"rate_503": 0.5})
    await provider.create(DB, {"name": "db"})
    lines = [(message, at) for severity, message, at, _ in engine.messages if severity == engine_pb2.INFO]
    assert lines and all(at == urn(DB, "r") for _, at in lines)
    assert lines[0][0].startswith("CREATE DATABASE: ") and "(HTTP 503); try 2 of 10 in" in lines[0][0], lines
    assert len(clock.waits) == len(lines) and 0.25 <= clock.waits[0] <= 0.5


async def test_retries_and_timeouts_come_from_the_provider_config(provider: Harness, closed_port: int) -> None:
    await provider.configure(server=f"http://127.0.0.1:{closed_port}/v2", apiKey=SecretValue(TOKEN), maxRetries=2,
                             retryBaseDelay=1, retryMaxDelay=3, connectTimeout=4, requestTimeout=5)
    client = provider.provider._configured_client()
    assert (client.retry.attempts, client.retry.base_delay, client.retry.max_delay) == (3, 1, 3)
    assert (client.timeouts.connect, client.timeouts.read) == (4, 5)
    client._sleep = Clock()
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await provider.create(DB, {"name": "db"})
    assert "connection refused" in (failed.value.details() or "") and client.stats.requests == 4


async def test_a_create_against_a_server_that_never_answers_is_kept_and_spoken_of(provider: Harness,
                                                                                  blackhole: str) -> None:
    """The CREATE goes unanswered until the request timeout, and so does the read that would settle it: the engine
    keeps the database in state (the next refresh reads whether it exists), and the user saw why it waited."""
    engine = Recorded()
    provider.provider.engine = engine
    await provider.configure(server=blackhole, apiKey=SecretValue(TOKEN), requestTimeout=0.4)
    provider.provider._configured_client().timeouts = Timeouts(read=0.4, report_after=0.1)
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await provider.create(DB, {"name": "db"})
    details = failed.value.details() or ""
    assert details.startswith("database 'db': its answer was lost, and reading whether it ran failed: no answer from "
                              f"{blackhole} to SELECT within 0.4s (deltastream:requestTimeout"), details
    assert "it may exist, so it is kept in state" in details, details
    status = status_pb2.Status.FromString(dict(failed.value.trailing_metadata() or ())["grpc-status-details-bin"])
    kept = provider_pb2.ErrorResourceInitFailed()
    assert status.details[0].Unpack(kept) and kept.id == "db"
    shown = [message for _, message, at, ephemeral in engine.messages if ephemeral and at == urn(DB, "r")]
    assert any(m.startswith(f"no answer yet from {blackhole} to CREATE DATABASE (") for m in shown), shown
    assert any(m.startswith(f"no answer yet from {blackhole} to SELECT (") for m in shown), shown


async def test_a_statement_running_long_says_what_it_waits_for(provider: Harness, local: BackgroundServer,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A statement answered 202 and still running past the first report says so, with its id and the call's deadline
    and what sets it (here deltastream:createTimeout, the resource having no customTimeouts)."""
    from deltastream_provider.deltastream import waiting

    monkeypatch.setattr(waiting, "FIRST_REPORT", 0.0)
    engine = Recorded()
    provider.provider.engine = engine
    local.server.knobs.update({"async_polls": 3})
    await provider.create(DB, {"name": "db"})
    shown = [message for _, message, at, ephemeral in engine.messages if ephemeral and at == urn(DB, "r")]
    assert shown and shown[0].startswith("still waiting for CREATE DATABASE (statement "), shown
    assert shown[0].endswith("s, deadline 20 min: the resource's customTimeouts, else deltastream:createTimeout "
                             "(DELTASTREAM_CREATE_TIMEOUT))"), shown


@pytest.fixture
def full_backlog() -> Iterator[str]:
    """A listener whose queue is full (backlog 0, one connection waiting, never accepted): the kernel drops every
    further connection attempt, as a firewall does, so a connect gets no answer."""
    with socket.socket() as listener, socket.socket() as waiting:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        waiting.connect(listener.getsockname())
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/v2"


async def test_a_connection_nobody_takes_gets_the_quick_retries_too(full_backlog: str) -> None:
    error, client, clock, lines = await attempt(full_backlog, sql.select("databases", ["name"]),
                                                timeouts=Timeouts(connect=0.2))
    assert type(error) is errors.ConnectRefused
    assert str(error).startswith(f"could not connect to {full_backlog}: no connection within 0.2s "
                                 "(deltastream:connectTimeout (DELTASTREAM_CONNECT_TIMEOUT)) (after 4 attempts)")
    assert client.stats.requests == 4 and clock.waits == [0.25, 0.5, 1.0] and len(lines) == 3


def test_timeouts_and_retries_come_from_config_or_the_environment() -> None:
    from deltastream_provider import config

    defaults = config.load({}, {})
    assert (defaults.connect_timeout, defaults.request_timeout, defaults.max_retries, defaults.retry_base_delay,
            defaults.retry_max_delay, defaults.create_timeout, defaults.update_timeout,
            defaults.delete_timeout) == (10, 60, 9, 0.2, 20, 1200, 1200, 1200)
    env = {"DELTASTREAM_REQUEST_TIMEOUT": "5", "DELTASTREAM_MAX_RETRIES": "0", "DELTASTREAM_CREATE_TIMEOUT": "30"}
    settings = config.load({"deltastream:requestTimeout": 7, "retryBaseDelay": "0"}, env)
    assert (settings.request_timeout, settings.max_retries, settings.retry_base_delay, settings.create_timeout) == \
           (7, 0, 0, 30)
    bad = config.load({"maxRetries": "2.5", "connectTimeout": "0", "retryMaxDelay": "-1", "deleteTimeout": "soon"}, {})
    found = {p.key: p.message for p in config.problems(bad)}
    assert found["maxRetries"].startswith("must be a whole number, 0 or more; set deltastream:maxRetries")
    assert found["connectTimeout"].startswith("must be a positive number of seconds")
    assert found["retryMaxDelay"].startswith("must be a number of seconds, 0 or more")
    assert "DELTASTREAM_DELETE_TIMEOUT" in found["deleteTimeout"]


async def test_a_bad_timeout_fails_check_config_naming_it(provider: Harness) -> None:
    from deltastream_provider.plugin.wire import encode

    response = await provider.stub.CheckConfig(provider_pb2.CheckRequest(news=encode({"requestTimeout": "soon"})))
    assert [(f.property, "positive number" in f.reason) for f in response.failures] == [("requestTimeout", True)]


async def test_a_create_without_custom_timeouts_takes_the_create_timeout(provider: Harness,
                                                                        local: BackgroundServer) -> None:
    await provider.configure(server=local.url, apiKey=SecretValue(TOKEN), createTimeout=1)
    local.server.knobs.update({"fail": [{"pattern": "^SELECT", "nth": 0, "fault": "never_answered"}]})
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await provider.create(DB, {"name": "db"})
    details = failed.value.details() or ""
    assert details == ("timed out after 1s waiting for database 'db'. Raise the resource's customTimeouts, else "
                       "deltastream:createTimeout (DELTASTREAM_CREATE_TIMEOUT), or check the statement in DeltaStream")
    assert local.server.counters.statements["DropDatabase"] == 1  # undone: nothing half-made is left
