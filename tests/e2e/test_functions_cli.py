"""Lookup functions through the real CLI: a program references resources created outside Pulumi."""

from __future__ import annotations

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import PROVIDER_DIR, Stack
from tests.e2e.conftest import catalog_sql as sql

pytestmark = pytest.mark.e2e




def program(lookups: str, outputs: str) -> str:
    return f"""name: lookups
runtime: yaml
plugins:
  providers:
    - name: deltastream
      path: {PROVIDER_DIR}
variables:
{lookups}
outputs:
{outputs}
"""


def invoke(variable: str, function: str, **arguments: str) -> str:
    args = "".join(f"\n        {k}: {v}" for k, v in arguments.items())
    return f"""  {variable}:
    fn::invoke:
      function: deltastream:index:{function}
      arguments:{args or ' {}'}
"""


@pytest.fixture
def existing(local: BackgroundServer) -> None:
    """What a platform team made by hand: a database, namespaces, a store, 250 objects, a running query."""
    sql(local, 'CREATE DATABASE "shop"; CREATE SCHEMA "raw" IN DATABASE "shop"; '
               'CREATE SCHEMA "big" IN DATABASE "shop";')
    sql(local, "CREATE STORE \"orders_kafka\" WITH ('type' = KAFKA, 'uris' = 'b:9092', "
               "'kafka.sasl.hash_function' = NONE);")
    sql(local, "CREATE STREAM \"shop\".\"raw\".\"orders\" (id BIGINT, total DOUBLE) WITH ('store' = 'orders_kafka');")
    sql(local, "CREATE STREAM \"shop\".\"raw\".\"orders_copy\" (id BIGINT) WITH ('store' = 'orders_kafka');")
    sql(local, "BEGIN APPLICATION copy_orders INSERT INTO \"shop\".\"raw\".\"orders_copy\" SELECT id FROM "
               "\"shop\".\"raw\".\"orders\"; END APPLICATION;")
    statements = [f"CREATE STREAM \"shop\".\"big\".\"s{i:03d}\" (id BIGINT) WITH ('store' = 'orders_kafka');"
                  for i in range(250)]
    sql(local, " ".join(statements))


def test_program_references_existing_resources(stack: Stack, existing: None) -> None:
    lookups = (invoke("shop", "getDatabase", name="shop") + invoke("raw", "getNamespaces", database="shop")
               + invoke("kafka", "getStore", name="orders_kafka", type="Kafka")
               + invoke("orders", "getObject", database="shop", namespace="raw", name="orders")
               + invoke("copy", "getQuery", name="copy_orders")
               + invoke("big", "getObjects", database="shop", namespace="big"))
    outputs = """  owner: ${shop.owner}
  namespaces: ${raw.namespaces}
  storeType: ${kafka.type}
  ordersColumns: ${orders.columns}
  ordersKind: ${orders.kind}
  copySql: ${copy.sql}
  copyState: ${copy.state}
  bigCount: ${big.objects}
"""
    stack.write(program(lookups, outputs))
    stack.run("stack", "init", "dev")
    out = stack.up()
    assert "only the first 200" in out and "Narrow the filters" in out  # the cap's warning reaches the CLI
    result = stack.outputs()
    assert result["owner"] == "sysadmin" and result["storeType"] == "Kafka"
    assert [n["name"] for n in result["namespaces"]] == ["big", "public", "raw"]
    assert result["ordersColumns"] == [{"name": "id", "type": "BIGINT", "nullable": True},
                                       {"name": "total", "type": "DOUBLE", "nullable": True}]
    assert result["ordersKind"] == "stream" and result["copyState"] == "running"
    assert result["copySql"].startswith('BEGIN APPLICATION copy_orders INSERT INTO "shop"."raw"."orders_copy"')
    assert len(result["bigCount"]) == 200 and result["bigCount"][0]["name"] == "s000"


def test_missing_object_fails_with_not_found(stack: Stack, existing: None) -> None:
    stack.write(program(invoke("ghost", "getObject", database="shop", namespace="raw", name="ghost"),
                        "  kind: ${ghost.kind}\n"))
    stack.run("stack", "init", "dev")
    failed = stack.run("up", "--yes", "--skip-preview", check=False)
    assert failed.returncode != 0
    assert "object with database 'shop', namespace 'raw', name 'ghost' not found" in failed.stdout + failed.stderr
