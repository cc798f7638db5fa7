"""Ownership in place: the local server's GRANT OWNERSHIP with the docs' two conditions (a second token and role),
and each kind group's ``owner`` changed in place through the provider's gRPC service: the preview's check of both
conditions from one read of ``sys."roles"``, the exact requests of the change, drift repaired, secrets refused."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import grpc
import httpx
import pytest
from pulumi.runtime.proto import provider_pb2
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer, ServerSettings
from deltastream_provider.model.fields import Asset
from tests.contract.conftest import configured

ANALYST_TOKEN = "analyst-token"  # a second token, whose role is analyst
DATABASE = "deltastream:index:Database"
Diff = provider_pb2.DiffResponse
ROLES_READ = ('SELECT "name", "owner", "granted_to", "granted_roles", "created_at" FROM deltastream.sys."roles" '
              'ORDER BY "name";')
INSERT = 'INSERT INTO "db"."public"."dst" SELECT id FROM "db"."public"."src"'


@pytest.fixture
def local() -> Iterator[BackgroundServer]:
    """sysadmin's token and analyst's; analyst is granted to sysadmin (the server's own roles are)."""
    settings = ServerSettings(port=0, tokens={TOKEN: "sysadmin", ANALYST_TOKEN: "analyst"},
                              roles=frozenset({"analyst"}))
    with BackgroundServer(settings) as server:
        yield server


def run(local: BackgroundServer, statement: str, token: str = TOKEN) -> dict[str, Any]:
    return httpx.post(f"{local.url}/statements", json={"statement": statement},
                      headers={"Authorization": f"Bearer {token}"}).json()


def ok(local: BackgroundServer, statement: str, token: str = TOKEN) -> dict[str, Any]:
    body = run(local, statement, token)
    assert body["sqlState"] == "00000", body
    return body


def refused(local: BackgroundServer, statement: str, code: str, token: str = TOKEN) -> str:
    body = run(local, statement, token)
    assert body["sqlState"] == code, body
    return str(body["message"])


def owner_in(local: BackgroundServer, table: str, where: str) -> str:
    rows = ok(local, f'SELECT owner FROM deltastream.sys."{table}" WHERE {where};')["data"]
    assert len(rows) == 1, rows
    return str(rows[0][0])


def listed_owner(local: BackgroundServer, listing: str, name: str) -> str:
    body = ok(local, f"LIST {listing};")
    columns = [c["name"] for c in body["metadata"]["columns"]]
    row = next(r for r in body["data"] if r[columns.index("Name")] == name)
    return str(row[columns.index("Owner")])


def mark(local: BackgroundServer) -> int:
    return len(local.server.counters.texts)


def sent(local: BackgroundServer, since: int) -> list[str]:
    """The SQL of the requests received since ``since`` (a :func:`mark`)."""
    return list(local.server.counters.texts)[since:]


def objects(local: BackgroundServer) -> None:
    """One object of every kind GRANT OWNERSHIP lists, made by sysadmin."""
    ok(local, 'CREATE DATABASE "db";')
    ok(local, 'CREATE SCHEMA "raw" IN DATABASE "db";')
    ok(local, "CREATE STORE k WITH ('type' = KAFKA, 'uris' = 'b:9092', 'kafka.sasl.hash_function' = NONE);")
    for name in ("src", "dst"):
        ok(local, f'CREATE STREAM "db"."public"."{name}" (id BIGINT) '
                  f"WITH ('store' = 'k', 'topic' = '{name}', 'value.format' = 'json');")
    ok(local, "CREATE SCHEMA_REGISTRY reg WITH ('type' = CONFLUENT, 'uris' = 'https://r');")
    ok(local, "CREATE COMPUTE_POOL pool WITH ('compute_pool.size' = 'small');")
    ok(local, "CREATE ROLE team;")


# --- the local server -----------------------------------------------------------------------------------------------

def test_grant_ownership_on_every_listed_kind_shows_the_new_owner(local: BackgroundServer) -> None:
    objects(local)
    ok(local, f"{INSERT};")
    query_id = ok(local, 'SELECT id FROM deltastream.sys."queries";')["data"][0][0]
    for statement in ('DATABASE "db"', 'SCHEMA "db"."raw"', 'RELATION "db"."public"."src"', "STORE k",
                      "SCHEMA_REGISTRY reg", f"QUERY {query_id}", "COMPUTE_POOL pool", "ROLE team"):
        ok(local, f"GRANT OWNERSHIP ON {statement} TO analyst;")
    assert owner_in(local, "databases", "name = 'db'") == "analyst"
    assert owner_in(local, "schemas", "database_name = 'db' AND name = 'raw'") == "analyst"
    assert owner_in(local, "relations", "name = 'src'") == "analyst"
    assert owner_in(local, "relations", "name = 'dst'") == "sysadmin"
    assert owner_in(local, "stores", "name = 'k'") == "analyst"
    assert owner_in(local, "schema_registries", "name = 'reg'") == "analyst"
    assert owner_in(local, "queries", f"id = '{query_id}'") == "analyst"
    assert owner_in(local, "roles", "name = 'team'") == "analyst"
    assert listed_owner(local, "COMPUTE_POOLS", "pool") == "analyst"
    assert listed_owner(local, "DATABASES", "db") == "analyst"


def test_grant_ownership_refuses_either_condition_with_deltastreams_codes(local: BackgroundServer) -> None:
    objects(local)
    ok(local, "CREATE ROLE reporting;")  # sysadmin owns it, but has not been granted it
    # the second token's role, analyst, neither owns sysadmin's database nor holds sysadmin
    message = refused(local, 'GRANT OWNERSHIP ON DATABASE "db" TO analyst;', "0L000", ANALYST_TOKEN)
    assert "owned by 'sysadmin'" in message
    # sysadmin owns it, but has not been granted reporting
    message = refused(local, 'GRANT OWNERSHIP ON DATABASE "db" TO reporting;', "42501")
    assert "has not been granted" in message and "GRANT ROLE reporting TO ROLE sysadmin" in message
    assert "does not exist" in refused(local, 'GRANT OWNERSHIP ON DATABASE "db" TO ghost;', "3D001")
    assert "does not exist" in refused(local, 'GRANT OWNERSHIP ON DATABASE "nodb" TO analyst;', "3D002")
    assert owner_in(local, "databases", "name = 'db'") == "sysadmin"
    # once granted, it goes through; analyst then owns it and may pass it on to a role it holds
    ok(local, "GRANT ROLE reporting TO ROLE analyst;")
    ok(local, 'GRANT OWNERSHIP ON DATABASE "db" TO analyst;')
    ok(local, 'GRANT OWNERSHIP ON DATABASE "db" TO reporting;', ANALYST_TOKEN)
    assert owner_in(local, "databases", "name = 'db'") == "reporting"
    # sysadmin holds analyst, which holds reporting: it owns what reporting owns, and takes it back
    ok(local, 'GRANT OWNERSHIP ON DATABASE "db" TO sysadmin;')
    assert owner_in(local, "databases", "name = 'db'") == "sysadmin"


def test_grant_ownership_lists_no_secret(local: BackgroundServer) -> None:
    ok(local, "CREATE SECRET s WITH ('type' = generic_string, 'secret_string' = 'x');")
    refused(local, "GRANT OWNERSHIP ON SECRET s TO analyst;", "42601")


# --- the provider, per kind group -----------------------------------------------------------------------------------

DB = 'CREATE DATABASE "db";'
STORE = "CREATE STORE k WITH ('type' = KAFKA, 'uris' = 'b:9092', 'kafka.sasl.hash_function' = NONE);"
STREAMS = [f'CREATE STREAM "db"."public"."{name}" (id BIGINT) WITH (\'store\' = \'k\', \'topic\' = \'{name}\', '
           "'value.format' = 'json');" for name in ("src", "dst")]
OBJECT = {"database": "db", "namespace": "public", "kind": "stream", "store": "k", "name": "src",
          "columns": [{"name": "id", "type": "BIGINT"}]}
#: Each kind group: its token, what it needs first (SQL), its inputs, the GRANT the change sends ({id}: the
#: resource's), the read that follows it, and where the owner shows (a system table and its row, or a LIST).
KINDS = [
    ("Database", [], {"name": "sales"}, 'DATABASE "sales"', 'SELECT "name", "owner"', ("databases", "name = 'sales'")),
    ("Namespace", [DB], {"database": "db", "name": "raw"}, 'SCHEMA "db"."raw"', 'SELECT "database_name"',
     ("schemas", "name = 'raw'")),
    ("DeltaStreamObject", [DB, STORE], OBJECT, 'RELATION "db"."public"."src"', "SELECT",
     ("relations", "name = 'src'")),
    ("Query", [DB, STORE, *STREAMS], {"sql": INSERT}, "QUERY {id}", "SELECT", ("queries", "id = '{id}'")),
    ("Application", [DB, STORE, *STREAMS], {"sql": f"BEGIN APPLICATION app {INSERT}; END APPLICATION;"},
     "QUERY {id}", "SELECT", ("queries", "id = '{id}'")),
    ("Store", [], {"name": "k", "kafka": {"uris": "b:9092", "saslHashFunction": "NONE"}}, 'STORE "k"', "SELECT",
     ("stores", "name = 'k'")),
    ("SchemaRegistry", [], {"name": "reg", "confluent": {"uris": "https://r"}}, 'SCHEMA_REGISTRY "reg"', "SELECT",
     ("schema_registries", "name = 'reg'")),
    ("ComputePool", [], {"name": "pool", "size": "small"}, 'COMPUTE_POOL "pool"', "LIST COMPUTE_POOLS",
     ("COMPUTE_POOLS", "pool")),
    ("FunctionSource", [], {"name": "udfs", "file": Asset(text="a jar's bytes")}, 'FUNCTION_SOURCE "udfs"', "SELECT",
     ("function_sources", "name = 'udfs'")),
    ("DescriptorSource", [], {"name": "protos", "file": Asset(text="a descriptor set")}, 'DESCRIPTOR_SOURCE "protos"',
     "LIST DESCRIPTOR_SOURCES", ("DESCRIPTOR_SOURCES", "protos")),
    ("Role", [], {"name": "team"}, 'ROLE "team"', "SELECT", ("roles", "name = 'team'")),
]


def owner_now(local: BackgroundServer, where: tuple[str, str], resource_id: str) -> str:
    table, row = where
    if table.isupper():
        return listed_owner(local, table, row)
    return owner_in(local, table, row.format(id=resource_id))


@pytest.mark.parametrize("kind, setup, inputs, target, read, where", KINDS, ids=[k[0] for k in KINDS])
async def test_owner_changes_in_place_with_one_grant(provider: Harness, local: BackgroundServer, kind: str,
                                                     setup: list[str], inputs: dict[str, Any], target: str,
                                                     read: str, where: tuple[str, str]) -> None:
    token = f"deltastream:index:{kind}"
    for statement in setup:
        ok(local, statement)
    resource_id, state = await provider.create(token, inputs)
    assert state["owner"] == "sysadmin"
    news = {**inputs, "owner": "analyst"}
    before = mark(local)
    diff = await provider.diff(token, resource_id, state, news, inputs)
    # an update, not a replacement; the preview's one read: sys."roles", for both conditions
    assert diff.changes == Diff.DIFF_SOME and list(diff.diffs) == ["owner"] and list(diff.replaces) == []
    assert diff.detailedDiff["owner"].kind == provider_pb2.PropertyDiff.ADD  # added to the inputs, not replacing
    assert sent(local, before) == [ROLES_READ]
    before = mark(local)
    previewed = await provider.update(token, resource_id, state, news, preview=True)
    assert previewed["owner"] == "analyst" and sent(local, before) == []
    updated = await provider.update(token, resource_id, state, news)
    requests = sent(local, before)
    assert requests[0] == f'GRANT OWNERSHIP ON {target.format(id=resource_id)} TO "analyst";'
    assert len(requests) == 2 and requests[1].startswith(read), requests
    assert updated["owner"] == "analyst" and owner_now(local, where, resource_id) == "analyst"
    async with configured(local) as fresh:  # the next command reads it back: no change left
        _, read_state, read_inputs = await fresh.read(token, resource_id, updated, news)
        assert read_inputs["owner"] == "analyst" and read_state["owner"] == "analyst"
        again = await fresh.diff(token, resource_id, read_state, news, read_inputs)
        assert again.changes == Diff.DIFF_NONE


async def test_owner_unset_or_naming_the_current_owner_is_no_change(provider: Harness,
                                                                    local: BackgroundServer) -> None:
    db_id, state = await provider.create(DATABASE, {"name": "sales", "owner": "analyst"})
    assert state["owner"] == "analyst"
    before = mark(local)
    for news in ({"name": "sales"}, {"name": "sales", "owner": "analyst"}):
        diff = await provider.diff(DATABASE, db_id, state, news, {"name": "sales", "owner": "analyst"})
        assert diff.changes == Diff.DIFF_NONE
    assert sent(local, before) == []


async def refusal(provider: Harness, resource_id: str, state: dict[str, Any], owner: str,
                  old_inputs: dict[str, Any]) -> str:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await provider.diff(DATABASE, resource_id, state, {"name": resource_id, "owner": owner}, old_inputs)
    assert error.value.code() == grpc.StatusCode.FAILED_PRECONDITION
    return str(error.value.details())


async def test_a_new_owner_the_provider_role_lacks_fails_the_preview(provider: Harness,
                                                                     local: BackgroundServer) -> None:
    db_id, state = await provider.create(DATABASE, {"name": "sales"})
    ok(local, "CREATE ROLE reporting;")  # sysadmin owns it, but has not been granted it
    before = mark(local)
    message = await refusal(provider, db_id, state, "reporting", {"name": "sales"})
    assert ("the provider's role 'sysadmin' has not been granted role 'reporting'" in message
            and "a RoleGrant with role 'reporting' and toRole 'sysadmin'" in message
            and "change the provider's role (deltastream:role)" in message), message
    assert "(or no such role exists)" in await refusal(provider, db_id, state, "ghost", {"name": "sales"})
    assert sent(local, before) == [ROLES_READ, ROLES_READ]  # nothing mutating
    # once the role is granted (as a RoleGrant would), the same change goes through
    ok(local, "GRANT ROLE reporting TO ROLE sysadmin;")
    updated = await provider.update(DATABASE, db_id, state, {"name": "sales", "owner": "reporting"})
    assert updated["owner"] == "reporting" and owner_in(local, "databases", "name = 'sales'") == "reporting"


async def test_an_owner_the_provider_role_lacks_fails_the_preview(provider: Harness, local: BackgroundServer) -> None:
    db_id, state = await provider.create(DATABASE, {"name": "sales", "owner": "sysadmin"})
    ok(local, "CREATE ROLE reporting; GRANT ROLE reporting TO ROLE sysadmin;")
    ok(local, 'GRANT OWNERSHIP ON DATABASE "sales" TO reporting;')
    ok(local, "REVOKE ROLE reporting FROM ROLE sysadmin;")  # now owned by a role sysadmin does not hold
    async with configured(local) as fresh:
        _, read_state, read_inputs = await fresh.read(DATABASE, db_id, state, {"name": "sales", "owner": "sysadmin"})
        assert read_inputs["owner"] == "reporting" and read_state["owner"] == "reporting"
        before = mark(local)
        message = await refusal(fresh, db_id, read_state, "analyst", read_inputs)
    assert ("Database 'sales' is owned by 'reporting', which the provider's role 'sysadmin' has not been granted"
            in message and "a RoleGrant with role 'reporting' and toRole 'sysadmin'" in message), message
    assert sent(local, before) == [ROLES_READ]


async def test_an_owner_changed_by_hand_shows_on_refresh_and_up_restores_it(provider: Harness,
                                                                           local: BackgroundServer) -> None:
    program = {"name": "sales", "owner": "sysadmin"}
    db_id, state = await provider.create(DATABASE, program)
    ok(local, 'GRANT OWNERSHIP ON DATABASE "sales" TO analyst;')  # by hand
    async with configured(local) as fresh:  # refresh
        _, read_state, read_inputs = await fresh.read(DATABASE, db_id, state, program)
        assert read_inputs["owner"] == "analyst" and read_state["owner"] == "analyst"
    async with configured(local) as fresh:  # up: the program's owner again, in place
        diff = await fresh.diff(DATABASE, db_id, read_state, program, read_inputs)
        assert list(diff.diffs) == ["owner"] and list(diff.replaces) == []
        before = mark(local)
        restored = await fresh.update(DATABASE, db_id, read_state, program)
        assert sent(local, before)[0] == 'GRANT OWNERSHIP ON DATABASE "sales" TO "sysadmin";'
    assert restored["owner"] == "sysadmin" and owner_in(local, "databases", "name = 'sales'") == "sysadmin"


async def test_a_secrets_owner_still_cannot_change(provider: Harness, local: BackgroundServer) -> None:
    inputs = {"name": "partner", "secretString": "first-token-value-31"}
    secret_id, state = await provider.create("deltastream:index:Secret", inputs)
    before = mark(local)
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await provider.diff("deltastream:index:Secret", secret_id, state, {**inputs, "owner": "analyst"}, inputs)
    details = str(error.value.details())
    assert "GRANT OWNERSHIP" in details and "does not list the secret kind" in details, details
    assert sent(local, before) == []


async def test_a_materialized_views_owner_changes_with_its_query(provider: Harness, local: BackgroundServer) -> None:
    """A materialized view is a relation (GRANT OWNERSHIP ON RELATION); the query that maintains it follows it."""
    for statement in (DB, STORE, STREAMS[0]):
        ok(local, statement)
    inputs = {"database": "db", "namespace": "public", "name": "per_id",
              "query": 'SELECT id, COUNT(*) AS n FROM "db"."public"."src" GROUP BY id'}
    token = "deltastream:index:MaterializedView"
    view_id, state = await provider.create(token, inputs)
    assert state["owner"] == "sysadmin"
    news = {**inputs, "owner": "analyst"}
    diff = await provider.diff(token, view_id, state, news, inputs)
    assert list(diff.diffs) == ["owner"] and list(diff.replaces) == []
    before = mark(local)
    updated = await provider.update(token, view_id, state, news)
    requests = sent(local, before)
    assert requests[:2] == ['GRANT OWNERSHIP ON RELATION "db"."public"."per_id" TO "analyst";',
                            f'GRANT OWNERSHIP ON QUERY {state["queryId"]} TO "analyst";']
    assert len(requests) == 4, requests  # then the view's row and its query's, read at once
    assert updated["owner"] == "analyst" and owner_in(local, "relations", "name = 'per_id'") == "analyst"
    assert owner_in(local, "queries", f"id = '{state['queryId']}'") == "analyst"
