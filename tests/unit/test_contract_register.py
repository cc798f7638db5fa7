"""The provider sends and reads only what the contract register confirms DeltaStream accepts and returns.

Every statement builder (those of ``deltastream_provider.deltastream.sql`` and each resource module's own) is called
here and its statement kind looked up in the register; every column of every catalog table, and every result the
provider reads by position or name, must be confirmed there. A new builder, column or read without evidence fails
this test.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

import pytest

from deltastream_local import contract
from deltastream_local.contract import CONFIRMED, register, relied_on
from deltastream_provider import resources
from deltastream_provider.deltastream import catalog, sql
from deltastream_provider.deltastream.reads import RESULTS, Shape
from deltastream_provider.kinds import registry

INSERT = 'INSERT INTO "db"."s"."dst" SELECT * FROM "db"."s"."src"'
CSAS = 'CREATE STREAM "db"."s"."dst" AS SELECT * FROM "db"."s"."src"'
APPLICATION = f'BEGIN APPLICATION app {INSERT}; END APPLICATION'

#: The builders of the quoting module, with the register kind of what each sends; each kind's own are its
#: ``SAMPLE.built``.
SHARED: list[tuple[str, Callable[[], sql.Statement], str]] = [
    ("describe", lambda: sql.describe(sql.query(INSERT)), "DESCRIBE INSERT INTO"),
    ("describe", lambda: sql.describe(sql.query(CSAS)), "DESCRIBE CREATE AS SELECT"),
    ("describe", lambda: sql.describe(sql.raw(APPLICATION)), "DESCRIBE BEGIN APPLICATION"),
    ("raw", lambda: sql.raw(APPLICATION), "BEGIN APPLICATION"),
    ("list_organizations", sql.list_organizations, "LIST ORGANIZATIONS"),
    ("select", lambda: sql.select("databases", ["name"]), "SELECT double-quoted column names"),
    ("select", lambda: sql.select("databases", ["name"], {"name": "a"}), "SELECT WHERE equals"),
    ("select", lambda: sql.select("databases", ["name"], {"name": ["a", "b"]}), "SELECT WHERE IN"),
    ("select", lambda: sql.select("databases", ["name"], order_by="name"), "SELECT ORDER BY one column"),
    ("select", lambda: sql.select("databases", ["name"], limit=201), "SELECT LIMIT"),
    ("query", lambda: sql.query(INSERT), "INSERT INTO"),
    ("query", lambda: sql.query(CSAS), "CREATE STREAM AS SELECT"),
    ("can_i", lambda: sql.can_i("CREATE_DATABASE"), "CAN I"),
]
#: Each statement builder with the register kind of what it sends.
BUILT: list[tuple[str, Callable[[], sql.Statement], str]] = SHARED + [
    (b.name, b.build, b.kind) for _, sample in registry.samples() for b in sample.built]


def resource_modules() -> list[ModuleType]:
    """Every module of the resource layer: each kind's, and those the kinds share (what runs as a query)."""
    return [importlib.import_module(f"{resources.__name__}.{m.name}") for m in pkgutil.iter_modules(resources.__path__)]


#: Statements that would need a kind the register does not confirm, each with what the provider does instead.
NEVER_SENT = {
    "UPDATE SECRET": "a changed secret is replaced (DROP SECRET, CREATE SECRET)",
    "SELECT JOIN": "object columns come from DESCRIBE RELATION COLUMNS",
    "QUERY WITH query.name": "a query's name is DeltaStream's (an output); a name input is ignored, with a warning",
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
    for module in resource_modules():
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
    modules = [catalog, *resource_modules()]
    tables = {t.name: t for m in modules for _, t in inspect.getmembers(m) if isinstance(t, catalog.Table)}.values()
    assert len(tables) >= 7
    for table in tables:
        unconfirmed = set(table.columns) - register().confirmed_columns(table.name)
        assert not unconfirmed, f"sys.{table.name} columns {sorted(unconfirmed)} are not confirmed"


def test_every_result_the_provider_reads_is_confirmed() -> None:
    """The shared reads (``deltastream/reads.py``) and each kind's own (a ``Shape`` in its module)."""
    results = register().results
    own = [s for m in resource_modules() for _, s in inspect.getmembers(m) if isinstance(s, Shape)]
    for result in [*RESULTS, *own]:
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
    "metadata.properties": "importing a store reads its SASL mechanism, MSK role and region, user names (SASL, "
                           "PostgreSQL, Snowflake), Kinesis account and key ids and Snowflake region from DESCRIBE "
                           "STORE's metadata; without them, or masked, the import leaves them unset and the next "
                           "preview shows the difference to the program",
}


def test_degraded_reads_are_the_unconfirmed_ones() -> None:
    keys = register().results["DESCRIBE STORE"]["keys"]
    assert all(keys[key]["status"] != CONFIRMED for key in DEGRADED)


def test_choices_says_what_the_provider_relies_on() -> None:
    choices = (Path(contract.__file__).parent / "CHOICES.md").read_text()
    assert relied_on() in choices, "CHOICES.md is stale: run `.venv/bin/python -m deltastream_local.contract`"
    assert contract.family_choices() in choices, "CHOICES.md lacks a family's choices: run the same command"
    assert contract.with_section(choices).count(contract.FAMILIES_START) == 1
