"""A misspelled role through the real CLI: `pulumi refresh` fails and keeps the Entity in state, `pulumi destroy`
fails and drops nothing, each saying to set deltastream:role; with the right role destroy works (issue 23, d). A
refresh after the role is fixed in the program names `pulumi refresh --run-program` (issue 31)."""

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


def test_a_refresh_after_the_role_is_fixed_says_to_run_the_program(stack: Stack, local: BackgroundServer) -> None:
    """A refresh runs with the provider settings the state holds from the last update: once the program's role is
    fixed, a refresh still fails with the stored one and says so, naming `pulumi refresh --run-program`, which works
    (issue 31)."""
    stack.write(PROGRAM)
    stack.name = "dev"
    stack.run("stack", "init")
    stack.run("config", "set", "deltastream:role", "sysadmin")
    stack.up()
    stack.run("config", "set", "deltastream:role", "sysadmn")
    stack.up()  # nothing to change: only the provider's settings, now in state with the wrong role
    stack.run("config", "set", "deltastream:role", "sysadmin")  # fixed in the program

    refreshed = stack.run("refresh", "--yes", check=False)
    assert refreshed.returncode != 0
    out = refreshed.stdout
    assert "role 'sysadmn' does not exist" in out, out[-3000:]
    assert ("A refresh uses the provider settings the stack's state holds from the last update (deltastream:role is "
            "'sysadmn' there): if the program's settings have changed since, run `pulumi refresh --run-program`") in out
    assert [r["id"] for r in stack.resources(ENTITY)] == ["events/clicks"]

    stack.run("refresh", "--yes", "--run-program")
    assert [r["id"] for r in stack.resources(ENTITY)] == ["events/clicks"]
    stack.run("destroy", "--yes")
    assert catalog_sql(local, 'SELECT name FROM deltastream.sys."stores";') == [] and stack.resources(ENTITY) == []
