"""Streams and changelogs whose columns come from their value format (issue 34): no `columns`, `CREATE STREAM s WITH
(...)` sent, the columns DeltaStream derives read back into `derivedColumns`; avro from a subject of the local
server's schema registry, protobuf from a descriptor source; the refusals and Check's messages."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

import httpx
import pytest
from google.protobuf import descriptor_pb2
from pulumi.runtime.proto import provider_pb2
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.deltastream import sql
from deltastream_provider.model.unknown import UNKNOWN
from tests.contract.conftest import configured
from tests.contract.test_local_server import ok, post
from tests.contract.test_provider_grpc import DB, OBJ

Diff = provider_pb2.DiffResponse

V1 = {"type": "record", "name": "Pageview", "fields": [
    {"name": "viewtime", "type": "long"}, {"name": "userid", "type": ["null", "string"]},
    {"name": "pageid", "type": "string"}]}
V2 = {**V1, "fields": [*V1["fields"], {"name": "device", "type": ["null", "string"]}]}
DERIVED_V1 = [{"name": "viewtime", "type": "BIGINT", "nullable": False},
              {"name": "userid", "type": "VARCHAR", "nullable": True},
              {"name": "pageid", "type": "VARCHAR", "nullable": False}]


def register(local: BackgroundServer, subject: str, schema: dict[str, Any] | str) -> int:
    """What a producer (or a test) does: Confluent's POST /subjects/{subject}/versions on the local server."""
    base = local.url.removesuffix("/v2")
    response = httpx.post(f"{base}/schema-registry/subjects/{subject}/versions", json={"schema": json.dumps(schema)})
    assert response.status_code == 200, response.text
    return int(response.json()["id"])


def avro_stream(name: str = "pageviews", **extra: Any) -> dict[str, Any]:
    return {"database": "db", "namespace": "public", "name": name, "kind": "stream", "store": "avro_events",
            "entity": "pageviews", "valueFormat": "avro", **extra}


async def registry_store(provider: Harness) -> None:
    await provider.create(DB, {"name": "db"})
    await provider.create("deltastream:index:SchemaRegistry", {"name": "registry",
                                                               "confluent": {"uris": "https://registry"}})
    await provider.create("deltastream:index:Store", {"name": "avro_events", "kafka": {
        "uris": "b:9092", "saslHashFunction": "NONE", "schemaRegistryName": "registry"}})


async def test_an_avro_stream_takes_its_columns_from_the_registry(provider: Harness, local: BackgroundServer) -> None:
    await registry_store(provider)
    register(local, "pageviews-value", V1)
    before = Counter(local.server.counters.statements)
    resource_id, state = await provider.create(OBJ, avro_stream())
    sent = dict(Counter(local.server.counters.statements) - before)
    # One request more than an object with columns: the columns DeltaStream derived are read back.
    assert sent == {"CreateRelation": 1, "Select": 1, "DescribeRelationColumns": 1}
    assert local.server.counters.texts[-3].startswith(
        'CREATE STREAM "db"."public"."pageviews" WITH (\'store\' = \'avro_events\', \'topic\' = \'pageviews\', '
        "'value.format' = 'avro');")
    assert state["columns"] == state["derivedColumns"] == DERIVED_V1  # the output is always set
    before = Counter(local.server.counters.statements)
    _, refreshed, inputs = await provider.read(OBJ, resource_id, state, avro_stream())
    # DeltaStream fixes the columns at creation: while the creation time is the state's, they are not read again.
    assert dict(Counter(local.server.counters.statements) - before) == {"Select": 1}
    assert "columns" not in inputs and refreshed["derivedColumns"] == refreshed["columns"] == DERIVED_V1
    assert (await provider.diff(OBJ, resource_id, refreshed, avro_stream(), inputs)).changes == Diff.DIFF_NONE


async def test_writing_down_the_derived_columns_is_no_change(provider: Harness, local: BackgroundServer) -> None:
    await registry_store(provider)
    register(local, "pageviews-value", V1)
    resource_id, state = await provider.create(OBJ, avro_stream())
    written = avro_stream(columns=[{**c, "type": c["type"].lower()} for c in DERIVED_V1])
    assert (await provider.diff(OBJ, resource_id, state, written, avro_stream())).changes == Diff.DIFF_NONE
    other = avro_stream(columns=DERIVED_V1[:2])
    changed = await provider.diff(OBJ, resource_id, state, other, avro_stream())
    assert list(changed.replaces) == ["columns"]


async def test_refresh_shows_a_re_creation_with_the_subjects_new_version(provider: Harness,
                                                                        local: BackgroundServer) -> None:
    """DeltaStream fixes a relation's columns when it creates it: a new version of the subject changes nothing until
    the relation is made again (here outside Pulumi); the next refresh shows the new columns, and the program, which
    names none, still has no diff."""
    await registry_store(provider)
    register(local, "pageviews-value", V1)
    resource_id, state = await provider.create(OBJ, avro_stream())
    register(local, "pageviews-value", V2)
    _, same, _ = await provider.read(OBJ, resource_id, state, avro_stream())
    assert same["derivedColumns"] == DERIVED_V1
    ok(local, 'DROP RELATION "db"."public"."pageviews";')
    ok(local, "CREATE STREAM \"db\".\"public\".\"pageviews\" WITH ('store' = 'avro_events', 'topic' = 'pageviews', "
              "'value.format' = 'avro');")
    async with configured(local) as later:  # the refresh is another command, another provider
        before = Counter(local.server.counters.statements)
        _, drifted, inputs = await later.read(OBJ, resource_id, state, avro_stream())
        assert dict(Counter(local.server.counters.statements) - before) == {"Select": 1, "DescribeRelationColumns": 1}
        assert drifted["derivedColumns"] == [*DERIVED_V1, {"name": "device", "type": "VARCHAR", "nullable": True}]
        assert (await later.diff(OBJ, resource_id, drifted, avro_stream(), inputs)).changes == Diff.DIFF_NONE


def pageviews_descriptor() -> bytes:
    """The FileDescriptorSet `protoc --descriptor_set_out` writes for DeltaStream's docs example message."""
    files = descriptor_pb2.FileDescriptorSet()
    proto = files.file.add(name="p.proto", package="shop", syntax="proto3")
    message = proto.message_type.add(name="Pageviews")
    field = descriptor_pb2.FieldDescriptorProto
    for number, (name, kind) in enumerate([("viewtime", field.TYPE_INT64), ("userid", field.TYPE_STRING),
                                           ("pageid", field.TYPE_STRING), ("score", field.TYPE_DOUBLE)], 1):
        message.field.add(name=name, number=number, type=kind, label=field.LABEL_OPTIONAL)
    message.field.add(name="tags", number=5, type=field.TYPE_STRING, label=field.LABEL_REPEATED)
    return files.SerializeToString()


async def test_a_protobuf_stream_takes_its_columns_from_a_descriptor(provider: Harness,
                                                                    local: BackgroundServer) -> None:
    await provider.create(DB, {"name": "db"})
    await provider.create("deltastream:index:Store", {"name": "pb_events", "kafka": {"uris": "b:9092",
                                                                                     "saslHashFunction": "NONE"}})
    await provider.provider._configured_client().execute(sql.Statement(
        "CREATE DESCRIPTOR_SOURCE pv_pb WITH ('file' = 'pageviews_value.desc');", "CREATE DESCRIPTOR_SOURCE",
        {"pageviews_value.desc": pageviews_descriptor()}))
    program = {"database": "db", "namespace": "public", "name": "views_pb", "kind": "stream", "store": "pb_events",
               "valueFormat": "protobuf", "properties": {"value.descriptor": 'pv_pb."shop.Pageviews"'}}
    resource_id, state = await provider.create(OBJ, program)
    assert state["derivedColumns"] == [{"name": n, "type": t, "nullable": True} for n, t in [
        ("viewtime", "BIGINT"), ("userid", "VARCHAR"), ("pageid", "VARCHAR"), ("score", "DOUBLE"),
        ("tags", "ARRAY<VARCHAR>")]]
    _, refreshed, inputs = await provider.read(OBJ, resource_id, state, program)
    assert refreshed["derivedColumns"] == state["derivedColumns"] and "columns" not in inputs


@pytest.mark.parametrize("kind", ["drop_before", "drop_after", "504"])
async def test_a_lost_answer_settles_by_reading_with_the_derived_columns(provider: Harness, local: BackgroundServer,
                                                                        kind: str) -> None:
    await registry_store(provider)
    register(local, "pageviews-value", V1)
    local.server.knobs.update({"fail": [{"pattern": r"^CREATE STREAM", "fault": kind, "nth": 1}]})
    _, state = await provider.create(OBJ, avro_stream())
    assert state["derivedColumns"] == DERIVED_V1
    assert local.server.counters.statements["CreateRelation"] == 1


async def test_a_descriptor_without_the_message_is_refused(provider: Harness, local: BackgroundServer) -> None:
    await provider.create(DB, {"name": "db"})
    await provider.create("deltastream:index:Store", {"name": "pb_events", "kafka": {"uris": "b:9092",
                                                                                     "saslHashFunction": "NONE"}})
    await provider.provider._configured_client().execute(sql.Statement(
        "CREATE DESCRIPTOR_SOURCE pv_pb WITH ('file' = 'pv.desc');", "CREATE DESCRIPTOR_SOURCE",
        {"pv.desc": pageviews_descriptor()}))
    body = post(local, "CREATE STREAM db.public.s WITH ('store' = 'pb_events', 'value.format' = 'protobuf', "
                       "'value.descriptor' = 'pv_pb.\"shop.Clicks\"');").json()
    assert body["sqlState"] == "3D010" and "'shop.Clicks' is not in the descriptor set" in body["message"]


@pytest.mark.paused_clock
async def test_a_registry_not_ready_is_refused(provider: Harness, local: BackgroundServer) -> None:
    local.server.knobs.update({"registry_ready_s": 60})
    await provider.create(DB, {"name": "db"})
    ok(local, "CREATE SCHEMA_REGISTRY slow WITH ('type' = CONFLUENT, 'uris' = 'https://r');")
    ok(local, "CREATE STORE k WITH ('type' = KAFKA, 'uris' = 'b:9092', 'kafka.sasl.hash_function' = NONE, "
              "'schema_registry.name' = \"slow\");")
    register(local, "s-value", V1)
    body = post(local, "CREATE STREAM db.public.s WITH ('store' = 'k', 'value.format' = 'avro');").json()
    assert body["sqlState"] == "3E002" and "not ready" in body["message"]


async def test_an_object_with_columns_reads_and_costs_as_before(provider: Harness, local: BackgroundServer) -> None:
    await registry_store(provider)
    program = avro_stream(columns=[{"name": "viewtime", "type": "BIGINT"}])
    resource_id, state = await provider.create(OBJ, program)
    assert "derivedColumns" not in state and state["columns"] == [{"name": "viewtime", "type": "BIGINT",
                                                                   "nullable": True}]
    before = Counter(local.server.counters.statements)
    await provider.read(OBJ, resource_id, state, program)
    assert dict(Counter(local.server.counters.statements) - before) == {"Select": 1}


@pytest.mark.parametrize("statement, code, words", [
    ("CREATE STREAM db.public.s WITH ('store' = 'plain', 'value.format' = 'avro');", "3D009", "no schema registry"),
    ("CREATE STREAM db.public.s WITH ('store' = 'avro_events', 'value.format' = 'avro');", "3D009",
     "no subject 's-value'"),
    ("CREATE STREAM db.public.s WITH ('store' = 'avro_events', 'value.format' = 'json');", "42601",
     "only the value formats avro"),
    ("CREATE TABLE db.public.s WITH ('store' = 'avro_events', 'value.format' = 'avro');", "42601", "no column list"),
    ("CREATE CHANGELOG db.public.s WITH ('store' = 'avro_events', 'topic' = 'pageviews', 'value.format' = 'avro');",
     "42601", "needs a PRIMARY KEY"),
    ("CREATE STREAM db.public.s WITH ('store' = 'plain', 'value.format' = 'protobuf');", "3D021",
     "'value.descriptor'"),
    ("CREATE STREAM db.public.s WITH ('store' = 'plain', 'value.format' = 'protobuf', 'value.descriptor' = 'no.M');",
     "3D011", "descriptor source 'no'"),
], ids=["no-registry", "no-subject", "json", "table", "changelog-no-key", "no-descriptor", "no-descriptor-source"])
async def test_what_deltastream_refuses(provider: Harness, local: BackgroundServer, statement: str, code: str,
                                        words: str) -> None:
    await registry_store(provider)
    await provider.create("deltastream:index:Store", {"name": "plain", "kafka": {"uris": "b:9092",
                                                                                 "saslHashFunction": "NONE"}})
    register(local, "pageviews-value", V1)
    body = post(local, statement).json()
    assert (body["sqlState"], words in body["message"]) == (code, True), body


async def test_a_changelog_takes_its_key_from_the_key_schema(provider: Harness, local: BackgroundServer) -> None:
    await registry_store(provider)
    register(local, "users-value", {"type": "record", "name": "User", "fields": [
        {"name": "userid", "type": "string"}, {"name": "region", "type": ["null", "string"]}]})
    register(local, "users-key", {"type": "record", "name": "UserKey",
                                  "fields": [{"name": "userid", "type": "string"}]})
    program = {**avro_stream("users", entity="users", keyFormat="avro"), "kind": "changelog"}
    resource_id, state = await provider.create(OBJ, program)
    # The key DeltaStream derived is an output, as the columns are; the program's inputs keep it left out.
    assert [c["name"] for c in state["derivedColumns"]] == ["userid", "region"] and state["primaryKey"] == ["userid"]
    _, refreshed, inputs = await provider.read(OBJ, resource_id, state, program)
    assert refreshed["primaryKey"] == ["userid"] and "primaryKey" not in inputs
    assert (await provider.diff(OBJ, resource_id, refreshed, program, inputs)).changes == Diff.DIFF_NONE
    previewed = await provider.update(OBJ, resource_id, refreshed, {**program, "owner": "analyst"}, preview=True)
    assert previewed["primaryKey"] == ["userid"] and previewed["columns"] == refreshed["columns"]
    row = ok(local, 'SELECT primary_key FROM deltastream.sys."relations" WHERE name = \'users\';')["data"]
    assert json.loads(row[0][0]) == ["userid"]


def test_the_registry_answers_as_confluents(local: BackgroundServer) -> None:
    base = f"{local.url.removesuffix('/v2')}/schema-registry"
    missing = httpx.get(f"{base}/subjects/nothing-value/versions/latest")
    assert missing.status_code == 404 and missing.json()["error_code"] == 40401
    first = register(local, "a-value", V1)
    assert register(local, "a-value", V1) == first  # the same schema again: same id, no new version
    register(local, "a-value", V2)
    latest = httpx.get(f"{base}/subjects/a-value/versions/latest").json()
    assert (latest["subject"], latest["version"]) == ("a-value", 2) and json.loads(latest["schema"]) == json.loads(
        json.dumps(V2, sort_keys=True))
    assert httpx.get(f"{base}/subjects/a-value/versions").json() == [1, 2]
    bad = httpx.post(f"{base}/subjects/a-value/versions", json={"schema": "{not json"})
    assert bad.status_code == 422 and bad.json()["error_code"] == 42201
    assert register(local, "a-key", "string") not in (first, 0)  # a plain key's schema, as producers register it


async def test_a_schema_deltastream_cannot_type_is_refused_at_create(provider: Harness,
                                                                     local: BackgroundServer) -> None:
    """The registry keeps any schema; the CREATE that would derive columns from one that is no record refuses."""
    await registry_store(provider)
    register(local, "plain-value", "string")
    body = post(local, "CREATE STREAM db.public.plain WITH ('store' = 'avro_events', "
                       "'value.format' = 'avro');").json()
    assert body["sqlState"] == "0A000" and "not an Avro record" in body["message"], body


@pytest.mark.parametrize("news, prop, words", [
    ({"valueFormat": "json"}, "columns", "set columns, or set valueFormat to avro"),
    ({"kind": "table", "valueFormat": "avro"}, "columns", "a table needs columns: set columns"),
    ({"kind": "changelog", "primaryKey": ["userid"], "keyFormat": "avro"}, "primaryKey", "leave primaryKey out"),
    ({"kind": "changelog"}, "keyFormat", "set keyFormat to avro or protobuf"),
], ids=["json", "table", "changelog-key", "changelog-no-key-format"])
async def test_check_says_when_columns_are_needed(provider: Harness, news: dict[str, Any], prop: str,
                                                  words: str) -> None:
    _, failures = await provider.check(OBJ, avro_stream(**news))
    assert prop in failures and words in failures[prop], failures


async def test_check_refuses_a_table_without_columns_whatever_its_format(provider: Harness) -> None:
    """A table never derives its columns, so a valueFormat not yet known does not defer the failure."""
    _, failures = await provider.check(OBJ, avro_stream(kind="table", valueFormat=UNKNOWN))
    assert "a table needs columns" in failures.get("columns", ""), failures


async def test_check_accepts_a_schema_driven_stream(provider: Harness) -> None:
    _, failures = await provider.check(OBJ, avro_stream())
    assert failures == {}


async def test_columns_left_out_after_being_declared_are_read_once(provider: Harness, local: BackgroundServer) -> None:
    """A program that stops declaring the columns changes nothing; the next refresh reads what DeltaStream has into
    derivedColumns (the state held none), and the one after trusts the state again."""
    await registry_store(provider)
    declared = avro_stream(columns=[{"name": "viewtime", "type": "bigint", "nullable": False}])
    resource_id, state = await provider.create(OBJ, declared)
    assert (await provider.diff(OBJ, resource_id, state, avro_stream(), declared)).changes == Diff.DIFF_NONE
    before = Counter(local.server.counters.statements)
    _, refreshed, inputs = await provider.read(OBJ, resource_id, state, avro_stream())
    assert dict(Counter(local.server.counters.statements) - before) == {"Select": 1, "DescribeRelationColumns": 1}
    assert refreshed["derivedColumns"] == [{"name": "viewtime", "type": "BIGINT", "nullable": False}]
    async with configured(local) as later:  # the next refresh is another command, another provider
        before = Counter(local.server.counters.statements)
        await later.read(OBJ, resource_id, refreshed, inputs)
        assert dict(Counter(local.server.counters.statements) - before) == {"Select": 1}


async def test_a_preview_shows_the_derived_columns_unknown_and_sends_nothing(provider: Harness,
                                                                            local: BackgroundServer) -> None:
    await registry_store(provider)
    register(local, "pageviews-value", V1)
    before = Counter(local.server.counters.statements)
    _, preview = await provider.create(OBJ, avro_stream(), preview=True)
    assert preview["columns"] is UNKNOWN and preview["derivedColumns"] is UNKNOWN and preview["primaryKey"] is UNKNOWN
    _, declared = await provider.create(OBJ, avro_stream("declared", columns=DERIVED_V1), preview=True)
    assert declared["columns"] == DERIVED_V1 and "derivedColumns" not in declared
    assert set(Counter(local.server.counters.statements) - before) <= {"CanI"}
