"""A query replaced with the relation it reads (issue 30), failing at each of its statements: nothing is deleted
that was not meant to be (the sink stays, never two queries run), and the next `pulumi up` converges to one running
query over the new relation."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import grpc
import pytest
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import DeltaStreamClient
from tests.contract.test_faults import fault
from tests.contract.test_provider_grpc import INSERT, OBJ, QUERY, base, columns, obj

WIDER = obj("src", columns=columns("id:BIGINT", "body:VARCHAR", "extra:VARCHAR"))
#: The statements of the replacement, in the order the engine's steps send them.
STATEMENTS = [r"^TERMINATE QUERY", r"^DROP RELATION", r"^CREATE STREAM", r"^DESCRIBE INSERT", r"^INSERT INTO"]

Step = Callable[[], Awaitable[Any]]


async def run(steps: list[Step], start: int = 0) -> int | None:
    """The engine's steps from ``start`` until one fails: its index (None: all ran)."""
    for index in range(start, len(steps)):
        try:
            await steps[index]()
        except grpc.aio.AioRpcError:
            return index
    return None


async def relations(client: DeltaStreamClient) -> dict[str, Any]:
    rows = (await client.execute(sql.select("relations", ["name", "created_at"]))).rows
    return dict(rows)


async def queries_by_state(client: DeltaStreamClient, state: str) -> list[str]:
    rows = (await client.execute(sql.select("queries", ["id", "current_state"]))).rows
    return [query_id for query_id, found in rows if found == state]


@pytest.mark.parametrize("kind", ["sql", "drop_before", "drop_after", "504"])
@pytest.mark.parametrize("pattern", STATEMENTS)
async def test_a_query_replacement_failing_at_any_statement_loses_nothing_unmeant_and_converges(
        provider: Harness, local: BackgroundServer, client: DeltaStreamClient, pattern: str, kind: str) -> None:
    await base(provider)
    _, source = await provider.create(OBJ, obj("src"))
    await provider.create(OBJ, obj("dst"))
    query_id, query = await provider.create(QUERY, {"sql": INSERT})
    sink_made = (await relations(client))["dst"]
    # The engine's delete-before-replace of the source and, depending on it, of the query.
    steps: list[Step] = [lambda: provider.delete(QUERY, query_id, query),
                         lambda: provider.delete(OBJ, "db/public/src", source),
                         lambda: provider.create(OBJ, WIDER),
                         lambda: provider.create(QUERY, {"sql": INSERT})]
    fault(local, pattern, kind)
    failed = await run(steps)
    local.server.knobs.update({"fail": []})
    if kind == "sql":
        assert failed == {0: 0, 1: 1, 2: 2}.get(STATEMENTS.index(pattern), 3), "a refused statement fails its step"
    else:
        assert failed is None, "a lost answer is settled by reading"
    found = await relations(client)
    assert found["dst"] == sink_made, "the sink is never dropped"
    assert len(await queries_by_state(client, "running")) <= 1, "never two queries at once"
    if failed == 0:
        assert await queries_by_state(client, "running") == [query_id] and "src" in found
    if failed is not None:
        assert await run(steps, failed) is None  # the next `pulumi up` takes the steps still to do
    running = await queries_by_state(client, "running")
    assert len(running) == 1 and running != [query_id]
    assert query_id in await queries_by_state(client, "terminated")
    columns_now = (await client.execute(sql.statement(['DESCRIBE RELATION COLUMNS "db"."public"."src"'],
                                                      mutating=False))).rows
    assert [row[0] for row in columns_now] == ["id", "body", "extra"]
