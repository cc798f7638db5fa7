"""Conformance of the local server with the API contract (checklist items 1-10), raw on the wire."""

from __future__ import annotations

import json
import os
import re
import uuid

import httpx
import pytest
from testkit import TOKEN

from deltastream_local.runner import BackgroundServer, ServerSettings
from tests.conftest import ManualClock

AUTH = {"Authorization": f"Bearer {TOKEN}"}
TS = re.compile(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}Z$")


def post(local: BackgroundServer, statement: str, **fields: str) -> httpx.Response:
    return httpx.post(f"{local.url}/statements", json={"statement": statement, **fields}, headers=AUTH)


def ok(local: BackgroundServer, statement: str, **fields: str) -> dict:
    response = post(local, statement, **fields)
    body = response.json()
    assert response.status_code == 200 and body["sqlState"] == "00000", body
    return body


def test_version_needs_a_token(local: BackgroundServer) -> None:
    assert httpx.get(f"{local.url}/version", headers=AUTH).json() == {"major": 2, "minor": 0, "patch": 0}
    denied = httpx.get(f"{local.url}/version", headers={"Authorization": "Bearer nope"})
    assert denied.status_code == 403 and "message" in denied.json()
    assert denied.headers["content-type"].startswith("application/json")


def test_envelope_of_a_success_and_of_a_sql_error(local: BackgroundServer) -> None:
    body = ok(local, 'CREATE DATABASE "db";')
    uuid.UUID(body["statementID"])
    assert isinstance(body["createdOn"], int)
    assert body["metadata"]["encoding"] == "json"
    assert body["metadata"]["columns"] == [] and body["metadata"]["partitionInfo"] == [] and body["data"] == []
    assert uuid.UUID(body["metadata"]["context"]["organizationID"])
    error = post(local, 'CREATE DATABASE "db";')
    assert error.status_code == 200
    payload = error.json()
    assert payload["sqlState"] == "42P04" and "already exists" in payload["message"] and "data" not in payload
    assert payload["metadata"]["context"]["organizationID"]


@pytest.mark.parametrize("part_type", ["application/json", None])
def test_multipart_with_and_without_part_content_type(local: BackgroundServer, part_type: str | None) -> None:
    request = json.dumps({"statement": "CREATE STORE s WITH ('type' = KAFKA, 'uris' = 'b:1', "
                                       "'kafka.sasl.hash_function' = NONE, 'tls.ca_cert_file' = '@cacert');"})
    files = {"request": (None, request, part_type) if part_type else (None, request),
             "attachments": ("@cacert", b"-----BEGIN CERTIFICATE-----", "application/octet-stream")}
    response = httpx.post(f"{local.url}/statements", files=files, headers=AUTH)
    assert response.json()["sqlState"] == "00000"
    missing = httpx.post(f"{local.url}/statements", files={"request": (None, request.replace("'s'", "'t'")
                                                                       .replace("STORE s", "STORE t"))}, headers=AUTH)
    assert missing.json()["sqlState"] == "3D008" and "@cacert" in missing.json()["message"]


def test_bad_requests_are_400(local: BackgroundServer) -> None:
    assert httpx.post(f"{local.url}/statements", content=b"{not json", headers=AUTH).status_code == 400
    assert httpx.post(f"{local.url}/statements", json={"statement": "  "}, headers=AUTH).status_code == 400
    assert httpx.get(f"{local.url}/statements/{uuid.uuid4()}", headers=AUTH).status_code == 404


def test_202_then_polls_then_200(local: BackgroundServer) -> None:
    local.server.knobs.update({"async_polls": 2})
    first = post(local, 'CREATE DATABASE "db";')
    assert first.status_code == 202 and first.json()["sqlState"] == "03000"
    assert first.headers["content-type"].startswith("application/json")
    url = f"{local.url}/statements/{first.json()['statementID']}"
    assert [httpx.get(url, headers=AUTH).status_code for _ in range(3)] == [202, 202, 200]


def test_partitions_repeat_metadata_and_carry_their_rows(local: BackgroundServer) -> None:
    for i in range(5):
        ok(local, f'CREATE DATABASE "db{i}";')
    local.server.knobs.update({"page_size": 2})
    body = ok(local, 'SELECT name FROM deltastream.sys."databases" ORDER BY name;')
    assert body["metadata"]["partitionInfo"] == [{"rowCount": 2}, {"rowCount": 2}, {"rowCount": 1}]
    pages = [httpx.get(f"{local.url}/statements/{body['statementID']}", params={"partitionID": p},
                       headers=AUTH).json() for p in range(3)]
    assert [row for page in pages for row in page["data"]] == [[f"db{i}"] for i in range(5)]
    assert all(page["metadata"]["columns"] == body["metadata"]["columns"] for page in pages)


def test_context_is_echoed_and_use_changes_it(local: BackgroundServer) -> None:
    ok(local, 'CREATE DATABASE "db";')
    body = ok(local, 'USE DATABASE "db";', role="sysadmin")
    assert body["metadata"]["context"]["databaseName"] == "db"
    assert body["metadata"]["context"]["schemaName"] == "public"
    assert body["metadata"]["context"]["roleName"] == "sysadmin"
    assert post(local, 'USE DATABASE "nope";').json()["sqlState"] == "3D002"
    assert post(local, "SELECT 1 FROM deltastream.sys.\"databases\";", role="ghost").json()["sqlState"] == "3D001"


def test_lifecycles_and_system_tables(local: BackgroundServer) -> None:
    ok(local, 'CREATE DATABASE "db"; CREATE SCHEMA "s" IN DATABASE "db";')
    ok(local, "CREATE STORE k WITH ('type' = KAFKA, 'uris' = 'b:1', 'kafka.sasl.hash_function' = PLAIN, "
              "'kafka.sasl.username' = 'u', 'kafka.sasl.password' = 'p');")
    ok(local, "CREATE STREAM \"db\".\"s\".\"src\" (a VARCHAR) WITH ('store' = 'k', 'topic' = 't');")
    ok(local, "CREATE STREAM \"db\".\"s\".\"dst\" (a VARCHAR) WITH ('store' = 'k', 'topic' = 'u');")
    plan = ok(local, 'DESCRIBE INSERT INTO "db"."s"."dst" SELECT * FROM "db"."s"."src";')
    assert plan["data"][0][0] == "INSERT_INTO"
    assert json.loads(plan["data"][0][1])["sources"][0]["name"] == "src"
    run = ok(local, 'INSERT INTO "db"."s"."dst" SELECT * FROM "db"."s"."src";')
    assert [c["name"] for c in run["metadata"]["columns"]] == ["type", "name", "command", "summary", "path"]
    query_id = run["data"][0][1]
    assert run["data"][0][0] == "query"
    assert post(local, 'DROP RELATION "db"."s"."src";').json()["sqlState"] == "2BP01"
    ok(local, f"TERMINATE QUERY {query_id};")
    state = ok(local, f"SELECT current_state FROM deltastream.sys.\"queries\" WHERE id = '{query_id}';")
    assert state["data"] == [["terminated"]]  # terminated queries stay listed
    ok(local, 'DROP RELATION "db"."s"."src";')
    relation = ok(local, "SELECT fqn, relation_type, state, created_at FROM deltastream.sys.\"relations\";")
    assert relation["data"][0][:3] == ['"db"."s"."dst"', "stream", "created"]
    assert TS.match(relation["data"][0][3])
    assert post(local, 'DROP STORE k;').json()["sqlState"] == "2BP01"


def test_select_subset_as_tools_send_it(local: BackgroundServer) -> None:
    ok(local, 'CREATE DATABASE "b"; CREATE DATABASE "a"; CREATE DATABASE "c";')
    assert ok(local, 'SELECT 1 FROM deltastream.sys."databases" WHERE name = \'a\';')["data"] == [["1"]]
    body = ok(local, "select name from \"deltastream\".\"sys\".\"databases\" where name in ('a', 'c') "
                     "order by name desc limit 1;")
    assert body["data"] == [["c"]] and body["metadata"]["columns"][0]["type"] == "VARCHAR"
    empty = ok(local, "SELECT name FROM deltastream.sys.\"databases\" WHERE name = 'zzz';")
    assert empty["data"] == [] and empty["metadata"]["partitionInfo"] == []
    assert post(local, 'SELECT nope FROM deltastream.sys."databases";').json()["sqlState"] == "42601"
    assert post(local, 'SELECT name FROM deltastream.sys."nope";').json()["sqlState"] == "3D020"
    boolean = ok(local, "CAN I CREATE_DATABASE;")
    assert boolean["data"] == [["true"]] and boolean["metadata"]["columns"][0]["type"] == "BOOLEAN"


@pytest.mark.parametrize("statement, construct", [
    ('SELECT sql FROM deltastream.sys."queries";', "column 'sql' of deltastream.sys.\"queries\""),
    ('SELECT is_default FROM deltastream.sys."databases";', "column 'is_default'"),
    ('SELECT r.name FROM deltastream.sys."relations" r JOIN deltastream.sys."relation_columns" c '
     "ON c.relation_name = r.name;", "a JOIN of system tables"),
])
def test_what_the_contract_register_does_not_confirm_is_refused(local: BackgroundServer, statement: str,
                                                                 construct: str) -> None:
    body = post(local, statement).json()
    assert body["sqlState"] == "0A000" and construct in body["message"] and "contract register" in body["message"]
    local.server.knobs.update({"lenient_system_tables": True})
    assert post(local, statement).json()["sqlState"] == "00000"


def test_select_star_shows_only_confirmed_columns(local: BackgroundServer) -> None:
    ok(local, 'CREATE DATABASE "d";')
    columns = [c["name"] for c in ok(local, 'SELECT * FROM deltastream.sys."databases";')["metadata"]["columns"]]
    assert columns == ["name", "owner", "created_at"]


@pytest.mark.parametrize("statement, code", [
    ('DROP DATABASE "x";', "3D002"), ('DROP SCHEMA "db"."x";', "3D003"), ('DROP STORE "x";', "3D006"),
    ('DROP RELATION "db"."public"."x";', "3D020"), ("TERMINATE QUERY 6a1c0d2e-2a4f-4c5e-9f55-3c0b5c0f1a77;", "3D019"),
    ('CREATE DATABASE "db";', "42P04"), ('CREATE SCHEMA "public" IN DATABASE "db";', "42P06"),
    ("CREATE STORE s WITH ('uris' = 'x');", "3D021"), ("CREAT DATABASE x;", "42601"),
    ("LIST REGIONS;", "0A000"), ('DROP COMPUTE_POOL "x";', "3D023"),
])
def test_error_codes(local: BackgroundServer, statement: str, code: str) -> None:
    ok(local, 'CREATE DATABASE "db";')
    assert post(local, statement).json()["sqlState"] == code


@pytest.mark.paused_clock
def test_store_state_machine_with_delay_and_failure_injection(local: BackgroundServer, clock: ManualClock) -> None:
    local.server.knobs.update({"store_ready_s": 0.2, "errored_stores": "^bad"})
    for name in ("good", "bad"):
        ok(local, f"CREATE STORE {name} WITH ('type' = KAFKA, 'uris' = 'b:1', 'kafka.sasl.hash_function' = NONE);")
    states = 'SELECT name, status, status_message FROM deltastream.sys."stores" ORDER BY name;'
    assert ok(local, states)["data"] == [["bad", "creating", None], ["good", "creating", None]]
    clock.advance(0.19)
    assert [r[1] for r in ok(local, states)["data"]] == ["creating", "creating"]
    clock.advance(0.01)
    rows = ok(local, states)["data"]
    assert rows[0][:2] == ["bad", "errored"] and "injected" in rows[0][2] and rows[1] == ["good", "ready", None]


def test_admin_knobs_and_counters(local: BackgroundServer) -> None:
    response = httpx.put(f"{local.url.removesuffix('/v2')}/admin/knobs", json={"page_size": 3}, headers=AUTH)
    assert response.json()["page_size"] == 3
    ok(local, 'CREATE DATABASE "db";')
    counters = httpx.get(f"{local.url.removesuffix('/v2')}/admin/counters", headers=AUTH).json()
    assert counters["statements"]["CreateDatabase"] == 1 and counters["requests"]["POST /v2/statements"] == 1
    bad = httpx.put(f"{local.url.removesuffix('/v2')}/admin/knobs", json={"nope": 1}, headers=AUTH)
    assert bad.status_code == 400 and "unknown knob" in bad.json()["message"]


def test_a_stopped_background_server_leaves_no_descriptor_open() -> None:
    """A test run starts a server per test: each one left open would exhaust the worker's descriptors."""
    def open_descriptors() -> set[str]:
        return set(os.listdir("/proc/self/fd"))

    before = open_descriptors()
    for _ in range(3):
        with BackgroundServer(ServerSettings(port=0, tokens={TOKEN: "sysadmin"})) as server:
            assert httpx.get(f"{server.url}/version", headers=AUTH).status_code == 200
    assert open_descriptors() - before == set()
