"""The provider sends and reads only what the contract register confirms DeltaStream accepts and returns.

Every statement builder of ``deltastream_provider.deltastream.sql`` is called here and its statement kind looked up in
the register; every column of every catalog table, and every result the provider reads by position or name, must be
confirmed there. A new builder, column or read without evidence fails this test.
"""

from __future__ import annotations

import importlib
import inspect
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from deltastream_local import contract
from deltastream_local.contract import CONFIRMED, register, relied_on
from deltastream_provider.deltastream import catalog, sql
from deltastream_provider.deltastream.reads import RESULTS
from deltastream_provider.model import registry
from deltastream_provider.resources import secret

QUERY_ID = "6a1c0d2e-2a4f-4c5e-9f55-3c0b5c0f1a77"
COLUMNS = [sql.ColumnDef("id", "BIGINT", nullable=False), sql.ColumnDef("url", "VARCHAR")]
INSERT = 'INSERT INTO "db"."s"."dst" SELECT * FROM "db"."s"."src"'
CSAS = 'CREATE STREAM "db"."s"."dst" AS SELECT * FROM "db"."s"."src"'
APPLICATION = f'BEGIN APPLICATION app {INSERT}; END APPLICATION'

#: Each statement builder with the register kind of what it sends.
BUILT: list[tuple[str, Callable[[], sql.Statement], str]] = [
    ("create_database", lambda: sql.create_database("db"), "CREATE DATABASE"),
    ("drop_database", lambda: sql.drop_database("db"), "DROP DATABASE"),
    ("create_namespace", lambda: sql.create_namespace("db", "s"), "CREATE SCHEMA"),
    ("drop_namespace", lambda: sql.drop_namespace("db", "s"), "DROP SCHEMA"),
    ("create_store", lambda: sql.create_store("k", [("type", sql.Bare("KAFKA"))]), "CREATE STORE"),
    ("update_store", lambda: sql.update_store("k", [("uris", "b:1")]), "UPDATE STORE"),
    ("drop_store", lambda: sql.drop_store("k"), "DROP STORE"),
    ("describe_store", lambda: sql.describe_store("k"), "DESCRIBE STORE"),
    ("secret.create_statement", lambda: secret.create_statement("x", [("type", sql.Bare("generic_string"))]),
     "CREATE SECRET"),
    ("secret.drop_statement", lambda: secret.drop_statement("x"), "DROP SECRET"),
    ("create_schema_registry", lambda: sql.create_schema_registry("r", [("uris", "u")]), "CREATE SCHEMA_REGISTRY"),
    ("update_schema_registry", lambda: sql.update_schema_registry("r", [("uris", "u")]), "UPDATE SCHEMA_REGISTRY"),
    ("drop_schema_registry", lambda: sql.drop_schema_registry("r"), "DROP SCHEMA_REGISTRY"),
    ("create_entity", lambda: sql.create_entity(["t"], "k", [("kafka.partitions", 1)]), "CREATE ENTITY"),
    ("update_entity", lambda: sql.update_entity(["t"], "k", [("kafka.partitions", 2)]), "UPDATE ENTITY"),
    ("drop_entity", lambda: sql.drop_entity(["t"], "k"), "DROP ENTITY"),
    ("describe_entity", lambda: sql.describe_entity(["t"], "k"), "DESCRIBE ENTITY"),
    ("list_entities", lambda: sql.list_entities("k", ["a"]), "LIST ENTITIES"),
    ("create_relation", lambda: sql.create_relation("stream", "db", "s", "o", COLUMNS, [], [("store", "k")]),
     "CREATE STREAM"),
    ("create_relation", lambda: sql.create_relation("changelog", "db", "s", "o", COLUMNS, ["id"], []),
     "CREATE CHANGELOG"),
    ("create_relation", lambda: sql.create_relation("table", "db", "s", "o", COLUMNS, ["id"], []), "CREATE TABLE"),
    ("describe", lambda: sql.describe(sql.query(INSERT)), "DESCRIBE INSERT INTO"),
    ("describe", lambda: sql.describe(sql.query(CSAS)), "DESCRIBE CREATE AS SELECT"),
    ("describe", lambda: sql.describe(sql.raw(APPLICATION)), "DESCRIBE BEGIN APPLICATION"),
    ("raw", lambda: sql.raw(APPLICATION), "BEGIN APPLICATION"),
    ("drop_relation", lambda: sql.drop_relation("db", "s", "o"), "DROP RELATION"),
    ("alter_relation_owner", lambda: sql.alter_relation_owner("stream", "db", "s", "o", "r"), "ALTER STREAM OWNER TO"),
    ("alter_relation_owner", lambda: sql.alter_relation_owner("changelog", "db", "s", "o", "r"),
     "ALTER CHANGELOG OWNER TO"),
    ("alter_relation_owner", lambda: sql.alter_relation_owner("table", "db", "s", "o", "r"), "ALTER TABLE OWNER TO"),
    ("describe_relation_columns", lambda: sql.describe_relation_columns("db", "s", "o"), "DESCRIBE RELATION COLUMNS"),
    ("terminate_query", lambda: sql.terminate_query(QUERY_ID), "TERMINATE QUERY"),
    ("alter_query_owner", lambda: sql.alter_query_owner(QUERY_ID, "r"), "ALTER QUERY OWNER TO"),
    ("list_organizations", sql.list_organizations, "LIST ORGANIZATIONS"),
    ("select", lambda: sql.select("databases", ["name"]), "SELECT double-quoted column names"),
    ("select", lambda: sql.select("databases", ["name"], {"name": "a"}), "SELECT WHERE equals"),
    ("select", lambda: sql.select("databases", ["name"], {"name": ["a", "b"]}), "SELECT WHERE IN"),
    ("select", lambda: sql.select("databases", ["name"], order_by="name"), "SELECT ORDER BY one column"),
    ("select", lambda: sql.select("databases", ["name"], limit=201), "SELECT LIMIT"),
    ("query", lambda: sql.query(INSERT), "INSERT INTO"),
    ("query", lambda: sql.query(CSAS), "CREATE STREAM AS SELECT"),
    ("list_queries", sql.list_queries, "LIST QUERIES"),
    ("describe_query", lambda: sql.describe_query(QUERY_ID), "DESCRIBE QUERY"),
    ("can_i", lambda: sql.can_i("CREATE_DATABASE"), "CAN I"),
]

#: Statements that would need a kind the register does not confirm, each with what the provider does instead.
NEVER_SENT = {
    "UPDATE SECRET": "a changed secret is replaced (DROP SECRET, CREATE SECRET)",
    "SELECT JOIN": "object columns come from DESCRIBE RELATION COLUMNS",
    "QUERY WITH query.name": "a query's name is DeltaStream's (an output); a name input is refused at Check",
    "SELECT ORDER BY several columns": "lookups order by one column and sort the rest themselves",
}


def test_every_entry_has_a_status_and_defined_evidence() -> None:
    contract = register()
    defined = set(contract.evidence)
    for section in (contract.statements, contract.results):
        for kind, entry in section.items():
            assert entry.get("status") in (CONFIRMED, "unconfirmed"), kind
            assert set(entry.get("evidence") or []) <= defined, kind
            if entry["status"] == CONFIRMED:
                assert entry.get("evidence"), f"{kind} is confirmed without evidence"
    for table, entry in contract.system_tables.items():
        for column, found in entry["columns"].items():
            assert set(found.get("evidence") or []) <= defined, f"{table}.{column}"
            if found["status"] == CONFIRMED:
                assert found.get("evidence"), f"{table}.{column} is confirmed without evidence"
    for key, entry in contract.evidence.items():
        assert entry.get("source") and entry.get("path") and entry.get("shows"), key
        assert entry["source"] != "deltastream-provider", f"{key}: evidence is never this project's own code"


@pytest.mark.parametrize("builder, build, kind", BUILT, ids=[f"{b}:{k}" for b, _, k in BUILT])
def test_every_statement_the_provider_builds_is_confirmed(builder: str, build: Callable[[], sql.Statement],
                                                          kind: str) -> None:
    statement = build()
    assert register().confirmed_statement(kind), f"{kind} ({statement.sql}) has no confirmed evidence"
    assert kind not in NEVER_SENT


def test_every_statement_builder_is_checked() -> None:
    """The quoting module's builders, and each resource module's own (those writing statement text)."""
    builders = {name for name, member in inspect.getmembers(sql, inspect.isfunction)
                if not name.startswith("_") and member.__module__ == sql.__name__
                and inspect.signature(member).return_annotation in ("Statement", sql.Statement)
                and name != "statement"}
    for module in (importlib.import_module(r.__module__) for r in registry.resources()):
        builders |= {f"{module.__name__.rsplit('.', 1)[-1]}.{name}"
                     for name, member in inspect.getmembers(module, inspect.isfunction)
                     if member.__module__ == module.__name__ and "sql.statement(" in inspect.getsource(member)}
    assert builders - {b for b, _, _ in BUILT} == set(), "a statement builder has no register kind in BUILT"


def test_what_is_not_confirmed_is_never_sent() -> None:
    for kind in NEVER_SENT:
        assert not register().confirmed_statement(kind), f"{kind} is confirmed now: the provider may use it"
    built = [build().sql for _, build, _ in BUILT]
    assert not [s for s in built if re.search(r"\bJOIN\b|query\.name|^UPDATE SECRET", s)]
    assert not [s for s in built if re.search(r"ORDER BY [^,]+,", s)]


def test_every_catalog_column_is_confirmed() -> None:
    modules = [catalog, *(importlib.import_module(r.__module__) for r in registry.resources())]
    tables = {t.name: t for m in modules for _, t in inspect.getmembers(m) if isinstance(t, catalog.Table)}.values()
    assert len(tables) >= 7
    for table in tables:
        unconfirmed = set(table.columns) - register().confirmed_columns(table.name)
        assert not unconfirmed, f"sys.{table.name} columns {sorted(unconfirmed)} are not confirmed"


def test_every_result_the_provider_reads_is_confirmed() -> None:
    results = register().results
    for result in RESULTS:
        entry = results.get(result.kind)
        assert entry is not None and entry["status"] == CONFIRMED, f"{result.kind} is not confirmed"
        documented = [str(c).split()[0].lower() for c in entry.get("columns") or [] if c]
        for position in result.by_position:
            assert position < len(entry["columns"]), f"{result.kind} has no column {position}"
        for name in result.by_name:
            assert name.lower() in documented, f"{result.kind} column {name!r} is not confirmed by name"
        for key in result.keys:
            if key in DEGRADED:
                continue
            assert entry.get("keys", {}).get(key, {}).get("status") == CONFIRMED, f"{result.kind} key {key!r}"


#: Keys read where nothing public documents them, with what the provider does when they are missing.
DEGRADED = {
    "metadata.properties": "importing a store reads its SASL mechanism, MSK role and PostgreSQL user from DESCRIBE "
                           "STORE's metadata; without them the import takes the defaults and the next preview shows "
                           "the difference to the program",
}


def test_degraded_reads_are_the_unconfirmed_ones() -> None:
    keys = register().results["DESCRIBE STORE"]["keys"]
    assert all(keys[key]["status"] != CONFIRMED for key in DEGRADED)


def test_choices_says_what_the_provider_relies_on() -> None:
    choices = (Path(contract.__file__).parent / "CHOICES.md").read_text()
    assert relied_on() in choices, "CHOICES.md is stale: run `.venv/bin/python -m deltastream_local.contract`"
