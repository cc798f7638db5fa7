"""API requests per provider operation, counted by the local server: the table in bench/results.md, asserted."""

from __future__ import annotations

from typing import Any

from bench.provider_requests import measure
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.kinds import registry
from deltastream_provider.plugin.wire import SecretValue

#: Each kind's rows are its module's ``SAMPLE.budget``; these rows span kinds.
ACROSS = {
    "Check / Diff / preview (any)": 0,
    # a replacing Diff reads what it would take down (issue 30): the relations, and the queries when there are any
    "Diff replacing what nothing depends on": 1, "Diff refusing a replacement": 2,
}
BUDGET = {**ACROSS, **{row: n for kind, sample in registry.samples() for row, n in sample.rows(kind).items()}}


async def test_requests_per_operation(local: BackgroundServer) -> None:
    counted = {label: requests for label, requests, _, _ in await measure(local, TOKEN)}
    assert counted == BUDGET


async def test_requests_of_the_previews_of_one_process(local: BackgroundServer) -> None:
    """A preview planning creates asks DeltaStream once per process for the session and once per organization
    privilege (issue 31): the first Namespace preview 1 (the session's CAN I CREATE_DATABASE), a Database 0 (the same
    answer), a Store 1 (CAN I CREATE_STORE), a Query 2 (CAN I CREATE_QUERY, and the DESCRIBE of its statement, issue
    33), every later preview 0 but a Query's 1 (its DESCRIBE: one per previewed create)."""
    harness = await Harness().start()
    await harness.configure(server=local.url, apiKey=SecretValue(TOKEN))
    counted = []
    plan: list[tuple[str, dict[str, Any]]] = [
        ("Namespace", {"database": "db", "name": "ns"}), ("Database", {"name": "db"}),
        ("Store", {"name": "events", "kafka": {"uris": "b:9092", "saslHashFunction": "NONE"}}),
        ("Query", {"sql": 'INSERT INTO "db"."public"."dst" SELECT id FROM "db"."public"."src"'})]
    try:
        for kind, inputs in plan * 2:
            before = sum(local.server.counters.requests.values())
            await harness.create(f"deltastream:index:{kind}", inputs, preview=True)
            counted.append(sum(local.server.counters.requests.values()) - before)
    finally:
        await harness.stop()
    assert counted == [1, 0, 1, 2, 0, 0, 0, 1]
