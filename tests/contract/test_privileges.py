"""The local server's organization privileges, raw on the wire with a second token and role: GRANT and REVOKE ON
ORGANIZATION in the documented forms, sys."role_privileges", and the refusals (42501 for a statement whose privilege
the session's roles lack, 0L000 for a grantor without MANAGE_GRANTS or the grant option)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from testkit import TOKEN

from deltastream_local.runner import BackgroundServer, ServerSettings

READER = "reader-token"
SECURITY = "security-token"


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    """A server with the admin token, a securityadmin token and a token of the role ``reader``."""
    settings = ServerSettings(port=0, tokens={TOKEN: "sysadmin", SECURITY: "securityadmin", READER: "reader"})
    with BackgroundServer(settings) as running:
        yield running


def run(server: BackgroundServer, statement: str, token: str = TOKEN, **fields: str) -> dict:
    return httpx.post(f"{server.url}/statements", json={"statement": statement, **fields},
                      headers={"Authorization": f"Bearer {token}"}).json()


def ok(server: BackgroundServer, statement: str, token: str = TOKEN, **fields: str) -> dict:
    body = run(server, statement, token, **fields)
    assert body["sqlState"] == "00000", body
    return body


def held(server: BackgroundServer, role: str, token: str = TOKEN) -> dict[str, str]:
    rows = ok(server, "SELECT role_priv_type, role_priv_target, grant_option FROM deltastream.sys.\"role_privileges\" "
                      f"WHERE role_name = '{role}';", token)["data"]
    assert {target for _, target, _ in rows} <= {"organization"}
    return {privilege: option for privilege, _, option in rows}


def test_a_token_role_starts_with_every_create_privilege_and_loses_one_to_revoke(server: BackgroundServer) -> None:
    assert set(held(server, "reader")) == {"create_compute_pool", "create_database", "create_store",
                                           "create_schema_registry", "create_descriptor_source",
                                           "create_function_source", "create_function", "create_query"}
    ok(server, 'CREATE DATABASE "mine";', READER)
    ok(server, 'REVOKE CREATE_DATABASE FROM ROLE "reader";')  # the revoke page's form: no ON ORGANIZATION
    refused = run(server, 'CREATE DATABASE "theirs";', READER)
    assert refused["sqlState"] == "42501" and "CREATE_DATABASE" in refused["message"]
    assert ok(server, "CAN I CREATE_DATABASE;", READER)["data"] == [["false"]]
    assert ok(server, "CAN I CREATE_STORE;", READER)["data"] == [["true"]]
    ok(server, "GRANT create_database ON ORGANIZATION TO reader;")  # the page's example: TO without ROLE
    ok(server, 'CREATE DATABASE "theirs";', READER)
    assert ok(server, "CAN I CREATE_DATABASE;", READER)["data"] == [["true"]]


def test_every_organization_statement_needs_its_privilege(server: BackgroundServer) -> None:
    ok(server, 'REVOKE ALL PRIVILEGES ON ORGANIZATION FROM ROLE "reader";', SECURITY)
    assert held(server, "reader") == {}
    for statement, privilege in [
            ('CREATE DATABASE "d";', "CREATE_DATABASE"),
            ("CREATE STORE s WITH ('type' = KAFKA, 'uris' = 'b:9092', 'kafka.sasl.hash_function' = NONE);",
             "CREATE_STORE"),
            ("CREATE COMPUTE_POOL p;", "CREATE_COMPUTE_POOL")]:
        refused = run(server, statement, READER)
        assert (refused["sqlState"], privilege in refused["message"]) == ("42501", True), statement
    ok(server, 'CREATE DATABASE "d";')  # sysadmin holds them all
    # the privilege is checked before anything else: the relations need not exist
    query = run(server, 'INSERT INTO "d"."public"."dst" SELECT id FROM "d"."public"."src";', READER)
    assert query["sqlState"] == "42501" and "CREATE_QUERY" in query["message"]


def test_a_grantor_needs_manage_grants_or_the_grant_option(server: BackgroundServer) -> None:
    refused = run(server, 'GRANT CREATE_STORE ON ORGANIZATION TO ROLE "sysadmin";', READER)
    assert refused["sqlState"] == "0L000" and "CREATE_STORE" in refused["message"]
    manage = run(server, 'GRANT MANAGE_GRANTS ON ORGANIZATION TO ROLE "reader";')  # sysadmin lacks it
    assert manage["sqlState"] == "0L000" and "MANAGE_GRANTS" in manage["message"]
    ok(server, 'GRANT MANAGE_GRANTS ON ORGANIZATION TO ROLE "reader";', SECURITY)
    ok(server, 'REVOKE MANAGE_GRANTS FROM ROLE "reader";', SECURITY)
    ok(server, 'GRANT CREATE_STORE ON ORGANIZATION TO ROLE "reader" WITH GRANT OPTION;')
    assert held(server, "reader")["create_store"] == "true"
    ok(server, 'GRANT CREATE_STORE ON ORGANIZATION TO ROLE "securityadmin";', READER)
    assert held(server, "securityadmin", SECURITY) == {"create_store": "false"}
    assert held(server, "securityadmin") == {}  # sysadmin holds neither securityadmin nor its owner: no rows


def test_rows_are_those_of_the_roles_the_session_may_see(server: BackgroundServer) -> None:
    ok(server, 'CREATE ROLE "other";', SECURITY)
    ok(server, 'GRANT CREATE_QUERY ON ORGANIZATION TO ROLE "other";', SECURITY)
    assert held(server, "other", SECURITY) == {"create_query": "false"}
    assert held(server, "other", READER) == {}
    assert held(server, "reader", READER)["create_query"] == "false"


def test_role_privileges_rows(server: BackgroundServer) -> None:
    ok(server, 'GRANT ALL PRIVILEGES ON ORGANIZATION TO ROLE "reader";', SECURITY)
    rows = ok(server, 'SELECT * FROM deltastream.sys."role_privileges" WHERE role_name = \'reader\' '
                      'ORDER BY role_priv_type;')
    assert [c["name"] for c in rows["metadata"]["columns"]] == [
        "role_name", "role_priv_type", "role_priv_target", "role_priv_target_name", "grant_option", "grantor_role",
        "granted_at"]
    assert len(rows["data"]) == 10 and {r[3] for r in rows["data"]} == {"local"}
    assert {r[1]: r[5] for r in rows["data"]}["manage_grants"] == "securityadmin"


def test_unknown_privileges_and_roles_are_refused(server: BackgroundServer) -> None:
    assert run(server, 'GRANT CREATE_CONNECTOR ON ORGANIZATION TO ROLE "reader";')["sqlState"] == "42601"
    assert run(server, 'GRANT CREATE_STORE ON ORGANIZATION TO ROLE "nobody";')["sqlState"] == "3D001"
