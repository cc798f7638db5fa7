"""ComputePool through the real CLI from a YAML program: create, change its timeout in place, stop it and start it
again in place (running: false, then true), drift (stopped outside Pulumi, found stopped by refresh and started by
the next up; dropped outside Pulumi, found gone and made again), its lookups, import and destroy (stopped first)."""

from __future__ import annotations

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, yaml_program

pytestmark = pytest.mark.e2e


def program(timeout: int, running: bool = True) -> str:
    return yaml_program(f"""  pool:
    type: deltastream:index:ComputePool
    properties: {{ name: etl_pool, size: medium, timeoutMin: {timeout}, running: {str(running).lower()} }}
variables:
  found:
    fn::invoke:
      function: deltastream:index:getComputePool
      arguments: {{ name: "${{pool.name}}" }}
""", "  state: ${pool.state}\n  foundSize: ${found.size}\n")


def pools(local: BackgroundServer) -> list[list[str]]:
    """Name, size, timeout and actual state of each pool, as LIST COMPUTE_POOLS shows them outside Pulumi."""
    return [[row[0], row[4], row[5], row[2]] for row in catalog_sql(local, "LIST COMPUTE_POOLS;")]


def test_a_compute_pool_through_its_lifecycle(stack: Stack, local: BackgroundServer) -> None:
    stack.write(program(10))
    stack.run("stack", "init", "dev")
    stack.up()
    assert stack.outputs() == {"state": "running", "foundSize": "medium"}
    assert pools(local) == [["etl_pool", "MEDIUM", "10", "running"]]
    created = stack.resources("deltastream:index:ComputePool")[0]["id"]

    stack.write(program(5))  # the timeout changes in place
    preview = stack.preview().stdout
    assert "1 to update" in preview and "to replace" not in preview, preview
    stack.up()
    assert pools(local) == [["etl_pool", "MEDIUM", "5", "running"]]
    assert stack.resources("deltastream:index:ComputePool")[0]["id"] == created
    stack.preview("--expect-no-changes")

    stack.write(program(5, running=False))  # stopped in place
    preview = stack.preview().stdout
    assert "1 to update" in preview and "to replace" not in preview, preview
    stack.up()
    assert stack.outputs()["state"] == "stopped" and pools(local) == [["etl_pool", "MEDIUM", "5", "stopped"]]
    stack.write(program(5, running=True))  # and started again
    stack.up()
    assert stack.outputs()["state"] == "running" and pools(local) == [["etl_pool", "MEDIUM", "5", "running"]]
    assert stack.resources("deltastream:index:ComputePool")[0]["id"] == created
    stack.preview("--expect-no-changes")

    catalog_sql(local, 'STOP COMPUTE_POOL "etl_pool";')  # drift: stopped outside Pulumi
    stack.run("refresh", "--yes")
    assert stack.resources("deltastream:index:ComputePool")[0]["outputs"]["state"] == "stopped"
    preview = stack.preview().stdout
    assert "1 to update" in preview, preview
    stack.up()
    assert pools(local) == [["etl_pool", "MEDIUM", "5", "running"]]

    catalog_sql(local, 'STOP COMPUTE_POOL "etl_pool";')  # drift: dropped outside Pulumi
    catalog_sql(local, 'DROP COMPUTE_POOL "etl_pool";')
    stack.run("refresh", "--yes")
    assert stack.resources("deltastream:index:ComputePool") == []
    stack.up()
    assert pools(local) == [["etl_pool", "MEDIUM", "5", "running"]]

    stack.run("state", "delete", "--yes", "urn:pulumi:dev::e2e::deltastream:index:ComputePool::pool")
    stack.run("import", "--yes", "deltastream:index:ComputePool", "pool", "etl_pool", "--protect=false")
    imported = stack.resources("deltastream:index:ComputePool")[0]
    assert imported["id"] == "etl_pool" and imported["inputs"] == {"name": "etl_pool", "size": "medium",
                                                                   "running": True}

    stack.run("destroy", "--yes")  # a running pool: stopped, then dropped
    assert pools(local) == []
