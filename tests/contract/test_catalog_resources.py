"""Application, Entity, Secret, SchemaRegistry and the Confluent Kafka and Kinesis stores over gRPC against the local
server: create, read (drift and import), update in place, replace decisions, delete, Check failures."""

from __future__ import annotations

import asyncio

import grpc
import pytest
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import DeltaStreamClient
from deltastream_provider.plugin.wire import SecretValue
from deltastream_provider.resources import continuous, entity, secret, store
from tests.conftest import ManualClock
from tests.contract.conftest import configured

DB, STORE, OBJ, QUERY = (f"deltastream:index:{n}" for n in ("Database", "Store", "DeltaStreamObject", "Query"))
APP, ENTITY, SECRET, REGISTRY = (f"deltastream:index:{n}" for n in ("Application", "Entity", "Secret",
                                                                     "SchemaRegistry"))
KAFKA = {"name": "events", "kafka": {"uris": "b:9092", "saslHashFunction": "NONE"}}
SECRET_INPUTS = {"name": "partner_token", "secretString": "s3cr3t-value", "description": "for the partner API"}


async def catalog(client: DeltaStreamClient, table: str, name: str) -> list[dict[str, object]]:
    return (await client.execute(sql.select(table, ["name", "status", "owner"], {"name": name}))).records()


# --- Secret -------------------------------------------------------------------------------------------------------

async def test_secret_lifecycle_replaces_on_rotation_and_never_shows_the_value(
        provider: Harness, client: DeltaStreamClient, local: BackgroundServer) -> None:
    resource_id, state = await provider.create(SECRET, SECRET_INPUTS)
    assert resource_id == "partner_token"
    assert state["status"] == "ready" and state["type"] == "generic_string"
    assert state["secretString"] == SecretValue("s3cr3t-value")

    rotated = {**SECRET_INPUTS, "secretString": "rotated-value", "acceptReplacement": True}  # the gap accepted
    diff = await provider.diff(SECRET, resource_id, {**state}, rotated, old_inputs=SECRET_INPUTS)
    assert list(diff.diffs) == ["secretString"] and list(diff.replaces) == ["secretString"]
    assert diff.deleteBeforeReplace  # the name is the id: the old one is dropped first
    await provider.delete(SECRET, resource_id, state)
    _, updated = await provider.create(SECRET, rotated)
    assert updated["secretString"] == SecretValue("rotated-value") and updated["status"] == "ready"

    renamed = await provider.diff(SECRET, resource_id, state, {**SECRET_INPUTS, "name": "other",
                                                               "acceptReplacement": True})
    assert list(renamed.replaces) == ["name"]

    _, _, inputs = await provider.read(SECRET, resource_id, updated, rotated)
    assert inputs["description"] == rotated.get("description")
    assert inputs["secretString"] == SecretValue("rotated-value")

    # import: everything readable is rebuilt; the value cannot be read back
    imported_id, imported, imported_inputs = await provider.read(SECRET, "partner_token")
    assert imported_id == "partner_token" and imported["owner"] == "sysadmin"
    assert imported_inputs["name"] == "partner_token"

    rows = (await client.execute(sql.select("secrets", ["name", "description"], {"name": "partner_token"}))).records()
    assert "rotated-value" not in repr(rows)
    await provider.delete(SECRET, resource_id, updated)
    assert await catalog(client, "secrets", "partner_token") == []
    await provider.delete(SECRET, resource_id, updated)  # already gone: still success


async def test_secret_statements_are_redacted() -> None:
    statement = secret.create_statement("s", [("type", sql.Bare("generic_string")),
                                        ("secret_string", sql.SecretLiteral("v1"))])
    assert "'v1'" in statement.sql and "v1" not in statement.redacted


async def test_secret_check_names_the_property(provider: Harness) -> None:
    _, failures = await provider.check(SECRET, {"name": "s", "secretString": "x", "properties": {"type": "other"}})
    assert "properties.type" in failures
    _, failures = await provider.check(SECRET, {"name": "s"})
    assert "secretString" in failures


# --- SchemaRegistry -----------------------------------------------------------------------------------------------

async def test_schema_registry_lifecycle(provider: Harness, client: DeltaStreamClient) -> None:
    inputs = {"name": "registry", "confluentCloud": {"uris": "https://psrc.example", "key": "k1", "secret": "s1"}}
    resource_id, state = await provider.create(REGISTRY, inputs)
    assert state["type"] == "ConfluentCloud" and state["status"] == "ready"
    assert state["confluentCloud"]["secret"] == SecretValue("s1")

    rotated = {**inputs, "confluentCloud": {"uris": "https://psrc.example", "key": "k2", "secret": "s2"}}
    diff = await provider.diff(REGISTRY, resource_id, state, rotated, old_inputs=inputs)
    assert list(diff.diffs) == ["confluentCloud"] and not diff.replaces
    updated = await provider.update(REGISTRY, resource_id, state, rotated)
    assert updated["confluentCloud"]["key"] == "k2" and updated["confluentCloud"]["secret"] == SecretValue("s2")

    other_kind = {"name": "registry", "confluent": {"uris": "https://r"}}
    assert "confluent" in (await provider.diff(REGISTRY, resource_id, state, other_kind, old_inputs=inputs)).replaces

    # a Kafka store names it; the registry cannot go while the store uses it
    await provider.create(STORE, {"name": "avro", "kafka": {"uris": "b:9092", "saslHashFunction": "NONE",
                                                              "schemaRegistryName": "registry"}})
    (described,) = (await client.execute(store.describe_statement("avro"))).records()
    assert described["SchemaRegistry"] == "registry"
    # no public client unsets a store's registry (DeltaStream's Pulumi provider names another in place): removing it
    # replaces the store, changing it is an update
    avro = {"name": "avro", "kafka": {"uris": "b:9092", "saslHashFunction": "NONE", "schemaRegistryName": "registry"}}
    diff = await provider.diff(STORE, "avro", avro, {**avro, "kafka": {"uris": "b:9092", "saslHashFunction": "NONE"}})
    assert list(diff.replaces) == ["kafka"]
    other = await provider.diff(STORE, "avro", avro, {**avro, "kafka": {**avro["kafka"], "schemaRegistryName": "o"}})
    assert list(other.diffs) == ["kafka"] and not other.replaces
    # a CA certificate removed cannot be unset by UPDATE STORE either; a changed URI is an update
    with_ca = {"name": "avro", "kafka": {**avro["kafka"], "tlsCaCert": "-----BEGIN CERTIFICATE-----"}}
    assert list((await provider.diff(STORE, "avro", with_ca, avro)).replaces) == ["kafka"]
    moved = await provider.diff(STORE, "avro", avro, {**avro, "kafka": {**avro["kafka"], "uris": "c:9092"}})
    assert list(moved.diffs) == ["kafka"] and not moved.replaces
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await provider.delete(REGISTRY, resource_id, updated, timeout=0.3)
    assert "avro" in refused.value.details()
    await provider.delete(STORE, "avro", {"name": "avro"})
    await provider.delete(REGISTRY, resource_id, updated)
    assert await catalog(client, "schema_registries", "registry") == []
    assert (await provider.read(REGISTRY, resource_id, updated, rotated))[0] == ""  # a refresh drops it from state


async def test_schema_registry_import_and_missing_store_registry(provider: Harness) -> None:
    await provider.create(REGISTRY, {"name": "plain", "confluent": {"uris": "https://r"}})
    _, state, inputs = await provider.read(REGISTRY, "plain")
    assert state["type"] == "Confluent" and "confluent" in inputs
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await provider.create(STORE, {"name": "s", "kafka": {"uris": "b:9092", "saslHashFunction": "NONE",
                                                             "schemaRegistryName": "nope"}})
    assert "nope" in missing.value.details()


async def test_schema_registry_check(provider: Harness) -> None:
    _, failures = await provider.check(REGISTRY, {"name": "r", "confluent": {"uris": "u", "username": "x"}})
    assert "confluent.password" in failures
    _, failures = await provider.check(REGISTRY, {"name": "r"})
    assert "confluent" in failures


# --- stores -------------------------------------------------------------------------------------------------------

async def test_confluent_kafka_and_kinesis_stores(provider: Harness, client: DeltaStreamClient) -> None:
    confluent = {"name": "cc", "confluentKafka": {"uris": "pkc.example:9092", "saslHashFunction": "PLAIN",
                                                   "saslUsername": "KEY", "saslPassword": "SECRET"}}
    resource_id, state = await provider.create(STORE, confluent)
    assert state["type"] == "ConfluentKafka" and state["confluentKafka"]["saslPassword"] == SecretValue("SECRET")
    _, _, inputs = await provider.read(STORE, resource_id, state, confluent)
    assert inputs["confluentKafka"]["uris"] == "pkc.example:9092"
    moved = {**confluent, "confluentKafka": {**confluent["confluentKafka"], "uris": "pkc.other:9092"}}
    assert not (await provider.diff(STORE, resource_id, state, moved, old_inputs=confluent)).replaces
    assert (await provider.update(STORE, resource_id, state, moved))["status"] == "ready"

    kinesis = {"name": "kin", "kinesis": {"uris": "https://kinesis.us-east-1.amazonaws.com",
                                          "awsAccountId": "123456789012", "accessKeyId": "AKIA",
                                          "secretAccessKey": "shh"}}
    kid, kstate = await provider.create(STORE, kinesis)
    assert kstate["type"] == "Kinesis" and kstate["kinesis"]["secretAccessKey"] == SecretValue("shh")
    (row,) = (await client.execute(store.describe_statement("kin"))).records()
    assert "shh" not in repr(row) and "AKIA" not in repr(row)
    other = {"name": "kin", "kafka": {"uris": "b:9092", "saslHashFunction": "NONE"}}
    assert set((await provider.diff(STORE, kid, kstate, other, old_inputs=kinesis)).replaces) == {"kafka", "kinesis"}
    _, failures = await provider.check(STORE, {"name": "k", "kinesis": {"uris": "u", "awsAccountId": "1",
                                                                         "accessKeyId": "a"}})
    assert "kinesis.secretAccessKey" in failures
    _, failures = await provider.check(STORE, {"name": "c", "confluentKafka": {
        "uris": "u", "saslHashFunction": "NONE", "saslUsername": "a", "saslPassword": "b"}})
    assert "confluentKafka.saslHashFunction" in failures


# --- Entity -------------------------------------------------------------------------------------------------------

async def test_kafka_topic_lifecycle(provider: Harness, client: DeltaStreamClient) -> None:
    await provider.create(STORE, KAFKA)
    inputs = {"store": "events", "path": ["orders"],
              "kafka": {"partitions": 3, "replicas": 2, "configs": {"retention.ms": "1000"}}}
    resource_id, state = await provider.create(ENTITY, inputs)
    assert resource_id == "events/orders"
    assert (state["partitions"], state["replicas"], state["configs"]) == (3, 2, {"retention.ms": "1000"})

    grown = {**inputs, "kafka": {"partitions": 6, "replicas": 2, "configs": {"retention.ms": "2000"}}}
    diff = await provider.diff(ENTITY, resource_id, state, grown, old_inputs=inputs)
    assert list(diff.diffs) == ["kafka"] and not diff.replaces
    updated = await provider.update(ENTITY, resource_id, state, grown)
    assert (updated["partitions"], updated["configs"]) == (6, {"retention.ms": "2000"})

    for change in ({"partitions": 2, "replicas": 2}, {"partitions": 6, "replicas": 3},
                   {"partitions": 6, "replicas": 2}):
        replaced = await provider.diff(ENTITY, resource_id, updated, {**inputs, "kafka": change}, old_inputs=grown)
        assert list(replaced.replaces) == ["kafka"], change

    # drift seen by a refresh; import rebuilds every setting
    await client.execute(entity.update_statement(["orders"], "events", [("kafka.partitions", 8)]))
    _, refreshed, refreshed_inputs = await provider.read(ENTITY, resource_id, updated, grown)
    assert refreshed["partitions"] == 8 and refreshed_inputs["kafka"]["partitions"] == 8
    _, _, imported = await provider.read(ENTITY, "events/orders")
    assert imported == {"store": "events", "path": ["orders"],
                        "kafka": {"partitions": 8, "replicas": 2, "configs": {"retention.ms": "2000"}}}

    listed = (await client.execute(entity.list_statement("events"))).records()
    assert [r["Name"] for r in listed] == ["orders"]

    # an object on the topic holds it
    await provider.create(DB, {"name": "db"})
    object_id, object_state = await provider.create(OBJ, {
        "database": "db", "namespace": "public", "name": "orders", "kind": "stream", "store": "events",
        "columns": [{"name": "id", "type": "BIGINT"}]})
    with pytest.raises(grpc.aio.AioRpcError) as held:
        await provider.delete(ENTITY, resource_id, updated, timeout=0.3)
    assert "orders" in held.value.details()
    await provider.delete(OBJ, object_id, object_state)
    await provider.delete(ENTITY, resource_id, updated)
    assert (await client.execute(entity.list_statement("events"))).records() == []
    assert (await provider.read(ENTITY, resource_id, updated, grown))[0] == ""


async def test_kinesis_stream_shards_change_in_place(provider: Harness) -> None:
    await provider.create(STORE, {"name": "kin", "kinesis": {"uris": "https://k", "awsAccountId": "1"}})
    inputs = {"store": "kin", "path": ["clicks"], "kinesis": {"shards": 2}}
    resource_id, state = await provider.create(ENTITY, inputs)
    assert state["shards"] == 2
    more = {**inputs, "kinesis": {"shards": 4}}
    assert not (await provider.diff(ENTITY, resource_id, state, more, old_inputs=inputs)).replaces
    assert (await provider.update(ENTITY, resource_id, state, more))["shards"] == 4


async def test_entity_check_names_the_property(provider: Harness) -> None:
    _, failures = await provider.check(ENTITY, {"store": "s", "path": [], "kafka": {"partitions": 0}})
    assert "path" in failures and "kafka.partitions" in failures
    _, failures = await provider.check(ENTITY, {"store": "s", "path": ["a"], "kafka": {}, "kinesis": {}})
    assert "kinesis" in failures


# --- Application --------------------------------------------------------------------------------------------------

APP_SQL = """BEGIN APPLICATION fanout
  CREATE VIRTUAL STREAM virtual.public.v AS SELECT * FROM "db"."public"."src";
  INSERT INTO "db"."public"."a" SELECT * FROM virtual.public.v;
  INSERT INTO "db"."public"."b" SELECT * FROM virtual.public.v;
END APPLICATION;"""


async def objects(provider: Harness, *names: str) -> None:
    await provider.create(DB, {"name": "db"})
    await provider.create(STORE, KAFKA)
    for name in names:
        await provider.create(OBJ, {"database": "db", "namespace": "public", "name": name, "kind": "stream",
                                    "store": "events", "columns": [{"name": "id", "type": "BIGINT"}]})


async def test_application_lifecycle(provider: Harness, client: DeltaStreamClient,
                                     local: BackgroundServer) -> None:
    await objects(provider, "src", "a", "b")
    resource_id, state = await provider.create(APP, {"sql": APP_SQL})
    assert state["state"] == "running" and state["name"] == "fanout" and state["version"] == 1
    assert state["sources"] == ['"db"."public"."src"']
    assert state["sinks"] == ['"db"."public"."a"', '"db"."public"."b"']
    assert state["applicationId"] == resource_id

    spaced = {"sql": APP_SQL.replace("\n  ", "\n    ").replace("SELECT", "select")}
    assert not (await provider.diff(APP, resource_id, state, spaced, old_inputs={"sql": APP_SQL})).diffs
    with pytest.raises(grpc.aio.AioRpcError) as frozen:
        await provider.diff(APP, resource_id, state, {"sql": APP_SQL.replace('"b"', '"src"')},
                            old_inputs={"sql": APP_SQL})
    assert "immutable" in frozen.value.details() and "new Application" in frozen.value.details()

    _, imported, imported_inputs = await provider.read(APP, resource_id)
    assert imported["sinks"] == state["sinks"] and imported["name"] == "fanout"
    assert "BEGIN APPLICATION fanout" in imported_inputs["sql"]

    await client.execute(continuous.terminate_statement(resource_id))
    async with configured(local) as refresh:  # a later command: a provider of its own
        _, stopped, _ = await refresh.read(APP, resource_id, state, {"sql": APP_SQL})
    restart = await provider.diff(APP, resource_id, stopped, {"sql": APP_SQL}, old_inputs={"sql": APP_SQL})
    assert list(restart.replaces) == ["state"]

    await provider.delete(APP, resource_id, stopped)
    assert (await client.execute(sql.select("queries", ["current_state"], {"id": resource_id}))).records() == [
        {"current_state": "terminated"}]
    assert local.server.counters.statements["BeginApplication"] == 1


async def test_importing_a_query_as_an_application_says_what_it_is(provider: Harness) -> None:
    await objects(provider, "src", "a")
    copy = 'INSERT INTO "db"."public"."a" SELECT * FROM "db"."public"."src"'
    query_id, _ = await provider.create(QUERY, {"sql": copy})
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await provider.read(APP, query_id)
    assert "not an application" in refused.value.details() and "deltastream:index:Query" in refused.value.details()


async def test_application_check_refuses_a_second_statement(provider: Harness) -> None:
    _, failures = await provider.check(APP, {"sql": APP_SQL + "\nDROP STORE events;"})
    assert "more SQL follows END APPLICATION" in failures["sql"]
    _, failures = await provider.check(APP, {"sql": "INSERT INTO a SELECT * FROM b"})
    assert "BEGIN APPLICATION" in failures["sql"]



async def test_an_errored_registry_fails_the_create_and_is_removed(provider: Harness, local: BackgroundServer,
                                                                  client: DeltaStreamClient) -> None:
    local.server.knobs.update({"errored_registries": "^bad", "registry_ready_s": 0})
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await provider.create(REGISTRY, {"name": "bad_registry", "confluent": {"uris": "https://r"}})
    assert "errored" in failed.value.details() and "settings" in failed.value.details()
    assert await catalog(client, "schema_registries", "bad_registry") == []  # no orphan


@pytest.mark.paused_clock
async def test_secret_create_waits_until_ready(provider: Harness, local: BackgroundServer,
                                               clock: ManualClock) -> None:
    local.server.knobs.update({"registry_ready_s": 30})
    pending = asyncio.ensure_future(provider.create(SECRET, SECRET_INPUTS))
    assert await asyncio.to_thread(local.server.counters.wait_for_statements, "Select", 1, 30)
    assert not pending.done()
    clock.advance(31)
    _, state = await pending
    assert state["status"] == "ready"
