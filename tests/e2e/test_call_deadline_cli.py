"""A refresh while every statement is answered 202 and never finishes, through the real CLI: it ends with the read's
timeout (deltastream:readTimeout) named, instead of polling forever, and keeps the stack's state (issue 23, g)."""

from __future__ import annotations

import pytest

from deltastream_local.knobs import Knobs
from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, yaml_program

pytestmark = pytest.mark.e2e

DB = "deltastream:index:Database"
PROGRAM = yaml_program("""  analytics:
    type: deltastream:index:Database
    properties: { name: analytics }
""")


def test_a_refresh_of_statements_that_never_finish_ends_at_the_read_timeout(stack: Stack,
                                                                            local: BackgroundServer) -> None:
    stack.write(PROGRAM)
    stack.name = "dev"
    stack.run("stack", "init")
    stack.up()

    local.server.knobs.update({"async_polls": 10**9})
    stack.env["DELTASTREAM_READ_TIMEOUT"] = "1"
    refreshed = stack.run("refresh", "--yes", check=False, timeout=300)
    assert refreshed.returncode != 0
    assert "SELECT did not finish in time: still running after 1s (the call's timeout, deltastream:readTimeout " \
           "(DELTASTREAM_READ_TIMEOUT))" in refreshed.stdout, refreshed.stdout[-3000:]
    polls = sum(n for route, n in local.server.counters.requests.items() if route.startswith("GET /v2/statements/"))
    assert polls >= 1

    local.server.knobs.update(Knobs().as_dict())
    assert [r["id"] for r in stack.resources(DB)] == ["analytics"]
    stack.run("destroy", "--yes")
    assert catalog_sql(local, 'SELECT name FROM deltastream.sys."databases";') == []
