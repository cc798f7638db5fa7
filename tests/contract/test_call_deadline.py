"""One deadline per provider call covers every request and poll it makes, reads and lookups included, which Pulumi
gives no timeout: deltastream:readTimeout (DELTASTREAM_READ_TIMEOUT) bounds them (issue 23, case g)."""

from __future__ import annotations

import math

import grpc
import pytest
from testkit import TOKEN
from testkit.provider import Harness, invoke

from deltastream_local.runner import BackgroundServer
from deltastream_provider import config, errors
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import DeltaStreamClient, statement_kind
from deltastream_provider.deltastream.waiting import call_deadline
from deltastream_provider.plugin.wire import SecretValue

DB, STORE, ENTITY = "deltastream:index:Database", "deltastream:index:Store", "deltastream:index:Entity"
NEVER = {"async_polls": 10**9}  # every statement answered 202 and still running at every poll
KAFKA = {"name": "events", "kafka": {"uris": "b:9092", "saslHashFunction": "NONE"}}


def polls(local: BackgroundServer) -> int:
    return sum(n for route, n in local.server.counters.requests.items() if route.startswith("GET /v2/statements/"))


async def test_a_read_of_a_statement_that_never_finishes_ends_at_the_read_timeout(
        provider: Harness, local: BackgroundServer) -> None:
    resource_id, state = await provider.create(DB, {"name": "analytics"})
    await provider.configure(server=local.url, apiKey=SecretValue(TOKEN), readTimeout=0.3)
    local.server.knobs.update(NEVER)
    with pytest.raises(grpc.aio.AioRpcError) as refreshed:
        await provider.read(DB, resource_id, state, {"name": "analytics"})
    details = refreshed.value.details() or ""
    assert refreshed.value.code() == grpc.StatusCode.UNKNOWN, details
    assert details.startswith("SELECT did not finish in time: still running after 0.3s (the call's timeout, "
                              "deltastream:readTimeout (DELTASTREAM_READ_TIMEOUT))"), details
    assert "Raise deltastream:readTimeout" in details
    assert polls(local) >= 1  # polled, not merely waited: the first poll goes out at once


async def test_a_lookup_that_never_finishes_ends_at_the_read_timeout(provider: Harness,
                                                                     local: BackgroundServer) -> None:
    await provider.configure(server=local.url, apiKey=SecretValue(TOKEN), readTimeout="0.3")
    local.server.knobs.update(NEVER)
    with pytest.raises(grpc.aio.AioRpcError) as looked_up:
        await invoke(provider, "deltastream:index:getDatabase", {"name": "analytics"})
    details = looked_up.value.details() or ""
    assert details.startswith("SELECT did not finish in time: still running after 0.3s"), details
    assert "deltastream:readTimeout" in details


async def test_every_statement_of_a_read_shares_its_one_deadline(provider: Harness, local: BackgroundServer) -> None:
    """An Entity's read is a DESCRIBE ENTITY and, for the store's type, a SELECT: whichever is running when the one
    deadline ends is the one named; none of them gets a deadline of its own."""
    await provider.create(STORE, KAFKA)
    inputs = {"store": "events", "path": ["clicks"], "kafka": {"partitions": 1}}
    resource_id, state = await provider.create(ENTITY, inputs)
    await provider.configure(server=local.url, apiKey=SecretValue(TOKEN), readTimeout=0.3)
    local.server.knobs.update(NEVER)
    with pytest.raises(grpc.aio.AioRpcError) as refreshed:
        await provider.read(ENTITY, resource_id, state, inputs)
    assert "DESCRIBE ENTITY did not finish in time: still running after 0.3s" in (refreshed.value.details() or "")


async def test_a_statement_after_the_call_deadline_is_not_sent(local: BackgroundServer) -> None:
    async with DeltaStreamClient(local.url, TOKEN) as client:
        before = sum(local.server.counters.requests.values())
        with call_deadline(0, "deltastream:readTimeout"), pytest.raises(errors.CallTimeoutError, match="not sent"):
            await client.execute(sql.select("databases", ["name"]))
        assert sum(local.server.counters.requests.values()) == before


async def test_a_shorter_timeout_of_the_statement_wins_over_the_call_deadline(local: BackgroundServer) -> None:
    local.server.knobs.update(NEVER)
    async with DeltaStreamClient(local.url, TOKEN) as client:
        with call_deadline(600, "deltastream:readTimeout"), pytest.raises(errors.StatementTimeoutError) as late:
            await client.execute(sql.select("databases", ["name"]), timeout=0.2)
    assert type(late.value) is errors.StatementTimeoutError and "0.2s" in str(late.value)


def test_the_read_timeout_comes_from_config_or_the_environment() -> None:
    assert config.load({}, {}).read_timeout == config.DEFAULT_READ_TIMEOUT
    assert config.load({}, {"DELTASTREAM_READ_TIMEOUT": "2.5"}).read_timeout == 2.5
    assert config.load({"deltastream:readTimeout": 7}, {"DELTASTREAM_READ_TIMEOUT": "2.5"}).read_timeout == 7
    for bad in ("soon", "0", "-1", "inf"):
        settings = config.load({"readTimeout": bad}, {})
        assert math.isnan(settings.read_timeout)
        assert [p.key for p in config.problems(settings) if p.key == "readTimeout"] == ["readTimeout"], bad


async def test_a_bad_read_timeout_fails_check_config(provider: Harness) -> None:
    from pulumi.runtime.proto import provider_pb2

    from deltastream_provider.plugin.wire import encode

    response = await provider.stub.CheckConfig(provider_pb2.CheckRequest(news=encode({"readTimeout": "soon"})))
    assert [(f.property, "positive number" in f.reason) for f in response.failures] == [("readTimeout", True)]


@pytest.mark.parametrize("text, kind", [("SELECT 1;", "SELECT"), ("DESCRIBE ENTITY x IN STORE s;", "DESCRIBE ENTITY"),
                                        ("LIST QUERIES;", "LIST QUERIES"), ('DROP DATABASE "x";', "DROP DATABASE"),
                                        ('DESCRIBE "q";', "DESCRIBE"), ("CAN I CREATE_DATABASE;", "CAN I"),
                                        ("", "statement")])
def test_the_statement_kind_a_message_names(text: str, kind: str) -> None:
    assert statement_kind(text) == kind
