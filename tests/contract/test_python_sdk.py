"""DeltaStream's Python SDK (deltastream-sdk, on the official connector) runs its resource managers locally.

Each test is one flow of the SDK, run unchanged: a manager's list / get / create / update / delete / exists or one of
its own operations. A flow is one of three kinds, and its test says which:

* it works: the SDK returns what DeltaStream returns, and the test asserts what comes back;
* the SDK sends SQL that DeltaStream does not take (a statement missing from DeltaStream's statement list, as
  dbt-deltastream's documentation/syntax_support.md gives it, and sent by no other DeltaStream client; or parameters
  the other clients and the docs spell otherwise): the test asserts the refusal, with the SQLSTATE the local server
  answers, and names the statement;
* the local server does not emulate it at all (compute pools, functions): the test asserts that it is refused as not
  supported, never faked.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable
from typing import Any

import pytest
from deltastream.api.blob import Blob
from deltastream.api.error import SQLError as ConnectorSQLError
from deltastream_sdk import DeltaStreamClient
from deltastream_sdk.exceptions import SQLError
from deltastream_sdk.models import (
    ChangelogCreateParams,
    EntityUpdateParams,
    SchemaRegistryUpdateParams,
    StoreUpdateParams,
)
from testkit import TOKEN

from deltastream_local.runner import BackgroundServer

KAFKA = {"uris": "broker-1:9092", "kafka.sasl.hash_function": "PLAIN", "kafka.sasl.username": "user",
         "kafka.sasl.password": "secret"}
COLUMNS = [{"name": "viewtime", "type": "BIGINT"}, {"name": "userid", "type": "VARCHAR"},
           {"name": "pageid", "type": "VARCHAR"}]
#: DESCRIBE / LIST of an entity that does not exist (dbt-deltastream's get_entity takes 3D020 as not found).
ENTITY_NOT_FOUND = "3D020"
REGISTRY = "CREATE SCHEMA_REGISTRY \"sr\" WITH ('type' = CONFLUENT, 'uris' = 'https://registry:8081')"


async def _token() -> str:
    return TOKEN


def client_for(local: BackgroundServer, **settings: Any) -> DeltaStreamClient:
    """The SDK's own client, pointed at the local server the way a user points it at DeltaStream."""
    return DeltaStreamClient(server_url=local.url, token_provider=_token,
                             organization_id=local.server.catalog.organization.id, role_name="sysadmin", **settings)


@pytest.fixture
def sdk(local: BackgroundServer) -> DeltaStreamClient:
    return client_for(local)


@pytest.fixture
async def kafka(sdk: DeltaStreamClient) -> AsyncIterator[DeltaStreamClient]:
    """A database `analytics` and a Kafka store `kafka`, both the session's (as the SDK's examples set them up)."""
    await sdk.execute_sql('CREATE DATABASE "analytics"')
    await sdk.use_database("analytics")
    await sdk.stores.create_kafka_store("kafka", KAFKA)
    await sdk.use_store("kafka")
    yield sdk


@pytest.fixture
async def pageviews(kafka: DeltaStreamClient) -> AsyncIterator[DeltaStreamClient]:
    """`kafka` plus the topic `pageviews` and a stream `pv` over it."""
    await kafka.entities.create(name="pageviews", store="kafka", params={"kafka.partitions": 2})
    await kafka.streams.create_with_schema(name="pv", columns=COLUMNS, store="kafka", topic="pageviews",
                                           value_format="JSON")
    yield kafka


def sql_state(error: BaseException) -> str:
    """The SQLSTATE DeltaStream answered, found under the SDK's wrappers (SQLError from ConnectionError from the
    connector's SQLError)."""
    seen: BaseException | None = error
    while seen is not None:
        if isinstance(seen, ConnectorSQLError):
            return str(seen.code.value)
        seen = seen.__cause__ or seen.__context__
    raise AssertionError(f"no SQL error under {error!r}")


async def refused(call: Awaitable[Any]) -> str:
    """Run an SDK call that DeltaStream refuses; return the SQLSTATE."""
    with pytest.raises(Exception) as caught:  # the SDK wraps in several classes; the SQLSTATE under them is checked
        await call
    return sql_state(caught.value)


# --- the client ---------------------------------------------------------------------------------------------------


async def test_client_test_connection(sdk: DeltaStreamClient) -> None:
    assert await sdk.test_connection() is True


async def test_client_from_environment(local: BackgroundServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELTASTREAM_SERVER_URL", local.url)
    monkeypatch.setenv("DELTASTREAM_TOKEN", TOKEN)
    monkeypatch.setenv("DELTASTREAM_ORGANIZATION_ID", local.server.catalog.organization.id)
    client = DeltaStreamClient.from_environment()
    await client.execute_sql('CREATE DATABASE "from_env"')
    assert [d.name for d in await client.databases.list()] == ["from_env"]


async def test_client_execute_and_query_sql(sdk: DeltaStreamClient) -> None:
    await sdk.execute_sql('CREATE DATABASE "analytics"')
    rows = await sdk.query_sql("LIST DATABASES")
    assert [(r["Name"], r["IsDefault"], r["Owner"]) for r in rows] == [("analytics", False, "sysadmin")]
    assert rows[0]["CreatedAt"].year >= 2025


async def test_client_use_sets_the_session(kafka: DeltaStreamClient) -> None:
    await kafka.execute_sql('CREATE SCHEMA "raw"')
    await kafka.use_schema("raw")
    context = kafka.connection.rsctx
    assert (context.database_name, context.schema_name, context.store_name) == ("analytics", "raw", "kafka")
    assert (await kafka.get_current_database(), await kafka.get_current_schema(),
            await kafka.get_current_store()) == ("analytics", "raw", "kafka")


async def test_client_current_objects_from_listings(local: BackgroundServer) -> None:
    """Without a cached name the SDK lists and takes the default, else the first."""
    setup = client_for(local)
    await setup.execute_sql('CREATE DATABASE "analytics"')
    await setup.stores.create_kafka_store("kafka", KAFKA)
    fresh = client_for(local)
    assert await fresh.get_current_database() == "analytics"
    assert await fresh.get_current_store() == "kafka"
    await fresh.use_database("analytics")
    fresh._current_schema = None  # the SDK caches only what it was told; ask it to list
    assert await fresh.get_current_schema() == "public"


# --- databases ----------------------------------------------------------------------------------------------------


async def test_databases_list(sdk: DeltaStreamClient) -> None:
    await sdk.execute_sql('CREATE DATABASE "b_db"')
    await sdk.execute_sql('CREATE DATABASE "a_db"')
    listed = await sdk.databases.list()
    assert [(d.name, d.is_default, d.owner) for d in listed] == [("a_db", False, "sysadmin"),
                                                                 ("b_db", False, "sysadmin")]
    assert listed[0].created_at is not None


async def test_databases_create(sdk: DeltaStreamClient) -> None:
    """CREATE DATABASE works; the SDK then reads it back with DESCRIBE DATABASE, which DeltaStream has not."""
    assert await refused(sdk.databases.create(name="analytics")) == "42601"
    assert [d.name for d in await sdk.databases.list()] == ["analytics"]


async def test_databases_get(sdk: DeltaStreamClient) -> None:
    """DESCRIBE DATABASE is no DeltaStream statement."""
    await sdk.execute_sql('CREATE DATABASE "analytics"')
    assert await refused(sdk.databases.get("analytics")) == "42601"


async def test_databases_update(sdk: DeltaStreamClient) -> None:
    """The SDK sends only a comment (`-- No updates specified ...`), which holds no statement."""
    await sdk.execute_sql('CREATE DATABASE "analytics"')
    assert await refused(sdk.databases.update("analytics")) == "42601"


async def test_databases_delete(sdk: DeltaStreamClient) -> None:
    await sdk.execute_sql('CREATE DATABASE "analytics"')
    await sdk.databases.delete("analytics")
    assert await sdk.databases.list() == []
    assert await refused(sdk.databases.delete("analytics")) == "3D002"


async def test_databases_exists(sdk: DeltaStreamClient) -> None:
    """exists() reads with DESCRIBE DATABASE, so it is false for every database."""
    await sdk.execute_sql('CREATE DATABASE "analytics"')
    assert await sdk.databases.exists("analytics") is False


# --- schemas ------------------------------------------------------------------------------------------------------


async def test_schemas_list(kafka: DeltaStreamClient) -> None:
    await kafka.execute_sql('CREATE SCHEMA "raw"')
    listed = await kafka.schemas.list()
    assert [(s.name, s.is_default) for s in listed] == [("public", True), ("raw", False)]


async def test_schemas_create(kafka: DeltaStreamClient) -> None:
    """CREATE SCHEMA in the session's database works; the read back is DESCRIBE SCHEMA, which DeltaStream has not."""
    assert await refused(kafka.schemas.create(name="raw")) == "42601"
    assert [s.name for s in await kafka.schemas.list()] == ["public", "raw"]


async def test_schemas_get(kafka: DeltaStreamClient) -> None:
    assert await refused(kafka.schemas.get("public")) == "42601"


async def test_schemas_update(kafka: DeltaStreamClient) -> None:
    assert await refused(kafka.schemas.update("public")) == "42601"


async def test_schemas_delete(kafka: DeltaStreamClient) -> None:
    await kafka.execute_sql('CREATE SCHEMA "raw"')
    await kafka.schemas.delete("raw")
    assert [s.name for s in await kafka.schemas.list()] == ["public"]
    assert await refused(kafka.schemas.delete("raw")) == "3D003"


async def test_schemas_exists(kafka: DeltaStreamClient) -> None:
    assert await kafka.schemas.exists("public") is False


# --- stores -------------------------------------------------------------------------------------------------------


async def test_stores_list(kafka: DeltaStreamClient) -> None:
    (store,) = await kafka.stores.list()
    assert (store.name, store.get("Type"), store.get("State"), store.is_default, store.owner) == (
        "kafka", "Kafka", "ready", False, "sysadmin")
    assert store.created_at is not None and store.updated_at is not None
    assert store.parameters == {}


async def test_stores_list_by_type(kafka: DeltaStreamClient) -> None:
    """LIST STORES takes no WHERE clause in DeltaStream (the SDK adds `WHERE type = ...`)."""
    assert await refused(kafka.stores.list(type="Kafka")) == "42601"


async def test_stores_create_kafka(sdk: DeltaStreamClient) -> None:
    store = await sdk.stores.create_kafka_store("kafka", KAFKA)
    assert store.name == "kafka"
    rows = await sdk.query_sql("LIST STORES")
    assert [(r["Name"], r["Type"], r["State"]) for r in rows] == [("kafka", "Kafka", "ready")]


async def test_stores_create_kafka_with_ca_file(sdk: DeltaStreamClient) -> None:
    """The SDK's docstring example `'tls.ca_cert_file' = '@/path/to/ca.pem'`: the SDK sends no attachment (its calls
    take none), and DeltaStream reads the certificate only from one."""
    params = {**KAFKA, "tls.ca_cert_file": "@/path/to/ca.pem"}
    assert await refused(sdk.stores.create_kafka_store("kafka", params)) == "3D008"


async def test_stores_create_kafka_with_registry(sdk: DeltaStreamClient) -> None:
    """The SDK's docstring names a store's registry with `'schema_registry_name'`: the store uses that registry,
    which must exist."""
    await sdk.execute_sql(REGISTRY)
    await sdk.stores.create_kafka_store("kafka", {**KAFKA, "schema_registry_name": "sr"})
    (described,) = await sdk.query_sql('DESCRIBE STORE "kafka"')
    assert described["SchemaRegistry"] == "sr"
    assert await refused(sdk.schema_registries.delete("sr")) == "2BP01"
    missing = {**KAFKA, "schema_registry_name": "missing"}
    assert await refused(sdk.stores.create_kafka_store("other", missing)) == "3D009"


async def test_stores_create_kinesis(sdk: DeltaStreamClient) -> None:
    store = await sdk.stores.create_kinesis_store("kinesis", {
        "uris": "https://kinesis.us-east-1.amazonaws.com", "kinesis.account.id": "123456789012",
        "kinesis.access_key_id": "AKIA", "kinesis.secret_access_key": "secret"})
    assert store.name == "kinesis"
    assert [(s.name, s.get("Type")) for s in await sdk.stores.list()] == [("kinesis", "Kinesis")]


async def test_stores_create_kinesis_with_role(sdk: DeltaStreamClient) -> None:
    """The SDK's docstring example: a Kinesis store reached through an IAM role, with no account id."""
    await sdk.stores.create_kinesis_store("kinesis", {
        "uris": "https://kinesis.us-east-1.amazonaws.com", "kinesis.iam_role_arn": "arn:aws:iam::123456789012:role/r",
        "kinesis.access_key_id": "AKIA", "kinesis.secret_access_key": "secret"})
    assert [(s.name, s.get("State")) for s in await sdk.stores.list()] == [("kinesis", "ready")]
    neither = {"uris": "https://kinesis.us-east-1.amazonaws.com"}
    assert await refused(sdk.stores.create_kinesis_store("other", neither)) == "3D021"


async def test_stores_create_postgres(sdk: DeltaStreamClient) -> None:
    store = await sdk.stores.create(name="pg", type="POSTGRESQL", parameters={
        "uris": "postgresql://db.example.com:5432/sales", "postgres.username": "reader",
        "postgres.password": "secret"})
    assert store.name == "pg"
    assert [(s.name, s.get("Type")) for s in await sdk.stores.list()] == [("pg", "Postgres")]


async def test_stores_create_missing_parameter(sdk: DeltaStreamClient) -> None:
    """DeltaStream checks a store's parameters: a Kafka store needs its SASL credentials."""
    params = {"uris": "broker-1:9092", "kafka.sasl.hash_function": "PLAIN"}
    assert await refused(sdk.stores.create_kafka_store("kafka", params)) == "3D021"


async def test_stores_get(kafka: DeltaStreamClient) -> None:
    """DESCRIBE STORE answers one row of seven columns; the SDK keeps only the name from it."""
    store = await kafka.stores.get("kafka")
    assert store.name == "kafka"
    assert await refused(kafka.stores.get("missing")) == "3D006"


async def test_stores_update(kafka: DeltaStreamClient) -> None:
    store = await kafka.stores.update("kafka", params=StoreUpdateParams(parameters={"uris": "broker-2:9092"}))
    assert store.name == "kafka"
    rows = await kafka.query_sql('DESCRIBE STORE "kafka"')
    assert rows[0]["Uris"] == "broker-2:9092"


async def test_stores_delete(kafka: DeltaStreamClient) -> None:
    await kafka.stores.delete("kafka")
    assert await kafka.stores.list() == []
    assert await refused(kafka.stores.delete("kafka")) == "3D006"


async def test_stores_test_connection(kafka: DeltaStreamClient) -> None:
    """TEST STORE is no DeltaStream statement."""
    assert await refused(kafka.stores.test_connection("kafka")) == "42601"


async def test_stores_exists(kafka: DeltaStreamClient) -> None:
    assert await kafka.stores.exists("kafka") is True
    assert await kafka.stores.exists("missing") is False


# --- entities -----------------------------------------------------------------------------------------------------


async def test_entities_create(kafka: DeltaStreamClient) -> None:
    """The SDK's insert_entity example: a topic with partitions, replicas and topic configs."""
    entity = await kafka.entities.create(name="pageviews", store="kafka", params={
        "kafka.partitions": 2, "kafka.replicas": 1, "kafka.topic.retention.ms": "604800000"})
    assert entity.name == "pageviews"
    (described,) = await kafka.query_sql('DESCRIBE ENTITY "pageviews" IN STORE "kafka"')
    assert (described["Partitions"], described["Replicas"]) == (2, 1)


async def test_entities_create_in_another_store(kafka: DeltaStreamClient) -> None:
    """CREATE ENTITY ... IN STORE "pg" works, but the SDK reads it back with DESCRIBE ENTITY without IN STORE, which
    looks in the session's store."""
    await kafka.stores.create(name="pg", type="POSTGRESQL", parameters={
        "uris": "postgresql://db.example.com:5432/sales", "postgres.username": "reader",
        "postgres.password": "secret"})
    assert await refused(kafka.entities.create(name="public", store="pg")) == ENTITY_NOT_FOUND
    assert [e.name for e in await kafka.entities.list_entities(store="pg")] == ["public"]


async def test_entities_list(pageviews: DeltaStreamClient) -> None:
    listed = await pageviews.entities.list()
    assert [(e.name, e.is_leaf) for e in listed] == [("pageviews", True)]


async def test_entities_list_in_store(pageviews: DeltaStreamClient) -> None:
    await pageviews.stores.create(name="pg", type="POSTGRESQL", parameters={
        "uris": "postgresql://db.example.com:5432/sales", "postgres.username": "reader",
        "postgres.password": "secret"})
    await pageviews.execute_sql('CREATE ENTITY "public" IN STORE "pg"')
    assert [(e.name, e.is_leaf) for e in await pageviews.entities.list_entities(store="pg")] == [("public", False)]
    assert [e.name for e in await pageviews.entities.list_entities(store="kafka")] == ["pageviews"]


async def test_entities_list_under_path(kafka: DeltaStreamClient) -> None:
    """LIST ENTITIES IN "<path>" IN STORE: the children of a PostgreSQL schema (none yet)."""
    await kafka.stores.create(name="pg", type="POSTGRESQL", parameters={
        "uris": "postgresql://db.example.com:5432/sales", "postgres.username": "reader",
        "postgres.password": "secret"})
    await kafka.execute_sql('CREATE ENTITY "public" IN STORE "pg"')
    assert await kafka.entities.list_entities(store="pg", entity_path="public") == []
    assert await refused(kafka.entities.list_entities(store="pg", entity_path="missing")) == ENTITY_NOT_FOUND


async def test_entities_get(pageviews: DeltaStreamClient) -> None:
    """DESCRIBE ENTITY in the session's store; the SDK keeps the name of its one row."""
    assert (await pageviews.entities.get("pageviews")).name == "pageviews"


async def test_entities_update_schema(pageviews: DeltaStreamClient) -> None:
    """`UPDATE ENTITY ... SET SCHEMA (...)`: DeltaStream's UPDATE ENTITY takes a WITH clause (dbt-deltastream's
    update entity macro), no SET."""
    params = EntityUpdateParams(schema_definition="viewtime BIGINT")
    assert await refused(pageviews.entities.update("pageviews", params=params)) == "42601"


async def test_entities_update_nothing(pageviews: DeltaStreamClient) -> None:
    """Without a schema the SDK sends only a comment, which holds no statement."""
    assert await refused(pageviews.entities.update("pageviews")) == "42601"


async def test_entities_delete(kafka: DeltaStreamClient) -> None:
    await kafka.entities.create(name="scratch", store="kafka")
    await kafka.entities.delete("scratch")
    assert await kafka.entities.list() == []


async def test_entities_delete_read_by_stream(pageviews: DeltaStreamClient) -> None:
    """A topic a stream reads cannot be dropped."""
    assert await refused(pageviews.entities.delete("pageviews")) == "2BP01"


async def test_entities_exists(pageviews: DeltaStreamClient) -> None:
    assert await pageviews.entities.exists("pageviews") is True
    assert await pageviews.entities.exists("missing") is False


async def printed(sdk: DeltaStreamClient, entity: str) -> list[dict[str, object]]:
    """The records PRINT ENTITY shows, each value parsed."""
    return [json.loads(str(r["Value"])) for r in await sdk.query_sql(f'PRINT ENTITY "{entity}" IN STORE "kafka"')]


async def test_entities_insert_one(pageviews: DeltaStreamClient) -> None:
    await pageviews.entities.insert_values("pageviews", [{"viewtime": 1, "userid": "u1", "pageid": "p1"}],
                                           store="kafka")
    assert await printed(pageviews, "pageviews") == [{"viewtime": 1, "userid": "u1", "pageid": "p1"}]


async def test_entities_insert_many(pageviews: DeltaStreamClient) -> None:
    await pageviews.entities.insert_values("pageviews", [{"viewtime": 1, "userid": "u1", "pageid": "p1"},
                                                         '{"viewtime": 2, "userid": "u2", "pageid": "p2"}'])
    assert await printed(pageviews, "pageviews") == [{"viewtime": 1, "userid": "u1", "pageid": "p1"},
                                                     {"viewtime": 2, "userid": "u2", "pageid": "p2"}]


# --- streams ------------------------------------------------------------------------------------------------------


async def test_streams_create_with_schema(kafka: DeltaStreamClient) -> None:
    stream = await kafka.streams.create_with_schema(
        name="pv", columns=COLUMNS, store="kafka", topic="pageviews", key_format="JSON", value_format="JSON",
        timestamp_column="viewtime", error_handling="IGNORE_AND_LOG", error_log_topic="errors",
        error_log_store="kafka")
    assert stream.name == "pv"
    (row,) = await kafka.query_sql("LIST RELATIONS")
    assert (row["Name"], row["Type"], row["State"]) == ("pv", "stream", "created")
    columns = await kafka.query_sql('DESCRIBE RELATION COLUMNS "pv"')
    assert [(c["name"], c["type"]) for c in columns] == [(c["name"], c["type"]) for c in COLUMNS]


async def test_streams_create_from_select(pageviews: DeltaStreamClient) -> None:
    stream = await pageviews.streams.create_from_select(name="pv_copy", sql_definition="SELECT * FROM pv",
                                                        store="kafka", topic="pv_copy")
    assert stream.name == "pv_copy"
    queries = await pageviews.query_sql("LIST QUERIES")
    assert [q["ActualState"] for q in queries] == ["running"]
    assert 'CREATE STREAM "pv_copy" AS SELECT * FROM pv' in queries[0]["Query"]


async def test_streams_list(pageviews: DeltaStreamClient) -> None:
    """LIST STREAMS is no DeltaStream statement (DeltaStream lists relations with LIST RELATIONS)."""
    assert await refused(pageviews.streams.list()) == "0A000"


async def test_streams_list_filtered(pageviews: DeltaStreamClient) -> None:
    assert await refused(pageviews.streams.list(database="analytics", schema="public")) == "42601"


async def test_streams_get(pageviews: DeltaStreamClient) -> None:
    assert (await pageviews.streams.get("pv")).name == "pv"
    assert await refused(pageviews.streams.get("missing")) == "3D020"


async def test_streams_update(pageviews: DeltaStreamClient) -> None:
    """The SDK refuses a stream update itself, before sending anything."""
    with pytest.raises(SQLError, match="Stream updates are limited"):
        await pageviews.streams.update("pv")


async def test_streams_delete(pageviews: DeltaStreamClient) -> None:
    await pageviews.streams.delete("pv")
    assert await pageviews.query_sql("LIST RELATIONS") == []
    assert await refused(pageviews.streams.delete("pv")) == "3D020"


async def test_streams_delete_read_by_query(pageviews: DeltaStreamClient) -> None:
    """A stream a running query reads cannot be dropped until the query is terminated."""
    await pageviews.streams.create_from_select(name="pv_copy", sql_definition="SELECT * FROM pv")
    assert await refused(pageviews.streams.delete("pv")) == "2BP01"
    (query,) = await pageviews.query_sql("LIST QUERIES")
    await pageviews.execute_sql(f"TERMINATE QUERY {query['ID']}")
    await pageviews.streams.delete("pv_copy")
    await pageviews.streams.delete("pv")
    assert await pageviews.query_sql("LIST RELATIONS") == []


async def test_streams_exists(pageviews: DeltaStreamClient) -> None:
    assert await pageviews.streams.exists("pv") is True
    assert await pageviews.streams.exists("missing") is False


async def test_streams_start(pageviews: DeltaStreamClient) -> None:
    """START STREAM is no DeltaStream statement (a query starts with the statement that creates it)."""
    assert await refused(pageviews.streams.start("pv")) == "42601"


async def test_streams_stop(pageviews: DeltaStreamClient) -> None:
    """STOP STREAM is no DeltaStream statement (TERMINATE QUERY stops a query)."""
    assert await refused(pageviews.streams.stop("pv")) == "42601"


async def test_streams_get_status(pageviews: DeltaStreamClient) -> None:
    """`DESCRIBE QUERY "<stream>"`: DESCRIBE QUERY takes a query id, not the name of a relation."""
    await pageviews.streams.create_from_select(name="pv_copy", sql_definition="SELECT * FROM pv")
    assert await refused(pageviews.streams.get_status("pv_copy")) == "42601"


# --- changelogs ---------------------------------------------------------------------------------------------------

COUNTS = "SELECT userid, COUNT(*) AS views FROM pv GROUP BY userid"


async def test_changelogs_create(pageviews: DeltaStreamClient) -> None:
    """CREATE CHANGELOG ... AS SELECT works (the relation and its query exist); the read back is DESCRIBE CHANGELOG,
    which DeltaStream has not."""
    params = ChangelogCreateParams(name="views_by_user", sql_definition=COUNTS)
    assert await refused(pageviews.changelogs.create(params=params)) == "42601"
    kinds = {r["Name"]: r["Type"] for r in await pageviews.query_sql("LIST RELATIONS")}
    assert kinds == {"pv": "stream", "views_by_user": "changelog"}
    assert [q["ActualState"] for q in await pageviews.query_sql("LIST QUERIES")] == ["running"]


async def test_changelogs_list(pageviews: DeltaStreamClient) -> None:
    """LIST CHANGELOGS is no DeltaStream statement."""
    assert await refused(pageviews.changelogs.list()) == "0A000"


async def test_changelogs_get(pageviews: DeltaStreamClient) -> None:
    assert await refused(pageviews.changelogs.get("pv")) == "42601"


async def test_changelogs_update(pageviews: DeltaStreamClient) -> None:
    """Only a comment is sent, which holds no statement."""
    assert await refused(pageviews.changelogs.update("pv")) == "42601"


async def test_changelogs_delete(pageviews: DeltaStreamClient) -> None:
    await pageviews.execute_sql(f'CREATE CHANGELOG "views_by_user" AS {COUNTS}')
    (query,) = await pageviews.query_sql("LIST QUERIES")
    await pageviews.execute_sql(f"TERMINATE QUERY {query['ID']}")
    await pageviews.changelogs.delete("views_by_user")
    assert [r["Name"] for r in await pageviews.query_sql("LIST RELATIONS")] == ["pv"]


async def test_changelogs_exists(pageviews: DeltaStreamClient) -> None:
    await pageviews.execute_sql(f'CREATE CHANGELOG "views_by_user" AS {COUNTS}')
    assert await pageviews.changelogs.exists("views_by_user") is False


# --- schema registries --------------------------------------------------------------------------------------------


async def test_schema_registries_create(sdk: DeltaStreamClient) -> None:
    """The SDK sends `'url'` and no `'type'`; DeltaStream needs `'type'` and `'uris'` (Terraform's and
    dbt-deltastream's CREATE SCHEMA_REGISTRY)."""
    call = sdk.schema_registries.create(name="sr", url="https://registry:8081", username="u", password="p")
    assert await refused(call) == "3D021"


async def test_schema_registries_list(sdk: DeltaStreamClient) -> None:
    await sdk.execute_sql(REGISTRY)
    (registry,) = await sdk.schema_registries.list()
    assert (registry.name, registry.registry_type, registry.get("Status"), registry.owner) == (
        "sr", "Confluent", "ready", "sysadmin")


async def test_schema_registries_get(sdk: DeltaStreamClient) -> None:
    """DESCRIBE SCHEMA_REGISTRY is no DeltaStream statement."""
    await sdk.execute_sql(REGISTRY)
    assert await refused(sdk.schema_registries.get("sr")) == "42601"


async def test_schema_registries_update(sdk: DeltaStreamClient) -> None:
    """The UPDATE is taken; the read back is DESCRIBE SCHEMA_REGISTRY."""
    await sdk.execute_sql(REGISTRY)
    params = SchemaRegistryUpdateParams(url="https://registry-2:8081")
    assert await refused(sdk.schema_registries.update("sr", params=params)) == "42601"


async def test_schema_registries_delete(sdk: DeltaStreamClient) -> None:
    await sdk.execute_sql(REGISTRY)
    await sdk.schema_registries.delete("sr")
    assert await sdk.schema_registries.list() == []
    assert await refused(sdk.schema_registries.delete("sr")) == "3D009"


# --- function and descriptor sources -----------------------------------------------------------------------------

#: Each source kind: the SDK's manager, and the file it holds (DeltaStream takes it as an attachment named by 'file').
SOURCES = {"FUNCTION_SOURCE": ("function_sources", "udfs.jar"), "DESCRIPTOR_SOURCE": ("descriptor_sources",
                                                                                       "pageviews.desc")}


async def create_source(sdk: DeltaStreamClient, kind: str, name: str) -> None:
    """As dbt-deltastream creates one: `WITH ('file' = '<attachment>')` and the file sent with the statement (the
    SDK's own calls send no attachment, so the connector under it does)."""
    file_name = SOURCES[kind][1]
    await sdk.connection.exec(f"CREATE {kind} \"{name}\" WITH ('file' = '{file_name}');",
                              attachments=[Blob.from_bytes(b"PK\x03\x04", name=file_name)])


@pytest.mark.parametrize("kind", sorted(SOURCES))
async def test_sources_list(sdk: DeltaStreamClient, kind: str) -> None:
    await create_source(sdk, kind, "src")
    (source,) = await getattr(sdk, SOURCES[kind][0]).list()
    assert (source.name, source.owner) == ("src", "sysadmin")


@pytest.mark.parametrize("kind", sorted(SOURCES))
async def test_sources_create(sdk: DeltaStreamClient, kind: str) -> None:
    """`CREATE <kind> "n" FROM '<path>'`: DeltaStream takes the file as `WITH ('file' = ...)` with an attachment
    (dbt-deltastream's create_function_source / create_descriptor_source)."""
    manager = getattr(sdk, SOURCES[kind][0])
    assert await refused(manager.create(name="src", file_path="/tmp/udfs.jar")) == "42601"
    assert await manager.list() == []


@pytest.mark.parametrize("kind", sorted(SOURCES))
async def test_sources_get(sdk: DeltaStreamClient, kind: str) -> None:
    """DESCRIBE FUNCTION_SOURCE / DESCRIPTOR_SOURCE are no DeltaStream statements."""
    await create_source(sdk, kind, "src")
    assert await refused(getattr(sdk, SOURCES[kind][0]).get("src")) == "42601"


@pytest.mark.parametrize("kind", sorted(SOURCES))
async def test_sources_delete(sdk: DeltaStreamClient, kind: str) -> None:
    await create_source(sdk, kind, "src")
    manager = getattr(sdk, SOURCES[kind][0])
    await manager.delete("src")
    assert await manager.list() == []
    assert await refused(manager.delete("src")) == {"FUNCTION_SOURCE": "3D018", "DESCRIPTOR_SOURCE": "3D011"}[kind]


# --- not emulated by the local server -----------------------------------------------------------------------------

async def test_compute_pools_list_update_stop_start_and_delete_what_dbt_creates(sdk: DeltaStreamClient) -> None:
    """The local server takes dbt's compute pool keys; the SDK's list, stop, start and delete work on such a pool
    (a running pool is stopped before it is dropped), its own keys ('size', 'min.units', ...: they conflict with
    dbt's, see contract.yaml) are refused."""
    await sdk.execute_sql("CREATE COMPUTE_POOL \"pool\" WITH ('compute_pool.size' = 'small')")
    assert [(p.name, p.intended_state, p.actual_state) for p in await sdk.compute_pools.list()] == \
        [("pool", "running", "running")]
    assert await refused(sdk.compute_pools.update("pool", size="MEDIUM")) == "42601"
    assert await refused(sdk.compute_pools.create(name="other", size="SMALL")) == "42601"
    assert await refused(sdk.compute_pools.delete("pool")) == "3E004"
    await sdk.compute_pools.stop("pool")
    await sdk.compute_pools.start("pool")
    await sdk.compute_pools.stop("pool")
    assert [(p.intended_state, p.actual_state) for p in await sdk.compute_pools.list()] == [("stopped", "stopped")]
    await sdk.compute_pools.delete("pool")
    assert await sdk.compute_pools.list() == []
    assert await refused(sdk.compute_pools.delete("pool")) == "3D023"


NOT_EMULATED = {
    "compute_pools.get": ("compute_pools", "get", ("pool",)),
    "functions.get": ("functions", "get", ("fn",)),
    "functions.create": ("functions", "create", ()), "functions.delete": ("functions", "delete", ("fn",)),
}


async def test_functions_list_reads_list_functions(sdk: DeltaStreamClient) -> None:
    """LIST FUNCTIONS is served (the functions family): the SDK's list reads it, empty in a new organization."""
    assert await sdk.functions.list() == []


@pytest.mark.parametrize("flow", sorted(NOT_EMULATED))
async def test_not_emulated(sdk: DeltaStreamClient, flow: str) -> None:
    """Compute pools' DESCRIBE and the SDK's own function statements (DESCRIBE FUNCTION, CREATE FUNCTION .. AS,
    DROP FUNCTION without a signature) are not emulated: they are refused 42601, and nothing is pretended."""
    manager, operation, args = NOT_EMULATED[flow]
    call = getattr(getattr(sdk, manager), operation)
    if operation == "create" and manager == "functions":
        pending = call(name="fn", definition="'com.example.Fn'")
    elif operation == "create":
        pending = call(name="pool", size="SMALL")
    elif operation == "update":
        pending = call(*args, size="MEDIUM")
    else:
        pending = call(*args)
    assert await refused(pending) == "42601"
