"""Every provider operation over gRPC against the local server, as the engine calls them (no CLI)."""

from __future__ import annotations

from pathlib import Path

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2, status_pb2
from testkit import TOKEN
from testkit.provider import Harness, invoke

from deltastream_components.registry import COMPONENTS
from deltastream_local.runner import BackgroundServer
from deltastream_provider.deltastream.client import DeltaStreamClient
from deltastream_provider.kinds import registry
from deltastream_provider.model.unknown import UNKNOWN
from deltastream_provider.plugin.wire import SecretValue
from deltastream_provider.resources import compute_pool, continuous, database, store
from deltastream_provider.resources import object as relation
from tests.certificates import self_signed
from tests.conftest import ManualClock
from tests.contract.conftest import configured

SCHEMA_YAML = Path(__file__).resolve().parents[2] / "schema.yaml"
DB, NS, STORE, OBJ, QUERY = (f"deltastream:index:{n}"
                              for n in ("Database", "Namespace", "Store", "DeltaStreamObject", "Query"))
KAFKA = {"name": "events", "kafka": {"uris": "b:9092", "saslHashFunction": "PLAIN", "saslUsername": "alice",
                                     "saslPassword": "p4ssw0rd-secret"}}
Diff = provider_pb2.DiffResponse


def columns(*specs: str) -> list[dict[str, object]]:
    return [{"name": n, "type": t} for n, t in (s.split(":") for s in specs)]


def obj(name: str, **extra: object) -> dict[str, object]:
    return {"database": "db", "namespace": "public", "name": name, "kind": "stream", "store": "events",
            "columns": columns("id:BIGINT", "body:VARCHAR"), **extra}


async def base(provider: Harness) -> None:
    await provider.create(DB, {"name": "db"})
    await provider.create(STORE, KAFKA)


# --- configuration ------------------------------------------------------------------------------

async def test_configure_rejects_missing_api_key_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DELTASTREAM_API_KEY", raising=False)
    harness = await Harness().start()
    try:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await harness.configure(server="http://127.0.0.1:1/v2")
        assert "pulumi config set --secret deltastream:apiKey" in error.value.details()
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await harness.configure(server="ftp://x", apiKey="k")
        assert "server" in error.value.details() and "/v2" in error.value.details()
    finally:
        await harness.stop()


async def test_configure_falls_back_to_environment(local: BackgroundServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DELTASTREAM_SERVER", local.url)
    monkeypatch.setenv("DELTASTREAM_API_KEY", TOKEN)
    harness = await Harness().start()
    try:
        await harness.configure()
        assert (await harness.create(DB, {"name": "from_env"}))[0] == "from_env"
    finally:
        await harness.stop()


async def test_schema_is_served(provider: Harness) -> None:
    import json

    import yaml

    checked_in = SCHEMA_YAML.read_text()
    schema = json.loads(await provider.schema())
    assert schema == yaml.safe_load(checked_in)
    served = {r.token for r in registry.resources()} | {c.token for c in COMPONENTS}
    assert set(schema["resources"]) == served and {DB, NS, STORE, OBJ, QUERY} < served
    assert set(schema["functions"]) == {f.token for f in registry.functions()}
    assert schema["config"]["variables"]["apiKey"]["secret"] is True


async def test_check_and_diff_leave_the_http_client_unmade(provider: Harness) -> None:
    """A no-change preview sends nothing, so it neither imports nor builds the HTTP client; the first create does."""
    await provider.check(DB, {"name": "lazy"})
    await provider.diff(DB, "lazy", {"name": "lazy"}, {"name": "lazy"})
    assert provider.provider.client is None
    await provider.create(DB, {"name": "lazy"})
    assert provider.provider.client is not None


# --- check --------------------------------------------------------------------------------------

@pytest.mark.parametrize("type_, news, prop, text", [
    (DB, {}, "name", "required"),
    (DB, {"name": "bad\nname"}, "name", "control character"),
    (DB, {"name": " padded"}, "name", "leading or trailing"),
    (DB, {"name": 3}, "name", "must be a str"),
    (STORE, {"name": "s"}, "kafka", "exactly one of"),
    (STORE, {"name": "s", "kafka": {"uris": "b:1", "saslHashFunction": "PLAIN"}}, "kafka.saslUsername", "required"),
    (STORE, {"name": "s", "kafka": {"uris": "b:1", "saslHashFunction": "MD5"}}, "kafka.saslHashFunction", "one of"),
    (STORE, {"name": "s", "kafka": {"uris": "b:1", "saslHashFunction": "NONE", "tlsCaCert": "/etc/ca.pem"}},
     "kafka.tlsCaCert", "PEM content"),
    (STORE, {"name": "s", "postgres": {"uris": "pg:5432", "username": "u", "password": "p"}}, "postgres.uris",
     "names no database"),
    (STORE, {"name": "s", "snowflake": {"uris": "u", "accountId": "a", "cloudRegion": "r", "warehouseName": "w",
                                        "roleName": "r", "username": "u", "clientKey": "base64=="}},
     "snowflake.clientKey", "PEM content"),
    (OBJ, obj("o", columns=[]), "columns", "at least one column"),
    (OBJ, obj("o", kind="changelog"), "primaryKey", "needs a primary key"),
    (OBJ, obj("o", primaryKey=["nope"]), "primaryKey", "not among the columns"),
    (OBJ, obj("o", columns=columns("a:VARCHAR); DROP DATABASE db; --")), "columns[0].type", "column type"),
    (OBJ, obj("o", columns=[{"name": "a", "type": 'STRUCT<a INT>, "injected" STRUCT<b INT>'}]), "columns[0].type",
     "not one column type"),
    (QUERY, {"sql": 'INSERT INTO "db"."public"."dst" SELECT * FROM "db"."public"."src"; DROP DATABASE victim'},
     "sql", "exactly one statement"),
    (QUERY, {"sql": "INSERT INTO dst SELECT * FROM src WHERE x = 'open"}, "sql", "unterminated string"),
    (OBJ, obj("o", columns=columns("a:VARCHAR", "a:BIGINT")), "columns[1].name", "declared twice"),
    (QUERY, {"sql": "   ;"}, "sql", "sql is empty"),
    (QUERY, {"sql": "DROP DATABASE db"}, "sql", "continuous query"),
])
async def test_check_names_the_property_and_sends_nothing(provider: Harness, local: BackgroundServer, type_: str,
                                                          news: dict, prop: str, text: str) -> None:
    _, failures = await provider.check(type_, news)
    assert prop in failures and text in failures[prop], failures
    assert sum(local.server.counters.requests.values()) == 0


async def test_check_marks_declared_secrets_secret(provider: Harness) -> None:
    inputs, failures = await provider.check(STORE, KAFKA)
    assert not failures
    assert inputs["kafka"]["saslPassword"] == SecretValue("p4ssw0rd-secret")
    assert inputs["kafka"]["saslUsername"] == "alice" and inputs["kafka"]["uris"] == "b:9092"  # an identifier


async def test_check_accepts_unknowns(provider: Harness) -> None:
    _, failures = await provider.check(OBJ, obj("o", database=UNKNOWN, columns=UNKNOWN))
    assert failures == {}


# --- database and namespace ---------------------------------------------------------------------

async def test_database_lifecycle(provider: Harness, local: BackgroundServer) -> None:
    resource_id, state = await provider.create(DB, {"name": "Analytics-东西"})
    assert resource_id == "Analytics-东西" and state["owner"] == "sysadmin" and state["createdAt"].endswith("Z")
    read_id, read_state, read_inputs = await provider.read(DB, resource_id, state, {"name": "Analytics-东西"})
    assert read_id == resource_id and read_state == state and read_inputs == {"name": "Analytics-东西"}
    await provider.delete(DB, resource_id, state)
    await provider.delete(DB, resource_id, state)  # idempotent
    assert (await provider.read(DB, resource_id, state, {"name": "Analytics-东西"}))[0] == ""


async def test_database_owner_change_is_an_update(provider: Harness) -> None:
    """GRANT OWNERSHIP changes it in place (tests/contract/test_ownership.py has the rest)."""
    _, state = await provider.create(DB, {"name": "db"})
    diff = await provider.diff(DB, "db", state, {"name": "db", "owner": "analyst"}, {"name": "db"})
    assert diff.changes == Diff.DIFF_SOME and list(diff.replaces) == []
    same = await provider.diff(DB, "db", state, {"name": "db", "owner": "sysadmin"}, {"name": "db"})
    assert same.changes == Diff.DIFF_NONE


async def test_database_created_as_its_owner(provider: Harness) -> None:
    _, state = await provider.create(DB, {"name": "owned", "owner": "analyst"})
    assert state["owner"] == "analyst"


async def test_rename_replaces_and_preview_sends_nothing(provider: Harness, local: BackgroundServer) -> None:
    _, state = await provider.create(DB, {"name": "db"})
    diff = await provider.diff(DB, "db", state, {"name": "db2"}, {"name": "db"})
    assert diff.changes == Diff.DIFF_SOME and list(diff.replaces) == ["name"] and diff.deleteBeforeReplace
    assert diff.detailedDiff["name"].kind == provider_pb2.PropertyDiff.UPDATE_REPLACE
    before = dict(local.server.counters.statements)
    _, preview = await provider.create(DB, {"name": "db2"}, preview=True)
    # a preview of a create asks for its privilege (CAN I CREATE_DATABASE) once per process, then sends nothing
    assert preview["createdAt"] is UNKNOWN and local.server.counters.statements == {**before, "CanI": 1}
    await provider.create(DB, {"name": "db3"}, preview=True)
    assert local.server.counters.statements == {**before, "CanI": 1}


async def test_namespace_lifecycle_and_public_hint(provider: Harness) -> None:
    await provider.create(DB, {"name": "db"})
    resource_id, state = await provider.create(NS, {"database": "db", "name": "raw/zone"})
    assert resource_id == '"db"."raw/zone"'
    assert (await provider.read(NS, resource_id))[1]["name"] == "raw/zone"  # import by ID
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await provider.create(NS, {"database": "db", "name": "public"})
    assert "42P06" in error.value.details() and "from the start" in error.value.details()
    await provider.delete(NS, resource_id, state)
    assert (await provider.read(NS, resource_id, state, {"database": "db", "name": "raw/zone"}))[0] == ""


async def test_already_exists_is_reported_with_context(provider: Harness) -> None:
    await provider.create(DB, {"name": "db"})
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await provider.create(DB, {"name": "db"})
    assert "already exists" in error.value.details() and "42P04" in error.value.details()
    assert "pulumi import" in error.value.details()


# --- store --------------------------------------------------------------------------------------

async def test_store_secrets_stay_secret_and_rotate_in_place(provider: Harness, local: BackgroundServer) -> None:
    resource_id, state = await provider.create(STORE, KAFKA)
    assert state["type"] == "Kafka" and state["status"] == "ready"
    assert state["kafka"]["saslPassword"] == SecretValue("p4ssw0rd-secret")
    rotated = {**KAFKA, "kafka": {**KAFKA["kafka"], "saslPassword": "rotated-secret"}}
    diff = await provider.diff(STORE, resource_id, state, rotated, KAFKA)
    assert diff.changes == Diff.DIFF_SOME and not diff.replaces and list(diff.diffs) == ["kafka"]
    updated = await provider.update(STORE, resource_id, state, rotated)
    assert updated["kafka"]["saslPassword"] == SecretValue("rotated-secret")
    assert local.server.counters.statements["UpdateStore"] == 1


async def test_store_type_switch_replaces_first_deleting(provider: Harness) -> None:
    _, state = await provider.create(STORE, KAFKA)
    postgres = {"name": "events", "postgres": {"uris": "postgresql://db.example:5432/x", "username": "u",
                                               "password": "p"}}
    diff = await provider.diff(STORE, "events", state, postgres, KAFKA)
    assert set(diff.replaces) == {"kafka", "postgres"} and diff.deleteBeforeReplace


async def test_store_drift_and_refresh_after_out_of_band_drop(provider: Harness, client: DeltaStreamClient,
                                                              local: BackgroundServer) -> None:
    _, state = await provider.create(STORE, KAFKA)
    await client.execute(store.update_statement("events", [("uris", "moved:9092")]))
    async with configured(local) as refresh:  # a later command: a provider of its own
        _, read_state, inputs = await refresh.read(STORE, "events", state, KAFKA)
    assert inputs["kafka"]["uris"] == "moved:9092" and inputs["kafka"]["saslPassword"] == SecretValue("p4ssw0rd-secret")
    assert read_state["kafka"]["saslPassword"] == SecretValue("p4ssw0rd-secret")
    await client.execute(store.drop_statement("events"))
    async with configured(local) as refresh:
        assert (await refresh.read(STORE, "events", state, KAFKA))[0] == ""


async def test_errored_store_is_removed_and_reported(provider: Harness, local: BackgroundServer) -> None:
    local.server.knobs.update({"errored_stores": "events", "store_ready_s": 0.1})
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await provider.create(STORE, KAFKA)
    assert "errored" in error.value.details() and "injected failure" in error.value.details()
    assert "p4ssw0rd" not in error.value.details()
    assert local.server.counters.statements["DropStore"] == 1  # no orphan left behind


async def test_store_creation_timeout_cleans_up(provider: Harness, local: BackgroundServer) -> None:
    local.server.knobs.update({"store_ready_s": 30})
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await provider.create(STORE, KAFKA, timeout=0.5)
    assert "timed out after 0.5s waiting for store 'events' to be ready" in error.value.details()
    assert local.server.counters.statements["DropStore"] == 1


async def test_store_import_has_no_secrets_but_its_settings(provider: Harness) -> None:
    await provider.create(STORE, KAFKA)
    _, state, inputs = await provider.read(STORE, "events")
    assert inputs["kafka"]["uris"] == "b:9092" and inputs["kafka"]["saslHashFunction"] == "PLAIN"
    assert "saslPassword" not in inputs["kafka"] and state["status"] == "ready"


# --- object -------------------------------------------------------------------------------------

async def test_object_lifecycle(provider: Harness, local: BackgroundServer) -> None:
    await base(provider)
    resource_id, state = await provider.create(OBJ, obj("pv", valueFormat="json", columns=[
        {"name": "id", "type": "bigint"}, {"name": "Body", "type": "VARCHAR", "nullable": False}]))
    assert resource_id == "db/public/pv" and state["fqn"] == '"db"."public"."pv"'
    assert state["columns"] == [{"name": "id", "type": "bigint", "nullable": True},
                                {"name": "Body", "type": "VARCHAR", "nullable": False}]
    assert state["state"] == "created" and state["path"] == ["db", "public", "pv"]
    _, _, imported = await provider.read(OBJ, '"db"."public"."pv"')
    assert imported["columns"][0] == {"name": "id", "type": "BIGINT", "nullable": True}
    assert imported["kind"] == "stream" and imported["store"] == "events"
    await provider.delete(OBJ, resource_id, state)
    await provider.delete(OBJ, resource_id, state)


async def test_objects_read_their_store_type_once(provider: Harness, local: BackgroundServer) -> None:
    """A store made outside this provider process: however many objects use it at once, one SELECT learns its
    type; a store this process created is known without one."""
    import asyncio
    from collections import Counter

    async with DeltaStreamClient(local.url, TOKEN) as client:
        await client.execute(database.create_statement("db"))
        await client.execute("CREATE STORE \"events\" WITH ('type' = KAFKA, 'uris' = 'b:9092', "
                             "'kafka.sasl.hash_function' = NONE);")
    before = Counter(local.server.counters.statements)
    await asyncio.gather(*(provider.create(OBJ, obj(f"o{i}")) for i in range(5)))
    made = dict(Counter(local.server.counters.statements) - before)
    assert made == {"CreateRelation": 5, "Select": 5 + 1}  # each object's readiness read, and the store's type
    await provider.create(STORE, {**KAFKA, "name": "more"})
    before = Counter(local.server.counters.statements)
    await provider.create(OBJ, obj("o5", store="more"))
    made = dict(Counter(local.server.counters.statements) - before)
    assert made == {"CreateRelation": 1, "Select": 1}


async def test_object_structure_change_replaces_owner_updates(provider: Harness) -> None:
    await base(provider)
    inputs = obj("pv")
    _, state = await provider.create(OBJ, inputs)
    same = await provider.diff(OBJ, "db/public/pv", state, inputs, inputs)
    assert same.changes == Diff.DIFF_NONE
    changed = await provider.diff(OBJ, "db/public/pv", state, obj("pv", columns=columns("id:BIGINT")), inputs)
    assert list(changed.replaces) == ["columns"] and changed.deleteBeforeReplace
    owner = await provider.diff(OBJ, "db/public/pv", state, obj("pv", owner="analyst"), inputs)
    assert owner.changes == Diff.DIFF_SOME and not owner.replaces
    updated = await provider.update(OBJ, "db/public/pv", state, obj("pv", owner="analyst"))
    assert updated["owner"] == "analyst"


async def test_object_preview_knows_its_fqn(provider: Harness) -> None:
    _, preview = await provider.create(OBJ, obj("pv"), preview=True)
    assert preview["fqn"] == '"db"."public"."pv"' and preview["state"] is UNKNOWN


async def test_object_drift_is_detected(provider: Harness, client: DeltaStreamClient) -> None:
    await base(provider)
    _, state = await provider.create(OBJ, obj("pv"))
    await client.execute(relation.drop_statement("db", "public", "pv"))
    await client.execute(relation.create_statement("stream", "db", "public", "pv", [relation.ColumnDef("id", "BIGINT")],
                                                   [], [("store", "events")]))
    _, _, inputs = await provider.read(OBJ, "db/public/pv", state, obj("pv"))
    assert inputs["columns"] == [{"name": "id", "type": "BIGINT", "nullable": True}]
    diff = await provider.diff(OBJ, "db/public/pv", state, obj("pv"), inputs)
    assert list(diff.replaces) == ["columns"]


async def test_object_on_a_missing_store(provider: Harness) -> None:
    await provider.create(DB, {"name": "db"})
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await provider.create(OBJ, obj("pv"))
    assert "store 'events' does not exist" in error.value.details()


# --- query --------------------------------------------------------------------------------------

INSERT = 'INSERT INTO "db"."public"."dst" SELECT id, body FROM "db"."public"."src"'


async def queries(provider: Harness) -> None:
    await base(provider)
    await provider.create(OBJ, obj("src"))
    await provider.create(OBJ, obj("dst"))


async def test_query_lifecycle(provider: Harness, local: BackgroundServer) -> None:
    await queries(provider)
    resource_id, state = await provider.create(QUERY, {"sql": INSERT + ";"})
    assert state["queryId"] == resource_id and state["state"] == "running"
    assert state["sink"] == '"db"."public"."dst"' and state["sources"] == ['"db"."public"."src"']
    same = await provider.diff(QUERY, resource_id, state, {"sql": "  " + INSERT + "\n"}, {"sql": INSERT + ";"})
    assert same.changes == Diff.DIFF_NONE
    _, refreshed, _ = await provider.read(QUERY, resource_id, state, {"sql": INSERT})
    assert refreshed["sources"] == state["sources"]
    await provider.delete(QUERY, resource_id, state)
    _, after, _ = await provider.read(QUERY, resource_id, state, {"sql": INSERT})
    assert after["state"] == "terminated"
    await provider.delete(QUERY, resource_id, state)  # already terminated: fine


async def test_query_body_change_fails_with_a_diff_summary(provider: Harness) -> None:
    await queries(provider)
    resource_id, state = await provider.create(QUERY, {"sql": INSERT})
    changed = INSERT.replace("SELECT id, body", "SELECT id, UPPER(body)")
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await provider.diff(QUERY, resource_id, state, {"sql": changed}, {"sql": INSERT})
    details = error.value.details()
    assert "immutable" in details and "-INSERT" in details and "+INSERT" in details and "UPPER(body)" in details
    assert "new Query resource" in details


async def test_query_body_whitespace_comments_and_case_are_no_change(provider: Harness) -> None:
    await queries(provider)
    resource_id, state = await provider.create(QUERY, {"sql": INSERT})
    restyled = "-- copy the rows\n" + INSERT.replace("SELECT", "\n  select").replace("FROM", "from") + " ; "
    diff = await provider.diff(QUERY, resource_id, state, {"sql": restyled}, {"sql": INSERT})
    assert diff.changes == Diff.DIFF_NONE


async def test_a_query_is_sent_as_written_and_its_trailing_comment_keeps_its_end(provider: Harness,
                                                                               local: BackgroundServer) -> None:
    await queries(provider)
    local.server.counters.texts.clear()
    _, state = await provider.create(QUERY, {"sql": INSERT + " -- copies everything"})
    assert state["state"] == "running" and state.get("name") is None  # DeltaStream names it, or not
    sent = [t for t in local.server.counters.texts if t.startswith("INSERT")]
    assert sent == [INSERT + " -- copies everything\n;"]


async def test_query_that_errors_is_terminated_not_leaked(provider: Harness, local: BackgroundServer) -> None:
    await queries(provider)
    local.server.knobs.update({"errored_queries": "dst", "query_running_s": 0.1})
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await provider.create(QUERY, {"sql": INSERT})
    assert "failed to start" in error.value.details() and "injected failure" in error.value.details()
    assert local.server.counters.statements["TerminateQuery"] == 1


async def test_query_with_unqualified_names_uses_its_context(provider: Harness) -> None:
    await queries(provider)
    _, state = await provider.create(QUERY, {"sql": "INSERT INTO dst SELECT * FROM src", "database": "db"})
    assert state["sink"] == '"db"."public"."dst"'


async def test_query_import_and_out_of_band_termination(provider: Harness, client: DeltaStreamClient,
                                                        local: BackgroundServer) -> None:
    await queries(provider)
    resource_id, state = await provider.create(QUERY, {"sql": INSERT})
    _, imported_state, imported = await provider.read(QUERY, resource_id)
    assert imported["sql"] == INSERT and imported_state["state"] == "running"
    await client.execute(continuous.terminate_statement(resource_id))
    async with configured(local) as refresh:  # a later command: a provider of its own
        assert (await refresh.read(QUERY, resource_id, state, {"sql": INSERT}))[1]["state"] == "terminated"


async def test_service_errors_surface_code_and_message(provider: Harness, local: BackgroundServer) -> None:
    local.server.knobs.update({"fail": [{"pattern": "CREATE DATABASE", "code": "XX000",
                                         "message": "internal: catalog unavailable"}]})
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await provider.create(DB, {"name": "db"})
    assert "internal: catalog unavailable" in error.value.details() and "XX000" in error.value.details()


async def test_permission_errors_carry_guidance(provider: Harness, local: BackgroundServer) -> None:
    local.server.knobs.update({"fail": [{"pattern": "CREATE DATABASE", "code": "42501",
                                         "message": "permission denied for CREATE_DATABASE"}]})
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await provider.create(DB, {"name": "db"})
    assert "permission denied" in error.value.details() and "deltastream:role" in error.value.details()


async def test_unknown_outcome_is_reconciled_from_the_catalog(provider: Harness, local: BackgroundServer) -> None:
    local.server.knobs.update({"rate_drop": 1.0, "drop_after_processing": True})
    local.server.knobs.fail.clear()

    # Only the CREATE is dropped; the reads that follow go through.
    class OnlyCreate:
        calls = 0

    original = local.server.knobs.due

    def due(fault: str) -> bool:
        if fault == "drop":
            OnlyCreate.calls += 1
            return OnlyCreate.calls == 1
        return original(fault)

    local.server.knobs.due = due  # type: ignore[method-assign]
    resource_id, state = await provider.create(DB, {"name": "db"})
    assert resource_id == "db" and state["owner"] == "sysadmin"
    assert local.server.counters.statements["CreateDatabase"] == 1


def pem_certificate() -> str:
    return self_signed("test-ca")[0].decode()


def pem_private_key(passphrase: str | None) -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    encryption = (serialization.BestAvailableEncryption(passphrase.encode()) if passphrase
                  else serialization.NoEncryption())
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption).decode()


async def test_kafka_ca_certificate_travels_as_an_attachment(provider: Harness, local: BackgroundServer,
                                                             client: DeltaStreamClient) -> None:
    certificate = pem_certificate()
    inputs = {"name": "tls_kafka", "kafka": {"uris": "b:9093", "saslHashFunction": "AWS_MSK_IAM",
                                             "mskIamRoleArn": "arn:aws:iam::123456789012:role/ds",
                                             "mskAwsRegion": "us-east-1", "tlsCaCert": certificate,
                                             "schemaRegistryName": "registry"}}
    _, failures = await provider.check(STORE, inputs)
    assert failures == {}
    await provider.create("deltastream:index:SchemaRegistry", {"name": "registry", "confluent": {"uris": "https://r"}})
    _, state = await provider.create(STORE, inputs)
    assert state["status"] == "ready" and state["kafka"]["tlsCaCert"] == SecretValue(certificate)
    (described,) = (await client.execute(store.describe_statement("tls_kafka"))).records()
    assert described["SchemaRegistry"] == "registry" and described["TlsEnabled"] is True


@pytest.mark.parametrize("passphrase", [None, "key-passphrase"])
async def test_snowflake_key_pair_store(provider: Harness, passphrase: str | None) -> None:
    key = pem_private_key(passphrase)
    inputs = {"name": "warehouse", "snowflake": {
        "uris": "https://acme.snowflakecomputing.com", "accountId": "acme", "cloudRegion": "AWS us-east-1",
        "warehouseName": "COMPUTE_WH", "roleName": "LOADER", "username": "deltastream", "clientKey": key,
        **({"clientKeyPassphrase": passphrase} if passphrase else {})}}
    _, failures = await provider.check(STORE, inputs)
    assert failures == {}
    if passphrase:
        _, wrong = await provider.check(STORE, {**inputs, "snowflake": {**inputs["snowflake"],
                                                                        "clientKeyPassphrase": "wrong"}})
        assert "snowflake.clientKey" in wrong or "snowflake.clientKeyPassphrase" in wrong
    _, state = await provider.create(STORE, inputs)
    assert state["type"] == "Snowflake" and state["snowflake"]["clientKey"] == SecretValue(key)
    _, _, refreshed = await provider.read(STORE, "warehouse", state, inputs)
    assert refreshed["snowflake"]["warehouseName"] == "COMPUTE_WH"
    assert refreshed["snowflake"]["clientKey"] == SecretValue(key)


@pytest.mark.paused_clock
async def test_long_waits_report_progress_to_the_engine(provider: Harness, local: BackgroundServer,
                                                        clock: ManualClock, monkeypatch: pytest.MonkeyPatch) -> None:
    from deltastream_provider.deltastream import waiting

    monkeypatch.setattr(waiting, "FIRST_REPORT", 0.1)
    messages: list[tuple[str, str]] = []

    async def status(urn: str, message: str) -> None:
        messages.append((urn, message))
        clock.advance(60)  # the store becomes ready only once the engine has been told about the wait

    provider.provider.engine.status = status  # type: ignore[method-assign]
    local.server.knobs.update({"store_ready_s": 60})
    await provider.create(STORE, KAFKA)
    assert messages and all("waiting for store 'events' to be ready" in m for _, m in messages)
    assert messages[0][0].endswith("deltastream:index:Store::r")


async def test_cancel_stops_a_create_in_flight(provider: Harness, local: BackgroundServer) -> None:
    import asyncio

    local.server.knobs.update({"store_ready_s": 60})
    create = asyncio.ensure_future(provider.create(STORE, KAFKA))
    # Cancel once the provider is waiting for the store (its first readiness SELECT has run).
    assert await asyncio.to_thread(local.server.counters.wait_for_statements, "Select", 1, 120)
    await provider.cancel()
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await asyncio.wait_for(create, 60)
    # The store exists in DeltaStream, so the engine is told to keep it in state (no orphan).
    assert "cancelled while waiting for store 'events'" in error.value.details()
    assert "kept in state" in error.value.details()
    metadata = dict(error.value.trailing_metadata() or ())
    details = status_pb2.Status.FromString(metadata["grpc-status-details-bin"])
    failure = provider_pb2.ErrorResourceInitFailed()
    assert details.details[0].Unpack(failure) and failure.id == "events"


async def test_any_secret_input_stays_secret_in_outputs(provider: Harness) -> None:
    _, state = await provider.create(DB, {"name": SecretValue("classified")})
    assert state["name"] == SecretValue("classified") and not isinstance(state["owner"], SecretValue)
    _, read_state, read_inputs = await provider.read(DB, "classified", state, {"name": SecretValue("classified")})
    assert read_state["name"] == SecretValue("classified") and read_inputs["name"] == SecretValue("classified")


async def test_a_query_stopped_outside_pulumi_is_started_again(provider: Harness, client: DeltaStreamClient) -> None:
    await queries(provider)
    resource_id, state = await provider.create(QUERY, {"sql": INSERT})
    healthy = await provider.diff(QUERY, resource_id, state, {"sql": INSERT}, {"sql": INSERT})
    assert healthy.changes == Diff.DIFF_NONE
    await client.execute(continuous.terminate_statement(resource_id))
    _, refreshed, _ = await provider.read(QUERY, resource_id, state, {"sql": INSERT})
    diff = await provider.diff(QUERY, resource_id, refreshed, {"sql": INSERT}, {"sql": INSERT})
    assert list(diff.replaces) == ["state"]
    assert diff.detailedDiff["state"].kind == provider_pb2.PropertyDiff.UPDATE_REPLACE
    assert not diff.detailedDiff["state"].inputDiff
    new_id, restarted = await provider.create(QUERY, {"sql": INSERT})
    assert new_id != resource_id and restarted["state"] == "running"


# --- compute pool -------------------------------------------------------------------------------

POOL = "deltastream:index:ComputePool"


async def pools(client: DeltaStreamClient) -> dict[str, dict[str, object]]:
    """What the local server lists, by pool name."""
    return {str(r["Name"]): r for r in (await client.execute(compute_pool.list_statement())).records()}


async def test_compute_pool_lifecycle(provider: Harness, client: DeltaStreamClient) -> None:
    _, failures = await provider.check(POOL, {"name": "p", "size": "huge", "timeoutMin": 0})
    assert "small, medium, large" in failures["size"] and "1 or more" in failures["timeoutMin"]
    resource_id, state = await provider.create(POOL, {"name": "etl", "size": "medium", "timeoutMin": 10})
    assert resource_id == "etl" and state["state"] == "running" and state["owner"] == "sysadmin"
    listed = (await pools(client))["etl"]
    assert listed["Size"] == "MEDIUM" and str(listed["Timeout"]) == "10"
    _, read, inputs = await provider.read(POOL, "etl", state, {"name": "etl", "size": "medium", "timeoutMin": 10})
    assert inputs == {"name": "etl", "size": "medium", "timeoutMin": 10, "running": True} and read["state"] == "running"
    diff = await provider.diff(POOL, "etl", state, {"name": "etl", "size": "medium", "timeoutMin": 5})
    assert diff.changes == Diff.DIFF_SOME and not diff.replaces
    state = await provider.update(POOL, "etl", state, {"name": "etl", "size": "medium", "timeoutMin": 5})
    assert state["timeoutMin"] == 5 and str((await pools(client))["etl"]["Timeout"]) == "5"
    assert list((await provider.diff(POOL, "etl", state, {"name": "etl2", "size": "medium", "timeoutMin": 5})
                 ).replaces) == ["name"]
    assert list((await provider.diff(POOL, "etl", state, {"name": "etl"})).replaces) == ["size", "timeoutMin"]
    _, _, imported = await provider.read(POOL, "etl")
    assert imported == {"name": "etl", "size": "medium", "running": True}
    await provider.delete(POOL, resource_id, state)
    assert "etl" not in await pools(client)
    assert (await provider.read(POOL, "etl", state))[0] == ""


async def test_compute_pool_lookups_send_one_list_each(provider: Harness, local: BackgroundServer) -> None:
    for name, size in (("b_pool", "small"), ("a_pool", "large"), ("c_pool", "small")):
        await provider.create(POOL, {"name": name, "size": size})
    before = sum(local.server.counters.requests.values())
    found, _ = await invoke(provider, "deltastream:index:getComputePool", {"name": "a_pool"})
    assert found["name"] == "a_pool" and found["size"] == "large" and found["state"] == "running"
    small, _ = await invoke(provider, "deltastream:index:getComputePools", {"size": "SMALL"})
    assert [p["name"] for p in small["computePools"]] == ["b_pool", "c_pool"]
    every, _ = await invoke(provider, "deltastream:index:getComputePools", {})
    assert [p["name"] for p in every["computePools"]] == ["a_pool", "b_pool", "c_pool"]
    assert sum(local.server.counters.requests.values()) - before == 3
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await invoke(provider, "deltastream:index:getComputePool", {"name": "nope"})
    assert "compute pool with name 'nope' not found" in (missing.value.details() or "")
