"""A preview catches a bad query (issue 33): a previewed create of a Query or an Application sends DESCRIBE of its
statement (read-only, one request), and SQL DeltaStream refuses fails the preview on ``sql`` with the message, the
position in the user's SQL and that line; relations not made yet are left to `up`; deltastream:checkQueriesAtPreview
false sends nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator

import grpc
import pytest
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.plugin.wire import SecretValue
from tests.contract.test_local_server import ok

QUERY, APPLICATION = "deltastream:index:Query", "deltastream:index:Application"
GOOD = 'INSERT INTO "db"."public"."dst" SELECT userid FROM "db"."public"."pv"'
TYPO = 'INSERT INTO "db"."public"."dst"\nSELECT userid,\n       viewtimee\nFROM "db"."public"."pv"'


@pytest.fixture
def streams(local: BackgroundServer) -> BackgroundServer:
    ok(local, 'CREATE DATABASE "db";')
    ok(local, "CREATE STORE k WITH ('type' = KAFKA, 'uris' = 'b:9092', 'kafka.sasl.hash_function' = NONE);")
    for name in ("pv", "dst"):
        ok(local, f'CREATE STREAM "db"."public"."{name}" (viewtime BIGINT, userid VARCHAR) '
                  f"WITH ('store' = 'k', 'topic' = '{name}', 'value.format' = 'json');")
    return local


async def harness(local: BackgroundServer, **config: object) -> Harness:
    started = await Harness().start()
    await started.configure(server=local.url, apiKey=SecretValue(TOKEN), **config)
    return started


@pytest.fixture
async def fresh(streams: BackgroundServer) -> AsyncIterator[Harness]:
    started = await harness(streams)
    yield started
    await started.stop()


def sent(local: BackgroundServer) -> Counter[str]:
    return Counter(local.server.counters.statements)


async def test_a_good_query_previews_with_one_describe(fresh: Harness, streams: BackgroundServer) -> None:
    await fresh.create(QUERY, {"sql": GOOD}, preview=True)  # the first asks CAN I too
    before = sent(streams)
    for _ in range(2):
        await fresh.create(QUERY, {"sql": GOOD}, preview=True)
    assert sent(streams) - before == {"DescribePlan": 2}
    assert not ok(streams, 'SELECT id FROM deltastream.sys."queries";')["data"]  # read-only: nothing started


async def test_a_typo_fails_the_preview_naming_the_column_its_position_and_line(fresh: Harness,
                                                                                 streams: BackgroundServer) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await fresh.create(QUERY, {"sql": TYPO}, preview=True)
    message = failed.value.details() or ""
    assert failed.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    assert message.startswith("sql: DeltaStream refuses this sql (SQLSTATE 42601): column 'viewtimee' does not exist "
                              "(line 3, column 8)"), message
    assert "\n  3 |        viewtimee\n    |        ^" in message
    assert "deltastream:checkQueriesAtPreview false" in message
    assert not ok(streams, 'SELECT id FROM deltastream.sys."queries";')["data"]


@pytest.mark.parametrize("sql, words", [
    ('INSERT INTO "db"."public"."dst" SELECT NOSUCHFUNC(userid) FROM "db"."public"."pv"',
     ("SQLSTATE 3D017", "function NOSUCHFUNC does not exist (line 1, column 40)", "  1 | INSERT")),
    ('INSERT INTO "db"."public"."dst" SELECT userid, FROM "db"."public"."pv"',
     ("SQLSTATE 42601", "syntax error at or near 'FROM' (line 1, column 48)")),
], ids=["function", "syntax"])
async def test_what_deltastream_refuses_fails_the_preview(fresh: Harness, sql: str, words: tuple[str, ...]) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await fresh.create(QUERY, {"sql": sql}, preview=True)
    for word in words:
        assert word in (failed.value.details() or "")


async def test_an_application_is_checked_too(fresh: Harness) -> None:
    sql = f"BEGIN APPLICATION app\n{TYPO};\nEND APPLICATION;"
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await fresh.create(APPLICATION, {"sql": sql}, preview=True)
    assert "column 'viewtimee' does not exist (line 4, column 8)" in (failed.value.details() or "")


async def test_a_source_not_made_yet_is_left_to_up(fresh: Harness, streams: BackgroundServer) -> None:
    """In a new stack the sources are made by the same update: the preview cannot plan the query, and passes (the
    first preview of a process also checks the session and the privilege: two CAN I)."""
    before = sent(streams)
    _, state = await fresh.create(QUERY, {"sql": 'INSERT INTO "db"."public"."dst" SELECT a FROM "db"."public"."new"'},
                                  preview=True)
    assert state["sql"].endswith('"new"') and sent(streams) - before == {"DescribePlan": 1, "CanI": 2}


async def test_the_setting_turns_the_check_off(streams: BackgroundServer) -> None:
    off = await harness(streams, checkQueriesAtPreview="false")
    try:
        await off.create(QUERY, {"sql": GOOD}, preview=True)  # CAN I only
        before = sent(streams)
        _, state = await off.create(QUERY, {"sql": TYPO}, preview=True)
    finally:
        await off.stop()
    assert state["sql"] == TYPO and sent(streams) - before == Counter()


async def test_an_owner_role_deltastream_refuses_fails_the_preview(fresh: Harness, streams: BackgroundServer) -> None:
    """The DESCRIBE runs as the query's owner, as its start would: a role DeltaStream refuses fails the preview on
    ``owner`` (it would fail `up`), instead of passing silently."""
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await fresh.create(QUERY, {"sql": GOOD, "owner": "ghost"}, preview=True)
    message = failed.value.details() or ""
    assert message.startswith("owner: DeltaStream refuses role 'ghost' as this query's session (SQLSTATE 3D001): "
                              "role 'ghost' does not exist"), message
    assert not ok(streams, 'SELECT id FROM deltastream.sys."queries";')["data"]


async def test_an_update_preview_and_a_no_change_diff_send_nothing(fresh: Harness, streams: BackgroundServer) -> None:
    """Only a create is planned at preview: a query that already runs was planned when it started, so an update's
    preview (its owner changed) sends no DESCRIBE (its Diff reads sys."roles" once, for GRANT OWNERSHIP's
    conditions: tests/contract/test_ownership.py), and a Diff finding no change sends nothing at all."""
    inputs = {"sql": GOOD}
    query_id, state = await fresh.create(QUERY, inputs)
    before = sent(streams)
    diff = await fresh.diff(QUERY, query_id, state, inputs, old_inputs=inputs)
    assert list(diff.diffs) == [] and sent(streams) - before == Counter()
    changed = {**inputs, "owner": "analyst"}
    diff = await fresh.diff(QUERY, query_id, state, changed, old_inputs=inputs)
    assert list(diff.diffs) == ["owner"] and not diff.replaces
    previewed = await fresh.update(QUERY, query_id, state, changed, preview=True)
    assert previewed["owner"] == "analyst" and sent(streams) - before == Counter({"Select": 1})
