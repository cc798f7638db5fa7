"""A query over gRPC as the engine drives it: a deprecated input warns and changes nothing, a namespace written out
as its default is no change, and a replacement says at preview that the new query runs from the start."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import engine_pb2, provider_pb2
from testkit.provider import Harness, urn

from deltastream_local.runner import BackgroundServer
from deltastream_provider.model.unknown import UNKNOWN
from deltastream_provider.plugin.engine_log import EngineLog
from tests.contract.test_provider_grpc import INSERT, NS, OBJ, QUERY, obj, queries

APPLICATION = "deltastream:index:Application"
Diff = provider_pb2.DiffResponse


class Recorded(EngineLog):
    """The engine's log service as the provider calls it: (severity, message, urn) of every message."""

    def __init__(self) -> None:
        super().__init__(None)
        self.messages: list[tuple[int, str, str]] = []

    async def log(self, severity: Any, message: str, urn: str = "", ephemeral: bool = False) -> None:
        self.messages.append((severity, message, urn))

    def warnings(self) -> list[tuple[str, str]]:
        return [(message, at) for severity, message, at in self.messages if severity == engine_pb2.WARNING]


def recording(provider: Harness) -> Recorded:
    log = Recorded()
    provider.provider.engine = log
    return log


async def test_a_query_name_from_an_earlier_release_warns_and_changes_nothing(provider: Harness) -> None:
    log = recording(provider)
    checked, failures = await provider.check(QUERY, {"sql": INSERT, "name": "copy"})
    assert failures == {} and checked["name"] == "copy"
    [(warning, at)] = log.warnings()
    assert at == urn(QUERY, "r") and "deprecated and ignored" in warning and "Remove `name`" in warning
    await queries(provider)
    query_id, state = await provider.create(QUERY, {"sql": INSERT, "name": "copy"})
    assert state["state"] == "running" and state.get("name") is None  # DeltaStream's name: none was sent
    for olds, news in (({"sql": INSERT, "name": "copy"}, {"sql": INSERT}),
                       ({"sql": INSERT}, {"sql": INSERT, "name": "other"})):
        diff = await provider.diff(QUERY, query_id, state, news, olds)
        assert diff.changes == Diff.DIFF_NONE and not diff.replaces, (olds, news)
    assert not [w for w, _ in log.warnings() if "replaced" in w]
    _, failures = await provider.check(QUERY, {"sql": INSERT})
    assert failures == {} and len(log.warnings()) == 1  # without it: no warning


async def test_the_default_namespace_written_out_is_no_change(provider: Harness) -> None:
    await queries(provider)
    inputs = {"sql": INSERT, "database": "db"}
    query_id, state = await provider.create(QUERY, inputs)
    for olds, news in ((inputs, {**inputs, "namespace": "public"}), ({**inputs, "namespace": "public"}, inputs)):
        diff = await provider.diff(QUERY, query_id, state, news, olds)
        assert diff.changes == Diff.DIFF_NONE, (olds, news)


async def test_a_new_session_is_in_place_when_the_sql_names_the_same_relations(provider: Harness,
                                                                               local: BackgroundServer) -> None:
    """database and namespace only say where unqualified names resolve: setting them (as after an import, which
    cannot read them) restarts nothing while DeltaStream's plan shows the same relations, and is refused otherwise."""
    await queries(provider)
    query_id, state = await provider.create(QUERY, {"sql": INSERT})  # fully qualified: the session changes nothing
    given = {"sql": INSERT, "database": "db", "namespace": "public"}
    diff = await provider.diff(QUERY, query_id, state, given, {"sql": INSERT})
    assert diff.changes == Diff.DIFF_SOME and not diff.replaces
    started = local.server.counters.statements["InsertInto"]
    updated = await provider.update(QUERY, query_id, state, given)
    assert updated["queryId"] == query_id and updated["database"] == "db" and updated["state"] == "running"
    assert local.server.counters.statements["InsertInto"] == started  # nothing restarted

    await provider.create(NS, {"database": "db", "name": "other"})
    for name in ("src", "dst"):
        await provider.create(OBJ, obj(name, namespace="other"))
    unqualified = {"sql": "INSERT INTO dst SELECT id, body FROM src", "database": "db"}
    other_id, other = await provider.create(QUERY, unqualified)
    moved = {**unqualified, "namespace": "other"}
    assert not (await provider.diff(QUERY, other_id, other, moved, unqualified)).replaces
    with pytest.raises(grpc.aio.AioRpcError) as refused:  # the same text now reads and writes other relations
        await provider.update(QUERY, other_id, other, moved)
    assert "resolves to other relations" in refused.value.details() and '"other"."dst"' in refused.value.details()
    assert local.server.counters.statements["InsertInto"] == started + 1  # only the second query's own start


async def test_a_replaced_query_warns_at_preview_that_it_runs_from_the_start(provider: Harness) -> None:
    log = recording(provider)
    await queries(provider)
    query_id, state = await provider.create(QUERY, {"sql": INSERT})
    # What the engine sends when a relation the SQL names is being replaced: the SQL is not known yet.
    diff = await provider.diff(QUERY, query_id, state, {"sql": UNKNOWN}, {"sql": INSERT})
    assert list(diff.replaces) == ["sql"] and diff.deleteBeforeReplace
    [(warning, at)] = log.warnings()
    assert at == urn(QUERY, "r")
    assert "runs from the beginning of its sources" in warning and f"old query {query_id} is terminated" in warning
    assert "names a relation that is being replaced" in warning
    stopped = {**state, "state": "terminated"}  # found stopped by a refresh: started again, from the start too
    diff = await provider.diff(QUERY, query_id, stopped, {"sql": INSERT}, {"sql": INSERT})
    assert list(diff.replaces) == ["state"]
    assert "found terminated outside Pulumi" in log.warnings()[-1][0]
    same = await provider.diff(QUERY, query_id, state, {"sql": INSERT}, {"sql": INSERT})
    assert same.changes == Diff.DIFF_NONE and len(log.warnings()) == 2  # no replacement, no warning


async def test_an_application_takes_a_session_in_place_too(provider: Harness, local: BackgroundServer) -> None:
    await queries(provider)
    app = {"sql": f"BEGIN APPLICATION copier {INSERT}; END APPLICATION;"}
    app_id, state = await provider.create(APPLICATION, app)
    started = local.server.counters.statements["BeginApplication"]
    updated = await provider.update(APPLICATION, app_id, state, {**app, "database": "db"})
    assert updated["applicationId"] == app_id and updated["database"] == "db"
    assert local.server.counters.statements["BeginApplication"] == started
