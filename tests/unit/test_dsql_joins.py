"""A join's kind as dsql parses it and the dataflow writes it: DeltaStream's JOIN page
(https://docs.deltastream.io/reference/sql-syntax/query/select/join) makes a plain ``JOIN`` an inner join, so
dsql gives it the kind ``INNER``, and the translator writes only inner and left joins."""

from __future__ import annotations

import pytest

from deltastream_local.dataflow.translate import TranslationError, translate
from deltastream_local.dsql import parse_select

ON = "ON p.userid = u.userid"


@pytest.mark.parametrize("join, kind", [
    ("JOIN", "INNER"), ("join", "INNER"), ("INNER JOIN", "INNER"), ("LEFT JOIN", "LEFT"),
    ("LEFT OUTER JOIN", "LEFT"), ("FULL OUTER JOIN", "FULL"), ("RIGHT JOIN", "RIGHT"),
])
def test_a_joins_kind(join: str, kind: str) -> None:
    for within in ("", "WITHIN 5 MINUTES "):
        select = parse_select(f"SELECT p.userid FROM pageviews AS p {join} users AS u {within}{ON}")
        assert [j.kind for j in select.joins] == [kind]


@pytest.mark.parametrize("join, written", [("JOIN", " JOIN "), ("LEFT JOIN", " LEFT JOIN ")])
def test_the_translator_writes_inner_and_left_joins(join: str, written: str) -> None:
    assert written in translate(parse_select(f"SELECT p.userid FROM pageviews AS p {join} users AS u {ON}")).sql


def test_the_translator_refuses_another_kind() -> None:
    with pytest.raises(TranslationError, match="RIGHT JOIN is not supported"):
        translate(parse_select(f"SELECT p.userid FROM pageviews AS p RIGHT JOIN users AS u {ON}"))
