"""MaterializedView over gRPC against the local server, as the engine calls it: create, read, replace on a changed
query, delete, import, Check failures naming the property, the preview's DESCRIBE refusing a bad query, the refusal
of a replacement that takes a reader down, its lookups, and a CREATE whose answer is lost settled by reading."""

from __future__ import annotations

import grpc
import pytest
from testkit.provider import Harness, invoke

from deltastream_local.runner import BackgroundServer
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.catalog import SystemTables
from deltastream_provider.deltastream.client import DeltaStreamClient
from deltastream_provider.errors import SQLError
from deltastream_provider.resources import base as resource_base
from deltastream_provider.resources import continuous, materialized_view
from deltastream_provider.resources import object as relation
from tests.contract.conftest import configured
from tests.contract.test_faults import fault, ran
from tests.contract.test_provider_grpc import OBJ, QUERY, Diff, base, obj

MV = "deltastream:index:MaterializedView"
SELECT = 'SELECT id, COUNT(*) AS n FROM "db"."public"."src" GROUP BY id'
VIEW = {"database": "db", "name": "per_id", "query": SELECT}
ID = "db/public/per_id"


async def sources(provider: Harness) -> None:
    await base(provider)
    await provider.create(OBJ, obj("src"))


def requests(local: BackgroundServer) -> int:
    return sum(local.server.counters.requests.values())


async def queries_of(client: DeltaStreamClient) -> list[tuple[str, str]]:
    rows = (await client.execute(sql.select("queries", ["id", "current_state"]))).rows
    return [(str(r[0]), str(r[1])) for r in rows]


async def test_lifecycle_create_read_replace_import_delete(provider: Harness, local: BackgroundServer,
                                                           client: DeltaStreamClient) -> None:
    await sources(provider)
    inputs = {**VIEW, "properties": {"k": "v"}}
    resource_id, state = await provider.create(MV, inputs)
    assert resource_id == ID and state["fqn"] == '"db"."public"."per_id"' and state["namespace"] == "public"
    assert [(c["name"], c["type"]) for c in state["columns"]] == [("id", "BIGINT"), ("n", "BIGINT")]
    assert state["queryState"] == "running" and await queries_of(client) == [(state["queryId"], "running")]
    sent = [t for t in local.server.counters.texts if t.startswith("CREATE MATERIALIZED VIEW")]
    assert sent == [f'CREATE MATERIALIZED VIEW "db"."public"."per_id" WITH (\'k\' = \'v\') AS {SELECT};']
    described = (await client.execute(relation.describe_statement("db", "public", "per_id"))).records()
    assert '"k": "v"' in str(described[0]["Properties"])  # the WITH parameters are kept
    snapshot = await client.execute(sql.raw('SELECT * FROM "db"."public"."per_id"', mutating=False))
    assert [c.name for c in snapshot.columns] == ["id", "n"]  # a snapshot SELECT reads it

    before = requests(local)
    _, read, current = await provider.read(MV, resource_id, state, inputs)
    assert requests(local) - before == 2 and read == state and current == {**inputs, "namespace": "public"}

    same = await provider.diff(MV, resource_id, state, {**inputs, "query": f"  {SELECT.lower()} -- same\n"}, inputs)
    assert same.changes == Diff.DIFF_NONE
    changed = {**inputs, "query": SELECT.replace("COUNT(*)", "MAX(body)")}
    diff = await provider.diff(MV, resource_id, state, changed, inputs)
    assert list(diff.replaces) == ["query"] and diff.deleteBeforeReplace
    retention = await provider.diff(MV, resource_id, state, {**inputs, "properties": {"k": "w"}}, inputs)
    assert list(retention.replaces) == ["properties"]
    await provider.delete(MV, resource_id, state)  # the replacement, as the engine runs it: delete, then create
    _, state = await provider.create(MV, changed)
    assert [c["name"] for c in state["columns"]] == ["id", "n"] and state["queryState"] == "running"

    _, imported_state, imported = await provider.read(MV, resource_id)
    assert imported["query"] == changed["query"] and imported["properties"] == {"k": "v"}
    assert imported_state["queryId"] == state["queryId"]

    await client.execute(continuous.terminate_statement(state["queryId"]))
    async with configured(local) as refresh:  # a later command: a provider of its own
        assert (await refresh.read(MV, resource_id, state, changed))[1]["queryState"] == "terminated"

    await provider.delete(MV, resource_id, state)
    assert (await client.execute(sql.select("relations", ["name"], {"name": "per_id"}))).rows == ()
    assert all(s == "terminated" for _, s in await queries_of(client))
    assert (await provider.read(MV, resource_id, state, changed))[0] == ""  # gone


async def test_the_view_is_created_in_its_compute_pool(provider: Harness, local: BackgroundServer) -> None:
    await sources(provider)
    await provider.create("deltastream:index:ComputePool", {"name": "etl", "size": "small"})
    await provider.create(MV, {**VIEW, "computePool": "etl"}, preview=True)
    _, state = await provider.create(MV, {**VIEW, "computePool": "etl"})
    assert dict(local.server.counters.compute_pools) == {"etl CreateRelationAs": 1}, "only the CREATE, in the pool"
    assert state["computePool"] == "etl" and state["queryState"] == "running"
    diff = await provider.diff(MV, ID, state, VIEW, {**VIEW, "computePool": "etl"})
    assert list(diff.replaces) == ["computePool"]
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await provider.create(MV, {**VIEW, "name": "elsewhere", "computePool": "nope"})
    assert "nope" in (missing.value.details() or "")


@pytest.mark.parametrize("news, prop, text", [
    ({**VIEW, "query": 'INSERT INTO "db"."public"."dst" SELECT * FROM "db"."public"."src"'}, "query", "one SELECT"),
    ({**VIEW, "query": "SELECT 1; SELECT 2"}, "query", "exactly one statement"),
    ({**VIEW, "query": "  -- nothing\n"}, "query", "empty"),
    ({**VIEW, "name": "bad\x01name"}, "name", "control character"),
    ({**VIEW, "computePool": ""}, "computePool", "empty"),
    ({**VIEW, "properties": {" ": "x"}}, "properties", "empty name"),
])
async def test_check_names_the_property_and_sends_nothing(provider: Harness, local: BackgroundServer,
                                                          news: dict[str, object], prop: str, text: str) -> None:
    before = requests(local)
    _, failures = await provider.check(MV, news)
    assert prop in failures and text in failures[prop], failures
    assert requests(local) == before


async def test_preview_describes_the_create_so_a_bad_query_fails_it(provider: Harness,
                                                                    local: BackgroundServer) -> None:
    await sources(provider)
    local.server.counters.texts.clear()
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await provider.create(MV, {**VIEW, "query": SELECT.replace("COUNT(*)", "COUNT(nope)")}, preview=True)
    assert "query: DeltaStream refuses this query" in (refused.value.details() or "")
    assert "nope" in (refused.value.details() or "")
    assert [t.split(" ", 2)[:2] for t in local.server.counters.texts if not t.startswith("CAN I")] == [
        ["DESCRIBE", "CREATE"]]  # the preview sent its plan, nothing that changes anything
    _, preview = await provider.create(MV, VIEW, preview=True)
    assert preview["fqn"] == '"db"."public"."per_id"'


async def test_no_view_over_a_view(provider: Harness) -> None:
    await sources(provider)
    await provider.create(MV, VIEW)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await provider.create(MV, {**VIEW, "name": "cascade", "query": 'SELECT id FROM "db"."public"."per_id"'},
                              preview=True)
    assert "0A000" in (refused.value.details() or "") and "materialized views do not cascade" in (
        refused.value.details() or "")


async def test_the_stand_in_keeps_views_apart_from_other_relations(provider: Harness,
                                                                   client: DeltaStreamClient) -> None:
    """A view needs no store; DROP MATERIALIZED VIEW drops views only, and a view whose query runs not at all."""
    await sources(provider)
    _, state = await provider.create(MV, VIEW)
    stores = await client.execute(sql.select("relations", ["store_name"], {"name": "per_id"}))
    assert stores.rows == ((None,),)
    with pytest.raises(SQLError) as other:
        await client.execute(materialized_view.drop_statement("db", "public", "src"))
    assert other.value.code == "42809"
    with pytest.raises(SQLError) as running:
        await client.execute(materialized_view.drop_statement("db", "public", "per_id"))
    assert running.value.code == "2BP01" and state["queryId"] in running.value.message


async def test_a_replacement_that_takes_a_reader_down_is_refused_unless_accepted(provider: Harness) -> None:
    await sources(provider)
    resource_id, state = await provider.create(MV, VIEW)
    await provider.create(OBJ, obj("dst", columns=[{"name": "id", "type": "BIGINT"}, {"name": "n", "type": "BIGINT"}]))
    _, reader = await provider.create(QUERY, {"sql": 'INSERT INTO "db"."public"."dst" SELECT id, n FROM '
                                                     '"db"."public"."per_id"'})
    changed = {**VIEW, "query": SELECT + " HAVING COUNT(*) > 1"}
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await provider.diff(MV, resource_id, state, changed, VIEW)
    details = refused.value.details() or ""
    assert reader["queryId"] in details and state["queryId"] not in details and "acceptReplacement" in details
    accepted = await provider.diff(MV, resource_id, state, {**changed, "acceptReplacement": True}, VIEW)
    assert list(accepted.replaces) == ["query"]


async def test_lookups_send_one_select_each(provider: Harness, local: BackgroundServer) -> None:
    await sources(provider)
    await provider.create(MV, VIEW)
    await provider.create(MV, {**VIEW, "name": "all_ids", "query": 'SELECT id FROM "db"."public"."src"'})
    before = requests(local)
    found, _ = await invoke(provider, "deltastream:index:getMaterializedView",
                            {"database": "db", "namespace": "public", "name": "per_id"})
    assert found["fqn"] == '"db"."public"."per_id"' and found["state"] == "created" and found["owner"] == "sysadmin"
    listed, _ = await invoke(provider, "deltastream:index:getMaterializedViews", {"database": "db"})
    assert [v["name"] for v in listed["materializedViews"]] == ["all_ids", "per_id"]  # the stream src is no view
    assert requests(local) - before == 2
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await invoke(provider, "deltastream:index:getMaterializedView",
                     {"database": "db", "namespace": "public", "name": "src"})
    assert "not found" in (missing.value.details() or "")


@pytest.mark.parametrize("kind", ["drop_before", "drop_after", "504"])
async def test_a_create_whose_answer_is_lost_settles_by_reading(provider: Harness, local: BackgroundServer,
                                                                client: DeltaStreamClient, kind: str) -> None:
    await sources(provider)
    fault(local, r"^CREATE MATERIALIZED VIEW", kind)
    resource_id, state = await provider.create(MV, VIEW)
    assert resource_id == ID and state["queryState"] == "running"
    assert await queries_of(client) == [(state["queryId"], "running")], "exactly one query, the one in state"
    assert ran(local, "CreateRelationAs") == 1  # sent again only when it never ran


async def test_settling_a_create_finds_a_view_not_another_relation_of_its_name(provider: Harness,
                                                                              client: DeltaStreamClient) -> None:
    """A pending create is settled by finding the view: a stream of the same name is not it."""
    await sources(provider)
    view = materialized_view.MaterializedView()
    stream = materialized_view.MaterializedViewInputs.from_props({**VIEW, "name": "src"})
    assert await view.existing(SystemTables(client), stream, ()) is None
    await provider.create(MV, VIEW)
    made = materialized_view.MaterializedViewInputs.from_props(VIEW)
    assert await view.existing(SystemTables(client), made, ()) is not None


async def test_a_source_held_by_a_view_fails_its_drop_after_the_grace_naming_the_way_out(
        provider: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    """A destroy after an import (no dependencies recorded) that deletes the source first: the engine does not
    delete the view beside it, so the source's DROP, refused (2BP01) while the view's query runs, is reported after
    the grace (a short one here), not retried for the whole timeout, with the hint saying how to order it."""
    await sources(provider)
    await provider.create(MV, VIEW)
    monkeypatch.setattr(resource_base, "DEPENDENT_GRACE", 0.2)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await provider.delete(OBJ, "db/public/src", obj("src"), timeout=3600)
    assert "running queries" in refused.value.details()
    assert "`pulumi up` once to record them" in refused.value.details()
