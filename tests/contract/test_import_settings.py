"""Import reads every setting DeltaStream keeps: an object made with every input, a query and an application are
read back with no inputs (as `pulumi import` reads them), and the program written with their true settings then
diffs as no change."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from pulumi.runtime.proto import provider_pb2
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from tests.contract.test_provider_grpc import KAFKA, OBJ, QUERY, STORE, base, columns, pem_private_key

APPLICATION = "deltastream:index:Application"
Diff = provider_pb2.DiffResponse

EVERY_SETTING: dict[str, dict[str, Any]] = {
    "stream": {"kind": "stream", "store": "events", "entity": "page_views", "valueFormat": "json",
               "keyFormat": "json", "timestampColumn": "viewtime",
               "properties": {"kafka.topic.retention.ms": "86400000", "source.deserialization.error.handling":
                              "IGNORE"},
               "columns": columns("viewtime:BIGINT", "userid:VARCHAR")},
    "changelog": {"kind": "changelog", "store": "events", "entity": "users_topic", "valueFormat": "avro",
                  "timestampColumn": "registered", "primaryKey": ["userid"],
                  "properties": {"kafka.topic.partitions": "3"},
                  "columns": [{"name": "userid", "type": "VARCHAR", "nullable": False},
                              {"name": "registered", "type": "BIGINT"}]},
    "table": {"kind": "table", "store": "warehouse", "entity": "ANALYTICS.PUBLIC.ORDERS", "primaryKey": ["id"],
              "columns": columns("id:BIGINT", "total:DOUBLE")},
}


async def warehouse(provider: Harness) -> None:
    """A Snowflake store, where a table lives (a Kafka store holds no tables)."""
    await provider.create(STORE, {"name": "warehouse", "snowflake": {
        "uris": "https://acme.snowflakecomputing.com", "accountId": "acme", "cloudRegion": "AWS us-east-1",
        "warehouseName": "COMPUTE_WH", "roleName": "LOADER", "username": "deltastream",
        "clientKey": pem_private_key(None)}})


@pytest.mark.parametrize("kind", sorted(EVERY_SETTING))
async def test_an_imported_object_has_every_setting_it_was_made_with(provider: Harness, local: BackgroundServer,
                                                                     kind: str) -> None:
    await base(provider)
    await warehouse(provider)
    program = {"database": "db", "namespace": "public", "name": f"imported_{kind}", **EVERY_SETTING[kind]}
    resource_id, _ = await provider.create(OBJ, program)
    before = Counter(local.server.counters.statements)
    found_id, state, imported = await provider.read(OBJ, resource_id)  # no inputs: an import
    sent = dict(Counter(local.server.counters.statements) - before)
    assert sent == {"Select": 1, "DescribeRelationColumns": 1, "DescribeRelation": 1}  # read at the same time
    assert found_id == resource_id
    assert imported == {**program, "columns": [{"nullable": True, **c} for c in program["columns"]]}
    diff = await provider.diff(OBJ, resource_id, state, program, imported)
    assert diff.changes == Diff.DIFF_NONE, list(diff.diffs)


async def test_an_object_made_outside_pulumi_imports_its_properties_as_written(provider: Harness,
                                                                              local: BackgroundServer) -> None:
    """Made with SQL as a user would write it: the default topic (the object's name) is read back as its entity."""
    from deltastream_provider.resources import object as relation

    await base(provider)
    await provider.provider._configured_client().execute(relation.create_statement(
        "stream", "db", "public", "clicks", [relation.ColumnDef("id", "BIGINT")], [],
        [("store", "events"), ("topic", "clicks"), ("value.format", "protobuf"), ("kafka.topic.replicas", "2")]))
    _, _, imported = await provider.read(OBJ, "db/public/clicks")
    assert imported["entity"] == "clicks" and imported["valueFormat"] == "protobuf"
    assert imported["properties"] == {"kafka.topic.replicas": "2"} and "keyFormat" not in imported


async def test_imported_query_and_application_diff_as_no_change(provider: Harness, local: BackgroundServer) -> None:
    await base(provider)
    for name in ("src", "dst", "other"):
        await provider.create(OBJ, {"database": "db", "namespace": "public", "name": name, "kind": "stream",
                                    "store": KAFKA["name"], "columns": columns("id:BIGINT", "body:VARCHAR")})
    query = {"sql": 'INSERT INTO "db"."public"."dst" SELECT id, body FROM "db"."public"."src"'}
    app = {"sql": 'BEGIN APPLICATION fan INSERT INTO "db"."public"."other" SELECT id, body FROM "db"."public"."src"; '
                  "END APPLICATION;"}
    for type_, program, fields in ((QUERY, query, ("sources", "sink")), (APPLICATION, app, ("sources", "sinks"))):
        resource_id, made = await provider.create(type_, program)
        before = Counter(local.server.counters.statements)
        _, state, imported = await provider.read(type_, resource_id)
        sent = dict(Counter(local.server.counters.statements) - before)
        assert sent == {"Select": 1, "ListObjects": 1, "DescribePlan": 1}, sent  # the plan gives sink and sources
        assert imported["sql"].rstrip(";") == program["sql"].rstrip(";")
        assert {f: state[f] for f in fields} == {f: made[f] for f in fields}, type_
        assert state["owner"] == made["owner"] and state["state"] == "running"
        diff = await provider.diff(type_, resource_id, state, program, imported)
        assert diff.changes == Diff.DIFF_NONE, (type_, list(diff.diffs))
