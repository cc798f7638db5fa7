"""DeltaStream's own Python connector (``deltastream-connector`` 0.3.1, a client nobody here wrote) runs unchanged
against the local server.

One test per public call, 30 in all: the 13 of ``APIConnection`` (its constructor, ``from_dsn``, ``exec``,
``query``, ``exec_with_files``, ``query_with_files``, ``submit_statement``, ``get_statement_status``, ``version``,
``get_catalog_name`` and the three ``cp_*_to_local`` conversions), the 3 of the rows it returns (``columns``,
iteration, ``close``), ``query`` of a stream through the dataplane (its ``StreamingRows``), ``SQLError`` as it
raises it, and the 12 of the generated API it calls (``submit_statement``, ``get_statement_status``,
``get_version`` and ``download_resource``, each plain, ``_with_http_info`` and ``_without_preload_content``).
"""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from deltastream.api.blob import Blob
from deltastream.api.conn import APIConnection
from deltastream.api.controlplane.openapi_client.api import DeltastreamApi
from deltastream.api.controlplane.openapi_client.exceptions import ApiException
from deltastream.api.controlplane.openapi_client.models import (
    DataplaneRequest,
    ResultSet,
    ResultSetContext,
    StatementStatus,
)
from deltastream.api.controlplane.openapi_client.models.statement_request import StatementRequest
from deltastream.api.error import AuthenticationError, InterfaceError, SQLError, SqlState
from deltastream.api.models import Rows
from testkit import TOKEN

from deltastream_local.runner import BackgroundServer

CERT = b"-----BEGIN CERTIFICATE-----\n"
JAR = b"PK\x03\x04 a jar's bytes \x00\xff"
#: How the connector sends every statement (the generated client alone would send an empty JSON body).
FORM = {"_content_type": "multipart/form-data"}
KAFKA = "CREATE STORE k WITH ('type' = KAFKA, 'uris' = 'b:1', 'kafka.sasl.hash_function' = NONE"


def connection(local: BackgroundServer, database: str | None = None) -> APIConnection:
    async def token() -> str:
        return TOKEN

    return APIConnection(server_url=local.url, token_provider=token, session_id=None, timezone="UTC",
                         organization_id=local.server.catalog.organization.id, role_name="sysadmin",
                         database_name=database, schema_name=None, store_name=None)


def api(conn: APIConnection) -> DeltastreamApi:
    """The generated API client the connection calls (the connector's own object, not a copy)."""
    generated: DeltastreamApi = conn.statement_handler.api
    generated.api_client.default_headers["Authorization"] = f"Bearer {TOKEN}"
    return generated


def request(local: BackgroundServer, statement: str) -> StatementRequest:
    return StatementRequest(statement=statement, organization=local.server.catalog.organization.id,
                            role="sysadmin")


async def rows(result: Rows) -> list[list[Any] | None]:
    return [row async for row in result]


def sent(local: BackgroundServer, statement_id: str) -> int:
    """How many rows the dataplane sent for a statement, once it has sent all it held (polled: the last row can
    reach the client a moment before the server notes it)."""
    deadline = time.monotonic() + 30
    while statement_id not in local.server.dataplane.sent and time.monotonic() < deadline:
        time.sleep(0.005)
    return local.server.dataplane.sent[statement_id]


async def databases(conn: APIConnection, count: int) -> None:
    for i in range(count):
        await conn.exec(f'CREATE DATABASE "db{i}";')


# --- APIConnection ------------------------------------------------------------------------------


async def test_constructor_takes_the_session_context(local: BackgroundServer) -> None:
    conn = connection(local, database="analytics")
    assert str(conn.rsctx.organization_id) == local.server.catalog.organization.id
    assert (conn.rsctx.role_name, conn.rsctx.database_name) == ("sysadmin", "analytics")
    with pytest.raises(ValueError, match="not a valid UUID"):
        APIConnection(local.url, connection(local).token_provider, None, "UTC", "org", None, None, None, None)


async def test_from_dsn_reads_the_context_from_the_query_string(local: BackgroundServer) -> None:
    org = local.server.catalog.organization.id
    conn = APIConnection.from_dsn(f"{local.url.replace('://', f'://:{TOKEN}@')}?organizationID={org}"
                                  "&roleName=sysadmin&databaseName=db0&timezone=UTC")
    assert (conn.rsctx.role_name, conn.rsctx.database_name) == ("sysadmin", "db0")
    assert ":" not in conn.server_url.split("//")[1]  # from_dsn keeps the host and drops the port
    conn.statement_handler.api.api_client.configuration.host = local.url
    with pytest.raises(SQLError) as error:
        await conn.exec("USE SCHEMA public;")  # the DSN's database does not exist yet
    assert error.value.code == SqlState.SQL_STATE_INVALID_DATABASE
    assert (await conn.version())["major"] == 2


async def test_exec_runs_ddl_and_follows_use(local: BackgroundServer) -> None:
    conn = connection(local)
    assert await conn.exec('CREATE DATABASE "analytics";') is None
    await conn.exec('USE DATABASE "analytics";')
    assert (conn.rsctx.database_name, conn.rsctx.schema_name) == ("analytics", "public")
    await conn.exec('CREATE SCHEMA "raw";')
    await conn.exec('USE SCHEMA "raw";')
    assert conn.rsctx.schema_name == "raw"
    await conn.exec(f"{KAFKA});")
    await conn.exec('USE STORE "k";')
    assert conn.rsctx.store_name == "k"
    await conn.exec("CREATE STREAM pv (id BIGINT, page VARCHAR) WITH ('topic' = 'pv', 'value.format' = 'json');")
    relations = await rows(await conn.query("LIST RELATIONS;"))
    assert [r[0] for r in relations if r] == ["pv"]  # in analytics.raw, the schema USE chose


async def test_query_returns_typed_rows(local: BackgroundServer) -> None:
    conn = connection(local)
    await conn.exec('CREATE DATABASE "analytics";')
    await conn.exec(f"{KAFKA}, 'tls.ca_cert_file' = '@cacert');", attachments=[Blob.from_bytes(CERT, "@cacert")])
    listing = await conn.query("LIST DATABASES;")
    first = (await rows(listing))[0]
    assert first is not None and first[:2] == ["analytics", False]
    stores = await rows(await conn.query('SELECT name, status, created_at FROM deltastream.sys."stores";'))
    assert stores[0] is not None and stores[0][:2] == ["k", "ready"] and stores[0][2].year >= 2026


async def test_query_reads_every_partition_and_polls(local: BackgroundServer) -> None:
    conn = connection(local)
    await databases(conn, 5)
    local.server.knobs.update({"page_size": 2, "async_polls": 1})
    result = await conn.query('SELECT name FROM deltastream.sys."databases" ORDER BY name;')
    assert [r[0] for r in await rows(result) if r] == [f"db{i}" for i in range(5)]
    assert local.server.counters.requests["GET /v2/statements/{statement_id}"] >= 3  # 1 poll + partitions 1, 2


async def test_query_of_a_stream_reads_its_records_through_the_dataplane(local: BackgroundServer) -> None:
    """The connector's StreamingRows, unchanged: the SELECT's answer names a websocket (``dataplaneRequest``,
    ``requestType`` streaming), the connector authenticates on it and gets the columns, then the records written
    with INSERT INTO ENTITY, typed by the columns."""
    conn = connection(local)
    await conn.exec('CREATE DATABASE "analytics";')
    await conn.exec('USE DATABASE "analytics";')
    await conn.exec(f"{KAFKA});")
    await conn.exec("CREATE STREAM pv (id BIGINT, page VARCHAR) WITH ('store' = 'k', 'topic' = 'pv', "
                    "'value.format' = 'json');")
    for record in ({"id": 1, "page": "home"}, {"id": 2, "page": None}, {"id": 3, "page": "cart"}):
        await conn.exec(f"INSERT INTO ENTITY pv IN STORE k VALUE('{json.dumps(record)}');")
    result = await conn.query("SELECT id, UPPER(page) AS page FROM pv WHERE id > 1;")
    assert type(result).__name__ == "StreamingRows"
    assert [(c.name, c.type) for c in result.columns()] == [("id", "BIGINT"), ("page", "VARCHAR")]
    iterator = aiter(result)
    assert [await anext(iterator), await anext(iterator)] == [[2, None], [3, "CART"]]
    statement_id = str(result.req.statement_id)  # type: ignore[attr-defined]
    assert sent(local, statement_id) == 2  # the rows held, and no more, were sent
    await result.close()
    assert [r async for r in iterator] == []  # a closed stream ends the iteration
    assert local.server.counters.requests["GET /dataplane/v2/statements/{statement_id}"] == 1


async def test_exec_with_files_attaches_each_file_by_its_name(local: BackgroundServer, tmp_path: Path) -> None:
    conn = connection(local)
    jar = tmp_path / "udfs.jar"
    jar.write_bytes(JAR)
    await conn.exec_with_files("CREATE FUNCTION_SOURCE \"udfs\" WITH ('file' = 'udfs.jar');", [str(jar)])
    cert = tmp_path / "ca.pem"
    cert.write_bytes(CERT)
    await conn.exec_with_files(f"{KAFKA}, 'tls.ca_cert_file' = '@cacert');",
                               [{"path": str(cert), "name": "@cacert", "content_type": "application/x-pem-file"}])
    with pytest.raises(SQLError) as error:
        await conn.exec_with_files("CREATE FUNCTION_SOURCE \"other\" WITH ('file' = 'missing.jar');", [str(jar)])
    assert error.value.code == SqlState.SQL_STATE_INVALID_PARAMETER


async def test_query_with_files_returns_the_statements_rows(local: BackgroundServer, tmp_path: Path) -> None:
    conn = connection(local)
    jar = tmp_path / "udfs.jar"
    jar.write_bytes(JAR)
    result = await conn.query_with_files("CREATE FUNCTION_SOURCE \"udfs\" WITH ('file' = 'udfs.jar');", [str(jar)])
    assert await rows(result) == []
    listed = await rows(await conn.query("LIST FUNCTION_SOURCES;"))
    assert [r[0] for r in listed if r] == ["udfs"]


async def test_submit_statement_answers_the_result_set(local: BackgroundServer) -> None:
    conn = connection(local)
    result = await conn.submit_statement('CREATE DATABASE "analytics";')
    assert result.sql_state == SqlState.SQL_STATE_SUCCESSFUL_COMPLETION
    assert str(result.metadata.context.organization_id) == local.server.catalog.organization.id
    local.server.knobs.update({"async_polls": 2})
    polled = await conn.submit_statement("LIST DATABASES;")  # 202, then polled by the connector
    assert polled.sql_state == SqlState.SQL_STATE_SUCCESSFUL_COMPLETION and polled.data is not None
    assert polled.data[0][0].actual_instance == "analytics"


async def test_get_statement_status_pages_by_partition(local: BackgroundServer) -> None:
    conn = connection(local)
    await databases(conn, 3)
    local.server.knobs.update({"page_size": 2})
    first = await conn.submit_statement('SELECT name FROM deltastream.sys."databases" ORDER BY name;')
    assert [p.row_count for p in first.metadata.partition_info] == [2, 1]
    second = await conn.get_statement_status(first.statement_id, 1)
    assert second.data is not None and [r[0].actual_instance for r in second.data] == ["db2"]
    with pytest.raises(InterfaceError, match="path not found"):
        await conn.get_statement_status(uuid.uuid4(), 0)


async def test_version(local: BackgroundServer) -> None:
    assert await connection(local).version() == {"major": 2, "minor": 0, "patch": 0}


async def test_get_catalog_name_is_empty_until_set(local: BackgroundServer) -> None:
    conn = connection(local)
    assert conn.get_catalog_name() == ""
    conn.catalog = "analytics"
    assert conn.get_catalog_name() == "analytics"


async def test_cp_resultset_to_local(local: BackgroundServer) -> None:
    conn = connection(local)
    # It reads the wire's field names (statementID, sqlState, metadata.dataplaneRequest), not the generated
    # model's, so it is given the server's JSON answer as it came.
    raw = api(conn).submit_statement_without_preload_content(request(local, 'CREATE DATABASE "analytics";'), None,
                                                             **FORM)
    answer = json.loads(raw.data, object_hook=lambda fields: SimpleNamespace(**fields))
    answer.message = getattr(answer, "message", None)  # a success carries no message
    answer.metadata.context = ResultSetContext.from_dict(vars(answer.metadata.context))
    converted = conn.cp_resultset_to_local(answer)
    assert converted.statement_id == answer.statementID and converted.sql_state == "00000"
    assert converted.metadata.context is not None and converted.metadata.dataplane_request is None


async def test_cp_resultsetcontext_to_local(local: BackgroundServer) -> None:
    conn = connection(local, database="analytics")
    await conn.exec('CREATE DATABASE "analytics";')
    answer = await conn.submit_statement("USE SCHEMA public;")
    context = conn.cp_resultsetcontext_to_local(answer.metadata.context)
    assert (context.database_name, context.schema_name, context.role_name) == ("analytics", "public", "sysadmin")


async def test_cp_dataplanerequest_to_local(local: BackgroundServer) -> None:
    conn = connection(local)
    statement = str(uuid.uuid4())
    wire = DataplaneRequest(uri=f"{local.url}/statements/{statement}", statementID=statement, token="t",
                            requestType="result-set")
    converted = conn.cp_dataplanerequest_to_local(wire)
    assert (converted.statement_id, converted.request_type, converted.token) == (statement, "result-set", "t")


# --- the rows it returns, and its errors -------------------------------------------------------


async def test_rows_columns_name_type_and_nullability(local: BackgroundServer) -> None:
    conn = connection(local)
    listing = await conn.query("LIST DATABASES;")
    assert [(c.name, c.type) for c in listing.columns()][:2] == [("Name", "VARCHAR"), ("IsDefault", "BOOLEAN")]
    assert all(c.nullable for c in listing.columns())


async def test_rows_iterate_nulls_in_place(local: BackgroundServer) -> None:
    conn = connection(local)
    await conn.exec(f"{KAFKA});")
    listed = await rows(await conn.query("LIST STORES;"))
    assert listed[0] is not None and listed[0][:4] == ["k", "Kafka", "ready", None]  # Message is null


async def test_rows_close_stops_iteration(local: BackgroundServer) -> None:
    conn = connection(local)
    await databases(conn, 2)
    result = await conn.query("LIST DATABASES;")
    await result.close()
    assert result.columns() == [] and await rows(result) == []


async def test_sql_error_carries_code_and_statement(local: BackgroundServer) -> None:
    conn = connection(local)
    await conn.exec('CREATE DATABASE "analytics";')
    with pytest.raises(SQLError) as duplicate:
        await conn.exec('CREATE DATABASE "analytics";')
    assert duplicate.value.code == SqlState.SQL_STATE_42P04 and isinstance(duplicate.value.statement_id, uuid.UUID)
    with pytest.raises(SQLError) as missing:
        await conn.query('DESCRIBE RELATION "analytics"."public"."nope";')
    assert missing.value.code == SqlState.SQL_STATE_INVALID_RELATION
    with pytest.raises(SQLError) as syntax:
        await conn.query("SELEC 1;")
    assert syntax.value.code == SqlState.SQL_STATE_42601
    with pytest.raises(AuthenticationError):
        async def wrong() -> str:
            return "not-a-token"
        conn.token_provider = wrong
        await conn.exec("LIST DATABASES;")


# --- the generated API the connection calls --------------------------------------------------


async def test_api_submit_statement(local: BackgroundServer) -> None:
    answer = api(connection(local)).submit_statement(request(local, 'CREATE DATABASE "analytics";'), None,
                                                     **FORM)
    assert isinstance(answer, ResultSet) and answer.sql_state == "00000"
    local.server.knobs.update({"async_polls": 1})
    running = api(connection(local)).submit_statement(request(local, "LIST DATABASES;"), None, **FORM)
    assert isinstance(running, StatementStatus) and running.sql_state == "03000"


async def test_api_submit_statement_with_http_info(local: BackgroundServer) -> None:
    answer = api(connection(local)).submit_statement_with_http_info(
        request(local, 'CREATE STORE k WITH (\'type\' = KAFKA, \'uris\' = \'b:1\', '
                       '\'kafka.sasl.hash_function\' = NONE, \'tls.ca_cert_file\' = \'@cacert\');'),
        [("@cacert", CERT)], **FORM)
    assert answer.status_code == 200 and answer.data.sql_state == "00000"


async def test_api_submit_statement_without_preload_content(local: BackgroundServer) -> None:
    generated = api(connection(local))
    raw = generated.submit_statement_without_preload_content(request(local, "LIST DATABASES;"), None, **FORM)
    body = json.loads(raw.data)
    assert raw.status == 200 and raw.headers["Content-Type"].startswith("application/json")
    assert body["metadata"]["columns"][0]["name"] == "Name"


async def test_api_get_statement_status(local: BackgroundServer) -> None:
    local.server.knobs.update({"async_polls": 1})
    generated = api(connection(local))
    running = generated.submit_statement(request(local, "LIST DATABASES;"), None, **FORM)
    assert isinstance(running, StatementStatus)
    assert isinstance(generated.get_statement_status(running.statement_id), StatementStatus)  # one poll: 202
    final = generated.get_statement_status(running.statement_id, partition_id=0)
    assert isinstance(final, ResultSet) and final.sql_state == "00000"


async def test_api_get_statement_status_with_http_info(local: BackgroundServer) -> None:
    generated = api(connection(local))
    answer = generated.submit_statement(request(local, "LIST DATABASES;"), None, **FORM)
    status = generated.get_statement_status_with_http_info(answer.statement_id, partition_id=0)
    assert status.status_code == 200 and status.data.statement_id == answer.statement_id
    with pytest.raises(ApiException) as missing:
        generated.get_statement_status_with_http_info(uuid.uuid4())
    assert missing.value.status == 404


async def test_api_get_statement_status_without_preload_content(local: BackgroundServer) -> None:
    generated = api(connection(local))
    answer = generated.submit_statement(request(local, "LIST DATABASES;"), None, **FORM)
    raw = generated.get_statement_status_without_preload_content(answer.statement_id, partition_id=0)
    assert raw.status == 200 and json.loads(raw.data)["statementID"] == str(answer.statement_id)


async def test_api_get_version(local: BackgroundServer) -> None:
    version = api(connection(local)).get_version()
    assert (version.major, version.minor, version.patch) == (2, 0, 0)


async def test_api_get_version_with_http_info(local: BackgroundServer) -> None:
    answer = api(connection(local)).get_version_with_http_info()
    assert answer.status_code == 200 and answer.data.major == 2


async def test_api_get_version_without_preload_content(local: BackgroundServer) -> None:
    raw = api(connection(local)).get_version_without_preload_content()
    assert raw.status == 200 and json.loads(raw.data) == {"major": 2, "minor": 0, "patch": 0}


async def function_source(local: BackgroundServer, content: bytes = JAR) -> DeltastreamApi:
    conn = connection(local)
    await conn.exec("CREATE FUNCTION_SOURCE \"udfs\" WITH ('file' = 'udfs.jar');",
                    [Blob.from_bytes(content, "udfs.jar")])
    return api(conn)


async def test_api_download_resource(local: BackgroundServer) -> None:
    generated = await function_source(local, b"text the client can decode")
    org = uuid.UUID(local.server.catalog.organization.id)
    # The file comes as application/octet-stream (DeltaStream's API spec), which the generated client's
    # deserializer does not decode: the plain call refuses it, as it would against DeltaStream (and a binary
    # file fails before that, in its UTF-8 decoding).
    with pytest.raises(ApiException, match="Unsupported content type: application/octet-stream"):
        generated.download_resource("function_source", org, "udfs")
    with pytest.raises(ApiException) as missing:
        generated.download_resource("function_source", org, "nope")
    assert missing.value.status == 404


async def test_api_download_resource_with_http_info(local: BackgroundServer) -> None:
    generated = await function_source(local)
    org = uuid.UUID(local.server.catalog.organization.id)
    with pytest.raises(ApiException) as bad:
        generated.download_resource_with_http_info("not_a_source", org, "udfs")
    assert bad.value.status == 400


async def test_api_download_resource_without_preload_content(local: BackgroundServer) -> None:
    generated = await function_source(local)
    raw = generated.download_resource_without_preload_content(
        "function_source", uuid.UUID(local.server.catalog.organization.id), "udfs")
    assert raw.status == 200 and raw.headers["Content-Type"] == "application/octet-stream"
    assert raw.data == JAR
