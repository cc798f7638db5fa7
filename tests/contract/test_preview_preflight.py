"""A preview tells you what `up` will hit (issue 31): before it promises creates or updates it checks the session
(token, organization, role) once per provider process, and asks DeltaStream (`CAN I`) for the organization
privilege each kind it creates needs, failing with the message `up` would have failed with."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import grpc
import pytest
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.plugin.wire import UNKNOWN_STRING, SecretValue

T = "deltastream:index:"
DB, NS, STORE, QUERY, REGISTRY = (T + k for k in ("Database", "Namespace", "Store", "Query", "SchemaRegistry"))
KAFKA: dict[str, Any] = {"name": "events", "kafka": {"uris": "b:9092", "saslHashFunction": "NONE"}}
PLAN: list[tuple[str, dict[str, Any]]] = [
    (DB, {"name": "db"}), (NS, {"database": "db", "name": "ns"}), (STORE, KAFKA),
    (REGISTRY, {"name": "registry", "confluent": {"uris": "https://r1"}}),
    (QUERY, {"sql": 'INSERT INTO "db"."public"."dst" SELECT id FROM "db"."public"."src"'})]


@pytest.fixture
async def fresh(local: BackgroundServer) -> AsyncIterator[Harness]:
    """A provider process that has sent nothing yet (configured, as the engine configures it before a preview)."""
    harness = await Harness().start()
    await harness.configure(server=local.url, apiKey=SecretValue(TOKEN))
    yield harness
    await harness.stop()


def sent(local: BackgroundServer) -> Counter[str]:
    return Counter(local.server.counters.statements)


async def preview_fails(harness: Harness, type_: str, inputs: dict[str, Any]) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await harness.create(type_, inputs, preview=True)
    return failed.value.details() or ""


async def test_a_preview_asks_each_privilege_once_per_process(fresh: Harness, local: BackgroundServer) -> None:
    for type_, inputs in PLAN * 2:
        _, state = await fresh.create(type_, inputs, preview=True)
        assert state  # the planned state, as before
    # one CAN I per privilege: CREATE_DATABASE (also the session's check, for the namespace), CREATE_STORE,
    # CREATE_SCHEMA_REGISTRY, CREATE_QUERY; nothing else, and nothing the second time round but the query's plan
    # (its DESCRIBE, issue 33: one per previewed query)
    assert sent(local) == {"CanI": 4, "DescribePlan": 2}


async def test_a_preview_of_updates_checks_the_session_once(fresh: Harness, provider: Harness,
                                                            local: BackgroundServer) -> None:
    resource_id, state = await provider.create(STORE, KAFKA)
    before = sent(local)
    changed = {**KAFKA, "kafka": {**KAFKA["kafka"], "uris": "c:9092"}}
    for _ in range(3):
        await fresh.update(STORE, resource_id, state, changed, preview=True)
    assert sent(local) - before == {"CanI": 1}


async def test_a_process_that_has_had_an_answer_checks_no_session(provider: Harness, local: BackgroundServer) -> None:
    """The shared provider fixture has already created nothing, but a read has answered: the session works."""
    await provider.create(DB, {"name": "db"})
    before = sent(local)
    await provider.create(NS, {"database": "db", "name": "ns"}, preview=True)
    assert sent(local) - before == Counter()


@pytest.mark.parametrize("setting, words", [
    ({"apiKey": SecretValue("revoked-token")}, ("invalid token", "HTTP 403", "set deltastream:apiKey")),
    ({"role": "sysadmn"}, ("role 'sysadmn' does not exist", "SQLSTATE 3D001", "set deltastream:role")),
    ({"organization": "nope"},
     ("organization 'nope' does not exist", "SQLSTATE 3D004", "set deltastream:organization")),
], ids=["token", "role", "organization"])
async def test_a_wrong_session_fails_the_preview_with_the_message_up_would_give(
        fresh: Harness, local: BackgroundServer, setting: dict[str, Any], words: tuple[str, ...]) -> None:
    await fresh.configure(**{"server": local.url, "apiKey": SecretValue(TOKEN), **setting})
    first = await preview_fails(fresh, NS, {"database": "db", "name": "ns"})
    assert all(word in first for word in words), first
    assert await preview_fails(fresh, DB, {"name": "db"}) == first  # the same answer, not asked again
    assert sum(local.server.counters.requests.values()) == 1


async def test_a_missing_privilege_fails_the_preview_of_what_needs_it(fresh: Harness, local: BackgroundServer) -> None:
    local.server.knobs.update({"denied_privileges": "CREATE_STORE"})
    await fresh.create(DB, {"name": "db"}, preview=True)
    details = await preview_fails(fresh, STORE, KAFKA)
    assert details.startswith("role 'sysadmin' lacks the CREATE_STORE privilege that creating a Store needs "
                              "(`CAN I CREATE_STORE` answered false)"), details
    assert "use a role that has it (deltastream:role) or have an administrator grant it" in details
    assert sent(local) == {"CanI": 2}


async def test_a_preview_with_the_configuration_unknown_sends_nothing(local: BackgroundServer) -> None:
    harness = await Harness().start()
    try:
        await harness.configure(server=local.url, apiKey=UNKNOWN_STRING)
        await harness.create(DB, {"name": "db"}, preview=True)
    finally:
        await harness.stop()
    assert sum(local.server.counters.requests.values()) == 0
