"""Stores of the kinds issue 34 adds (S3, Iceberg REST, ClickHouse, Databricks) over gRPC against the local server:
each is created, read, its credentials rotated in place by UPDATE STORE and imported, with no credential in any log
line, trace or error; bad input fails at Check naming the property, before any request; what UPDATE STORE cannot do
(a type change, an optional credential removed) replaces; an object over such a store is refused before it is sent;
the stand-in takes each type's closed set of keys."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2
from testkit import TOKEN
from testkit.provider import Harness, invoke

from deltastream_local.runner import BackgroundServer
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import DeltaStreamClient
from deltastream_provider.errors import SQLError
from deltastream_provider.plugin.engine_log import EngineLog
from deltastream_provider.plugin.wire import SecretValue
from deltastream_provider.resources import store
from tests.contract.test_provider_grpc import DB, OBJ, STORE, obj
from tests.contract.test_secret_redaction import Logged, logged, messages_once

__all__ = ["logged"]  # the fixture, used by name

Diff = provider_pb2.DiffResponse

KINDS: dict[str, dict[str, Any]] = {
    "s3": {"uris": "https://lake.s3.us-west-2.amazonaws.com/", "iamRoleArn": "arn:aws:iam::123456789012:role/ds",
           "iamExternalId": "external-7", "accessKeyId": "AKIAS3EXAMPLE", "secretAccessKey": "s3-secret-key-11"},
    "icebergRest": {"uris": "https://catalog.example.com/api", "catalogId": "warehouse", "clientId": "client-3",
                    "clientSecret": "iceberg-client-secret-12", "clientScope": "PRINCIPAL_ROLE:ALL"},
    "clickhouse": {"uris": "jdbc:clickhouse://ch.example.com:8443", "username": "loader",
                   "password": "clickhouse-password-13"},
    "databricks": {"uris": "https://dbc-1.cloud.databricks.com", "appToken": "dapi-app-token-14",
                   "warehouseId": "wh-1", "accessKeyId": "AKIADBEXAMPLE", "secretAccessKey": "db-secret-key-15",
                   "cloudS3Bucket": "lake-bucket", "cloudRegion": "AWS us-west-2"},
}
SECRETS = {"s3": ("secretAccessKey",), "icebergRest": ("clientSecret",), "clickhouse": ("password",),
           "databricks": ("appToken", "secretAccessKey")}
#: What the stand-in shows masked, so an import cannot read it: the credentials and the access key ids.
UNREADABLE = {"s3": {"secretAccessKey", "accessKeyId"}, "icebergRest": {"clientSecret"}, "clickhouse": {"password"},
              "databricks": {"appToken", "secretAccessKey", "accessKeyId"}}
REPORTED = {"s3": "S3", "icebergRest": "IcebergRest", "clickhouse": "ClickHouse", "databricks": "Databricks"}


def program(kind: str, **changed: Any) -> dict[str, Any]:
    return {"name": f"store_{kind.lower()}", kind: {**KINDS[kind], **changed}}


def wrapped(props: dict[str, Any], kind: str) -> dict[str, Any]:
    """The inputs as the engine sends them after Check: each secret wrapped."""
    return {**props, kind: {k: SecretValue(v) if k in SECRETS[kind] else v for k, v in props[kind].items()}}


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_a_store_is_created_read_rotated_in_place_and_imported_with_no_credential_logged(
        local: BackgroundServer, logged: Logged, capfd: pytest.CaptureFixture[str], kind: str) -> None:
    first = program(kind)
    rotated = program(kind, **{k: f"rotated-{k}-99" for k in SECRETS[kind]})
    harness = await Harness().start()
    harness.provider.engine = EngineLog(logged.address)
    try:
        await harness.configure(server=local.url, apiKey=SecretValue(TOKEN))
        resource_id, state = await harness.create(STORE, wrapped(first, kind))
        assert resource_id == first["name"] and state["type"] == REPORTED[kind] and state["status"] == "ready"
        assert all(state[kind][k] == SecretValue(KINDS[kind][k]) for k in SECRETS[kind])

        diff = await harness.diff(STORE, resource_id, state, wrapped(rotated, kind), old_inputs=first)
        assert diff.changes == Diff.DIFF_SOME and not diff.replaces and list(diff.diffs) == [kind]
        updated = await harness.update(STORE, resource_id, state, wrapped(rotated, kind))
        assert all(updated[kind][k] == SecretValue(rotated[kind][k]) for k in SECRETS[kind])
        assert local.server.counters.statements["UpdateStore"] == 1

        _, refreshed, inputs = await harness.read(STORE, resource_id, updated, rotated)
        assert inputs[kind] == {**rotated[kind], **{k: SecretValue(rotated[kind][k]) for k in SECRETS[kind]}}
        _, _, imported = await harness.read(STORE, resource_id)
        readable = {k: v for k, v in KINDS[kind].items() if k not in UNREADABLE[kind]}
        given = {k: v for k, v in imported[kind].items() if (v.value if isinstance(v, SecretValue) else v) != ""}
        assert given == readable  # the credentials (required ones imported empty) are left to the program
        await harness.delete(STORE, resource_id, refreshed)
        assert local.server.counters.statements["DropStore"] == 1
    finally:
        await harness.stop()
    messages = await messages_once(logged.engine, "UPDATE STORE")  # the statement traces reached the engine
    everything = "\n".join([*messages, *logged.records.lines, *capfd.readouterr()])
    assert f'CREATE STORE "{first["name"]}"' in everything and "****" in everything
    for secret in [*(first[kind][k] for k in SECRETS[kind]), *(rotated[kind][k] for k in SECRETS[kind])]:
        assert secret not in everything, secret


@pytest.mark.parametrize("props, path, says", [
    ({"clickhouse": {"uris": "jdbc:clickhouse://h:8443", "username": "u"}}, "clickhouse.password", "password"),
    ({"s3": {"uris": "https://b.s3.amazonaws.com/", "iamRoleArn": "arn:aws:iam::1:role/r"}}, "s3.iamExternalId",
     "s3.iamExternalId is required with s3.iamRoleArn"),
    ({"s3": {"uris": "https://b.s3.amazonaws.com/", "secretAccessKey": "x"}}, "s3.accessKeyId",
     "s3.accessKeyId is required with s3.secretAccessKey"),
    ({"icebergRest": {"uris": "https://c/api", "catalogId": "w", "clientId": "c"}}, "icebergRest.clientSecret",
     "icebergRest.clientSecret is required with icebergRest.clientId"),
    ({"icebergRest": {"uris": "https://c/api"}}, "icebergRest.catalogId", "catalogId"),
    ({"databricks": {**KINDS["databricks"], "warehousePort": 70000}}, "databricks.warehousePort", "not a port"),
    ({"s3": KINDS["s3"], "clickhouse": KINDS["clickhouse"]}, "kafka", "(got s3, clickhouse)"),
], ids=["clickhouse-password", "s3-role-half", "s3-key-half", "iceberg-client-half", "iceberg-catalog",
        "databricks-port", "two-blocks"])
async def test_bad_input_fails_at_check_naming_the_property(provider: Harness, local: BackgroundServer,
                                                            props: dict[str, Any], path: str, says: str) -> None:
    _, failures = await provider.check(STORE, {"name": "bad", **props})
    assert path in failures and says in failures[path], failures
    assert sum(local.server.counters.requests.values()) == 0


async def test_what_update_store_cannot_do_replaces(provider: Harness) -> None:
    _, state = await provider.create(STORE, program("s3"))
    without_keys = program("s3")
    del without_keys["s3"]["accessKeyId"], without_keys["s3"]["secretAccessKey"]
    diff = await provider.diff(STORE, "store_s3", state, without_keys, program("s3"))
    assert list(diff.replaces) == ["s3"]  # UPDATE STORE cannot clear a credential pair
    clickhouse = {**program("clickhouse"), "name": "store_s3"}
    diff = await provider.diff(STORE, "store_s3", state, clickhouse, program("s3"))
    assert set(diff.replaces) == {"s3", "clickhouse"} and diff.deleteBeforeReplace  # a type change
    _, state = await provider.create(STORE, program("icebergRest"))
    no_scope = program("icebergRest")
    del no_scope["icebergRest"]["clientScope"]
    diff = await provider.diff(STORE, "store_icebergrest", state, no_scope, program("icebergRest"))
    assert list(diff.replaces) == ["icebergRest"]


async def test_the_databricks_store_sends_terraforms_keys_and_its_port(provider: Harness,
                                                                       client: DeltaStreamClient) -> None:
    await provider.create(STORE, program("databricks", warehousePort=8443))
    described = (await client.execute(store.describe_statement("store_databricks"))).rows[0]
    assert '"databricks.warehouse_port": 8443' in described[0] and '"databricks.app_token": "****"' in described[0]
    assert '"sql_warehouse_id": "wh-1"' in described[2] and '"cloud_provider_bucket": "lake-bucket"' in described[2]


async def test_an_object_over_a_new_kind_of_store_is_refused_before_it_is_sent(provider: Harness,
                                                                              local: BackgroundServer) -> None:
    await provider.create(DB, {"name": "db"})
    await provider.create(STORE, program("clickhouse"))
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await provider.create(OBJ, obj("facts", store="store_clickhouse"))
    details = refused.value.details() or ""
    assert "store 'store_clickhouse' is of store type ClickHouse" in details and "set store to a Kafka" in details
    assert "with a Query" in details
    assert "CreateStream" not in local.server.counters.statements


async def test_the_lookups_find_the_new_types(provider: Harness) -> None:
    for kind in KINDS:
        await provider.create(STORE, program(kind))
    found, _ = await invoke(provider, "deltastream:index:getStores", {"type": "CLICKHOUSE"})
    assert [(s["name"], s["type"]) for s in found["stores"]] == [("store_clickhouse", "ClickHouse")]
    found, _ = await invoke(provider, "deltastream:index:getStores", {"type": "iceberg_rest"})
    assert [s["type"] for s in found["stores"]] == ["IcebergRest"]
    one, _ = await invoke(provider, "deltastream:index:getStore", {"name": "store_databricks"})
    assert one["type"] == "Databricks"


@pytest.mark.parametrize("kind, extra", [
    ("S3", ("tls.disabled", False)), ("CLICKHOUSE", ("clickhouse.database", "x")),
    ("ICEBERG_REST", ("aws.region", "us-east-1")), ("DATABRICKS", ("kafka.sasl.username", "u"))])
async def test_the_stand_in_takes_only_each_types_keys(client: DeltaStreamClient, kind: str,
                                                       extra: tuple[str, sql.PropertyValue]) -> None:
    with pytest.raises(SQLError) as refused:
        await client.execute(store.create_statement("closed", [("type", sql.Bare(kind)), ("uris", "u"), extra]))
    assert refused.value.code == "3D008" and repr(extra[0]) in str(refused.value)


@pytest.mark.parametrize("kind", sorted(KINDS))
async def test_each_kind_spends_the_stores_request_budget(provider: Harness, local: BackgroundServer,
                                                          kind: str) -> None:
    """Create, read, update and delete of each new kind cost what the Store's sample (a Kafka store) budgets."""
    def requests() -> int:
        return sum(local.server.counters.requests.values())

    spent: dict[str, int] = {}
    before = requests()
    resource_id, state = await provider.create(STORE, program(kind))
    spent["create"], before = requests() - before, requests()
    await provider.read(STORE, resource_id, state, program(kind))
    spent["read"], before = requests() - before, requests()
    state = await provider.update(STORE, resource_id, state, program(kind, uris=KINDS[kind]["uris"] + "x"))
    spent["update"], before = requests() - before, requests()
    await provider.delete(STORE, resource_id, state)
    spent["delete"] = requests() - before
    assert spent == dict(store.SAMPLE.budget)
