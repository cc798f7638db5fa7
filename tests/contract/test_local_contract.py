"""The local server as a client other than our provider sees it, item by item from the API contract
(reference sections 13 and 16): DESCRIBE of existing relations, strict UPDATE STORE, applications, the bound
port, and multipart requests exactly as Go's mime/multipart writes them."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
import warnings

import httpx
import pytest

from deltastream_local.runner import BackgroundServer
from tests.contract.test_local_server import AUTH, ok, post

KAFKA = "CREATE STORE k WITH ('type' = KAFKA, 'uris' = 'b:9092', 'kafka.sasl.hash_function' = NONE);"
PAGEVIEWS = 'CREATE STREAM "db"."public"."pv" (viewtime BIGINT, userid VARCHAR) WITH (\'store\' = \'k\');'


def relations(local: BackgroundServer) -> list[list[str]]:
    return ok(local, 'SELECT fqn FROM deltastream.sys."relations" ORDER BY fqn;')["data"]


def queries(local: BackgroundServer) -> list[list[str]]:
    return ok(local, 'SELECT id, name, "version", current_state FROM deltastream.sys."queries";')["data"]


@pytest.fixture
def stream(local: BackgroundServer) -> BackgroundServer:
    ok(local, 'CREATE DATABASE "db";')
    ok(local, KAFKA)
    ok(local, PAGEVIEWS)
    return local


# --- 1. DESCRIBE plans without side effects, also for a relation that exists ---------------------

@pytest.mark.parametrize("create, kind", [
    (PAGEVIEWS, "CREATE_STREAM"),
    ('CREATE CHANGELOG "db"."public"."pv" (userid VARCHAR, PRIMARY KEY (userid)) WITH (\'store\' = \'k\');',
     "CREATE_CHANGELOG"),
    # a TABLE needs a SQL store (DeltaStream has no tables in Kafka stores)
    ('CREATE TABLE "db"."public"."pv" (userid VARCHAR) WITH (\'store\' = \'pg\');', "CREATE_TABLE"),
])
def test_describe_of_an_existing_relation_returns_its_plan(stream: BackgroundServer, create: str, kind: str) -> None:
    ok(stream, "CREATE STORE pg WITH ('type' = POSTGRESQL, 'uris' = 'postgresql://127.0.0.1:1/d', "
               "'postgres.username' = 'u', 'postgres.password' = 'p');")
    store = "pg" if "'pg'" in create else "k"
    before = relations(stream)
    body = ok(stream, "DESCRIBE " + create)
    assert [c["name"] for c in body["metadata"]["columns"]] == ["type", "info"]  # docs: DESCRIBE
    (planned_kind, plan_text), = body["data"]
    plan = json.loads(plan_text)
    org = stream.server.catalog.organization.id
    assert planned_kind == kind and plan["sink"] is None and plan["sources"] == []
    assert plan["ddl"] == {"fqn": f'"{org}"."db"."public"."pv"', "type": kind.split("_")[1].lower(),
                           "db_name": "db", "schema_name": "public", "name": "pv", "store_name": store}
    assert relations(stream) == before  # planned, not created
    assert post(stream, create).json()["sqlState"] == "42P017"  # running it still finds the duplicate


def test_describe_still_reports_what_would_fail(stream: BackgroundServer) -> None:
    missing_schema = 'DESCRIBE CREATE STREAM "db"."nope"."x" (a BIGINT) WITH (\'store\' = \'k\');'
    assert post(stream, missing_schema).json()["sqlState"] == "3D003"
    missing_store = 'DESCRIBE CREATE STREAM "db"."public"."x" (a BIGINT) WITH (\'store\' = \'nope\');'
    assert post(stream, missing_store).json()["sqlState"] == "3D006"


# --- 2. UPDATE STORE refuses what DeltaStream refuses ------------------------------------------

SASL_STORE = ("CREATE STORE s WITH ('type' = KAFKA, 'uris' = 'b:9092', 'kafka.sasl.hash_function' = SHA512, "
              "'kafka.sasl.username' = 'app', 'kafka.sasl.password' = 'first-secret');")


@pytest.mark.parametrize("update, code, named", [
    ("UPDATE STORE s WITH ('kafka.sasl.username' = NULL, 'kafka.sasl.password' = NULL);", "3D008",
     "kafka.sasl.username"),
    ("UPDATE STORE s WITH ('tls.ca_cert_file' = NULL);", "3D008", "tls.ca_cert_file"),
    ("UPDATE STORE s WITH ('kafka.sasl.hash_function' = SHA256, 'kafka.sasl.username' = 'other');", "3D021",
     "kafka.sasl.password"),
    ("UPDATE STORE s WITH ('kafka.sasl.username' = 'other', 'kafka.sasl.password' = 'x');", "3D021",
     "kafka.sasl.hash_function"),
    ("UPDATE STORE s WITH ('kafka.sasl.hash_function' = 'SHA512', 'kafka.sasl.username' = 'app', "
     "'kafka.sasl.password' = 'x');", "3D008", "kafka.sasl.hash_function"),
])
def test_update_store_refuses_nulls_partial_groups_and_a_quoted_mode(local: BackgroundServer, update: str, code: str,
                                                                       named: str) -> None:
    ok(local, SASL_STORE)
    describe = 'DESCRIBE STORE s;'
    before = ok(local, describe)["data"]
    body = post(local, update).json()
    assert body["sqlState"] == code and named in body["message"]
    assert ok(local, describe)["data"] == before  # nothing changed
    assert "first-secret" not in json.dumps(before)


def test_update_store_with_the_whole_group_is_accepted(local: BackgroundServer) -> None:
    ok(local, SASL_STORE)
    ok(local, "UPDATE STORE s WITH ('kafka.sasl.hash_function' = PLAIN, 'kafka.sasl.username' = 'other', "
              "'kafka.sasl.password' = 'rotated', 'tls.disabled' = TRUE);")
    (metadata, *_), = ok(local, "DESCRIBE STORE s;")["data"]
    properties = json.loads(metadata)["properties"]
    assert properties["kafka.sasl.hash_function"] == "PLAIN" and properties["kafka.sasl.username"] == "other"
    assert properties["kafka.sasl.password"] == "****"


# --- 4. Applications ------------------------------------------------------------------------------

APPLICATION = """BEGIN APPLICATION clicks_app
  CREATE VIRTUAL STREAM virtual.public.recent AS SELECT * FROM "db"."public"."pv" WHERE viewtime > 0;
  INSERT INTO "db"."public"."sink_a" SELECT * FROM virtual.public.recent;
  CREATE STREAM "db"."public"."sink_b" WITH ('store' = 'k') AS SELECT userid FROM virtual.public.recent;
END APPLICATION;"""


@pytest.fixture
def application_sources(stream: BackgroundServer) -> BackgroundServer:
    ok(stream, 'CREATE STREAM "db"."public"."sink_a" (viewtime BIGINT, userid VARCHAR) WITH (\'store\' = \'k\');')
    return stream


def test_describe_application_plans_virtual_and_physical_relations(application_sources: BackgroundServer) -> None:
    local = application_sources
    org = local.server.catalog.organization.id
    (kind, plan_text), = ok(local, "DESCRIBE " + APPLICATION)["data"]
    plan = json.loads(plan_text)
    assert kind == "APPLICATION"
    assert [(d["name"], d["is_virtual"]) for d in plan["ddls"]] == [("recent", True), ("sink_b", False)]
    assert plan["ddls"][0]["fqn"] == f'"{org}"."virtual"."public"."recent"'
    assert [s["name"] for s in plan["sources"]] == ["pv"]  # virtual relations are not sources
    assert [s["name"] for s in plan["sinks"]] == ["sink_a", "sink_b"]
    assert len(plan["statements"]) == 3 and plan["statements"][1].startswith("INSERT INTO")
    assert queries(local) == [] and '"db"."public"."sink_b"' not in json.dumps(relations(local))


def test_application_runs_as_one_query_and_holds_its_relations(application_sources: BackgroundServer) -> None:
    local = application_sources
    body = ok(local, APPLICATION)
    assert [c["name"] for c in body["metadata"]["columns"]] == ["type", "name", "command", "summary", "path"]
    first = body["data"][0]
    assert first[0] == "query" and uuid.UUID(first[1]) and first[4] == "[]"
    assert queries(local) == [[first[1], "clicks_app", "1", "running"]]
    assert ['"db"."public"."sink_b"'] in relations(local)
    for held in ("sink_a", "sink_b", "pv"):
        assert post(local, f'DROP RELATION "db"."public"."{held}";').json()["sqlState"] == "2BP01"
    ok(local, f"TERMINATE QUERY {first[1]};")
    ok(local, 'DROP RELATION "db"."public"."sink_b";')


@pytest.mark.parametrize("application, code", [
    ("BEGIN APPLICATION a INSERT INTO \"db\".\"public\".\"pv\" SELECT * FROM virtual.public.nope; END APPLICATION;",
     "3D020"),
    ("BEGIN APPLICATION a CREATE VIRTUAL STREAM \"db\".\"public\".\"v\" AS SELECT * FROM \"db\".\"public\".\"pv\"; "
     "END APPLICATION;", "42601"),
    ("BEGIN APPLICATION a CREATE VIRTUAL STREAM virtual.public.v AS SELECT * FROM \"db\".\"public\".\"pv\"; "
     "END APPLICATION;", "42601"),
    ("BEGIN APPLICATION a END APPLICATION;", "42601"),
])
def test_application_errors(stream: BackgroundServer, application: str, code: str) -> None:
    assert post(stream, application).json()["sqlState"] == code
    assert queries(stream) == []


# --- 5. The bound port ------------------------------------------------------------------------------

def test_port_zero_announces_the_bound_port_once_listening() -> None:
    command = [sys.executable, "-m", "deltastream_provider.operator.cli", "local", "--in-memory", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        first = process.stdout.readline()  # type: ignore[union-attr]
        url = first.strip().rsplit(" ", 1)[-1]
        assert url.startswith("http://127.0.0.1:") and not url.startswith("http://127.0.0.1:0/"), first
        # Printed only once the socket listens: the very next request is answered.
        response = httpx.get(f"{url}/version", headers={"Authorization": "Bearer deltastream-local-token"})
        assert response.status_code == 200
    finally:
        process.terminate()
        assert process.wait(30) == 0  # SIGTERM is a clean stop


def test_bad_knob_values_are_refused_with_the_knob_named() -> None:
    for knob, expected in (("postgres_check=maybe", "takes true or false"), ("latency_ms=", "takes a number"),
                           ("nope=1", "unknown knob")):
        result = subprocess.run([sys.executable, "-m", "deltastream_provider.operator.cli", "local", "--in-memory",
                                 "--knob", knob], capture_output=True, text=True, timeout=120)
        assert result.returncode == 2 and expected in result.stderr and "Traceback" not in result.stderr


def test_knob_values_from_the_command_line_keep_their_meaning() -> None:
    from deltastream_local.knobs import Knobs

    assert Knobs.parse("postgres_check", "false") is False and Knobs.parse("postgres_check", "TRUE") is True
    assert Knobs.parse("latency_ms", "25") == 25.0 and Knobs.parse("errored_stores", "^bad") == "^bad"
    assert Knobs.parse("fail", '[{"pattern": "DROP"}]') == [{"pattern": "DROP"}]


def test_help_lists_every_knob_with_its_meaning() -> None:
    from deltastream_local.knobs import Knobs

    result = subprocess.run([sys.executable, "-m", "deltastream_provider.operator.cli", "local", "--help"],
                            capture_output=True, text=True, timeout=120)
    text = "".join(result.stdout.split())  # click wraps lines, also at hyphens
    for name, _, meaning in Knobs.described():
        assert name in text and "".join(meaning.split()) in text


# --- 6. Multipart exactly as go-deltastream writes it --------------------------------------------

def go_multipart(request: dict[str, object], attachments: dict[str, bytes]) -> tuple[bytes, str]:
    """The bytes Go's mime/multipart writes for go-deltastream's submitStatement: a ``request`` part whose
    Content-Disposition ends in a semicolon, then CreateFormFile parts."""
    boundary = "0d8f3c1e2b7a9f4c6e5d1a3b8c7f2e9d0a4b6c8e1f3a5d7b9c2e4f6a8b0d"
    chunks = [f"--{boundary}\r\nContent-Disposition: form-data; name=\"request\";\r\n"
              f"Content-Type: application/json\r\n\r\n{json.dumps(request)}\n".encode()]
    for name, content in attachments.items():
        chunks.append(f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"attachments\"; "
                      f"filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n".encode() + content)
    chunks.append(f"\r\n--{boundary}--\r\n".encode())
    return b"".join(chunks), f"multipart/form-data; boundary={boundary}"


def test_go_multipart_requests_are_parsed_without_warnings(local: BackgroundServer) -> None:
    pem = b"-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n"
    statement = ("CREATE STORE tls WITH ('type' = KAFKA, 'uris' = 'b:9092', 'kafka.sasl.hash_function' = NONE, "
                 "'tls.ca_cert_file' = '@cacert');")
    body, content_type = go_multipart({"statement": statement, "role": "sysadmin"}, {"@cacert": pem})
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        response = httpx.post(f"{local.url}/statements", content=body,
                              headers={**AUTH, "Content-Type": content_type})
    assert response.status_code == 200 and response.json()["sqlState"] == "00000", response.text
    assert [str(w.message) for w in caught] == []
    assert ok(local, "SELECT name FROM deltastream.sys.\"stores\";")["data"] == [["tls"]]
    missing, content_type = go_multipart({"statement": statement.replace("tls WITH", "tls2 WITH")}, {})
    refused = httpx.post(f"{local.url}/statements", content=missing, headers={**AUTH, "Content-Type": content_type})
    assert refused.json()["sqlState"] == "3D008"  # the attachment was really read from the part above


def test_a_query_is_unnamed_and_query_with_takes_only_documented_keys(application_sources: BackgroundServer) -> None:
    insert = 'INSERT INTO "db"."public"."sink_a" SELECT * FROM "db"."public"."pv"'
    refused = post(application_sources, insert + " QUERY WITH ('query.name' = 'copy');").json()
    assert refused["sqlState"] == "3D008" and "'query.name'" in refused["message"]
    ok(application_sources, insert + ";")
    assert ok(application_sources, 'SELECT name, "version" FROM deltastream.sys."queries";')["data"] == [[None, None]]
