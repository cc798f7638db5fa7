"""A Query's compute pool (issue 34): the statement that starts the query carries it in the request's
``computePool`` field, and nothing else does; a new pool starts a new query (a replacement, or with
``upgrade: resume`` a resumed query in the new pool)."""

from __future__ import annotations

import pytest
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from tests.contract.test_provider_grpc import INSERT, QUERY, queries
from tests.contract.test_query_upgrades import recording

POOL = "deltastream:index:ComputePool"


def requests(local: BackgroundServer) -> int:
    return sum(local.server.counters.requests.values())


async def pools(provider: Harness, *names: str) -> None:
    """The database, store, objects of a query and the compute pools it may run in."""
    await queries(provider)
    for name in names:
        await provider.create(POOL, {"name": name, "size": "small"})


async def test_the_query_starts_in_its_pool(provider: Harness, local: BackgroundServer) -> None:
    await pools(provider, "etl")
    before = requests(local)
    query_id, state = await provider.create(QUERY, {"sql": INSERT, "computePool": "etl"})
    assert requests(local) - before == 3  # DESCRIBE, INSERT INTO, SELECT: the budget of any query
    assert dict(local.server.counters.compute_pools) == {"etl InsertInto": 1}, "only the start is sent in the pool"
    assert state["computePool"] == "etl" and state["state"] == "running"
    _, found, inputs = await provider.read(QUERY, query_id, state, {"sql": INSERT, "computePool": "etl"})
    assert found["computePool"] == "etl" and inputs["computePool"] == "etl"


async def test_a_new_pool_replaces_the_query_with_a_warning(provider: Harness, local: BackgroundServer) -> None:
    log = recording(provider)
    await pools(provider, "etl")
    olds = {"sql": INSERT, "computePool": "etl"}
    query_id, state = await provider.create(QUERY, olds)
    before = requests(local)
    diff = await provider.diff(QUERY, query_id, state, {**olds, "computePool": "big"}, olds)
    assert requests(local) == before
    assert list(diff.replaces) == ["computePool"] and diff.deleteBeforeReplace
    [(warning, _)] = log.warnings()
    assert "will be replaced (its computePool changed)" in warning and "runs from the beginning" in warning


async def test_with_resume_a_new_pool_resumes_the_query_there(provider: Harness, local: BackgroundServer) -> None:
    await pools(provider, "etl", "big")
    olds = {"sql": INSERT, "computePool": "etl", "upgrade": "resume"}
    query_id, state = await provider.create(QUERY, olds)
    news = {**olds, "computePool": "big"}
    diff = await provider.diff(QUERY, query_id, state, news, olds)
    assert list(diff.diffs) == ["computePool"] and not diff.replaces
    updated = await provider.update(QUERY, query_id, state, news)
    assert updated["computePool"] == "big" and updated["queryId"] != query_id
    assert dict(local.server.counters.compute_pools) == {"etl InsertInto": 1, "big InsertInto": 1}


@pytest.mark.parametrize("pool", ["", " etl", "a\nb"])
async def test_a_bad_pool_name_fails_check_naming_computePool(provider: Harness, pool: str) -> None:
    _, failures = await provider.check(QUERY, {"sql": INSERT, "computePool": pool})
    assert list(failures) == ["computePool"] and failures["computePool"].startswith("computePool ")


async def test_the_preview_of_a_pooled_query_sends_nothing_in_the_pool(provider: Harness,
                                                                       local: BackgroundServer) -> None:
    await pools(provider, "etl")
    await provider.create(QUERY, {"sql": INSERT, "computePool": "etl"}, preview=True)
    assert not local.server.counters.compute_pools
