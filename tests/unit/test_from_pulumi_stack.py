"""`adopt --from-pulumi-stack`: a stack of DeltaStream's own Pulumi provider (its `pulumi stack export`) becomes
the same import document every adopt route writes, with its ids, typed inputs read from the raw DDL, and a TODO
where the DDL cannot be read."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream_provider.deltastream import object_ddl, sql
from deltastream_provider.errors import SqlTextError
from deltastream_provider.operator.adopt import document, report
from deltastream_provider.operator.from_pulumi_stack import migrate
from deltastream_provider.resources.object import ColumnDef, create_statement

#: Recorded from DeltaStream's provider v1.0.1 against the local server: a database, a namespace, a Kafka store,
#: three streams and a changelog from raw SQL, a query and an application (the program of
#: tests/e2e/test_migrate_from_upstream.py, which runs it live).
EXPORT = Path(__file__).resolve().parents[1] / "fixtures" / "upstream-stack-export.json"
QUERY_ID = "25cba6e3-4d68-4b32-b8ca-b640a3ff7bae"
APPLICATION_ID = "ffc5af6d-cd68-464b-b1df-8863a2abff3e"


def export() -> dict[str, Any]:
    return dict(json.loads(EXPORT.read_text()))


def resource(data: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(r for r in data["deployment"]["resources"] if r["urn"].endswith(f"::{name}"))
    return found


def test_their_stack_becomes_the_import_document_with_their_names_and_ids() -> None:
    migration = migrate(export())
    assert document(migration.adoption) == {"resources": [
        {"type": "deltastream:index:Database", "name": "db", "id": "shop", "properties": ["name"]},
        {"type": "deltastream:index:Namespace", "name": "ns", "id": "shop/raw", "properties": ["database", "name"]},
        {"type": "deltastream:index:Store", "name": "kafka", "id": "shop_kafka", "properties": ["name", "kafka"]},
        {"type": "deltastream:index:DeltaStreamObject", "name": "big2", "id": "shop/raw/big2",
         "properties": ["database", "namespace", "name", "kind", "store", "columns", "entity", "valueFormat"]},
        {"type": "deltastream:index:DeltaStreamObject", "name": "big", "id": "shop/raw/big_orders",
         "properties": ["database", "namespace", "name", "kind", "store", "columns", "entity", "valueFormat"]},
        {"type": "deltastream:index:DeltaStreamObject", "name": "customers", "id": "shop/raw/customers",
         "properties": ["database", "namespace", "name", "kind", "store", "columns", "primaryKey", "entity",
                        "valueFormat", "keyFormat"]},
        {"type": "deltastream:index:DeltaStreamObject", "name": "orders", "id": "shop/raw/orders",
         "properties": ["database", "namespace", "name", "kind", "store", "columns", "timestampColumn", "entity",
                        "valueFormat"]},
        {"type": "deltastream:index:Query", "name": "q", "id": QUERY_ID, "properties": ["sql"]},
        {"type": "deltastream:index:Application", "name": "app", "id": APPLICATION_ID, "properties": ["sql"]}]}
    assert report(migration.adoption) == [] and migration.todos == []
    assert {e.name: e.references for e in migration.adoption.entries}["orders"] == {
        "database": ("Database", "shop"), "namespace": ("Namespace", "shop/raw"), "store": ("Store", "shop_kafka")}


def test_raw_ddl_becomes_typed_inputs_and_a_query_loses_its_source_and_sink_lists() -> None:
    inputs = migrate(export()).inputs
    assert inputs["customers"] == {
        "database": "shop", "namespace": "raw", "name": "customers", "kind": "changelog", "store": "shop_kafka",
        "columns": [{"name": "id", "type": "BIGINT", "nullable": True},
                    {"name": "name", "type": "VARCHAR", "nullable": True}],
        "primaryKey": ["id"], "entity": "customers", "valueFormat": "json", "keyFormat": "json"}
    assert inputs["orders"]["timestampColumn"] == "id"
    assert inputs["q"] == {"sql": 'INSERT INTO "shop"."raw"."big_orders" SELECT id, amount FROM "shop"."raw"."orders" '
                                  "WHERE amount > 100"}
    assert inputs["app"] == {"sql": 'BEGIN APPLICATION shopapp INSERT INTO "shop"."raw"."big2" SELECT id, amount FROM '
                                    '"shop"."raw"."orders"; END APPLICATION'}


def test_ddl_that_cannot_be_read_leaves_every_input_to_the_import_and_a_todo() -> None:
    data = export()
    statement = 'CREATE STREAM big_orders AS SELECT * FROM "shop"."raw"."orders";'
    big = resource(data, "big")
    big["inputs"]["sql"] = statement
    migration = migrate(data)
    entry = next(e for e in migration.adoption.entries if e.name == "big")
    assert (entry.id, entry.properties) == ("shop/raw/big_orders", ())  # the id from DeltaStream's path
    assert document(migration.adoption)["resources"][4] == {"type": "deltastream:index:DeltaStreamObject",
                                                            "name": "big", "id": "shop/raw/big_orders"}
    [todo] = migration.todos
    assert todo.startswith("big: its sql could not be read") and "'AS' at" in todo and statement in todo


def test_a_statement_naming_another_namespace_is_a_todo() -> None:
    data = export()
    resource(data, "orders")["inputs"]["sql"] = "CREATE STREAM other.orders (id BIGINT) WITH ('topic'='orders');"
    [todo] = migrate(data).todos
    assert "it names other, not shop.raw" in todo


def test_store_secrets_become_config_placeholders_and_a_file_path_a_todo() -> None:
    data = export()
    kafka = resource(data, "kafka")
    kafka["inputs"]["kafka"] = {"uris": "b:9092", "saslHashFunction": "PLAIN", "saslUsername": "svc",
                                "saslPassword": {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
                                                 "ciphertext": "v1:abc"},
                                "tlsCaCertFile": "certs/ca.pem"}
    migration = migrate(data)
    assert migration.inputs["kafka"] == {"name": "shop_kafka", "kafka": {"uris": "b:9092", "saslHashFunction": "PLAIN",
                                                                         "saslUsername": "svc"}}
    assert [p.command for p in migration.adoption.placeholders] == [
        "pulumi config set --secret kafkaKafkaTlsCaCert <value>",
        "pulumi config set --secret kafkaKafkaSaslPassword <value>"]
    [todo] = migration.todos
    assert "kafka.tlsCaCertFile ('certs/ca.pem') was a file path" in todo and "kafka.tlsCaCert" in todo
    assert "v1:abc" not in json.dumps(document(migration.adoption)) + "".join(report(migration.adoption))


def test_secrets_shown_by_the_export_are_read_and_never_written() -> None:
    data = export()
    resource(data, "kafka")["inputs"]["kafka"]["saslPassword"] = {
        "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "plaintext": '"hunter2"'}
    migration = migrate(data)
    assert [p.input for p in migration.adoption.placeholders] == ["kafka.saslPassword"]
    assert "hunter2" not in json.dumps(document(migration.adoption)) + "".join(report(migration.adoption))


def test_what_is_not_theirs_is_skipped_with_the_reason_and_names_stay_unique() -> None:
    data = export()
    resources = data["deployment"]["resources"]
    resources.append({"urn": "urn:pulumi:dev::theirs::aws:s3/bucket:Bucket::db", "custom": True,
                      "type": "aws:s3/bucket:Bucket", "id": "bucket-1"})
    store = copy.deepcopy(resource(data, "kafka"))
    store.update(urn="urn:pulumi:dev::theirs::deltastream:index:Store::db", id="other_kafka")
    store["inputs"]["name"] = "other_kafka"
    resources.append(store)
    migration = migrate(data)
    assert [(s.kind, s.reason) for s in migration.adoption.skipped] == [
        ("aws:s3/bucket:Bucket", "not a resource of DeltaStream's provider")]
    assert [(e.kind, e.name) for e in migration.adoption.entries][:4] == [
        ("Database", "db"), ("Namespace", "ns"), ("Store", "db-store"), ("Store", "kafka")]


def test_resources_of_an_explicit_provider_are_a_todo() -> None:
    data = export()
    resource(data, "kafka")["provider"] = ("urn:pulumi:dev::theirs::pulumi:providers:deltastream::prod::"
                                           "3b3e1d4c-41a5-4c7e-9d0f-6f5f3a0b7e11")
    [todo] = migrate(data).todos
    assert todo.startswith("kafka: made with the explicit provider 'prod', imported with this package's default")


def test_not_an_export_is_refused() -> None:
    with pytest.raises(ValueError, match="not a `pulumi stack export`"):
        migrate({"resources": []})


@pytest.mark.parametrize("text", [
    "CREATE STREAM s AS SELECT * FROM t",
    "CREATE STREAM s (a BIGINT) WITH ('topic'='t') -- note",
    "CREATE STREAM s (a BIGINT NOT NULL NOT NULL)",
    "CREATE STREAM s (a)",
    "CREATE VIEW v (a BIGINT)",
    "CREATE STREAM s (a BIGINT) WITH ('topic'=t)",
    "CREATE STREAM s (a BIGINT) WITH (topic='t')",
    "CREATE STREAM s (a BIGINT); DROP DATABASE d",
    "CREATE STREAM s (a ARRAY<BIGINT)",
])
def test_ddl_the_reader_refuses(text: str) -> None:
    with pytest.raises(SqlTextError):
        object_ddl.parse(text)


#: No backslash: sqlparse's lexer (which every SQL reader of the provider shares) takes it as an escape in quotes.
CHARACTERS = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc"), exclude_characters="\\")
NAMES = st.text(CHARACTERS, min_size=1, max_size=8)
TYPES = st.sampled_from(["BIGINT", "VARCHAR", "DECIMAL(10, 2)", "TIMESTAMP_LTZ(3)", "ARRAY<VARCHAR>",
                         "MAP<VARCHAR, ARRAY<INT>>", "STRUCT<a VARCHAR, b BIGINT>"])
VALUES = st.text(CHARACTERS, max_size=8)


@settings(max_examples=200, deadline=None)
@given(kind=st.sampled_from(["stream", "changelog", "table"]), name=NAMES,
       columns=st.lists(st.tuples(NAMES, TYPES, st.booleans()), max_size=4, unique_by=lambda c: c[0]),
       props=st.dictionaries(st.sampled_from(["topic", "value.format", "key.format", "timestamp", "x.y"]), VALUES))
def test_the_reader_reads_back_what_this_provider_writes(kind: str, name: str, columns: list[tuple[str, str, bool]],
                                                         props: dict[str, str]) -> None:
    key = [columns[0][0]] if columns and kind == "changelog" else []
    statement = create_statement(kind, "db", "ns", name, [ColumnDef(*c) for c in columns], key,
                                 [("store", "k"), *props.items()])
    ddl = object_ddl.parse(str(statement))
    assert (ddl.kind, ddl.qualifier, ddl.name) == (kind, ("db", "ns"), name)
    assert [(c.name, c.type, c.nullable) for c in ddl.columns] == columns
    assert (list(ddl.primary_key), ddl.properties) == (key, {"store": "k", **props})
    assert sql.ident(name)  # the names were quotable: the statement is what the provider sends
