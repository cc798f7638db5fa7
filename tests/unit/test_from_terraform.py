"""adopt --from-terraform: a Terraform state of DeltaStream's provider (v1.0.3 attributes, state format 4) read into
adopt's entries: ids from names, this package's input names, secrets never copied, a TODO rather than a guess."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from deltastream_provider.operator.adopt import document, report
from deltastream_provider.operator.cli import main
from deltastream_provider.operator.from_terraform import migrate, write

STATE = json.loads((Path(__file__).parents[1] / "fixtures/terraform/terraform.tfstate").read_text())
PROVIDER = 'provider["registry.terraform.io/deltastreaminc/deltastream"]'


def managed(type_: str, name: str, attributes: dict[str, Any], index_key: Any = None) -> dict[str, Any]:
    instance: dict[str, Any] = {"schema_version": 0, "attributes": attributes, "sensitive_attributes": []}
    if index_key is not None:
        instance["index_key"] = index_key
    return {"mode": "managed", "type": type_, "name": name, "provider": PROVIDER, "instances": [instance]}


def state_of(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"version": 4, "terraform_version": "1.9.8", "serial": 1, "lineage": "x", "outputs": {},
            "resources": list(resources)}


def test_names_give_the_ids_and_terraform_names_the_resources() -> None:
    migration = migrate(STATE)
    entries = {(e.kind, e.id): e for e in migration.adoption.entries}
    assert set(entries) == {("Database", "clicks"), ("Namespace", "clicks/raw"), ("Store", "msk"),
                            ("Entity", "msk/pageviews_6"), ("DeltaStreamObject", "clicks/raw/pageviews"),
                            ("DeltaStreamObject", "clicks/raw/pageviews_6"),
                            ("Query", "6f1f4c1e-2d5b-4d0a-9a4e-0c8b7d3e2a11")}
    assert entries["Namespace", "clicks/raw"].references == {"database": ("Database", "clicks")}
    assert entries["DeltaStreamObject", "clicks/raw/pageviews"].references == {
        "database": ("Database", "clicks"), "namespace": ("Namespace", "clicks/raw"), "store": ("Store", "msk")}
    assert [e.name for e in migration.adoption.entries] == [
        "clicks", "raw", "msk", "pageviews-6", "pageviews", "pageviews-6-deltastreamobject", "insert-into-pageviews-6"]
    # the typed inputs the program will hold: Terraform's names mapped, the raw DDL read
    assert migration.inputs["pageviews-6"] == {"store": "msk", "path": ["pageviews_6"],
                                               "kafka": {"partitions": 1, "replicas": 1}}
    assert migration.inputs["pageviews"]["kind"] == "stream"
    assert [c["name"] for c in migration.inputs["pageviews"]["columns"]] == ["viewtime", "userid", "pageid"]
    assert migration.inputs["insert-into-pageviews-6"]["sql"].endswith("WHERE userid = 'User_6'")
    assert "sinkRelationFqn" not in json.dumps(migration.inputs)
    skipped = {(s.kind, s.id) for s in migration.adoption.skipped}
    assert skipped == {("random_id", "random_id.suffix"),
                       ("deltastream_entity_data", "deltastream_entity_data.pageviews_6")}
    assert migration.todos == []


def test_a_statement_that_is_not_plain_ddl_is_a_todo_not_a_guess() -> None:
    state = copy.deepcopy(STATE)
    [obj] = [r for r in state["resources"] if r["type"] == "deltastream_object" and r["name"] == "pageviews_6"]
    obj["instances"][0]["attributes"]["sql"] = "CREATE STREAM pageviews_6 AS SELECT * FROM pageviews;"
    migration = migrate(state)
    [todo] = migration.todos
    assert todo.startswith("pageviews_6: its sql could not be read") and "AS SELECT" in todo
    [entry] = [e for e in migration.adoption.entries if e.id == "clicks/raw/pageviews_6"]
    assert entry.properties == ()  # pulumi import keeps every input DeltaStream reports, nothing guessed
    assert "kind" not in migration.inputs[entry.name]


def test_secrets_become_placeholders_and_are_never_written(tmp_path: Path) -> None:
    store = managed("deltastream_store", "events", {
        "name": "events", "owner": "sysadmin", "type": "Kafka", "state": "ready", "created_at": None,
        "updated_at": None, "confluent_kafka": None, "kinesis": None, "postgres": None, "snowflake": None,
        "kafka": {"uris": "broker:9092", "sasl_hash_function": "SHA512", "sasl_username": "app",
                  "sasl_password": "hunter2-plaintext", "msk_iam_role_arn": None, "msk_aws_region": None,
                  "schema_registry_name": None, "tls_ca_cert_file": "/etc/ssl/kafka-ca.pem", "tls_disabled": None,
                  "tls_verify_server_hostname": None}})
    secret = managed("deltastream_secret", "token", {
        "name": "token", "type": "generic_string", "description": "API token", "owner": None,
        "string_value": "s3cr3t-plaintext", "custom_properties": {"env": "prod"}, "status": "ready",
        "created_at": None, "updated_at": None})
    (tmp_path / "terraform.tfstate").write_text(json.dumps(state_of(store, secret)))
    lines = write(tmp_path / "terraform.tfstate", tmp_path / "import.json")
    written = (tmp_path / "import.json").read_text() + "\n".join(lines)
    assert "plaintext" not in written
    migration = migrate(state_of(store, secret))
    assert {(p.resource, p.input) for p in migration.adoption.placeholders} == {
        ("events", "kafka.saslPassword"), ("events", "kafka.tlsCaCert"), ("token", "secretString")}
    assert migration.inputs["token"] == {"name": "token", "description": "API token", "properties": {"env": "prod"}}
    [todo] = migration.todos  # the CA file path; a secret's type is DeltaStream's only one, not a TODO
    assert "tls_ca_cert_file" in todo and "PEM content" in todo
    assert any(line.startswith("secret events.kafka.saslPassword cannot be read back: pulumi config set --secret")
               for line in report(migration.adoption))


def test_instances_of_count_and_for_each_are_named_by_their_keys() -> None:
    databases = [managed("deltastream_database", "env", {"name": n, "owner": None, "created_at": None}, key)
                 for n, key in (("env_dev", "dev"), ("env_prod", "prod"))]
    counted = managed("deltastream_database", "shard", {"name": "shard_0", "owner": None, "created_at": None}, 0)
    resources = document(migrate(state_of(*databases, counted)).adoption)["resources"]
    assert [(r["name"], r["id"]) for r in resources] == [
        ("env-dev", "env_dev"), ("env-prod", "env_prod"), ("shard-0", "shard_0")]


@pytest.mark.parametrize("state", [{"version": 3, "modules": []}, {"version": 4}, []])
def test_a_file_that_is_not_a_state_says_how_to_get_one(tmp_path: Path, state: Any) -> None:
    (tmp_path / "terraform.tfstate").write_text(json.dumps(state))
    result = CliRunner().invoke(main, ["adopt", "--from-terraform", str(tmp_path / "terraform.tfstate"),
                                       "-o", str(tmp_path / "import.json")])
    assert result.exit_code == 1 and "terraform state pull > terraform.tfstate" in result.output, result.output
    assert not (tmp_path / "import.json").exists()


def test_one_source_at_a_time(tmp_path: Path) -> None:
    (tmp_path / "terraform.tfstate").write_text(json.dumps(STATE))
    result = CliRunner().invoke(main, ["adopt", "--from-terraform", str(tmp_path / "terraform.tfstate"),
                                       "--database", "clicks", "-o", str(tmp_path / "import.json")])
    assert result.exit_code == 2 and "leave out the selection options" in result.output


def test_registries_and_snowflake_stores_keep_their_shapes() -> None:
    registry = managed("deltastream_schema_registry", "sr", {
        "name": "sr", "owner": None, "type": "ConfluentCloud", "state": "ready", "created_at": None,
        "updated_at": None, "confluent": None,
        "confluent_cloud": {"uris": "https://psrc.example", "key": "KEY1", "secret": "plain-secret"}})
    snowflake = managed("deltastream_store", "sf", {
        "name": "sf", "owner": None, "type": "Snowflake", "state": "ready", "created_at": None, "updated_at": None,
        "kafka": None, "confluent_kafka": None, "kinesis": None, "postgres": None,
        "snowflake": {"uris": "https://acct.snowflakecomputing.com", "account_id": "acct",
                      "cloud_region": "AWS_US_EAST_1", "warehouse_name": "wh", "role_name": "ACCOUNTADMIN",
                      "username": "svc",
                      "client_key_file": "LS0tLS1CRUdJTi...", "client_key_passphrase": "pass"}})
    migration = migrate(state_of(registry, snowflake))
    assert migration.inputs["sr"] == {"name": "sr", "confluentCloud": {"uris": "https://psrc.example", "key": "KEY1"}}
    assert migration.inputs["sf"]["snowflake"] == {"uris": "https://acct.snowflakecomputing.com", "accountId": "acct",
                                                   "cloudRegion": "AWS_US_EAST_1", "warehouseName": "wh",
                                                   "roleName": "ACCOUNTADMIN", "username": "svc"}
    assert {(p.resource, p.input) for p in migration.adoption.placeholders} == {
        ("sr", "confluentCloud.secret"), ("sf", "snowflake.clientKey"), ("sf", "snowflake.clientKeyPassphrase")}
    [todo] = migration.todos
    assert "client_key_file" in todo and "PEM" in todo
