"""Kinds DeltaStream shows only through a LIST statement (compute pools, descriptor sources, functions, API tokens)
share one LIST per command, as the system-table kinds share a group's SELECT: a refresh of three of each sends one
LIST of each kind, a List call and adopt send the LIST the reads then use, a mutating statement makes the next read
list again (even after a LIST answered while it was in flight), and a LIST that failed is not kept. Counted by the
local server, exactly."""

from __future__ import annotations

import asyncio
from typing import Any

import grpc
import pytest
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.config import load
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.catalog import SystemTables
from deltastream_provider.deltastream.client import DeltaStreamClient, Result, connect
from deltastream_provider.deltastream.session import Session
from deltastream_provider.kinds import registry
from deltastream_provider.operator.adopt_read import Selection, adopt
from deltastream_provider.resources import compute_pool
from deltastream_provider.resources.base import Context
from tests.contract.test_list import listed

T = "deltastream:index:"
LISTS = {"ComputePool": "LIST COMPUTE_POOLS", "DescriptorSource": "LIST DESCRIPTOR_SOURCES",
         "Function": "LIST FUNCTIONS", "ApiToken": "LIST API_TOKENS"}
Made = list[tuple[str, str, dict[str, Any], dict[str, Any]]]  # (kind, id, state, inputs)


def _inputs(kind: str, n: int) -> dict[str, Any]:
    """The kind's registry sample, the ``n``-th of its name."""
    sample = dict(registry.samples())[kind].inputs
    return {**sample, "name": f"{sample['name']}_{n}"}


async def _made(provider: Harness) -> Made:
    """Three of each kind (and the function source the functions are created from)."""
    await provider.create(T + "FunctionSource", dict(dict(registry.samples())["FunctionSource"].inputs))
    made = []
    for kind in LISTS:
        for n in range(3):
            inputs = _inputs(kind, n)
            resource_id, state = await provider.create(T + kind, inputs)
            made.append((kind, resource_id, state, inputs))
    return made


def _sent(local: BackgroundServer, before: tuple[int, int]) -> tuple[int, dict[str, int]]:
    """The requests sent since ``before`` (from :func:`_mark`), and the LIST statements among them by kind."""
    requests, texts = before
    sent = list(local.server.counters.texts)[texts:]
    lists = {kind: n for kind, statement in LISTS.items() if (n := sum(t.startswith(statement) for t in sent))}
    return sum(local.server.counters.requests.values()) - requests, lists


def _mark(local: BackgroundServer) -> tuple[int, int]:
    return sum(local.server.counters.requests.values()), len(local.server.counters.texts)


async def _refresh(provider: Harness, made: Made) -> list[dict[str, Any]]:
    """Every resource read at once, as the engine's refresh reads them; each one's properties."""
    reads = await asyncio.gather(*(provider.read(T + kind, resource_id, state, inputs)
                                   for kind, resource_id, state, inputs in made))
    return [props for _, props, _ in reads]


async def test_a_refresh_sends_one_list_of_each_kind(provider: Harness, local: BackgroundServer) -> None:
    made = await _made(provider)
    before = _mark(local)
    found = await _refresh(provider, made)
    assert _sent(local, before) == (4, dict.fromkeys(LISTS, 1))  # was 12: one LIST per read
    assert [props["name"] for props in found] == [inputs["name"] for _, _, _, inputs in made]
    before = _mark(local)
    await _refresh(provider, made)  # nothing changed since in this process: the LISTs still serve
    assert _sent(local, before) == (0, {})


async def test_a_mutating_statement_makes_the_next_read_list_again(provider: Harness,
                                                                    local: BackgroundServer) -> None:
    made = await _made(provider)
    await _refresh(provider, made)
    functions = [entry for entry in made if entry[0] == "Function"]
    _, gone_id, gone_state, _ = functions[0]
    await provider.delete(T + "Function", gone_id, gone_state)  # DROP FUNCTION, then its own LIST that finds it gone
    before = _mark(local)
    reads = await asyncio.gather(*(provider.read(T + "Function", resource_id, state, inputs)
                                   for _, resource_id, state, inputs in functions))
    assert _sent(local, before) == (1, {"Function": 1})  # one new LIST, not the one read before the DROP
    assert [props.get("name") for _, props, _ in reads] == [None, "to_title_1", "to_title_2"]


async def test_a_failed_list_is_not_kept(provider: Harness, local: BackgroundServer) -> None:
    made = await _made(provider)
    pools = [entry for entry in made if entry[0] == "ComputePool"]
    local.server.knobs.update({"fail": [{"pattern": r"^LIST COMPUTE_POOLS", "code": "XX000",
                                         "message": "backend down"}]})
    _, resource_id, state, inputs = pools[0]
    before = _mark(local)
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await provider.read(T + "ComputePool", resource_id, state, inputs)
    assert "backend down" in (failed.value.details() or "")
    assert _sent(local, before) == (1, {"ComputePool": 1})
    before = _mark(local)
    found = await _refresh(provider, pools)
    assert _sent(local, before) == (1, {"ComputePool": 1})  # asked again, not the failure kept
    assert [props["state"] for props in found] == ["running"] * 3


@pytest.mark.parametrize("kind", list(LISTS))
async def test_a_list_call_and_the_reads_of_what_it_found_send_one_list(kind: str, provider: Harness,
                                                                        local: BackgroundServer) -> None:
    made = [entry for entry in await _made(provider) if entry[0] == kind]
    before = _mark(local)
    found, _, _ = await listed(provider, kind)
    assert sorted(resource_id.split("/")[0] for resource_id, _ in found) == \
        sorted(resource_id.split("/")[0] for _, resource_id, _, _ in made)
    await _refresh(provider, made)
    assert _sent(local, before) == (1, {kind: 1})


async def test_lists_of_queries_and_applications_share_one_list_queries(provider: Harness,
                                                                        local: BackgroundServer) -> None:
    """Queries and applications are both rows of ``LIST QUERIES``: listing both, a page at a time, sends one."""
    before = _mark(local)
    for kind in ("Query", "Query", "Application"):
        assert (await listed(provider, kind))[0] == []
    sent = list(local.server.counters.texts)[before[1]:]
    assert sum(text.startswith("LIST QUERIES") for text in sent) == 1


async def test_adopt_and_its_reads_send_one_list_of_each_kind(provider: Harness, local: BackgroundServer) -> None:
    made = [entry for entry in await _made(provider) if entry[0] != "ApiToken"]  # adopt skips tokens: no role shown
    before = _mark(local)
    async with connect(load({"server": local.url, "apiKey": TOKEN})) as client:
        adoption = await adopt(Context(client, SystemTables(client)), Selection(kinds=frozenset(LISTS) - {"ApiToken"}))
    assert sorted((e.kind, e.id) for e in adoption.entries) == sorted((kind, rid) for kind, rid, _, _ in made)
    assert _sent(local, before)[1] == {"ComputePool": 1, "DescriptorSource": 1, "Function": 1}  # was 4 of each


class HeldChange(DeltaStreamClient):
    """A client whose mutating statements wait at the door until ``go`` is set (``waiting`` says one does): a read
    can then be answered while a change is in flight, before it lands."""

    def __init__(self, server: str) -> None:
        super().__init__(server, TOKEN)
        self.waiting, self.go = asyncio.Event(), asyncio.Event()

    async def _run(self, statement: sql.Statement, context: Session, timeout: float | None) -> Result:
        if statement.mutating:
            self.waiting.set()
            await self.go.wait()
        return await super()._run(statement, context, timeout)


async def test_a_list_answered_while_a_change_was_in_flight_is_not_served_after_it(
        local: BackgroundServer) -> None:
    client = HeldChange(local.url)
    async with client:
        catalog = SystemTables(client)
        create = asyncio.ensure_future(client.execute(compute_pool.create_statement("late_pool", [])))
        await client.waiting.wait()
        assert [p.name for p in await compute_pool.listed_pools(catalog, shared=True)] == []  # before it lands
        client.go.set()
        await create
        before = _mark(local)
        assert [p.name for p in await compute_pool.listed_pools(catalog, shared=True)] == ["late_pool"]
        assert _sent(local, before) == (1, {"ComputePool": 1})
