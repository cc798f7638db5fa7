"""Case h of issue 23: DeltaStream's error text may echo a credential; nothing of it reaches a log or an error.

The provider's logging is installed as the plugin installs it, towards a recording engine on loopback, so every
message the engine would show at any verbosity is captured, with every log record, the process's stderr and the
gRPC error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.plugin.engine_log import EngineLog, install
from deltastream_provider.plugin.wire import SecretValue


class RecordingEngine(engine_pb2_grpc.EngineServicer):
    """The engine's log service, keeping every message it is sent."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        self.arrived = asyncio.Condition()

    async def Log(self, request: engine_pb2.LogRequest, context: Any) -> empty_pb2.Empty:
        async with self.arrived:
            self.messages.append(request.message)
            self.arrived.notify_all()
        return empty_pb2.Empty()


class Records(logging.Handler):
    """Every record of the provider's loggers, as any further handler would format it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@dataclass
class Logged:
    engine: RecordingEngine
    address: str
    records: Records = field(default_factory=Records)


@pytest.fixture
async def logged() -> AsyncIterator[Logged]:
    """A recording engine, and the provider's loggers sending to it as in the plugin (restored afterwards)."""
    engine = RecordingEngine()
    server = grpc.aio.server()
    engine_pb2_grpc.add_EngineServicer_to_server(engine, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    loggers = [logging.getLogger(name) for name in ("deltastream", "deltastream_provider")]
    saved = [(lg, list(lg.handlers), lg.level, lg.propagate) for lg in loggers]
    install(EngineLog(f"127.0.0.1:{port}"))
    logged = Logged(engine, f"127.0.0.1:{port}")
    for lg in loggers:
        lg.addHandler(logged.records)
    try:
        yield logged
    finally:
        for lg, handlers, level, propagate in saved:
            lg.handlers[:] = handlers
            lg.setLevel(level)
            lg.propagate = propagate
        await server.stop(None)


async def messages_once(engine: RecordingEngine, needle: str) -> list[str]:
    """The engine's messages once one containing ``needle`` has arrived (sent by a task of the handler): woken by
    each message, not by a clock."""
    async with engine.arrived:
        await asyncio.wait_for(engine.arrived.wait_for(lambda: any(needle in m for m in engine.messages)), 120)
    return engine.messages


REGISTRY = {"name": "reg", "confluent": {"uris": "https://registry.example.com", "username": "reg-user",
                                         "password": "reg-password-31"}}
CLOUD_REGISTRY = {"name": "cloud_reg", "confluentCloud": {"uris": "https://psrc.example.com", "key": "CCKEY123",
                                                          "secret": "cloud-api-secret-77"}}
KINESIS = {"name": "streams", "kinesis": {"uris": "https://kinesis.us-east-1.amazonaws.com",
                                          "awsAccountId": "123456789012", "accessKeyId": "AKIAEXAMPLE",
                                          "secretAccessKey": "kinesis-secret-key-55"}}
CONFLUENT_STORE = {"name": "cc", "confluentKafka": {"uris": "pkc.example.com:9092", "saslHashFunction": "PLAIN",
                                                    "saslUsername": "CLUSTERKEY", "saslPassword": "cluster-secret-99"}}

CASES = [("deltastream:index:SchemaRegistry", REGISTRY, "CREATE SCHEMA_REGISTRY", ["reg-password-31"]),
         ("deltastream:index:SchemaRegistry", CLOUD_REGISTRY, "CREATE SCHEMA_REGISTRY", ["cloud-api-secret-77"]),
         ("deltastream:index:Store", KINESIS, "CREATE STORE", ["kinesis-secret-key-55"]),
         ("deltastream:index:Store", CONFLUENT_STORE, "CREATE STORE", ["cluster-secret-99"])]


def secret_wrapped(props: dict[str, Any], secrets: list[str]) -> dict[str, Any]:
    """The inputs as the engine sends them after Check: each secret value wrapped."""
    return {k: secret_wrapped(v, secrets) if isinstance(v, dict) else SecretValue(v) if v in secrets else v
            for k, v in props.items()}


@pytest.mark.parametrize("wrapped", [True, False], ids=["as-the-engine-sends", "secrets-not-wrapped"])
@pytest.mark.parametrize("type_, props, statement, secrets", CASES,
                         ids=["confluent-registry", "confluent-cloud-registry", "kinesis-store", "confluent-store"])
async def test_a_failing_create_whose_error_echoes_its_secrets_logs_and_returns_none_of_them(
        local: BackgroundServer, logged: Logged, capfd: pytest.CaptureFixture[str], type_: str,
        props: dict[str, Any], statement: str, secrets: list[str], wrapped: bool) -> None:
    echoed = [*secrets, TOKEN]
    local.server.knobs.update({"fail": [{"pattern": f"^{statement}", "code": "XX000",
                                         "message": f"bad credentials {' and '.join(echoed)} (token {TOKEN})"}]})
    harness = await Harness().start()
    harness.provider.engine = EngineLog(logged.address)
    try:
        await harness.configure(server=local.url, apiKey=SecretValue(TOKEN))
        with pytest.raises(grpc.aio.AioRpcError) as failed:
            await harness.create(type_, secret_wrapped(props, secrets) if wrapped else props, timeout=30)
    finally:
        await harness.stop()
    messages = await messages_once(logged.engine, "sql failed")
    everything = "\n".join([failed.value.details() or "", *messages, *logged.records.lines, *capfd.readouterr()])
    for value in echoed:
        assert value not in everything
    assert "bad credentials **** and ****" in (failed.value.details() or "")  # the failure is told, redacted
    assert "sql failed" in everything and statement in everything
    assert any("sql failed" in line for line in logged.records.lines)  # the records themselves were captured
