"""What the engine prints of the provider's failures reads well, over gRPC as the engine calls it.

The engine prints a Check failure with a property as "property P value V has a problem: R", V being the
program's top-level input P: a nested path or an absent property would print ``value {<nil>}``. And an
already-existing name is answered with the whole command that adopts it."""

from __future__ import annotations

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2
from testkit.provider import Harness, urn

from deltastream_local.runner import BackgroundServer
from deltastream_provider.plugin.wire import encode
from tests.contract.test_provider_grpc import DB, OBJ, STORE, base, obj


async def failures(provider: Harness, type_: str, news: dict[str, object]) -> list[provider_pb2.CheckFailure]:
    response = await provider.stub.Check(provider_pb2.CheckRequest(urn=urn(type_, "r"), type=type_,
                                                                   news=encode(news), olds=encode({})))
    return list(response.failures)


@pytest.mark.parametrize("type_, news, reason", [
    (DB, {}, "name is required"),
    (STORE, {"name": "s", "kafka": {"uris": "b:1", "saslHashFunction": "PLAIN"}}, "kafka.saslUsername is required"),
    (STORE, {"name": "s", "kafka": {"uris": "b:1", "saslHashFunction": "MD5"}},
     "kafka.saslHashFunction must be one of"),
    (STORE, {"name": "s"}, "kafka: give exactly one of kafka"),
    (OBJ, obj("o", columns=[{"name": "a", "type": "NOPE("}]), "columns[0].type"),
])
async def test_nested_or_absent_properties_go_without_a_value(provider: Harness, type_: str,
                                                              news: dict[str, object], reason: str) -> None:
    found = await failures(provider, type_, news)
    assert found, news
    assert all(f.property == "" or f.property in news for f in found), found  # what the engine can print a value of
    assert any(f.property == "" and f.reason.startswith(reason) for f in found), found


async def test_a_top_level_property_keeps_its_value(provider: Harness) -> None:
    found = await failures(provider, DB, {"name": " padded"})
    assert [(f.property, "leading or trailing" in f.reason) for f in found] == [("name", True)]


async def test_already_exists_gives_the_whole_import_command(provider: Harness, local: BackgroundServer) -> None:
    await base(provider)
    await provider.create(OBJ, obj("pageviews"))
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await provider.create(OBJ, obj("pageviews"))
    assert "42P07" in error.value.details() or "42P017" in error.value.details()
    assert f"`pulumi import {OBJ} r db/public/pageviews`" in error.value.details()
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await provider.create(DB, {"name": "db"})
    assert f"`pulumi import {DB} r db`" in error.value.details()
