"""The DeltaStream client against the local server on loopback: wire handling, retries, errors."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from testkit import TOKEN

from deltastream_local.runner import BackgroundServer, ServerSettings
from deltastream_provider import errors
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import DeltaStreamClient, RetryPolicy, Timeouts
from deltastream_provider.deltastream.network import AsyncioBackend, OnePassAssignment
from deltastream_provider.deltastream.session import Session
from deltastream_provider.resources import database, store
from tests.certificates import self_signed

FAST = RetryPolicy(base_delay=0.01, max_delay=0.05)
PEM = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"


def kafka_store(name: str = "k", **extra: sql.PropertyValue) -> sql.Statement:
    props: list[tuple[str, sql.PropertyValue]] = [("type", sql.Bare("KAFKA")), ("uris", "b:9092"),
                                                  ("kafka.sasl.hash_function", sql.Bare("NONE"))]
    return store.create_statement(name, props + list(extra.items()))


async def test_statement_result_is_decoded_and_context_echoed(client: DeltaStreamClient) -> None:
    await client.execute(database.create_statement("db"))
    result = await client.execute(sql.select("databases", ["name", "owner", "created_at"]))
    (row,) = result.records()
    assert row["name"] == "db" and row["owner"] == "sysadmin"
    assert row["created_at"].tzinfo is not None
    assert (await client.execute(sql.can_i("CREATE_DATABASE"))).rows == ((True,),)  # a BOOLEAN cell, decoded
    assert result.context.organization and result.context.role == "sysadmin"


async def test_session_context_travels_with_the_statement(client: DeltaStreamClient) -> None:
    await client.execute(database.create_statement("db"))
    result = await client.execute("USE DATABASE db", session=Session(database=None))
    assert result.context.database == "db" and result.context.schema == "public"
    await client.execute("CREATE SCHEMA ns", session=Session(database="db"))
    assert await client.execute(sql.select("schemas", ["name"], {"database_name": "db", "name": "ns"}))


async def test_attachments_go_as_multipart_files(client: DeltaStreamClient, local: BackgroundServer) -> None:
    with pytest.raises(errors.InvalidInputError, match="@cacert"):
        await client.execute(kafka_store(**{"tls.ca_cert_file": "@cacert"}))
    statement = kafka_store(**{"tls.ca_cert_file": "@cacert"})
    with_file = sql.Statement(statement.sql, statement.redacted, {"@cacert": PEM})
    await client.execute(with_file)
    assert (await client.execute(sql.select("stores", ["name"]))).rows == (("k",),)


async def test_async_statements_are_polled_until_done(client: DeltaStreamClient, local: BackgroundServer) -> None:
    local.server.knobs.update({"async_polls": 3})
    await client.execute(database.create_statement("db"))
    assert client.stats.polls == 4  # three 202s, then the answer
    assert local.server.counters.statuses["202"] == 4


async def test_statement_timeout_bounds_polling(client: DeltaStreamClient, local: BackgroundServer) -> None:
    local.server.knobs.update({"async_polls": 10_000})
    with pytest.raises(errors.StatementTimeoutError):
        await client.execute(sql.select("databases", ["name"]), timeout=0.3)
    # a mutating statement accepted and still running may yet land: its outcome is unknown, to settle by reading
    with pytest.raises(errors.OutcomeUnknownError, match=r"accepted as .*, still running"):
        await client.execute(database.create_statement("db"), timeout=0.3)


async def test_every_partition_is_read(client: DeltaStreamClient, local: BackgroundServer) -> None:
    for i in range(7):
        await client.execute(database.create_statement(f"db{i}"))
    local.server.knobs.update({"page_size": 2})
    result = await client.execute(sql.select("databases", ["name"], order_by="name"))
    assert [r[0] for r in result.rows] == [f"db{i}" for i in range(7)]
    assert local.server.counters.requests["GET /v2/statements/{statement_id}"] == 3


async def test_429_is_retried_honouring_retry_after(client: DeltaStreamClient, local: BackgroundServer) -> None:
    local.server.knobs.update({"rate_429": 0.5, "retry_after_s": 0.05})
    for i in range(4):
        await client.execute(database.create_statement(f"db{i}"))
    assert local.server.counters.statuses["429"] >= 2 and client.stats.retries >= 2
    assert local.server.counters.statements["CreateDatabase"] == 4  # each ran once


async def test_503_is_retried_even_for_mutating_statements(client: DeltaStreamClient, local: BackgroundServer) -> None:
    local.server.knobs.update({"rate_503": 0.5})
    await client.execute(database.create_statement("db"))
    await client.execute(database.create_statement("db2"))
    assert local.server.counters.statuses["503"] >= 1
    assert local.server.counters.statements["CreateDatabase"] == 2


async def test_gateway_timeout_resends_reads_but_not_writes(client: DeltaStreamClient,
                                                            local: BackgroundServer) -> None:
    local.server.knobs.update({"rate_504": 1.0})
    with pytest.raises(errors.OutcomeUnknownError):
        await client.execute(database.create_statement("db"))
    assert local.server.counters.statements["CreateDatabase"] == 1  # ran once, never resent
    local.server.knobs.update({"rate_504": 0.5})
    await client.execute(sql.select("databases", ["name"]))
    assert local.server.counters.statements["Select"] == 2  # the read was simply sent again


async def test_dropped_connection_after_a_write_is_not_resent(client: DeltaStreamClient,
                                                              local: BackgroundServer) -> None:
    local.server.knobs.update({"rate_drop": 1.0, "drop_after_processing": True})
    with pytest.raises(errors.OutcomeUnknownError):
        await client.execute(database.create_statement("db"))
    assert local.server.counters.statements["CreateDatabase"] == 1
    local.server.knobs.update({"rate_drop": 0.0})
    assert (await client.execute(sql.select("databases", ["name"]))).rows == (("db",),)


async def test_dropped_connection_on_a_read_is_retried(client: DeltaStreamClient, local: BackgroundServer) -> None:
    local.server.knobs.update({"rate_drop": 0.5})
    await client.execute(sql.select("databases", ["name"]))
    await client.execute(sql.select("databases", ["name"]))
    assert client.stats.retries >= 1


async def test_connection_refused_is_retried_quickly_then_reported() -> None:
    """A refused connection has a short budget of its own (``refused_delays``), whatever ``attempts`` says."""
    quick = RetryPolicy(attempts=10, base_delay=0.01, refused_delays=(0.01, 0.02))
    async with DeltaStreamClient("http://127.0.0.1:9/v2", TOKEN, retry=quick) as c:
        with pytest.raises(errors.ConnectRefused, match=r"could not connect.*connection refused") as error:
            await c.execute(database.create_statement("db"))
        assert c.stats.requests == 3 and "(after 3 attempts)" in str(error.value) and "doctor" in str(error.value)


async def test_slow_server_hits_the_read_timeout(local: BackgroundServer) -> None:
    local.server.knobs.update({"latency_ms": 500})
    async with DeltaStreamClient(local.url, TOKEN, timeouts=Timeouts(read=0.1),
                                 retry=RetryPolicy(attempts=2, base_delay=0.01)) as c:
        with pytest.raises(errors.TransportError):
            await c.execute(sql.select("databases", ["name"]))
        with pytest.raises(errors.OutcomeUnknownError):
            await c.execute(database.create_statement("slow"))


async def test_bad_token_is_an_authentication_error(local: BackgroundServer) -> None:
    async with DeltaStreamClient(local.url, "wrong") as c:
        with pytest.raises(errors.AuthenticationError, match="apiKey"):
            await c.version()


async def test_sql_errors_carry_code_message_and_statement_id(client: DeltaStreamClient) -> None:
    await client.execute(database.create_statement("db"))
    with pytest.raises(errors.AlreadyExistsError) as error:
        await client.execute(database.create_statement("db"))
    assert error.value.code == "42P04" and error.value.statement_id and "already exists" in error.value.message
    with pytest.raises(errors.NotFoundError):
        await client.execute(database.drop_statement("missing"))
    with pytest.raises(errors.InvalidInputError, match="position 7"):
        await client.execute("CREATE DATABSE x")


async def test_permission_error_from_the_server(client: DeltaStreamClient, local: BackgroundServer) -> None:
    local.server.knobs.update({"fail": [{"pattern": "CREATE DATABASE", "code": "42501",
                                         "message": "permission denied: CREATE_DATABASE on organization"}]})
    with pytest.raises(errors.PermissionDeniedError, match="deltastream:role"):
        await client.execute(database.create_statement("db"))


async def test_organization_name_resolves_to_its_uuid_once(local: BackgroundServer) -> None:
    async with DeltaStreamClient(local.url, TOKEN, session=Session(organization="local"), retry=FAST) as c:
        org = await c.organization_id()
        assert org == local.server.catalog.organization.id
        await c.organization_id()
        assert c.stats.by_kind["LIST"] == 1
    async with DeltaStreamClient(local.url, TOKEN, session=Session(organization="nope"), retry=FAST) as c:
        with pytest.raises(errors.SessionError, match="visible: local"):
            await c.organization_id()


async def test_one_pooled_connection_serves_many_statements(client: DeltaStreamClient,
                                                            local: BackgroundServer) -> None:
    for i in range(20):
        await client.execute(database.create_statement(f"db{i}"))
    assert local.server.counters.as_dict()["connections"] == 1


async def test_secret_values_never_reach_the_logs(client: DeltaStreamClient, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG", logger="deltastream")
    await client.execute(kafka_store("s1", **{"kafka.sasl.password": sql.SecretLiteral("hunter2-secret")}))
    with pytest.raises(errors.AlreadyExistsError):
        await client.execute(kafka_store("s1", **{"kafka.sasl.password": sql.SecretLiteral("hunter2-secret")}))
    assert "CREATE STORE" in caplog.text and "hunter2-secret" not in caplog.text


async def test_a_request_searches_for_no_module(client: DeltaStreamClient) -> None:
    """Once warm, a request imports nothing: httpcore asks for sniffio on every pool lock, and were it missing each
    ask would search the whole sys.path again (a tenth of a read's CPU)."""
    import importlib.abc
    import sys

    searched: list[str] = []

    class Spy(importlib.abc.MetaPathFinder):
        def find_spec(self, name: str, path: object = None, target: object = None) -> None:
            searched.append(name)

    statement = sql.select("databases", ["name"])
    await client.execute(statement)
    spy = Spy()
    sys.meta_path.insert(0, spy)
    try:
        for _ in range(5):
            await client.execute(statement)
    finally:
        sys.meta_path.remove(spy)
    assert searched == []


@pytest.fixture
def https_server(tmp_path: Path) -> Iterator[BackgroundServer]:
    """The local server behind TLS, with a self-signed certificate for 127.0.0.1."""
    certificate, key = self_signed("deltastream-local", ip="127.0.0.1")
    (tmp_path / "cert.pem").write_bytes(certificate)
    (tmp_path / "key.pem").write_bytes(key)
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(tmp_path / "cert.pem", tmp_path / "key.pem")
    with BackgroundServer(ServerSettings(port=0, tokens={TOKEN: "sysadmin"}, tls=tls)) as server:
        yield server


async def test_statements_travel_over_tls(https_server: BackgroundServer) -> None:
    assert https_server.url.startswith("https://")
    async with DeltaStreamClient(https_server.url, TOKEN, verify=False, retry=FAST) as c:
        await c.execute(database.create_statement("db"))
        assert (await c.execute(sql.select("databases", ["name"]))).rows == (("db",),)
        assert c.stats.requests == 2


async def test_an_untrusted_certificate_is_refused(https_server: BackgroundServer) -> None:
    async with DeltaStreamClient(https_server.url, TOKEN, retry=RetryPolicy(attempts=2, base_delay=0.01)) as c:
        with pytest.raises(errors.TransportError, match="CERTIFICATE_VERIFY_FAILED"):
            await c.execute(sql.select("databases", ["name"]))
    assert https_server.server.counters.statements == {}


async def test_the_environments_ca_bundle_is_trusted_and_the_default_one_built_once(
        https_server: BackgroundServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The verifying TLS context is built once per process for each bundle: ``SSL_CERT_FILE`` still decides
    which certificates are trusted, call by call."""
    from deltastream_provider.deltastream.client import verified_tls

    monkeypatch.delenv("SSL_CERT_DIR", raising=False)
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "cert.pem"))
    async with DeltaStreamClient(https_server.url, TOKEN, retry=FAST) as c:
        assert (await c.execute(sql.select("databases", ["name"]))).rows == ()
    monkeypatch.delenv("SSL_CERT_FILE")
    assert verified_tls() is verified_tls()
    async with DeltaStreamClient(https_server.url, TOKEN, retry=RetryPolicy(attempts=2, base_delay=0.01)) as c:
        with pytest.raises(errors.TransportError, match="CERTIFICATE_VERIFY_FAILED"):
            await c.execute(sql.select("databases", ["name"]))


async def test_connections_are_opened_by_the_asyncio_backend(client: DeltaStreamClient,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """httpx's default network layer (anyio) cost about a quarter of a request's CPU; the client's pool opens its
    connections through :class:`AsyncioBackend`, and a kept-alive one serves the next statements."""
    opened: list[str] = []
    connect = AsyncioBackend.connect_tcp

    async def counted(self: AsyncioBackend, host: str, port: int, **options: Any) -> Any:
        opened.append(host)
        return await connect(self, host, port, **options)

    monkeypatch.setattr(AsyncioBackend, "connect_tcp", counted)
    for _ in range(3):
        await client.execute(sql.select("databases", ["name"]))
    assert opened == ["127.0.0.1"] and client.stats.requests == 3


async def test_a_burst_over_a_small_pool_waits_for_connections_and_keeps_them(local: BackgroundServer,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """The pool assigns queued requests in one pass (:class:`OnePassAssignment`): a burst of 40 statements over 3
    connections opens 3, queues the rest on them, answers every one, and keeps the 3 alive for the next burst."""
    opened: list[str] = []
    connect = AsyncioBackend.connect_tcp

    async def counted(self: AsyncioBackend, host: str, port: int, **options: Any) -> Any:
        opened.append(host)
        return await connect(self, host, port, **options)

    monkeypatch.setattr(AsyncioBackend, "connect_tcp", counted)
    local.server.knobs.update({"latency_ms": 5})  # so the burst overlaps
    async with DeltaStreamClient(local.url, TOKEN, retry=FAST, max_connections=3) as c:
        assert isinstance(c._transport._pool, OnePassAssignment)
        for _ in range(2):
            answers = await asyncio.gather(*(c.execute(sql.select("databases", ["name"])) for _ in range(40)))
            assert [a.rows for a in answers] == [()] * 40
        assert len(opened) == 3 and c.stats.requests == 80
