"""Ownership in place through the real CLI: a database's owner changed in the program previews as an update (never a
replacement) and `up` sends one GRANT OWNERSHIP; a new owner the provider's role has not been granted fails the
preview with the fix; an owner changed by hand shows on refresh and `up` changes it back."""

from __future__ import annotations

import json

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, yaml_program

pytestmark = pytest.mark.e2e


def program(owner: str | None) -> str:
    owner_line = f"      owner: {owner}\n" if owner else ""
    return yaml_program(f"""  sales:
    type: deltastream:index:Database
    properties:
      name: sales
{owner_line}""", "  owner: ${sales.owner}\n")


def owner_of(local: BackgroundServer) -> str:
    return catalog_sql(local, "SELECT owner FROM deltastream.sys.\"databases\" WHERE name = 'sales';")[0][0]


def grants(local: BackgroundServer, since: int) -> list[str]:
    return [t for t in list(local.server.counters.texts)[since:] if t.startswith("GRANT")]


def database_step(stack: Stack) -> dict[str, object]:
    steps = json.loads(stack.preview("--json").stdout)["steps"]
    return next(s for s in steps if s["urn"].endswith("::sales"))


def test_a_databases_owner_changes_in_place_through_the_cli(stack: Stack, local: BackgroundServer) -> None:
    stack.write(program(None))
    stack.run("stack", "init", "dev")
    stack.up()
    assert stack.outputs()["owner"] == "sysadmin" == owner_of(local)

    stack.write(program("analyst"))  # the local server's analyst role is granted to sysadmin
    step = database_step(stack)
    assert step["op"] == "update" and step["diffReasons"] == ["owner"], step  # in place: no replacement
    assert step["detailedDiff"] == {"owner": {"kind": "add", "inputDiff": True}}, step
    before = len(local.server.counters.texts)
    stack.up()
    assert grants(local, before) == ['GRANT OWNERSHIP ON DATABASE "sales" TO "analyst";']
    assert stack.outputs()["owner"] == "analyst" == owner_of(local)
    stack.preview("--expect-no-changes")

    catalog_sql(local, 'CREATE ROLE "reporting";')  # sysadmin owns it but has not been granted it
    stack.write(program("reporting"))
    refused = stack.preview(check=False)
    assert refused.returncode != 0
    assert "has not been granted role 'reporting'" in refused.stdout + refused.stderr
    assert "a RoleGrant with role 'reporting' and toRole 'sysadmin'" in refused.stdout + refused.stderr
    assert owner_of(local) == "analyst"

    stack.write(program("analyst"))
    catalog_sql(local, 'GRANT OWNERSHIP ON DATABASE "sales" TO sysadmin;')  # by hand
    stack.run("refresh", "--yes")
    assert database_step(stack)["op"] == "update"
    before = len(local.server.counters.texts)
    stack.up()
    assert grants(local, before) == ['GRANT OWNERSHIP ON DATABASE "sales" TO "analyst";']
    assert owner_of(local) == "analyst"
    stack.preview("--expect-no-changes")
