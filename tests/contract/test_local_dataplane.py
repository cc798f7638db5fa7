"""The dataplane route over raw HTTP and websocket (issue 33): an interactive SELECT of a stream or changelog
answers ``metadata.dataplaneRequest`` (``uri``, ``statementID``, ``token``, ``requestType`` streaming) and no
rows; the websocket at ``uri`` takes ``{"type": "auth", "accessToken"}`` and sends ``metadata`` then one ``data``
message per record, as deltastream-connector-python's ``streaming_rows.py`` and ts-deltastream's
``streaming-rows.ts`` read them. A materialized view and the system tables stay plain result sets."""

from __future__ import annotations

import json

import pytest
from testkit import dataplane
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from deltastream_local.runner import BackgroundServer
from tests.contract.test_local_server import ok


@pytest.fixture
def users(local: BackgroundServer) -> BackgroundServer:
    ok(local, 'CREATE DATABASE "db";')
    ok(local, "CREATE STORE k WITH ('type' = KAFKA, 'uris' = 'b:9092', 'kafka.sasl.hash_function' = NONE);")
    ok(local, "CREATE CHANGELOG users (t BIGINT, userid VARCHAR, region VARCHAR, PRIMARY KEY (userid)) "
              "WITH ('store' = 'k', 'topic' = 'users', 'value.format' = 'json');", database="db")
    for t, user, region in [(1, "u1", "r1"), (2, "u2", "r1"), (3, "u1", "r2")]:
        record = json.dumps({"t": t, "userid": user, "region": region})
        ok(local, f"INSERT INTO ENTITY users IN STORE k VALUE('{record}');")
    return local


def test_a_changelog_is_streamed_newest_per_key(users: BackgroundServer) -> None:
    body = dataplane.answer(users.url, "SELECT * FROM users;", database="db")
    request = body["metadata"]["dataplaneRequest"]
    assert set(request) == {"uri", "statementID", "token", "requestType"}
    assert request["statementID"] == body["statementID"] and request["requestType"] == "streaming"
    base = users.url.replace('http://', 'ws://').removesuffix('/v2')
    assert request["uri"] == f"{base}/dataplane/v2/statements/{body['statementID']}"
    assert "data" not in body
    columns, rows = dataplane.stream(request, 2)
    assert [c["name"] for c in columns] == ["t", "userid", "region"]
    assert sorted(rows, key=str) == [["2", "u2", "r1"], ["3", "u1", "r2"]]
    assert users.server.counters.requests["GET /dataplane/v2/statements/{statement_id}"] == 1


def test_a_wrong_token_or_a_second_read_is_closed_unread(users: BackgroundServer) -> None:
    request = dataplane.answer(users.url, "SELECT userid FROM users;", database="db")["metadata"]["dataplaneRequest"]
    for token in ("not-the-token", request["token"]):
        with connect(request["uri"], open_timeout=30) as ws:
            ws.send(json.dumps({"type": "auth", "accessToken": token}))
            if token == request["token"]:
                assert json.loads(ws.recv(timeout=30))["type"] == "metadata"
                continue
            with pytest.raises(ConnectionClosed) as closed:
                ws.recv(timeout=30)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 1008
    with connect(request["uri"], open_timeout=30) as ws:  # a statement's stream is read once
        ws.send(json.dumps({"type": "auth", "accessToken": request["token"]}))
        with pytest.raises(ConnectionClosed):
            ws.recv(timeout=30)


def test_a_materialized_view_and_the_system_tables_stay_plain_result_sets(users: BackgroundServer) -> None:
    ok(users, "CREATE MATERIALIZED VIEW per_region WITH ('store' = 'k') AS SELECT region, COUNT(*) AS n "
              "FROM users GROUP BY region;", database="db")
    body = ok(users, "SELECT region, n FROM per_region ORDER BY region;", database="db")
    assert "dataplaneRequest" not in body["metadata"] and body["data"]
    body = ok(users, 'SELECT name FROM deltastream.sys."relations" ORDER BY name;')
    assert "dataplaneRequest" not in body["metadata"] and body["data"] == [["per_region"], ["users"]]
