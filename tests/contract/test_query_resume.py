"""Queries that upgrade without reprocessing (issue 34): the local server resumes a query from a terminated one
(``QUERY WITH ('resume.from.query.id' = ..)``) and refuses what docs.deltastream.io's RESUME QUERY page excludes;
the Query resource with ``upgrade: resume`` takes that path when DeltaStream's plan allows it, says so at preview,
replaces otherwise, and converges after a failure between the TERMINATE and the resumed start."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_local.samples import SampleError, Samples
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import DeltaStreamClient
from deltastream_provider.model.unknown import UNKNOWN
from tests.contract.test_dataflow import Shop
from tests.contract.test_faults import fault
from tests.contract.test_provider_grpc import INSERT, OBJ, QUERY, obj, queries
from tests.contract.test_query_upgrades import recording

Diff = provider_pb2.DiffResponse
FILTERED = INSERT + " WHERE id > 0"
RESUMING = {"sql": INSERT, "upgrade": "resume"}


def resume_clause(query_id: str) -> str:
    return f"QUERY WITH ('resume.from.query.id' = '{query_id}')"


# --- the local server ---------------------------------------------------------------------------------------------


@pytest.fixture
def shop(local: BackgroundServer) -> Shop:
    shop = Shop(local)
    shop.relation("src", "viewtime BIGINT, userid VARCHAR")
    shop.relation("dst", "viewtime BIGINT, userid VARCHAR")
    return shop


def launch(shop: Shop, text: str) -> str:
    [[_, query_id, *_]] = shop.sql(text)
    return str(query_id)


def records(*users: str) -> list[dict[str, Any]]:
    return [{"viewtime": n, "userid": u} for n, u in enumerate(users, 1)]


def test_a_resumed_query_continues_where_the_terminated_one_stopped(shop: Shop) -> None:
    """The records the sink has are not written again; those written while no query ran are processed once."""
    shop.write("src", records("a", "b"))
    old = launch(shop, 'INSERT INTO dst SELECT viewtime, userid FROM src;')
    assert [r["userid"] for r in shop.read("dst")] == ["a", "b"]
    shop.sql(f"TERMINATE QUERY {old};")
    shop.write("src", [{"viewtime": 3, "userid": "c"}])  # while nothing runs: the resumed query takes it
    new = launch(shop, f"INSERT INTO dst SELECT viewtime, userid FROM src WHERE userid <> 'x'\n{resume_clause(old)};")
    assert new != old
    shop.write("src", [{"viewtime": 4, "userid": "x"}, {"viewtime": 5, "userid": "d"}])  # the new SQL filters x
    assert [r["userid"] for r in shop.read("dst")] == ["a", "b", "c", "d"]


def test_a_query_started_anew_reprocesses_its_source(shop: Shop) -> None:
    """The contrast: the same upgrade without resuming writes the earlier records into the sink again."""
    shop.write("src", records("a", "b"))
    old = launch(shop, 'INSERT INTO dst SELECT viewtime, userid FROM src;')
    shop.sql(f"TERMINATE QUERY {old};")
    launch(shop, "INSERT INTO dst SELECT viewtime, userid FROM src WHERE userid <> 'x';")
    assert [r["userid"] for r in shop.read("dst")] == ["a", "b", "a", "b"]


@pytest.mark.parametrize("text, code", [
    ("INSERT INTO dst SELECT viewtime, userid FROM src\n{clause};", "3D008"),  # the old one still runs
    ("INSERT INTO dst SELECT viewtime, userid FROM src\n"
     "QUERY WITH ('resume.from.query.id' = '00000000-0000-4000-8000-000000000000');", "3D019"),
], ids=["running", "unknown"])
def test_resuming_needs_a_terminated_query(shop: Shop, text: str, code: str) -> None:
    old = launch(shop, 'INSERT INTO dst SELECT viewtime, userid FROM src;')
    with pytest.raises(SampleError, match=code):
        shop.sql(text.format(clause=resume_clause(old)))


@pytest.mark.parametrize("body, code", [
    ("SELECT MAX(viewtime) AS viewtime, userid FROM src GROUP BY userid", "0A000"),
    ("SELECT s.viewtime, o.userid FROM src s JOIN other o WITHIN 5 SECONDS ON s.userid = o.userid", "0A000"),
    ("SELECT viewtime, userid FROM other", "3D008"),
], ids=["aggregation", "join", "another topic"])
def test_resuming_is_refused_outside_the_documented_limits(shop: Shop, body: str, code: str) -> None:
    shop.relation("other", "viewtime BIGINT, userid VARCHAR")
    old = launch(shop, 'INSERT INTO dst SELECT viewtime, userid FROM src;')
    shop.sql(f"TERMINATE QUERY {old};")
    with pytest.raises(SampleError, match=code):
        shop.sql(f"INSERT INTO dst {body}\n{resume_clause(old)};")
    assert not [q for q in shop.sql("LIST QUERIES;") if q[4] != "terminated"], "nothing started"


# --- the Query resource ---------------------------------------------------------------------------------------------


def requests(local: BackgroundServer) -> int:
    return sum(local.server.counters.requests.values())


async def running(client: DeltaStreamClient) -> list[str]:
    rows = (await client.execute(sql.select("queries", ["id", "current_state"]))).rows
    return [query_id for query_id, state in rows if state == "running"]


async def listed_sql(client: DeltaStreamClient, query_id: str) -> str:
    records = (await client.execute(sql.statement(["LIST QUERIES"], mutating=False))).records()
    return next(str(r["Query"]) for r in records if r["ID"] == query_id)


async def resuming_query(provider: Harness, local: BackgroundServer) -> tuple[str, dict[str, Any]]:
    await queries(provider)
    Samples(local.url, TOKEN).write("events", "src", [{"id": 1, "body": "a"}, {"id": 2, "body": "b"}])
    return await provider.create(QUERY, RESUMING)


def sink(local: BackgroundServer) -> list[int]:
    return [r["id"] for r in Samples(local.url, TOKEN).read("events", "dst")]


async def test_a_changed_query_within_the_limits_resumes_in_place(provider: Harness, local: BackgroundServer,
                                                                  client: DeltaStreamClient) -> None:
    log = recording(provider)
    query_id, state = await resuming_query(provider, local)
    assert sink(local) == [1, 2]
    news = {**RESUMING, "sql": FILTERED}
    before = requests(local)
    diff = await provider.diff(QUERY, query_id, state, news, RESUMING)
    assert requests(local) - before == 1  # DESCRIBE of the new SQL (the store's type is known to this process)
    assert diff.changes == Diff.DIFF_SOME and list(diff.diffs) == ["sql"] and not diff.replaces
    [warning] = [w for w, _ in log.warnings()]
    assert warning.startswith(f"upgrade: resume from query {query_id}: one Kafka source "
                              '("db"."public"."src"), the same topic and store')
    preview = await provider.update(QUERY, query_id, state, news, preview=True)
    assert preview["queryId"] is UNKNOWN, "the id changes: unknown at preview"
    before = requests(local)
    updated = await provider.update(QUERY, query_id, state, news)
    # DESCRIBE, SELECT (running), TERMINATE, SELECT (terminated), INSERT ... QUERY WITH, SELECT (running)
    assert requests(local) - before == 6
    new_id = updated["queryId"]
    assert new_id != query_id and updated["state"] == "running" and updated["sql"] == FILTERED
    assert await running(client) == [new_id]
    assert (await listed_sql(client, new_id)).endswith(resume_clause(query_id))
    Samples(local.url, TOKEN).write("events", "src", [{"id": 0, "body": "filtered"}, {"id": 3, "body": "c"}])
    assert sink(local) == [1, 2, 3], "nothing written twice, the new SQL applies from where the old one stopped"
    before = requests(local)
    await provider.delete(QUERY, query_id, updated)
    assert requests(local) - before == 3 and await running(client) == []  # the new query is the one terminated


@pytest.mark.parametrize("news, why, sent", [
    ({"sql": 'INSERT INTO "db"."public"."dst" SELECT s.id, o.body FROM "db"."public"."src" s '
             'JOIN "db"."public"."other" o WITHIN 5 SECONDS ON s.id = o.id'}, "the new query joins relations", 0),
    ({"sql": 'INSERT INTO "db"."public"."dst" SELECT MAX(id) AS id, body FROM "db"."public"."src" GROUP BY body'},
     "the new query aggregates", 0),
    ({"sql": 'INSERT INTO "db"."public"."dst" SELECT id, body FROM "db"."public"."other"'},
     "its source's topic changed from 'src' to 'other'", 4),  # DESCRIBE, its relations: SELECT, DESCRIBE RELATION x2
    ({"sql": 'INSERT INTO "db"."public"."other" SELECT id, body FROM "db"."public"."src"'},
     'its sink changed from "db"."public"."dst" to "db"."public"."other": resumed, the new sink would never get the '
     "records the running query processed before (a rule of this provider's, not one of DeltaStream's limits)", 1),
], ids=["join", "aggregation", "another topic", "another sink"])
async def test_a_changed_query_outside_the_limits_is_replaced_with_a_warning(
        provider: Harness, local: BackgroundServer, news: dict[str, Any], why: str, sent: int) -> None:
    log = recording(provider)
    query_id, state = await resuming_query(provider, local)
    await provider.create(OBJ, obj("other"))
    before = requests(local)
    diff = await provider.diff(QUERY, query_id, state, {**RESUMING, **news}, RESUMING)
    assert requests(local) - before == sent
    assert list(diff.replaces) == ["sql"] and diff.deleteBeforeReplace
    assert diff.detailedDiff["sql"].kind == provider_pb2.PropertyDiff.UPDATE_REPLACE
    [warning] = [w for w, _ in log.warnings()]
    assert warning.startswith(f"upgrade: resume not possible: {why}; the query will be replaced and reprocess "
                              "from the start")


async def test_without_resume_a_changed_query_is_refused_as_before_and_upgrade_alone_is_no_change(
        provider: Harness, local: BackgroundServer) -> None:
    query_id, state = await resuming_query(provider, local)
    with pytest.raises(grpc.aio.AioRpcError, match="upgrade: resume"):
        await provider.diff(QUERY, query_id, state, {"sql": FILTERED}, RESUMING)
    before = requests(local)
    for olds, news in ((RESUMING, {"sql": INSERT}), ({"sql": INSERT}, RESUMING),
                       (RESUMING, {"sql": INSERT, "upgrade": "replace"})):
        diff = await provider.diff(QUERY, query_id, state, news, olds)
        assert diff.changes == Diff.DIFF_NONE, (olds, news)
    assert requests(local) == before


async def test_a_query_found_stopped_resumes_rather_than_reprocessing(provider: Harness, local: BackgroundServer,
                                                                      client: DeltaStreamClient) -> None:
    log = recording(provider)
    query_id, state = await resuming_query(provider, local)
    await client.execute(sql.statement([f"TERMINATE QUERY {query_id}"]))
    _, found, _ = await provider.read(QUERY, query_id, state, RESUMING)
    assert found["state"] == "terminated"
    diff = await provider.diff(QUERY, query_id, found, RESUMING, RESUMING)
    assert diff.changes == Diff.DIFF_SOME and not diff.replaces
    [(warning, _)] = log.warnings()
    assert warning.startswith(f"upgrade: resume from query {query_id}")
    updated = await provider.update(QUERY, query_id, found, RESUMING)
    assert await running(client) == [updated["queryId"]] and sink(local) == [1, 2]


@pytest.mark.parametrize("kind", ["sql", "drop_before", "drop_after", "504"])
@pytest.mark.parametrize("pattern", [r"^TERMINATE QUERY", r"(?s)^INSERT INTO .*QUERY WITH"], ids=["terminate", "start"])
async def test_an_upgrade_failing_between_terminate_and_the_resumed_start_converges(
        provider: Harness, local: BackgroundServer, client: DeltaStreamClient, kind: str, pattern: str) -> None:
    """The TERMINATE or the resumed start refused or its answer lost: the next `pulumi up` (a Diff, then the Update
    from the state the failed one left) starts it resuming from the old id, never from the beginning, and never
    two."""
    query_id, state = await resuming_query(provider, local)
    news = {**RESUMING, "sql": FILTERED}
    fault(local, pattern, kind)
    try:
        await provider.update(QUERY, query_id, state, news)
        failed = False
    except grpc.aio.AioRpcError:
        failed = True
    local.server.knobs.update({"fail": []})
    assert failed == (kind == "sql"), "a lost answer is settled by reading"
    if failed:
        expected = [query_id] if "TERMINATE" in pattern else []  # refused TERMINATE: the old one runs on
        assert await running(client) == expected, "the new query is not started"
    else:
        [first] = await running(client)
    # The next `pulumi up` from the state as it was (a failed update records nothing; a provider killed after the
    # start landed records nothing either): its Diff still resumes, and its Update starts or adopts the new query.
    diff = await provider.diff(QUERY, query_id, state, news, RESUMING)
    assert list(diff.diffs) == ["sql"] and not diff.replaces
    updated = await provider.update(QUERY, query_id, state, news)
    if not failed:
        assert updated["queryId"] == first, "the query the first attempt started is adopted"
    [new_id] = await running(client)
    assert updated["queryId"] == new_id and new_id != query_id
    assert (await listed_sql(client, new_id)).endswith(resume_clause(query_id))
    assert sink(local) == [1, 2], "nothing reprocessed"


@pytest.mark.parametrize("recorded", [True, False], ids=["upgrade recorded", "upgrade set in the failed update"])
async def test_destroy_after_an_unrecorded_upgrade_terminates_its_continuation(
        provider: Harness, local: BackgroundServer, client: DeltaStreamClient, recorded: bool) -> None:
    """An upgrade whose start landed but was never recorded (the state still holds the old query, and, when
    `upgrade: resume` was set in that very update, not even that): destroy terminates the query that resumes from
    it too."""
    query_id, state = await resuming_query(provider, local)
    if not recorded:
        state = {key: value for key, value in state.items() if key != "upgrade"}
    await client.execute(sql.statement([f"TERMINATE QUERY {query_id}"]))
    await client.execute(sql.raw(f"{FILTERED}\n{resume_clause(query_id)}"))
    assert len(await running(client)) == 1
    before = requests(local)
    await provider.delete(QUERY, query_id, state)
    # SELECT (the old one: terminated), LIST QUERIES, and the continuation's SELECT, TERMINATE, SELECT
    assert requests(local) - before == 5
    assert await running(client) == []


async def test_an_upgrade_after_an_unrecorded_one_to_other_sql_resumes_from_it_not_beside_it(
        provider: Harness, local: BackgroundServer, client: DeltaStreamClient) -> None:
    """An upgrade cut short after its start landed (never recorded), then the program changed again: the next
    upgrade terminates the query that earlier start left running and resumes from it, so the records it wrote are
    not written again and two queries never run."""
    query_id, state = await resuming_query(provider, local)
    await client.execute(sql.statement([f"TERMINATE QUERY {query_id}"]))
    await client.execute(sql.raw(f"{FILTERED}\n{resume_clause(query_id)}"))
    [unrecorded] = await running(client)
    Samples(local.url, TOKEN).write("events", "src", [{"id": 3, "body": "c"}])
    assert sink(local) == [1, 2, 3]
    _, found, _ = await provider.read(QUERY, query_id, state, RESUMING)
    news = {**RESUMING, "sql": INSERT + " WHERE id < 100"}
    updated = await provider.update(QUERY, query_id, found, news)
    assert await running(client) == [updated["queryId"]]
    assert (await listed_sql(client, updated["queryId"])).endswith(resume_clause(unrecorded))
    Samples(local.url, TOKEN).write("events", "src", [{"id": 4, "body": "d"}])
    assert sink(local) == [1, 2, 3, 4], "nothing written twice"
    await provider.delete(QUERY, query_id, updated)
    assert await running(client) == []


async def test_resuming_from_a_query_that_is_gone_fails_naming_the_way_out(
        provider: Harness, local: BackgroundServer) -> None:
    query_id, state = await resuming_query(provider, local)
    gone = {**state, "queryId": "00000000-0000-4000-8000-000000000000"}
    with pytest.raises(grpc.aio.AioRpcError, match="nothing to resume from; set upgrade: replace"):
        await provider.update(QUERY, query_id, gone, {**RESUMING, "sql": FILTERED})




async def test_the_new_sql_is_checked_by_the_diff_and_one_naming_what_the_update_makes_is_decided_by_up(
        provider: Harness, local: BackgroundServer) -> None:
    log = recording(provider)
    query_id, state = await resuming_query(provider, local)
    typo = {**RESUMING, "sql": INSERT.replace("SELECT id,", "SELECT idd,")}
    with pytest.raises(grpc.aio.AioRpcError, match=r"sql: DeltaStream refuses this sql .*idd"):
        await provider.diff(QUERY, query_id, state, typo, RESUMING)
    later = {**RESUMING, "sql": 'INSERT INTO "db"."public"."dst" SELECT id, body FROM "db"."public"."later"'}
    diff = await provider.diff(QUERY, query_id, state, later, RESUMING)
    assert list(diff.diffs) == ["sql"] and not diff.replaces
    [(warning, _)] = log.warnings()
    assert warning.startswith(f"upgrade: resume from query {query_id}, if DeltaStream's plan of the new SQL allows")
