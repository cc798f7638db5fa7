"""Hostile SQL: a query body is exactly one statement, the provider's clauses never land in a user's comment,
a column type is one whole type, and only real changes to a body count as changes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.column_types import check as check_type
from deltastream_provider.deltastream.query_text import one_statement, same_statement
from deltastream_provider.errors import QuotingError, SqlTextError
from deltastream_provider.resources import object as relation

BODY = 'INSERT INTO "db"."public"."dst" SELECT id FROM "db"."public"."src"'
HOSTILE_BODIES = [
    BODY + "; DROP DATABASE victim",
    BODY + ";\nDROP DATABASE victim;",
    BODY + " WHERE note = 'a'; DROP DATABASE victim; --'",
    BODY + " /* x */ ; DROP DATABASE victim",
    BODY + "; -- fine\nDROP DATABASE victim",
    BODY + " WHERE note = 'unterminated",
    BODY + ' WHERE "unterminated = 1',
    BODY + " /* never closed",
]


@pytest.mark.parametrize("body", HOSTILE_BODIES)
def test_a_second_statement_or_an_open_literal_is_refused(body: str) -> None:
    with pytest.raises(SqlTextError):
        one_statement(body)
    with pytest.raises(SqlTextError):
        sql.query(body)


@pytest.mark.parametrize("body", [
    BODY, BODY + ";", BODY + "; ", BODY + ";\n-- done\n", BODY + "; /* done */ ;",
    BODY + " WHERE note = 'a;b' AND \"odd;name\" = 1", BODY + " -- trailing; comment",
])
def test_one_statement_with_semicolons_in_literals_and_comments_is_accepted(body: str) -> None:
    assert one_statement(body).text.startswith("INSERT INTO")


def test_the_final_semicolon_never_lands_in_a_trailing_comment() -> None:
    statement = sql.query(BODY + " -- copy the clicks")
    assert statement.sql == BODY + " -- copy the clicks\n;"
    assert sql.query(BODY + " /* done */").sql == BODY + " /* done */;"


@pytest.mark.parametrize("old, new", [
    (BODY, BODY.lower().replace('"db"', '"db"')),
    (BODY, BODY.replace(" SELECT ", "\n  select ") + ";"),
    (BODY, BODY + " -- a note"),
    (BODY, "/* header */ " + BODY),
])
def test_whitespace_comments_and_keyword_case_are_no_change(old: str, new: str) -> None:
    assert same_statement(old, new)


@pytest.mark.parametrize("old, new", [
    (BODY, BODY.replace('"dst"', '"DST"')),            # a quoted name is case-sensitive
    (BODY + " WHERE x = 'a'", BODY + " WHERE x = 'A'"),  # so is a literal
    (BODY, BODY.replace("id", "id + 1")),
])
def test_real_changes_are_changes(old: str, new: str) -> None:
    assert not same_statement(old, new)


@pytest.mark.parametrize("type_", ["BIGINT", "VARCHAR(10)", "DECIMAL(10, 2)", "DOUBLE PRECISION", "ARRAY<VARCHAR>",
                                   "MAP<VARCHAR, ARRAY<BIGINT>>",
                                   'STRUCT<a INT, "b c" ARRAY<STRUCT<x BIGINT NOT NULL>>>'])
def test_column_types_by_the_grammar(type_: str) -> None:
    assert check_type(type_) == type_


@pytest.mark.parametrize("type_", ['STRUCT<a INT>, "injected" STRUCT<b INT>', "BIGINT; DROP DATABASE x", "VARCHAR -- c",
                                   "BIGINT /* c */", "INT)", "ARRAY<INT", "STRUCT<>", "MAP<INT>", "'x'",
                                   "BIGINT NOT NULL",
                                   "BIGINT, injected BIGINT"])
def test_anything_else_is_not_a_column_type(type_: str) -> None:
    with pytest.raises(SqlTextError):
        check_type(type_)
    with pytest.raises(QuotingError):
        relation.create_statement("stream", "db", "public", "s", [relation.ColumnDef("a", type_)], [], [])


TEXT = st.text(alphabet=st.sampled_from(list("ab;'\"`-/*\n =,<>()")), max_size=30)


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_any_literal_or_quoted_name_stays_inside_one_statement(value: str) -> None:
    body = f"{BODY} WHERE {sql.ident(value or 'x')} = {sql.literal(value)}"
    statement = one_statement(body)
    assert statement.text == body and sql.literal(value) in statement.signature


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_nothing_after_a_statement_escapes_the_check(tail: str) -> None:
    body = f"{BODY}; DROP DATABASE victim {tail}"
    try:
        one_statement(body)
    except SqlTextError:
        return
    raise AssertionError(f"accepted {body!r}")


@settings(max_examples=300, deadline=None)
@given(TEXT)
def test_a_struct_field_name_cannot_add_a_column(name: str) -> None:
    type_ = f"STRUCT<{sql.ident(name or 'x')} INT>"
    assert check_type(type_) == type_
    with pytest.raises(SqlTextError):
        check_type(type_ + ", injected BIGINT")
