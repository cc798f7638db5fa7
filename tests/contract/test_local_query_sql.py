"""The local server checks query SQL as DeltaStream does (issue 33), over HTTP: the issue's four broken bodies are
refused by CREATE STREAM AS SELECT, CREATE CHANGELOG AS SELECT, materialized views, INSERT INTO and DESCRIBE of
each, with the code and position, and nothing is created; a good body's relation gets its columns typed from the
projection."""

from __future__ import annotations

import json

import pytest
from testkit import dataplane

from deltastream_local.runner import BackgroundServer
from tests.contract.test_local_server import ok, post

BROKEN = [
    ("SELECT nosuchcol FROM pv", "42601", "column 'nosuchcol' does not exist"),
    ("SELECT userid FROM pv WHERE ((( AND OR", "42601", "syntax error at or near 'AND'"),
    ("SELECT userid, FROM pv", "42601", "syntax error at or near 'FROM'"),
    ("SELECT NOSUCHFUNC(userid) FROM pv", "3D017", "function NOSUCHFUNC does not exist"),
]
SHAPES = ["CREATE STREAM s2 AS {q};", "CREATE CHANGELOG c2 AS {q} GROUP BY userid;",
          "CREATE MATERIALIZED VIEW mv AS {q};", "INSERT INTO dst {q};"]


@pytest.fixture
def streams(local: BackgroundServer) -> BackgroundServer:
    ok(local, 'CREATE DATABASE "db";')
    ok(local, "CREATE STORE k WITH ('type' = KAFKA, 'uris' = 'b:9092', 'kafka.sasl.hash_function' = NONE);")
    for name in ("pv", "dst"):
        ok(local, f"CREATE STREAM db.public.{name} (viewtime BIGINT NOT NULL, userid VARCHAR, pageid VARCHAR) "
                  f"WITH ('store' = 'k', 'topic' = '{name}', 'value.format' = 'json');", database="db")
    return local


def relations(local: BackgroundServer) -> list[str]:
    return [r[0] for r in ok(local, 'SELECT name FROM deltastream.sys."relations" ORDER BY name;')["data"]]


@pytest.mark.parametrize("shape", SHAPES, ids=["csas", "ccas", "mv", "insert"])
@pytest.mark.parametrize("query, code, words", BROKEN, ids=["column", "where", "comma", "function"])
@pytest.mark.parametrize("describe", [False, True], ids=["run", "describe"])
def test_broken_bodies_are_refused(streams: BackgroundServer, shape: str, query: str, code: str, words: str,
                                   describe: bool) -> None:
    sql = ("DESCRIBE " if describe else "") + shape.format(q=query.replace(" GROUP BY", ""))
    body = post(streams, sql, database="db").json()
    assert body["sqlState"] == code and words in body["message"], body
    assert "(line 1, column " in body["message"]
    assert relations(streams) == ["dst", "pv"]
    assert ok(streams, 'SELECT id FROM deltastream.sys."queries";')["data"] == []


def test_a_relations_columns_come_from_the_projection(streams: BackgroundServer) -> None:
    ok(streams, "CREATE STREAM s2 WITH ('store' = 'k') AS SELECT viewtime, UPPER(userid) AS uid, "
                "viewtime * 1000 AS ms, CASE WHEN pageid IS NULL THEN FALSE ELSE TRUE END AS has_page FROM pv;",
       database="db")
    columns = ok(streams, "DESCRIBE RELATION COLUMNS db.public.s2;")["data"]
    assert [c[:3] for c in columns] == [["viewtime", "BIGINT", "false"], ["uid", "VARCHAR", "true"],
                                       ["ms", "BIGINT", "true"], ["has_page", "BOOLEAN", "true"]]


def test_a_plan_names_its_sources_from_the_parse(streams: BackgroundServer) -> None:
    body = ok(streams, "DESCRIBE INSERT INTO dst SELECT viewtime, TRIM(LEADING 'x' FROM userid) AS userid, pageid "
                       "FROM pv WHERE EXTRACT(YEAR FROM CAST(viewtime AS TIMESTAMP(3))) > 2000;", database="db")
    assert [s["name"] for s in json.loads(body["data"][0][1])["sources"]] == ["pv"]


def test_an_interactive_select_takes_functions_and_expressions(streams: BackgroundServer) -> None:
    ok(streams, "CREATE MATERIALIZED VIEW mv WITH ('store' = 'k') AS SELECT userid, COUNT(*) AS n FROM pv "
                "GROUP BY userid;", database="db")
    body = ok(streams, "SELECT TRIM(LEADING 'u' FROM userid) AS id, n * 2 AS twice, COUNT(*) AS c FROM mv "
                       "GROUP BY userid, n;", database="db")
    assert [(c["name"], c["type"]) for c in body["metadata"]["columns"]] == [
        ("id", "VARCHAR"), ("twice", "BIGINT"), ("c", "BIGINT")]
    for sql, code, words in [("SELECT UPPER(nosuch) FROM mv;", "42601", "column 'nosuch' does not exist"),
                             ("SELECT UPPER(nosuch) FROM pv;", "42601", "column 'nosuch' does not exist")]:
        body = post(streams, sql, database="db").json()
        assert body["sqlState"] == code and words in body["message"], body


def test_an_interactive_select_of_a_stream_is_read_through_the_dataplane(streams: BackgroundServer) -> None:
    for i, user in enumerate(["u1", "u2", None]):
        ok(streams, f"INSERT INTO ENTITY pv IN STORE k VALUE('{json.dumps({'viewtime': i, 'userid': user})}');")
    body = dataplane.answer(streams.url, "SELECT TRIM(LEADING 'u' FROM userid) AS id, viewtime * 2 AS twice "
                                         "FROM pv WHERE userid IS NOT NULL;", database="db")
    assert "data" not in body and body["metadata"]["dataplaneRequest"]["requestType"] == "streaming"
    columns, rows = dataplane.stream(body["metadata"]["dataplaneRequest"], 2)
    assert [(c["name"], c["type"]) for c in columns] == [("id", "VARCHAR"), ("twice", "BIGINT")]
    assert rows == [["1", "0"], ["2", "2"]]
