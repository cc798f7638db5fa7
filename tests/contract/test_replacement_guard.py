"""A change never causes a silent outage (issue 30): a replacement that would take down what depends on it fails at
preview, naming it (read from the local server: relations, the queries reading them, the stores naming a registry,
the gap in a secret's life), unless the program sets ``acceptReplacement``; with nothing depending on it, it goes
ahead. Over gRPC against the local server, with the reads a refusal costs counted exactly."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import DeltaStreamClient
from deltastream_provider.plugin.wire import SecretValue
from tests.contract.test_provider_grpc import DB, INSERT, KAFKA, NS, OBJ, QUERY, STORE, obj

SECRET, REGISTRY, ENTITY = (f"deltastream:index:{n}" for n in ("Secret", "SchemaRegistry", "Entity"))
TOKEN_VALUE = "first-token-value-31"
SECRET_PROPS = {"name": "partner", "secretString": TOKEN_VALUE, "description": "partner API"}
REGISTERED = {**KAFKA, "kafka": {**KAFKA["kafka"], "schemaRegistryName": "sr"}}
Diff = provider_pb2.DiffResponse


async def refused(provider: Harness, type_: str, resource_id: str, olds: dict[str, Any],
                  news: dict[str, Any]) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await provider.diff(type_, resource_id, olds, news)
    return error.value.details() or ""


def sent_since(local: BackgroundServer, before: int) -> list[str]:
    return list(local.server.counters.texts)[before:]


# --- Secret ---------------------------------------------------------------------------------------

async def test_a_secret_change_fails_the_preview_naming_the_gap_and_sends_nothing(
        provider: Harness, local: BackgroundServer) -> None:
    _, state = await provider.create(SECRET, SECRET_PROPS)
    before = len(local.server.counters.texts)
    for news in ({**SECRET_PROPS, "secretString": "second-token-value-32"}, {**SECRET_PROPS, "description": "new"}):
        message = await refused(provider, SECRET, "partner", state, news)
        assert "secret 'partner' itself" in message and "no secret of that name exists" in message, message
        assert "`acceptReplacement: true`" in message and "Nothing was changed" in message, message
        assert "second-token-value-32" not in message and TOKEN_VALUE not in message
    assert sent_since(local, before) == []  # nothing in the catalog says what uses a secret: nothing is read


async def test_an_accepted_secret_rotation_replaces_and_the_permission_alone_is_no_change(
        provider: Harness, local: BackgroundServer) -> None:
    _, state = await provider.create(SECRET, SECRET_PROPS)
    accepted = {**SECRET_PROPS, "secretString": "second-token-value-32", "acceptReplacement": True}
    diff = await provider.diff(SECRET, "partner", state, accepted)
    assert list(diff.replaces) == ["secretString"] and diff.deleteBeforeReplace
    assert "acceptReplacement" not in diff.diffs
    alone = await provider.diff(SECRET, "partner", state, {**SECRET_PROPS, "acceptReplacement": True})
    assert alone.changes == Diff.DIFF_NONE


async def test_an_imported_secrets_first_value_is_taken_as_held_and_sends_nothing(
        provider: Harness, local: BackgroundServer) -> None:
    """An import cannot read the value back: the program's first value is taken as DeltaStream's, with a warning and
    no replacement (which would leave no secret between DROP and CREATE); a later change is a rotation again."""
    await provider.create(SECRET, SECRET_PROPS)
    _, state, inputs = await provider.read(SECRET, "partner")  # as `pulumi import` reads it
    assert inputs["secretString"] == SecretValue("")  # never shown by DeltaStream
    before = len(local.server.counters.texts)
    diff = await provider.diff(SECRET, "partner", state, SECRET_PROPS, old_inputs=inputs)
    assert diff.changes == Diff.DIFF_NONE and not diff.replaces
    assert sent_since(local, before) == []
    recorded = {**state, "secretString": TOKEN_VALUE}  # the value the engine then records from the program
    message = await refused(provider, SECRET, "partner", recorded, {**SECRET_PROPS, "secretString": "second-value"})
    assert "no secret of that name exists" in message and TOKEN_VALUE not in message


async def test_an_out_of_band_description_change_is_refused_not_replaced(
        provider: Harness, client: DeltaStreamClient) -> None:
    _, state = await provider.create(SECRET, SECRET_PROPS)
    await client.execute(sql.statement(["UPDATE SECRET \"partner\" WITH ('description' = 'changed in the UI')"]))
    _, refreshed, inputs = await provider.read(SECRET, "partner", state, SECRET_PROPS)
    assert inputs["description"] == "changed in the UI"
    message = await refused(provider, SECRET, "partner", refreshed, SECRET_PROPS)
    assert "changing description would replace Secret 'partner'" in message, message


# --- Store ----------------------------------------------------------------------------------------

async def store_with_streams_and_a_query(provider: Harness) -> tuple[str, dict[str, Any]]:
    """A registry, a Kafka store naming it, two streams on the store and a query between them."""
    await provider.create(REGISTRY, {"name": "sr", "confluent": {"uris": "https://sr:8081"}})
    await provider.create(DB, {"name": "db"})
    _, store = await provider.create(STORE, REGISTERED)
    await provider.create(OBJ, obj("src"))
    await provider.create(OBJ, obj("dst"))
    query_id, _ = await provider.create(QUERY, {"sql": INSERT})
    return query_id, store


async def test_removing_the_registry_of_a_store_in_use_is_refused_naming_streams_and_query(
        provider: Harness, local: BackgroundServer) -> None:
    query_id, store = await store_with_streams_and_a_query(provider)
    detached = {**KAFKA, "kafka": dict(KAFKA["kafka"])}
    before = len(local.server.counters.texts)
    message = await refused(provider, STORE, "events", store, detached)
    assert "changing kafka.schemaRegistryName (removed) would replace Store 'events'" in message, message
    assert '"db"."public"."src"' in message and '"db"."public"."dst"' in message, message
    assert query_id in message and "started again from the start" in message, message
    assert "`acceptReplacement: true`" in message and "p4ssw0rd-secret" not in message
    sent = sent_since(local, before)
    assert len(sent) == 2 and 'FROM deltastream.sys."relations" WHERE "store_name" = \'events\'' in sent[0], sent
    assert sent[1].startswith("LIST QUERIES"), sent  # the refusal's whole budget: two reads
    accepted = await provider.diff(STORE, "events", store, {**detached, "acceptReplacement": True})
    assert list(accepted.replaces) == ["kafka"]


async def test_a_store_with_nothing_on_it_is_replaced(provider: Harness) -> None:
    await provider.create(REGISTRY, {"name": "sr", "confluent": {"uris": "https://sr:8081"}})
    _, store = await provider.create(STORE, REGISTERED)
    diff = await provider.diff(STORE, "events", store, KAFKA)
    assert list(diff.replaces) == ["kafka"]  # nothing depends on it: replaced, not refused


async def test_a_change_update_store_makes_in_place_reads_nothing(provider: Harness, local: BackgroundServer) -> None:
    await store_with_streams_and_a_query(provider)
    _, store, _ = await provider.read(STORE, "events", {}, REGISTERED)
    before = len(local.server.counters.texts)
    rotated = {**REGISTERED, "kafka": {**REGISTERED["kafka"], "saslPassword": "rotated-password-7"}}
    diff = await provider.diff(STORE, "events", store, rotated)
    assert diff.changes == Diff.DIFF_SOME and list(diff.replaces) == []
    assert sent_since(local, before) == []


# --- Database, Namespace, SchemaRegistry, Entity -----------------------------------------------------

async def test_database_namespace_registry_and_entity_replacements_name_what_they_take_down(
        provider: Harness) -> None:
    query_id, _ = await store_with_streams_and_a_query(provider)
    message = await refused(provider, DB, "db", {"name": "db"}, {"name": "db2"})
    assert "Database 'db'" in message and '"db"."public"."src"' in message and query_id in message, message

    await provider.create(NS, {"database": "db", "name": "raw"})
    await provider.create(OBJ, obj("raw_events", namespace="raw"))
    message = await refused(provider, NS, "db/raw", {"database": "db", "name": "raw"}, {"database": "db", "name": "r2"})
    assert '"db"."raw"."raw_events"' in message and '"db"."public"."src"' not in message, message
    empty = await provider.diff(NS, "db/other", {"database": "db", "name": "other"}, {"database": "db", "name": "o2"})
    assert list(empty.replaces) == ["name"]  # nothing in it

    registry = {"name": "sr", "confluent": {"uris": "https://sr:8081"}}
    message = await refused(provider, REGISTRY, "sr", registry, {"name": "sr", "confluentCloud": {
        "uris": "https://sr.cloud", "key": "k", "secret": "s3cret-registry"}})
    assert "store(s) naming the registry, replaced with it: events" in message and query_id in message, message
    assert "s3cret-registry" not in message

    topic = {"store": "events", "path": ["orders"], "kafka": {"partitions": 1, "replicas": 1}}
    _, entity = await provider.create(ENTITY, topic)
    message = await refused(provider, ENTITY, "events/orders", entity,
                            {**topic, "kafka": {"partitions": 1, "replicas": 3}})
    assert "entity orders of store 'events' and everything in it" in message, message


# --- import ---------------------------------------------------------------------------------------

async def test_importing_a_sasl_kafka_store_reads_the_user_name(provider: Harness) -> None:
    await provider.create(STORE, KAFKA)
    _, _, inputs = await provider.read(STORE, "events")
    assert inputs["kafka"]["saslUsername"] == "alice" and inputs["kafka"]["saslHashFunction"] == "PLAIN"
    diff = await provider.diff(STORE, "events", inputs, {**KAFKA, "kafka": {**inputs["kafka"],
                                                                            "saslPassword": "p4ssw0rd-secret"}})
    assert list(diff.replaces) == [] and "kafka.saslUsername" not in diff.detailedDiff



async def test_another_registry_for_a_kafka_store_is_one_update_in_place(
        provider: Harness, local: BackgroundServer) -> None:
    _, store = await store_with_streams_and_a_query(provider)
    await provider.create(REGISTRY, {"name": "sr2", "confluent": {"uris": "https://sr2:8081"}})
    moved = {**REGISTERED, "kafka": {**REGISTERED["kafka"], "schemaRegistryName": "sr2"}}
    diff = await provider.diff(STORE, "events", store, moved)
    assert list(diff.replaces) == [] and "kafka.schemaRegistryName" in diff.detailedDiff
    before = len(local.server.counters.texts)
    await provider.update(STORE, "events", store, moved)
    updates = [text for text in sent_since(local, before) if text.startswith("UPDATE STORE")]
    assert len(updates) == 1 and "'kafka.schema_registry_name' = 'sr2'" in updates[0], updates
    _, _, inputs = await provider.read(STORE, "events", {}, moved)
    assert inputs["kafka"]["schemaRegistryName"] == "sr2"
    ran = local.server.counters.statements
    assert ran["DropStore"] == 0 and ran["TerminateQuery"] == 0


async def test_a_provider_not_configured_yet_previews_the_replacement_and_up_refuses_it() -> None:
    """A preview whose provider configuration is still unknown cannot read DeltaStream: the replacement is shown; the
    `up` that follows is configured and refuses it (the test above)."""
    unconfigured = await Harness().start()
    try:
        diff = await unconfigured.diff(SECRET, "partner", SECRET_PROPS, {**SECRET_PROPS, "secretString": "v2"})
    finally:
        await unconfigured.stop()
    assert list(diff.replaces) == ["secretString"]


# --- Object ---------------------------------------------------------------------------------------

async def test_replacing_an_object_a_query_reads_is_refused_naming_the_query(
        provider: Harness, local: BackgroundServer) -> None:
    """DeltaStream refuses to drop a relation a running query names, so Pulumi would replace the query with it."""
    query_id, _ = await store_with_streams_and_a_query(provider)
    _, src = await provider.create(OBJ, obj("unread"))  # no query names it
    _, state, _ = await provider.read(OBJ, "db/public/src", {}, obj("src"))
    before = len(local.server.counters.texts)
    message = await refused(provider, OBJ, "db/public/src", state, obj("src", valueFormat="avro"))
    assert "changing valueFormat would replace DeltaStreamObject 'db/public/src'" in message, message
    assert query_id in message and "started again from the start" in message, message
    assert "another object (a new name)" in message and "`acceptReplacement: true`" in message, message
    sent = sent_since(local, before)
    assert len(sent) == 2 and '"name" = \'src\'' in sent[0] and sent[1].startswith("LIST QUERIES"), sent
    accepted = await provider.diff(OBJ, "db/public/src", state, obj("src", valueFormat="avro", acceptReplacement=True))
    assert list(accepted.replaces) == ["valueFormat"]
    alone = await provider.diff(OBJ, "db/public/src", state, obj("src", acceptReplacement=True), old_inputs=obj("src"))
    assert alone.changes == Diff.DIFF_NONE  # the permission alone is no change
    free = await provider.diff(OBJ, "db/public/unread", src, obj("unread", valueFormat="avro"))
    assert list(free.replaces) == ["valueFormat"]  # nothing reads it: replaced, not refused
