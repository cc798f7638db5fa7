"""A Pipeline whose sink is a materialized view (issue 34), through the real CLI: the pipeline makes a
MaterializedView from its transform (no Query of its own, no sink object), in its compute pool, and its outputs
name the view and the view's query; destroy removes it."""

from __future__ import annotations

import json

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, yaml_program

pytestmark = pytest.mark.e2e

PIPELINE = """  kafka:
    type: deltastream:index:Store
    properties: { name: events, kafka: { uris: "b:9092", saslHashFunction: NONE } }
  clicks:
    type: deltastream:index:Pipeline
    properties:
      database: shop
      createDatabase: true
      createTopics: true
      store: ${kafka.name}
      computePool: etl
      sources: [ { name: raw, columns: [ { name: id, type: BIGINT }, { name: url, type: VARCHAR } ] } ]
      sink: { name: counts, kind: materialized_view }
      transform: SELECT url, COUNT(*) AS views FROM raw GROUP BY url
"""
OUTPUTS = """  sinkFqn: ${clicks.sinkFqn}
  queryId: ${clicks.queryId}
  queryState: ${clicks.queryState}
"""


def test_a_pipeline_sinks_into_a_materialized_view(stack: Stack, local: BackgroundServer) -> None:
    catalog_sql(local, "CREATE COMPUTE_POOL etl WITH ('compute_pool.size' = 'small');")
    stack.write(yaml_program(PIPELINE, OUTPUTS))
    stack.run("stack", "init", "dev")
    stack.up()
    outputs = stack.outputs()
    assert outputs["sinkFqn"] == '"shop"."public"."counts"' and outputs["queryState"] == "running", outputs
    [view] = stack.resources("deltastream:index:MaterializedView")
    assert view["outputs"]["queryId"] == outputs["queryId"] and view["outputs"]["computePool"] == "etl"
    assert [(q["id"], q.get("external")) for q in stack.resources("deltastream:index:Query")] == [
        (outputs["queryId"], True)], "the view's query is its own: the output query reads it, nothing manages it"
    assert [o["outputs"]["name"] for o in stack.resources("deltastream:index:DeltaStreamObject")] == ["raw"]
    assert local.server.counters.compute_pools["etl CreateRelationAs"] == 1
    for url in ("a", "b", "a"):
        record = json.dumps({"id": 1, "url": url})
        catalog_sql(local, f"INSERT INTO ENTITY \"raw\" IN STORE \"events\" VALUE('{record}');")
    rows = catalog_sql(local, 'SELECT url, views FROM "shop"."public"."counts" ORDER BY url;')
    assert [list(r) for r in rows] == [["a", "2"], ["b", "1"]], rows
    stack.run("destroy", "--yes")
    assert catalog_sql(local, 'SELECT name FROM deltastream.sys."relations";') == []
