"""An Avro stream with no column list through the real CLI (issue 34): the subject is registered on the local server's
schema registry, `up` creates the stream from it, a preview shows no change, a refresh after the stream was made
again outside Pulumi with the subject's new version shows the new columns in `derivedColumns` and still no change
to the program, and `destroy` removes it."""

from __future__ import annotations

import json

import httpx

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, yaml_program
from tests.e2e.conftest import catalog_sql as sql

PROGRAM = """  shop:
    type: deltastream:index:Database
    properties: { name: shop }
  registry:
    type: deltastream:index:SchemaRegistry
    properties:
      name: registry
      confluent: { uris: "https://registry.example.com" }
  events:
    type: deltastream:index:Store
    properties:
      name: events
      kafka: { uris: "b:9092", saslHashFunction: NONE, schemaRegistryName: "${registry.name}" }
  pageviews:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${shop.name}
      namespace: public
      name: pageviews
      kind: stream
      store: ${events.name}
      entity: pageviews
      valueFormat: avro
"""
OUTPUTS = """  derived: ${pageviews.derivedColumns}
"""

V1 = {"type": "record", "name": "Pageview", "fields": [{"name": "viewtime", "type": "long"},
                                                      {"name": "userid", "type": ["null", "string"]}]}
V2 = {**V1, "fields": [*V1["fields"], {"name": "pageid", "type": ["null", "string"]}]}


def register(local: BackgroundServer, schema: dict[str, object]) -> None:
    url = f"{local.url.removesuffix('/v2')}/schema-registry/subjects/pageviews-value/versions"
    assert httpx.post(url, json={"schema": json.dumps(schema)}).status_code == 200


def test_an_avro_stream_without_columns_up_preview_refresh_destroy(stack: Stack, local: BackgroundServer) -> None:
    register(local, V1)
    stack.write(yaml_program(PROGRAM, OUTPUTS))
    stack.run("stack", "init", "dev")
    stack.up()
    assert stack.outputs()["derived"] == [{"name": "viewtime", "type": "BIGINT", "nullable": False},
                                          {"name": "userid", "type": "VARCHAR", "nullable": True}]
    (pageviews,) = stack.resources("deltastream:index:DeltaStreamObject")
    assert "columns" not in pageviews["inputs"] and pageviews["outputs"]["columns"] == stack.outputs()["derived"]
    stack.preview("--expect-no-changes")

    register(local, V2)  # a new version changes nothing DeltaStream created; making the stream again does
    sql(local, 'DROP RELATION "shop"."public"."pageviews";')
    sql(local, "CREATE STREAM \"shop\".\"public\".\"pageviews\" WITH ('store' = 'events', 'topic' = 'pageviews', "
               "'value.format' = 'avro');")
    stack.run("refresh", "--yes")
    (refreshed,) = stack.resources("deltastream:index:DeltaStreamObject")
    assert [c["name"] for c in refreshed["outputs"]["derivedColumns"]] == ["viewtime", "userid", "pageid"]
    assert "columns" not in refreshed["inputs"]
    stack.preview("--expect-no-changes")

    stack.run("destroy", "--yes")
    assert sql(local, 'SELECT name FROM deltastream.sys."relations";') == []
