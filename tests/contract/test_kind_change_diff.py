"""A resource an alias turns into another kind (a Pipeline's sink changing between a stream and a materialized view,
which keeps one child): the new kind's Diff, given the old kind's stored inputs and state, answers a replacement with
the old one deleted first (they share the name), naming the inputs that differ, behind the OLD kind's replacement
guard (what dropping the old relation takes down). Stored inputs of no kind it may be aliased from cannot be
compared, and the error says what helps. Over gRPC against the local server, the guard's reads counted exactly."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.kinds import registry
from deltastream_provider.model.unknown import UNKNOWN
from tests.contract.test_provider_grpc import OBJ, QUERY, base, obj
from tests.contract.test_query_upgrades import recording

MV = "deltastream:index:MaterializedView"
ID = "db/public/counts"
SELECT = 'SELECT id, COUNT(*) AS n FROM "db"."public"."src" GROUP BY id'
VIEW = {"database": "db", "namespace": "public", "name": "counts", "query": SELECT}
READER = 'INSERT INTO "db"."public"."copy" SELECT id, body FROM "db"."public"."counts"'
CHANGED = ["columns", "kind", "query", "store"]  # what differs between the stream and the view of the same name
Kind = provider_pb2.PropertyDiff.Kind


def sent_since(local: BackgroundServer, before: int) -> list[str]:
    return list(local.server.counters.texts)[before:]


def guard_reads(sent: list[str]) -> bool:
    """The old kind's guard, and nothing else: the relation's row, then the running queries."""
    return (len(sent) == 2 and 'FROM deltastream.sys."relations"' in sent[0] and '"name" = \'counts\'' in sent[0]
            and sent[1].startswith("LIST QUERIES"))


async def refused(provider: Harness, type_: str, olds: dict[str, Any], news: dict[str, Any],
                  old_inputs: dict[str, Any]) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await provider.diff(type_, ID, olds, news, old_inputs)
    return error.value.details() or ""


async def test_a_stream_that_becomes_a_view_is_replaced_the_stream_deleted_first(
        provider: Harness, local: BackgroundServer) -> None:
    await base(provider)
    _, stream = await provider.create(OBJ, obj("counts"))
    before = len(local.server.counters.texts)
    diff = await provider.diff(MV, ID, stream, VIEW, obj("counts"))
    assert list(diff.replaces) == CHANGED and diff.deleteBeforeReplace
    assert {path: Kind.Name(d.kind) for path, d in diff.detailedDiff.items()} == {
        "columns": "DELETE_REPLACE", "kind": "DELETE_REPLACE", "query": "ADD_REPLACE", "store": "DELETE_REPLACE"}
    assert guard_reads(sent_since(local, before))  # nothing reads the stream: replaced, nothing sent but the reads


async def test_a_query_reading_the_old_stream_refuses_it_until_the_replacement_is_accepted(
        provider: Harness, local: BackgroundServer) -> None:
    await base(provider)
    _, stream = await provider.create(OBJ, obj("counts"))
    await provider.create(OBJ, obj("copy"))
    query_id, _ = await provider.create(QUERY, {"sql": READER})
    before = len(local.server.counters.texts)
    message = await refused(provider, MV, stream, VIEW, obj("counts"))
    assert "would replace DeltaStreamObject 'db/public/counts'" in message, message
    assert "kind (removed)" in message and "query" in message and query_id in message, message
    assert "`acceptReplacement: true`" in message and "Nothing was changed" in message, message
    assert guard_reads(sent_since(local, before))
    before = len(local.server.counters.texts)
    accepted = await provider.diff(MV, ID, stream, {**VIEW, "acceptReplacement": True}, obj("counts"))
    assert list(accepted.replaces) == CHANGED and accepted.deleteBeforeReplace
    assert sent_since(local, before) == []  # accepted: nothing to read


async def test_a_view_that_becomes_a_stream_is_replaced_behind_the_views_guard(
        provider: Harness, local: BackgroundServer) -> None:
    await base(provider)
    await provider.create(OBJ, obj("src"))
    _, view = await provider.create(MV, VIEW)
    before = len(local.server.counters.texts)
    diff = await provider.diff(OBJ, ID, view, obj("counts"), VIEW)
    assert list(diff.replaces) == CHANGED and diff.deleteBeforeReplace
    assert Kind.Name(diff.detailedDiff["query"].kind) == "DELETE_REPLACE"
    assert guard_reads(sent_since(local, before))  # the view's own query aside, nothing reads it


async def test_stored_inputs_of_a_kind_no_alias_may_bring_fail_saying_what_helps(provider: Harness) -> None:
    database = {"name": "db"}
    message = await refused(provider, MV, database, VIEW, database)
    assert "not a MaterializedView's" in message and "nor a DeltaStreamObject's" in message, message
    assert "pulumi refresh" not in message and "`pulumi import`" in message, message


def test_each_kind_an_alias_may_bring_is_a_registered_kind() -> None:
    served = {type(r) for r in registry.resources()}
    for kind in registry.resources():
        assert all(type(former) in served for former in kind.former_kinds()), kind.token
    assert [f.token for f in registry.resource(MV).former_kinds()] == [OBJ]  # type: ignore[union-attr]
    assert [f.token for f in registry.resource(OBJ).former_kinds()] == [MV]  # type: ignore[union-attr]


async def test_a_query_deleted_with_a_relation_being_replaced_is_told_it_may_only_be_deleted(
        provider: Harness) -> None:
    """The engine asks a dependent's Diff the same whether the program still declares it (replaced) or not
    (deleted, as a Pipeline's query when its sink becomes a view): the warning says both."""
    log = recording(provider)
    await base(provider)
    await provider.create(OBJ, obj("counts"))
    await provider.create(OBJ, obj("copy"))
    query_id, state = await provider.create(QUERY, {"sql": READER})
    diff = await provider.diff(QUERY, query_id, state, {"sql": UNKNOWN}, {"sql": READER})
    assert list(diff.replaces) == ["sql"]
    [(warning, _)] = log.warnings()
    assert "no longer declares" in warning and "no new query follows" in warning, warning
