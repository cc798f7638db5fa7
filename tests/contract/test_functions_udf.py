"""Functions (Java UDFs): the local server's statements and refusals, queries calling one, and the Function resource
over gRPC (create, read, drift, replace, delete, import by ``name(T1, T2)``, Check, a lost answer)."""

from __future__ import annotations

import dataclasses
import json

import grpc
import httpx
import pytest
from pulumi.runtime.proto import provider_pb2
from testkit import TOKEN
from testkit.provider import Harness, invoke

from deltastream_local.runner import BackgroundServer
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import DeltaStreamClient
from deltastream_provider.errors import AlreadyExistsError, InvalidInputError, NotFoundError
from deltastream_provider.resources import function
from tests.contract.conftest import configured
from tests.contract.test_dataflow import Shop
from tests.contract.test_faults import fault, ran
from tests.contract.test_provider_grpc import OBJ, QUERY, base, obj

FUNCTION = "deltastream:index:Function"
JAR = b"PK\x03\x04 the functions' jar"
TO_TITLE = {"name": "to_title", "arguments": [{"name": "text", "type": "VARCHAR"}], "returns": "VARCHAR",
            "source": "udfs", "className": "com.example.udf.ToTitle"}
CREATE = ("CREATE FUNCTION to_title (text VARCHAR) RETURNS VARCHAR LANGUAGE JAVA "
          "WITH ('source.name' = 'udfs', 'class.name' = 'com.example.udf.ToTitle')")


async def source(client: DeltaStreamClient, name: str = "udfs") -> None:
    """A function source with a jar attached (the FunctionSource resource's statement, sent raw)."""
    statement = sql.raw(f"CREATE FUNCTION_SOURCE \"{name}\" WITH ('file' = 'udfs.jar', 'language' = 'java')")
    await client.execute(dataclasses.replace(statement, attachments={"udfs.jar": JAR}))


def attached_source(local: BackgroundServer) -> None:
    """The same from a sync test: the multipart request DeltaStream's clients send (a JSON part, then the file)."""
    body = {"statement": "CREATE FUNCTION_SOURCE \"udfs\" WITH ('file' = 'udfs.jar');"}
    answer = httpx.post(f"{local.url}/statements", headers={"Authorization": f"Bearer {TOKEN}"},
                        files=[("request", (None, json.dumps(body).encode(), "application/json")),
                               ("attachments", ("udfs.jar", JAR, "application/octet-stream"))]).json()
    assert answer["sqlState"] == "00000", answer


@pytest.fixture
def shop(local: BackgroundServer) -> Shop:
    return Shop(local)


async def listed(client: DeltaStreamClient) -> list[dict[str, object]]:
    return (await client.execute(function.list_statement())).records()


# --- the local server ------------------------------------------------------------------------------------------

async def test_create_list_and_drop_by_signature(client: DeltaStreamClient) -> None:
    await source(client)
    await client.execute(CREATE)
    await client.execute("CREATE FUNCTION to_title (text VARCHAR, locale VARCHAR) RETURNS VARCHAR LANGUAGE JAVA "
                         "WITH ('source.name' = 'udfs', 'class.name' = 'com.example.udf.ToTitle', "
                         "'egress.allow.uris' = 'https://dict.example.com')")
    rows = await listed(client)
    assert [(r["Signature"], r["SourceName"], r["ClassName"]) for r in rows] == [
        ("to_title(text VARCHAR)", "udfs", "com.example.udf.ToTitle"),
        ("to_title(text VARCHAR, locale VARCHAR)", "udfs", "com.example.udf.ToTitle")]
    assert rows[1]["EgressAllowURIs"] == "https://dict.example.com"
    await client.execute("DROP FUNCTION to_title (text VARCHAR, locale VARCHAR)")  # dbt's form: names and types
    assert [r["Signature"] for r in await listed(client)] == ["to_title(text VARCHAR)"]


async def test_the_refusals(client: DeltaStreamClient) -> None:
    with pytest.raises(NotFoundError) as missing:  # no such function source
        await client.execute(CREATE)
    assert missing.value.code == "3D018"
    await source(client)
    await client.execute(CREATE)
    with pytest.raises(AlreadyExistsError) as taken:  # the same signature, whatever the argument is called
        await client.execute(CREATE.replace("(text VARCHAR)", "(words varchar)"))
    assert taken.value.code == "42P015"
    with pytest.raises(InvalidInputError) as language:
        await client.execute(CREATE.replace("to_title", "other").replace("JAVA", "PYTHON"))
    assert language.value.code == "0A000"
    with pytest.raises(InvalidInputError) as key:
        await client.execute(CREATE.replace("to_title", "other").replace("'class.name'", "'return_type'"))
    assert key.value.code == "3D021"  # class.name missing
    with pytest.raises(NotFoundError) as gone:
        await client.execute("DROP FUNCTION to_title (text BIGINT)")
    assert gone.value.code == "3D017"


def test_a_query_calling_a_created_function_is_accepted_and_an_unknown_one_refused(shop: Shop) -> None:
    shop.relation("pageviews", "viewtime BIGINT, userid VARCHAR, pageid VARCHAR")
    shop.relation("titled", "userid VARCHAR, page VARCHAR", timestamp=None)
    with pytest.raises(Exception, match="3D017"):  # not created yet: an unknown function
        shop.sql('INSERT INTO "db"."s"."titled" SELECT userid, to_title(pageid) AS page FROM pageviews;')
    attached_source(shop.local)
    shop.sql(CREATE + ";")
    [plan] = shop.sql('DESCRIBE INSERT INTO "db"."s"."titled" SELECT userid, TO_TITLE(pageid) AS page '
                      "FROM pageviews;")
    assert plan[0] == "INSERT_INTO"
    [[_, created]] = [row[:2] for row in shop.sql(
        'CREATE STREAM "db"."s"."titles" WITH (\'store\' = \'k\') AS SELECT to_title(userid) AS t FROM pageviews;')[1:]]
    assert created == "titles"
    described = shop.sql('DESCRIBE RELATION COLUMNS "db"."s"."titles";')
    assert [(r[0], r[1]) for r in described] == [("t", "VARCHAR")]  # the function's return type
    with pytest.raises(Exception, match="function TO_TITLE\\(BIGINT, BIGINT\\) does not exist"):  # wrong arity
        shop.sql('INSERT INTO "db"."s"."titled" SELECT userid, to_title(viewtime, viewtime) AS page FROM pageviews;')
    with pytest.raises(Exception, match="3D017"):
        shop.sql('INSERT INTO "db"."s"."titled" SELECT userid, no_such_udf(pageid) AS page FROM pageviews;')


def test_a_running_query_calling_a_function_is_left_unevaluated(shop: Shop) -> None:
    """No Java runs in the local server: the query runs, its sink gets no rows and the reason is kept."""
    shop.relation("pageviews", "viewtime BIGINT, userid VARCHAR, pageid VARCHAR")
    shop.relation("titled", "userid VARCHAR, page VARCHAR", timestamp=None)
    attached_source(shop.local)
    shop.sql(CREATE + ";")
    shop.sql('INSERT INTO "db"."s"."titled" SELECT userid, to_title(pageid) AS page FROM pageviews;')
    shop.write("pageviews", [{"viewtime": 1, "userid": "u", "pageid": "p"}])
    assert shop.read("titled") == []
    [reason] = shop.errors().values()
    assert "TO_TITLE is a Java UDF" in reason and "runs no Java" in reason
    with pytest.raises(Exception, match="0A000 the local server cannot evaluate this SELECT: function TO_TITLE is a "
                                        "Java UDF"):  # an interactive SELECT calling it is refused, not guessed
        shop.sql("SELECT userid, to_title(pageid) AS page FROM pageviews;")


# --- the resource over gRPC ------------------------------------------------------------------------------------

async def test_function_lifecycle(provider: Harness, client: DeltaStreamClient, local: BackgroundServer) -> None:
    await source(client)
    resource_id, state = await provider.create(FUNCTION, TO_TITLE)
    assert resource_id == "to_title(VARCHAR)" and state["signature"] == "to_title(text VARCHAR)"
    assert state["language"] == "java" and state["arguments"] == [{"name": "text", "type": "VARCHAR"}]
    before = sum(local.server.counters.requests.values())
    _, read, inputs = await provider.read(FUNCTION, resource_id, state, TO_TITLE)
    assert sum(local.server.counters.requests.values()) - before == 1  # one LIST FUNCTIONS
    assert inputs == {**TO_TITLE, "language": "java"} and read["signature"] == "to_title(text VARCHAR)"
    # every change replaces (DeltaStream has no ALTER FUNCTION): the same signature dropped first (42P015 else),
    # another one created first
    for change, drop_first in (({"className": "com.example.udf.Title"}, True), ({"returns": "STRING"}, True),
                               ({"arguments": [{"name": "words", "type": "VARCHAR"}]}, True),
                               ({"name": "TO_TITLE"}, True),
                               ({"arguments": [{"name": "text", "type": "VARCHAR"},
                                               {"name": "locale", "type": "VARCHAR"}]}, False),
                               ({"name": "title_case"}, False)):
        diff = await provider.diff(FUNCTION, resource_id, state, {**TO_TITLE, **change})
        assert list(diff.replaces) == list(change) and diff.deleteBeforeReplace == drop_first, change
    # a type spelt otherwise is the same type: no change
    respelt = {**TO_TITLE, "arguments": [{"name": "text", "type": "varchar"}], "returns": "Varchar"}
    assert (await provider.diff(FUNCTION, resource_id, state, respelt)).changes == provider_pb2.DiffResponse.DIFF_NONE
    # drift: the function made again outside Pulumi from another class, seen by the next command's provider
    await client.execute(function.drop_statement("to_title", [("text", "VARCHAR")]))
    await client.execute(CREATE.replace("com.example.udf.ToTitle", "com.example.udf.Other"))
    async with configured(local) as later:
        _, _, drifted = await later.read(FUNCTION, resource_id, state, TO_TITLE)
        # import by name(T1, T2): the types however spelt; returns is the program's (LIST FUNCTIONS shows none)
        imported_id, imported, imported_inputs = await later.read(FUNCTION, "to_title(varchar)")
    assert drifted["className"] == "com.example.udf.Other"
    assert imported_id == "to_title(varchar)" and imported["signature"] == "to_title(text VARCHAR)"
    assert imported_inputs["arguments"] == [{"name": "text", "type": "VARCHAR"}]
    assert imported_inputs["source"] == "udfs" and not imported_inputs.get("returns")
    program = {**TO_TITLE, "className": "com.example.udf.Other", "arguments": [{"name": "text", "type": "varchar"}]}
    adopted = await provider.diff(FUNCTION, imported_id, imported, program, imported_inputs)
    assert adopted.changes == provider_pb2.DiffResponse.DIFF_NONE  # returns taken as given, varchar is VARCHAR
    await provider.delete(FUNCTION, resource_id, state)
    assert await listed(client) == []
    assert (await provider.read(FUNCTION, resource_id, state))[0] == ""  # gone


async def test_overloads_are_separate_resources(provider: Harness, client: DeltaStreamClient) -> None:
    await source(client)
    one, _ = await provider.create(FUNCTION, TO_TITLE)
    two_args = {**TO_TITLE, "arguments": [{"name": "text", "type": "varchar"}, {"name": "n", "type": "VARCHAR"}]}
    two, state = await provider.create(FUNCTION, two_args)
    assert (one, two) == ("to_title(VARCHAR)", "to_title(varchar, VARCHAR)")
    _, _, read = await provider.read(FUNCTION, two, state, two_args)
    assert read["arguments"] == two_args["arguments"]  # each type in the program's spelling, position by position
    await provider.delete(FUNCTION, two, state)
    assert [r["Signature"] for r in await listed(client)] == ["to_title(text VARCHAR)"]


async def test_a_missing_source_fails_the_create_naming_it(provider: Harness) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await provider.create(FUNCTION, TO_TITLE)
    assert "function source 'udfs' does not exist" in (failed.value.details() or "")


async def test_check_names_the_property(provider: Harness) -> None:
    _, failures = await provider.check(FUNCTION, {
        **TO_TITLE, "returns": "VARCHAR)", "className": " ",
        "arguments": [{"name": "a", "type": "MAP<VARCHAR"}, {"name": "a", "type": "INT"}],
        "properties": {"class.name": "x"}})
    assert failures == {
        "returns": "returns: 'VARCHAR)' is not one column type: ')' follows the type",
        "arguments[0].type": "arguments[0].type: 'MAP<VARCHAR' is not a column type: expected ',' at the end",
        "arguments[1].name": "arguments[1].name: 'a' is given twice; give each argument its own name",
        "className": "className must name the Java class, e.g. com.example.udf.ToTitle",
        "properties": "properties: 'class.name' is set by className; remove it"}
    _, failures = await provider.check(FUNCTION, {**TO_TITLE, "language": "python"})
    assert failures == {"language": "language must be one of 'java', not 'python'"}
    _, failures = await provider.check(FUNCTION, {**TO_TITLE, "returns": ""})  # what an import leaves
    assert "an import cannot fill it in" in failures["returns"]
    with pytest.raises(grpc.aio.AioRpcError) as bad_id:
        await provider.read(FUNCTION, "to_title")
    assert "name() for none" in (bad_id.value.details() or "")


async def test_a_replacement_is_refused_at_preview_while_running_queries_call_it(
        provider: Harness, client: DeltaStreamClient, local: BackgroundServer) -> None:
    """DeltaStream shows no dependency on a function: LIST QUERIES' SQL is searched for calls of its name."""
    await source(client)
    resource_id, state = await provider.create(FUNCTION, TO_TITLE)
    other = {**TO_TITLE, "className": "com.example.udf.Title"}
    before = len(local.server.counters.texts)
    diff = await provider.diff(FUNCTION, resource_id, state, other)  # nothing calls it: replaced
    assert list(diff.replaces) == ["className"]
    assert [t.split()[:2] for t in list(local.server.counters.texts)[before:]] == [["LIST", "QUERIES;"]]
    await base(provider)
    for name in ("src", "dst"):
        await provider.create(OBJ, obj(name))
    query_id, _ = await provider.create(QUERY, {"sql": 'INSERT INTO "db"."public"."dst" SELECT id, '
                                                      'To_Title (body) AS body FROM "db"."public"."src"'})
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await provider.diff(FUNCTION, resource_id, state, other)
    message = refused.value.details() or ""
    assert "changing className would replace Function 'to_title(VARCHAR)'" in message, message
    assert "1 running query(ies) calling to_title" in message and query_id in message, message
    assert "`acceptReplacement: true`" in message, message
    accepted = await provider.diff(FUNCTION, resource_id, state, {**other, "acceptReplacement": True})
    assert list(accepted.replaces) == ["className"]
    alone = await provider.diff(FUNCTION, resource_id, state, {**TO_TITLE, "acceptReplacement": True})
    assert alone.changes == provider_pb2.DiffResponse.DIFF_NONE  # the permission alone is no change


@pytest.mark.parametrize("kind", ["drop_before", "drop_after", "504"])
async def test_a_lost_answer_is_settled_by_reading(provider: Harness, client: DeltaStreamClient,
                                                   local: BackgroundServer, kind: str) -> None:
    await source(client)
    fault(local, r"^CREATE FUNCTION ", kind)
    resource_id, state = await provider.create(FUNCTION, TO_TITLE)
    assert resource_id == "to_title(VARCHAR)" and state["signature"] == "to_title(text VARCHAR)"
    assert ran(local, "CreateFunction") == 1  # read, never sent twice
    fault(local, r"^DROP FUNCTION ", kind)
    await provider.delete(FUNCTION, resource_id, state)
    assert await listed(client) == []


async def test_lookups_send_one_list_each(provider: Harness, client: DeltaStreamClient,
                                          local: BackgroundServer) -> None:
    await source(client)
    await source(client, "other")
    await provider.create(FUNCTION, TO_TITLE)
    await provider.create(FUNCTION, {**TO_TITLE, "name": "shout", "source": "other"})
    before = sum(local.server.counters.requests.values())
    found, _ = await invoke(provider, "deltastream:index:getFunction", {"name": "shout"})
    assert found["signature"] == "shout(text VARCHAR)" and found["source"] == "other"
    assert found["arguments"] == [{"name": "text", "type": "VARCHAR"}]
    from_udfs, _ = await invoke(provider, "deltastream:index:getFunctions", {"source": "udfs"})
    assert [f["signature"] for f in from_udfs["functions"]] == ["to_title(text VARCHAR)"]
    assert sum(local.server.counters.requests.values()) - before == 2
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await invoke(provider, "deltastream:index:getFunction", {"name": "nope"})
    assert "function with name 'nope' not found" in (missing.value.details() or "")


async def test_a_preview_asks_for_the_create_privilege_and_sends_nothing_else(provider: Harness,
                                                                            local: BackgroundServer) -> None:
    local.server.knobs.update({"denied_privileges": "CREATE_FUNCTION"})
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await provider.create(FUNCTION, TO_TITLE, preview=True)
    assert "lacks the CREATE_FUNCTION privilege that creating a Function needs" in (refused.value.details() or "")
    assert dict(local.server.counters.statements) == {"CanI": 2}  # the session's CAN I CREATE_DATABASE, then it
