"""A misspelled role through the real CLI: `pulumi refresh` fails and keeps the Entity in state, `pulumi destroy`
fails and drops nothing, each saying to set deltastream:role; with the right role destroy works (issue 23, d)."""

from __future__ import annotations

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, yaml_program

pytestmark = pytest.mark.e2e

ENTITY = "deltastream:index:Entity"
PROGRAM = yaml_program("""  events:
    type: deltastream:index:Store
    properties: { name: events, kafka: { uris: "b:9092", saslHashFunction: NONE } }
  clicks:
    type: deltastream:index:Entity
    properties: { store: "${events.name}", path: [clicks], kafka: { partitions: 2 } }
""")


def topics(local: BackgroundServer) -> list[str]:
    return [row[0] for row in catalog_sql(local, "LIST ENTITIES IN STORE events;")]


def test_a_misspelled_role_fails_refresh_and_destroy_and_drops_nothing(stack: Stack,
                                                                       local: BackgroundServer) -> None:
    stack.write(PROGRAM)
    stack.name = "dev"
    stack.run("stack", "init")
    stack.up()
    assert topics(local) == ["clicks"]

    stack.env["DELTASTREAM_ROLE"] = "sysadmn"
    refreshed = stack.run("refresh", "--yes", check=False)
    assert refreshed.returncode != 0
    assert "role 'sysadmn' does not exist" in refreshed.stdout and "set deltastream:role" in refreshed.stdout
    assert [r["id"] for r in stack.resources(ENTITY)] == ["events/clicks"]

    destroyed = stack.run("destroy", "--yes", check=False)
    assert destroyed.returncode != 0 and "set deltastream:role" in destroyed.stdout
    assert topics(local) == ["clicks"]
    assert [r["id"] for r in stack.resources(ENTITY)] == ["events/clicks"]

    stack.env["DELTASTREAM_ROLE"] = "sysadmin"
    stack.run("destroy", "--yes")
    assert catalog_sql(local, 'SELECT name FROM deltastream.sys."stores";') == []  # and its topics with it
    assert stack.resources(ENTITY) == []
