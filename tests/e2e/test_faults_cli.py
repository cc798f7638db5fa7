"""A fault matrix through the real CLI on a 44-resource stack of every kind: whatever the API does (rate limits,
outages, gateway timeouts after the statement ran, connections dropped before or after it ran, slow and
asynchronous answers), `pulumi up` succeeds without a rerun, the server holds exactly the stack's objects (nothing lost,
doubled or orphaned), a preview is clean and `destroy` leaves nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from deltastream_local.knobs import Knobs
from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, newer_kinds
from tests.e2e.test_crash import QUERIES, STREAMS, program

pytestmark = pytest.mark.e2e

#: The kinds beyond the crash program's five: a secret, a schema registry, a topic and an application.
NEWER_KINDS = newer_kinds("fault", source="s28", sink="s29")

FAULTS: dict[str, dict[str, Any]] = {
    "429": {"rate_429": 0.2, "retry_after_s": 0.05},
    "503": {"rate_503": 0.2},
    "504 after running": {"rate_504": 0.1},
    "dropped before running": {"rate_drop": 0.1},
    "dropped after running": {"rate_drop": 0.1, "drop_after_processing": True},
    "slow and asynchronous": {"latency_ms": 200, "async_polls": 2},
}


@contextmanager
def calm(local: BackgroundServer) -> Iterator[None]:
    """The faults paused while the test itself reads the catalog."""
    faults = local.server.knobs.as_dict()
    local.server.knobs.update(Knobs().as_dict())
    try:
        yield
    finally:
        local.server.knobs.update(faults)


def catalog(local: BackgroundServer, statement: str) -> list[list[str]]:
    with calm(local):
        return catalog_sql(local, statement)


@pytest.mark.parametrize("fault", list(FAULTS))
def test_the_stack_converges_under(fault: str, stack: Stack, local: BackgroundServer) -> None:
    stack.write(program() + NEWER_KINDS)
    stack.name = "dev"
    stack.run("stack", "init")
    local.server.knobs.update(FAULTS[fault])
    stack.up()  # no rerun: the provider settles every fault itself
    relations = catalog(local, 'SELECT name FROM deltastream.sys."relations";')
    assert sorted(r[0] for r in relations) == sorted(f"s{i}" for i in range(STREAMS)), "lost or doubled objects"
    queries = catalog(local, 'SELECT id, current_state FROM deltastream.sys."queries";')
    assert [state for _, state in queries] == ["running"] * (QUERIES + 1), "lost or doubled queries"
    in_state = stack.resources("deltastream:index:Query") + stack.resources("deltastream:index:Application")
    assert {r["id"] for r in in_state} == {q[0] for q in queries}
    assert catalog(local, 'SELECT name FROM deltastream.sys."secrets";') == [["fault_token"]]
    assert catalog(local, 'SELECT name FROM deltastream.sys."schema_registries";') == [["fault_registry"]]
    # the Entity, once, and the topic each stream made for itself (as DeltaStream makes a stream's missing topic)
    assert catalog(local, 'LIST ENTITIES IN STORE "crash_kafka";') == sorted(
        [["orders", "true"]] + [[f"s{i}", "true"] for i in range(STREAMS)])
    stack.preview("--expect-no-changes")
    stack.run("destroy", "--yes")
    assert catalog(local, 'SELECT name FROM deltastream.sys."relations";') == []
    assert catalog(local, 'SELECT name FROM deltastream.sys."stores";') == []
    assert catalog(local, 'SELECT name FROM deltastream.sys."databases";') == []
    assert [q[1] for q in catalog(local, 'SELECT id, current_state FROM deltastream.sys."queries";')] \
        == ["terminated"] * (QUERIES + 1)
    assert catalog(local, 'SELECT name FROM deltastream.sys."secrets";') == []
    assert catalog(local, 'SELECT name FROM deltastream.sys."schema_registries";') == []
