"""ComputePool through the real CLI from a YAML program: create, change its timeout in place, drift (dropped
outside Pulumi, found gone by refresh and made again by the next up), its lookups, import and destroy."""

from __future__ import annotations

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, yaml_program

pytestmark = pytest.mark.e2e


def program(timeout: int) -> str:
    return yaml_program(f"""  pool:
    type: deltastream:index:ComputePool
    properties: {{ name: etl_pool, size: medium, timeoutMin: {timeout} }}
variables:
  found:
    fn::invoke:
      function: deltastream:index:getComputePool
      arguments: {{ name: "${{pool.name}}" }}
""", "  state: ${pool.state}\n  foundSize: ${found.size}\n")


def pools(local: BackgroundServer) -> list[list[str]]:
    """Name, size and timeout of each pool, as LIST COMPUTE_POOLS shows them outside Pulumi."""
    return [[row[0], row[4], row[5]] for row in catalog_sql(local, "LIST COMPUTE_POOLS;")]


def test_a_compute_pool_through_its_lifecycle(stack: Stack, local: BackgroundServer) -> None:
    stack.write(program(10))
    stack.run("stack", "init", "dev")
    stack.up()
    assert stack.outputs() == {"state": "running", "foundSize": "medium"}
    assert pools(local) == [["etl_pool", "MEDIUM", "10"]]
    created = stack.resources("deltastream:index:ComputePool")[0]["id"]

    stack.write(program(5))  # the timeout changes in place
    preview = stack.preview().stdout
    assert "1 to update" in preview and "to replace" not in preview, preview
    stack.up()
    assert pools(local) == [["etl_pool", "MEDIUM", "5"]]
    assert stack.resources("deltastream:index:ComputePool")[0]["id"] == created
    stack.preview("--expect-no-changes")

    catalog_sql(local, 'DROP COMPUTE_POOL "etl_pool";')  # drift: dropped outside Pulumi
    stack.run("refresh", "--yes")
    assert stack.resources("deltastream:index:ComputePool") == []
    stack.up()
    assert pools(local) == [["etl_pool", "MEDIUM", "5"]]

    stack.run("state", "delete", "--yes", "urn:pulumi:dev::e2e::deltastream:index:ComputePool::pool")
    stack.run("import", "--yes", "deltastream:index:ComputePool", "pool", "etl_pool", "--protect=false")
    imported = stack.resources("deltastream:index:ComputePool")[0]
    assert imported["id"] == "etl_pool" and imported["inputs"] == {"name": "etl_pool", "size": "medium"}

    stack.run("destroy", "--yes")
    assert pools(local) == []
