"""The one quoting layer: identifiers, literals, statements (FR-035), checked against a second parser."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream_local.parser import parse
from deltastream_provider.deltastream import sql
from deltastream_provider.errors import QuotingError
from deltastream_provider.resources import continuous, namespace, store
from deltastream_provider.resources import object as relation

HOSTILE = ['plain', 'MixedCase', 'with"quote', "it's", 'back\\slash', 'semi;colon', "new\nline", 'ünïcødé-东西',
           '"; DROP DATABASE x; --', "'; DROP DATABASE x; --", 'tab\there', ' spaced ', '""', "''"]
names = st.text(st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",)), min_size=1, max_size=40)


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_identifiers_round_trip_through_a_real_parser(name: str) -> None:
    statement = namespace.create_statement("db", name)
    parsed = parse(statement.sql)
    assert len(parsed) == 1, "a hostile name must not split the statement"
    assert parsed[0].statement.name.parts == (name,)


@pytest.mark.parametrize("value", HOSTILE)
def test_hostile_literals_round_trip(value: str) -> None:
    statement = store.create_statement("s", [("type", sql.Bare("KAFKA")), ("uris", value)])
    (parsed,) = parse(statement.sql)
    assert parsed.statement.properties["uris"] == value


@settings(max_examples=300, deadline=None)
@given(database=names, namespace=names, name=names)
def test_any_name_round_trips(database: str, namespace: str, name: str) -> None:
    (parsed,) = parse(relation.drop_statement(database, namespace, name).sql)
    assert parsed.statement.name.parts == (database, namespace, name)


@settings(max_examples=300, deadline=None)
@given(value=names)
def test_any_literal_round_trips_in_a_system_table_filter(value: str) -> None:
    (parsed,) = parse(sql.select("databases", ["name"], {"name": value}).sql)
    assert parsed.statement.where[0].value == value


def test_nul_is_refused() -> None:
    with pytest.raises(QuotingError):
        sql.ident("a\x00b")
    with pytest.raises(QuotingError):
        sql.literal("a\x00b")


def test_query_ids_must_be_uuids() -> None:
    assert continuous.terminate_statement("6A1C0D2E-2A4F-4C5E-9F55-3C0B5C0F1A77").sql == \
        "TERMINATE QUERY 6a1c0d2e-2a4f-4c5e-9f55-3c0b5c0f1a77;"
    with pytest.raises(QuotingError):
        continuous.terminate_statement("1; DROP DATABASE x")


def test_secrets_are_redacted_in_the_twin_only() -> None:
    statement = store.create_statement("s", [("type", sql.Bare("POSTGRESQL")),
                                             ("postgres.password", sql.SecretLiteral("hunter2"))])
    assert "'hunter2'" in statement.sql
    assert "hunter2" not in statement.redacted and "'****'" in statement.redacted
    assert str(statement) == statement.redacted
    assert "hunter2" not in repr(sql.SecretLiteral("hunter2"))


def test_select_quotes_columns_and_values() -> None:
    statement = sql.select("relations", ["name", "owner"], {"database_name": "d'b", "name": ["a", "b"]},
                           order_by="name", limit=201)
    assert statement.sql == ('SELECT "name", "owner" FROM deltastream.sys."relations" WHERE "database_name" = '
                             "'d''b' AND \"name\" IN ('a', 'b') ORDER BY \"name\" LIMIT 201;")
    assert not statement.mutating


@pytest.mark.parametrize("type_", ["VARCHAR", "BIGINT", "DECIMAL(10, 2)", "TIMESTAMP_LTZ(3)", "ARRAY<VARCHAR>",
                                   "STRUCT<a VARCHAR, b ARRAY<BIGINT>>", "TIMESTAMP WITH LOCAL TIME ZONE"])
def test_column_types_accepted(type_: str) -> None:
    statement = relation.create_statement("stream", "d", "s", "r", [relation.ColumnDef("c", type_)], [], [])
    (parsed,) = parse(statement.sql)
    assert parsed.statement.columns[0].name == "c"


@pytest.mark.parametrize("type_", ["VARCHAR); DROP DATABASE x; --", "ARRAY<VARCHAR", "VARCHAR'", "A>B<"])
def test_hostile_column_types_refused(type_: str) -> None:
    with pytest.raises(QuotingError):
        sql.column_type(type_)


def test_a_query_is_sent_as_written() -> None:
    body = "INSERT INTO a SELECT * FROM b WHERE note = 'it''s'"
    assert sql.query(body + ";  ").sql == body + ";"
    (parsed,) = parse(sql.query(body).sql)
    assert type(parsed.statement).__name__ == "InsertInto"
