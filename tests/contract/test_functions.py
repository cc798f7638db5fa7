"""Lookup functions over gRPC (FR-025-035): one SELECT each, ordered, capped, quoted, clear errors."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from testkit import TOKEN
from testkit.provider import Harness, invoke

from deltastream_local.runner import BackgroundServer
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import DeltaStreamClient
from deltastream_provider.plugin.wire import SecretValue
from deltastream_provider.resources import database, entity, namespace, schema_registry, secret, store
from deltastream_provider.resources import object as relation

T = "deltastream:index:"
HOSTILE = "x'; DROP DATABASE \"shop\"; --"


@pytest.fixture
async def provider(local: BackgroundServer, client: DeltaStreamClient) -> AsyncIterator[Harness]:
    for statement in [
        database.create_statement("shop"), database.create_statement("analytics"), database.create_statement(HOSTILE),
        namespace.create_statement("shop", "raw"), namespace.create_statement("analytics", "raw"),
        store.create_statement("kafka_1", [("type", sql.Bare("KAFKA")), ("uris", "b:1"),
                                           ("kafka.sasl.hash_function", sql.Bare("NONE"))]),
        store.create_statement("pg_1", [("type", sql.Bare("POSTGRESQL")), ("uris", "postgresql://nowhere.invalid:1/x"),
                                        ("postgres.username", "u"), ("postgres.password", sql.SecretLiteral("p"))]),
        relation.create_statement("changelog", "shop", "raw", "orders",
                                  [relation.ColumnDef("id", "BIGINT", False),
                                   relation.ColumnDef("total", "DECIMAL(10, 2)"),
                                   relation.ColumnDef("at", "TIMESTAMP_LTZ(3)")], ["id"], [("store", "kafka_1")]),
        relation.create_statement("stream", "shop", "raw", "clicks", [relation.ColumnDef("id", "BIGINT")], [],
                                  [("store", "kafka_1")]),
    ]:
        await client.execute(statement)
    harness = await Harness().start()
    await harness.configure(server=local.url, apiKey=SecretValue(TOKEN))
    local.server.counters.statements.clear()
    yield harness
    await harness.stop()


#: Besides its one SELECT, getObject reads the columns and the query lookups read the SQL (LIST QUERIES).
READS = {"Select", "DescribeRelationColumns", "ListObjects"}


def selects(local: BackgroundServer) -> int:
    counts = local.server.counters.statements
    assert set(counts) <= READS, f"a lookup ran something else: {dict(counts)}"
    return counts["Select"]


async def test_get_database(provider: Harness, local: BackgroundServer) -> None:
    result, _ = await invoke(provider, T + "getDatabase", {"name": "shop"})
    assert result["name"] == "shop" and result["owner"] == "sysadmin" and result["createdAt"].endswith("Z")
    assert selects(local) == 1


async def test_not_found_names_what_and_where(provider: Harness, local: BackgroundServer) -> None:
    for token, args, text in [
        ("getDatabase", {"name": "nope"}, "database with name 'nope' not found"),
        ("getNamespace", {"database": "shop", "name": "nope"}, "namespace with database 'shop', name 'nope' not found"),
        ("getStore", {"name": "kafka_1", "type": "postgres"}, "store with name 'kafka_1', type 'Postgres' not found"),
        ("getObject", {"database": "shop", "namespace": "raw", "name": "nope"},
         "object with database 'shop', namespace 'raw', name 'nope' not found"),
        ("getQuery", {"name": "nope"}, "query with name 'nope' not found"),
    ]:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await invoke(provider, T + token, args)
        assert text in error.value.details()
    assert selects(local) == 5


async def test_singular_lookup_matching_several_is_an_error(provider: Harness, client: DeltaStreamClient,
                                                            local: BackgroundServer) -> None:
    await client.execute(relation.create_statement("stream", "shop", "raw", "dst", [relation.ColumnDef("id", "BIGINT")],
                                                   [], [("store", "kafka_1")]))
    copy = 'INSERT INTO "shop"."raw"."dst" SELECT id FROM "shop"."raw"."clicks"'
    for _ in range(2):  # an application's query carries the application's name
        await client.execute(sql.raw(f"BEGIN APPLICATION copy {copy}; END APPLICATION"))
    local.server.counters.statements.clear()
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await invoke(provider, T + "getQuery", {"name": "copy"})
    assert "2 queries match name 'copy'" in error.value.details()
    result, _ = await invoke(provider, T + "getQuery", {"name": "copy", "version": 2})
    assert result["version"] == 2 and result["state"] == "running"
    assert result["sql"] == f"BEGIN APPLICATION copy {copy}; END APPLICATION"  # as LIST QUERIES shows it
    assert selects(local) == 2


async def test_plural_functions_filter_and_order(provider: Harness, local: BackgroundServer) -> None:
    databases, _ = await invoke(provider, T + "getDatabases", {})
    assert [d["name"] for d in databases["databases"]] == sorted(["shop", "analytics", HOSTILE])
    namespaces, _ = await invoke(provider, T + "getNamespaces", {"database": "shop"})
    assert [n["name"] for n in namespaces["namespaces"]] == ["public", "raw"]
    by_name, _ = await invoke(provider, T + "getNamespaces", {"name": "raw"})
    assert [(n["database"], n["name"]) for n in by_name["namespaces"]] == [("analytics", "raw"), ("shop", "raw")]
    stores, _ = await invoke(provider, T + "getStores", {"type": "KAFKA"})
    assert [s["name"] for s in stores["stores"]] == ["kafka_1"]
    objects, _ = await invoke(provider, T + "getObjects", {"database": "shop", "namespace": "raw"})
    assert [(o["name"], o["kind"], o["store"]) for o in objects["objects"]] == [
        ("clicks", "stream", "kafka_1"), ("orders", "changelog", "kafka_1")]
    assert selects(local) == 5


async def test_get_object_has_columns_kind_and_store_in_one_select(provider: Harness, local: BackgroundServer) -> None:
    result, _ = await invoke(provider, T + "getObject", {"database": "shop", "namespace": "raw", "name": "orders"})
    assert result["kind"] == "changelog" and result["store"] == "kafka_1" and result["primaryKey"] == ["id"]
    assert result["fqn"] == '"shop"."raw"."orders"'
    assert result["columns"] == [{"name": "id", "type": "BIGINT", "nullable": False},
                                 {"name": "total", "type": "DECIMAL(10, 2)", "nullable": True},
                                 {"name": "at", "type": "TIMESTAMP_LTZ(3)", "nullable": True}]
    assert selects(local) == 1


async def test_secrets_never_come_back(provider: Harness) -> None:
    result, _ = await invoke(provider, T + "getStore", {"name": "pg_1", "type": "postgresql"})
    assert result["type"] == "Postgres" and "password" not in str(result).lower()


async def test_hostile_values_are_quoted(provider: Harness, local: BackgroundServer) -> None:
    result, _ = await invoke(provider, T + "getDatabase", {"name": HOSTILE})
    assert result["name"] == HOSTILE
    empty, _ = await invoke(provider, T + "getObjects", {"database": "shop' OR '1'='1"})
    assert empty["objects"] == []
    assert len((await invoke(provider, T + "getDatabases", {}))[0]["databases"]) == 3  # nothing was dropped
    assert selects(local) == 3


async def test_cap_of_200_with_a_warning(provider: Harness, client: DeltaStreamClient, local: BackgroundServer,
                                         caplog: pytest.LogCaptureFixture) -> None:
    for i in range(203):
        await client.execute(database.create_statement(f"bulk_{i:03d}"))
    local.server.counters.statements.clear()
    warnings: list[str] = []

    async def warn(message: str, urn: str = "") -> None:
        warnings.append(message)

    provider.provider.engine.warn = warn  # type: ignore[method-assign]
    result, _ = await invoke(provider, T + "getDatabases", {})
    assert len(result["databases"]) == 200
    assert result["databases"][0]["name"] == "analytics" and result["databases"][-1]["name"] == "bulk_198"
    assert warnings == ["getDatabases: more than 200 databases match; only the first 200 (by name) are returned. "
                        "Narrow the filters to see the rest."]
    assert selects(local) == 1


async def test_argument_failures_and_query_id_validation(provider: Harness) -> None:
    _, failures = await invoke(provider, T + "getNamespace", {"database": "shop"})
    assert "name" in failures
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await invoke(provider, T + "getQuery", {"queryId": "1; DROP DATABASE shop"})
    assert "not a query id" in error.value.details()
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await invoke(provider, T + "getQuery", {})
    assert "exactly one of queryId or name" in error.value.details()


async def test_secret_and_schema_registry_lookups(provider: Harness, client: DeltaStreamClient,
                                                  local: BackgroundServer) -> None:
    for name in ("b_token", "a_token"):
        await client.execute(secret.create_statement(name, [("type", sql.Bare("generic_string")),
                                                            ("description", name),
                                                            ("secret_string", sql.SecretLiteral("value-" + name))]))
    await client.execute(schema_registry.create_statement("cloud", [
        ("type", sql.Bare("CONFLUENT_CLOUD")), ("uris", "u"), ("confluent_cloud.key", sql.SecretLiteral("k")),
        ("confluent_cloud.secret", sql.SecretLiteral("s"))]))
    await client.execute(schema_registry.create_statement("own", [("type", sql.Bare("CONFLUENT")), ("uris", "u")]))
    local.server.counters.statements.clear()
    found, _ = await invoke(provider, T + "getSecret", {"name": "a_token"})
    assert (found["type"], found["status"], found["description"]) == ("generic_string", "ready", "a_token")
    assert "value-" not in repr(found)
    secrets, _ = await invoke(provider, T + "getSecrets", {"type": "generic_string"})
    assert [s["name"] for s in secrets["secrets"]] == ["a_token", "b_token"]
    registry, _ = await invoke(provider, T + "getSchemaRegistry", {"name": "cloud"})
    assert registry["type"] == "ConfluentCloud" and registry["status"] == "ready"
    registries, _ = await invoke(provider, T + "getSchemaRegistries", {"type": "Confluent"})
    assert [r["name"] for r in registries["schemaRegistries"]] == ["own"]
    for token, args, text in [("getSecret", {"name": "nope"}, "secret with name 'nope' not found"),
                              ("getSchemaRegistry", {"name": "nope"}, "schema registry with name 'nope' not found")]:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await invoke(provider, T + token, args)
        assert text in error.value.details()
    assert selects(local) == 6


async def test_get_entities_is_one_list(provider: Harness, client: DeltaStreamClient, local: BackgroundServer) -> None:
    for topic in ("zeta", "alpha", "mid"):
        await client.execute(entity.create_statement([topic], "kafka_1", [("kafka.partitions", 2)]))
    local.server.counters.statements.clear()
    result, _ = await invoke(provider, T + "getEntities", {"store": "kafka_1"})
    # clicks and orders: the topics the streams made for themselves (issue 33: a stream creates its missing topic)
    assert result["entities"] == [{"name": n, "path": [n], "isLeaf": True}
                                  for n in ("alpha", "clicks", "mid", "orders", "zeta")]
    assert dict(local.server.counters.statements) == {"ListEntities": 1}
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await invoke(provider, T + "getEntities", {"store": "nope"})
    assert "nope" in error.value.details()


async def test_get_entities_caps_at_200(provider: Harness, client: DeltaStreamClient) -> None:
    for i in range(201):
        await client.execute(entity.create_statement([f"t{i:03d}"], "kafka_1", []))
    warnings: list[str] = []

    async def warn(message: str, urn: str = "") -> None:
        warnings.append(message)

    provider.provider.engine.warn = warn  # type: ignore[method-assign]
    result, _ = await invoke(provider, T + "getEntities", {"store": "kafka_1"})
    # the first 200 by name: the streams' topics clicks and orders, then t000 to t197
    assert len(result["entities"]) == 200 and result["entities"][-1]["name"] == "t197"
    assert warnings == ["getEntities: more than 200 entities match; only the first 200 (by name) are returned. "
                        "Narrow the filters to see the rest."]
