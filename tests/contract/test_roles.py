"""Roles and role grants: the local server's statements and refusals raw on the wire (a second token and role see
what DeltaStream's docs say they see), and Role and RoleGrant through the provider's gRPC service: lifecycle, drift,
import, adoption, Check failures, lost answers and the lookups."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import grpc
import httpx
import pytest
from pulumi.runtime.proto import provider_pb2
from testkit import TOKEN
from testkit.provider import Harness, invoke

from deltastream_local.runner import BackgroundServer, ServerSettings
from tests.contract.conftest import configured

ROLE = "deltastream:index:Role"
GRANT = "deltastream:index:RoleGrant"
ANALYST_TOKEN = "analyst-token"  # the local fixture's second token, whose role is analyst
ORGADMIN_TOKEN = "orgadmin-token"  # this module's own third token
USER = "admin@example.com"  # the users knob's default: the organization's one user
Diff = provider_pb2.DiffResponse


@pytest.fixture
def local() -> Iterator[BackgroundServer]:
    """The shared fixture's server (sysadmin's token, analyst's), and a token of orgadmin."""
    settings = ServerSettings(port=0, tokens={TOKEN: "sysadmin", ANALYST_TOKEN: "analyst", ORGADMIN_TOKEN: "orgadmin"},
                              roles=frozenset({"analyst"}))
    with BackgroundServer(settings) as server:
        yield server


def run(local: BackgroundServer, statement: str, token: str = TOKEN, **fields: str) -> dict[str, Any]:
    return httpx.post(f"{local.url}/statements", json={"statement": statement, **fields},
                      headers={"Authorization": f"Bearer {token}"}).json()


def ok(local: BackgroundServer, statement: str, token: str = TOKEN, **fields: str) -> dict[str, Any]:
    body = run(local, statement, token, **fields)
    assert body["sqlState"] == "00000", body
    return body


def refused(local: BackgroundServer, statement: str, code: str, token: str = TOKEN) -> str:
    body = run(local, statement, token)
    assert body["sqlState"] == code, body
    return str(body["message"])


def roles(local: BackgroundServer, token: str = TOKEN) -> dict[str, tuple[list[str], list[str]]]:
    """sys."roles" as the token's role sees it: each name with its granted_to and granted_roles."""
    body = ok(local, 'SELECT name, granted_to, granted_roles FROM deltastream.sys."roles";', token)
    return {name: (json.loads(to), json.loads(granted)) for name, to, granted in body["data"]}


def user_grants(local: BackgroundServer) -> list[list[Any]]:
    return ok(local, 'SELECT user_name, user_email, role_name FROM deltastream.sys."user_grants";')["data"]


def ran(local: BackgroundServer, kind: str) -> int:
    return local.server.counters.statements[kind]


# --- the local server -----------------------------------------------------------------------------------------------

def test_create_and_drop_role_with_its_documented_options_and_refusals(local: BackgroundServer) -> None:
    # IN ROLE: the new role is added as a member of analyst (holds it); ROLE: sysadmin is added as its member
    ok(local, 'CREATE ROLE "prod_reader" WITH (IN ROLE (analyst), ROLE (sysadmin));')
    seen = roles(local)
    assert seen["prod_reader"] == (["sysadmin"], ["analyst"])
    assert "prod_reader" in seen["sysadmin"][1] and "prod_reader" in seen["analyst"][0]
    assert "cycle" in refused(local, "CREATE ROLE loop WITH (IN ROLE (sysadmin), ROLE (analyst));", "0LP01")
    assert "already exists" in refused(local, "CREATE ROLE prod_reader;", "42P011")
    ok(local, "CREATE ROLE IF NOT EXISTS prod_reader;")
    assert "does not exist" in refused(local, "CREATE ROLE x WITH (IN ROLE (ghost));", "3D001")
    assert "built-in" in refused(local, "DROP ROLE sysadmin;", "0LP01")
    assert "granted roles analyst" in refused(local, "DROP ROLE prod_reader;", "2BP01")  # revoke them first
    ok(local, "REVOKE ROLE analyst FROM ROLE prod_reader;")
    ok(local, "DROP ROLE prod_reader;")
    assert "prod_reader" not in roles(local) and "prod_reader" not in roles(local)["sysadmin"][1]
    assert "does not exist" in refused(local, "DROP ROLE prod_reader;", "3D001")


def test_a_role_that_owns_an_object_is_not_dropped(local: BackgroundServer) -> None:
    ok(local, "CREATE ROLE owner_role WITH (ROLE (sysadmin));")  # sysadmin holds it: the token may use it
    ok(local, 'CREATE ROLE "owned";', role="owner_role")
    assert "roles owned" in refused(local, "DROP ROLE owner_role;", "2BP01")
    ok(local, "DROP ROLE owned; DROP ROLE owner_role;")


def test_built_in_hierarchy_and_grants_to_roles_and_users(local: BackgroundServer) -> None:
    seen = roles(local, ORGADMIN_TOKEN)  # orgadmin sees every role
    assert seen["orgadmin"] == ([], ["securityadmin", "sysadmin"]) and seen["securityadmin"] == (["orgadmin"],
                                                                                                 ["useradmin"])
    ok(local, "CREATE ROLE a; CREATE ROLE b;")
    ok(local, "GRANT ROLE a, b TO ROLE sysadmin;")
    ok(local, "GRANT ROLE a TO ROLE b;")
    ok(local, "GRANT ROLE a TO ROLE b;")  # again: nothing changes
    assert roles(local)["a"] == (["b", "sysadmin"], [])
    assert "cycle" in refused(local, "GRANT ROLE b TO ROLE a;", "0LP01")  # b holds a already
    assert "cycle" in refused(local, "GRANT ROLE a TO ROLE a;", "0LP01")
    assert "cannot be revoked" in refused(local, "REVOKE ROLE sysadmin FROM ROLE orgadmin;", "0LP01")
    ok(local, f"GRANT ROLE a TO USER '{USER}';")
    assert user_grants(local) == [["admin", USER, "a"]]
    assert "not a member" in refused(local, "GRANT ROLE a TO USER 'stranger@example.com';", "3D000")
    ok(local, f"REVOKE ROLE a FROM USER '{USER}';")
    ok(local, "REVOKE ROLE a FROM ROLE b;")
    assert user_grants(local) == [] and roles(local)["a"] == (["sysadmin"], [])


def test_the_users_knob_is_the_organization(local: BackgroundServer) -> None:
    local.server.knobs.update({"users": "ada@example.com, bob@example.com"})
    ok(local, "GRANT ROLE analyst TO USER 'bob@example.com';")
    assert user_grants(local) == [["bob", "bob@example.com", "analyst"]]
    refused(local, f"GRANT ROLE analyst TO USER '{USER}';", "3D000")


def test_a_second_role_sees_only_the_roles_it_holds_or_owns(local: BackgroundServer) -> None:
    ok(local, "CREATE ROLE hidden; CREATE ROLE shared; GRANT ROLE shared TO ROLE analyst;")
    ok(local, "CREATE ROLE mine;", ANALYST_TOKEN)  # owned by analyst
    assert set(roles(local, ANALYST_TOKEN)) == {"analyst", "public", "shared", "mine"}
    assert {"hidden", "shared", "mine", "analyst", "sysadmin"} <= set(roles(local))  # sysadmin holds analyst
    assert "useradmin" not in roles(local)  # sysadmin does not hold useradmin
    assert {"useradmin", "hidden", "mine"} <= set(roles(local, ORGADMIN_TOKEN))
    listed = ok(local, "LIST ROLES;", ANALYST_TOKEN)
    assert [c["name"] for c in listed["metadata"]["columns"]] == ["Name", "Current", "CreatedAt"]
    assert [(row[0], row[1]) for row in listed["data"]] == [("analyst", "true"), ("public", "false"),
                                                             ("shared", "false")]


def test_a_request_role_must_exist_and_be_held_by_the_token(local: BackgroundServer) -> None:
    refused_body = run(local, "LIST ROLES;", ANALYST_TOKEN, role="sysadmin")
    assert refused_body["sqlState"] == "3D001" and "not granted" in refused_body["message"]
    assert run(local, "LIST ROLES;", role="ghost")["sqlState"] == "3D001"
    ok(local, "CREATE ROLE helper; GRANT ROLE helper TO ROLE analyst;")
    assert ok(local, "LIST ROLES;", ANALYST_TOKEN, role="helper")["metadata"]["context"]["roleName"] == "helper"


# --- Role through the provider ----------------------------------------------------------------------------------------

async def test_role_lifecycle_drift_and_import(provider: Harness, local: BackgroundServer) -> None:
    role_id, state = await provider.create(ROLE, {"name": "analyst_ci"})
    assert role_id == "analyst_ci"
    assert state["owner"] == "sysadmin" and state["grantedTo"] == [] and state["grantedRoles"] == []
    assert state["createdAt"]
    ok(local, "GRANT ROLE analyst_ci TO ROLE sysadmin;")
    async with configured(local) as fresh:  # the next command reads what was changed by hand
        _, read, inputs = await fresh.read(ROLE, role_id, state, {"name": "analyst_ci"})
        assert read["grantedTo"] == ["sysadmin"] and inputs == {"name": "analyst_ci"}
        imported_id, imported, imported_inputs = await fresh.read(ROLE, "analyst_ci")
        assert imported_id == "analyst_ci" and imported_inputs == {"name": "analyst_ci"}
        assert imported["owner"] == "sysadmin"
    ok(local, "REVOKE ROLE analyst_ci FROM ROLE sysadmin; DROP ROLE analyst_ci;")
    async with configured(local) as fresh:
        gone_id, _, _ = await fresh.read(ROLE, role_id, state, {"name": "analyst_ci"})
        assert gone_id == ""  # gone: the next up creates it again
    await provider.create(ROLE, {"name": "analyst_ci"})
    await provider.delete(ROLE, role_id, state)
    assert "analyst_ci" not in roles(local)
    await provider.delete(ROLE, role_id, state)  # already gone: success


@pytest.mark.parametrize("name, text", [
    ("sysadmin", "built-in role"), ("Public", "built-in role"), ("bad\nname", "control character"),
    (" padded", "leading or trailing spaces"), ("", "non-empty name")])
async def test_role_check_refuses_built_in_and_bad_names(provider: Harness, name: str, text: str) -> None:
    _, failures = await provider.check(ROLE, {"name": name})
    assert "name" in failures and text in failures["name"], failures


async def test_role_rename_replaces_and_preview_sends_nothing(provider: Harness, local: BackgroundServer) -> None:
    diff = await provider.diff(ROLE, "a", {"name": "a"}, {"name": "b"})
    assert diff.changes == Diff.DIFF_SOME and list(diff.replaces) == ["name"]
    _, preview = await provider.create(ROLE, {"name": "b"}, preview=True)
    assert preview["name"] == "b" and ran(local, "CreateRole") == 0


@pytest.mark.parametrize("kind", ["drop_before", "drop_after", "504"])
async def test_role_create_and_drop_settle_by_reading(provider: Harness, local: BackgroundServer, kind: str) -> None:
    local.server.knobs.update({"fail": [{"pattern": r"^CREATE ROLE", "fault": kind}]})
    role_id, state = await provider.create(ROLE, {"name": "lost"})
    assert state["owner"] == "sysadmin" and ran(local, "CreateRole") == 1  # sent again only when it never ran
    local.server.knobs.update({"fail": [{"pattern": r"^DROP ROLE", "fault": kind}]})
    await provider.delete(ROLE, role_id, state)
    assert "lost" not in roles(local) and ran(local, "DropRole") == 1


# --- RoleGrant through the provider -----------------------------------------------------------------------------------

async def test_grant_to_a_role_lifecycle_drift_repair_and_import(provider: Harness, local: BackgroundServer) -> None:
    ok(local, "CREATE ROLE reporting;")
    inputs = {"role": "reporting", "toRole": "analyst"}
    grant_id, state = await provider.create(GRANT, inputs)
    assert grant_id == "reporting/role/analyst" and state == {**inputs}
    assert roles(local)["reporting"][0] == ["analyst"]
    ok(local, "REVOKE ROLE reporting FROM ROLE analyst;")  # by hand
    async with configured(local) as fresh:
        gone_id, _, _ = await fresh.read(GRANT, grant_id, state, inputs)
        assert gone_id == ""  # refresh shows it gone, and up grants it again
    _, state = await provider.create(GRANT, inputs)
    assert roles(local)["reporting"][0] == ["analyst"]
    async with configured(local) as fresh:
        found_id, found, found_inputs = await fresh.read(GRANT, "reporting/role/analyst")
        assert found_id == grant_id and found_inputs == inputs and found["toRole"] == "analyst"
    ok(local, "GRANT ROLE reporting TO ROLE sysadmin;")  # another edge of the role, made by hand
    await provider.delete(GRANT, grant_id, state)
    assert roles(local)["reporting"][0] == ["sysadmin"]  # exactly its edge revoked, never the other
    await provider.delete(GRANT, grant_id, state)  # already revoked: success


async def test_grant_to_a_user_adopts_an_existing_edge_and_imports(provider: Harness, local: BackgroundServer) -> None:
    ok(local, f"CREATE ROLE viewers; GRANT ROLE viewers TO USER '{USER}';")  # made by hand first
    inputs = {"role": "viewers", "toUser": USER}
    grant_id, state = await provider.create(GRANT, inputs)  # adopted, not an error
    assert grant_id == f"viewers/user/{USER}" and state["grantedAt"]
    async with configured(local) as fresh:
        _, found, found_inputs = await fresh.read(GRANT, f"viewers/user/{USER}")
        assert found_inputs == inputs and found["grantedAt"] == state["grantedAt"]
    await provider.delete(GRANT, grant_id, state)
    assert user_grants(local) == []


async def test_grant_of_a_dropped_role_is_gone_and_deleting_it_succeeds(provider: Harness,
                                                                        local: BackgroundServer) -> None:
    ok(local, "CREATE ROLE temp;")
    inputs = {"role": "temp", "toUser": USER}
    grant_id, state = await provider.create(GRANT, inputs)
    ok(local, "DROP ROLE temp;")
    async with configured(local) as fresh:
        assert (await fresh.read(GRANT, grant_id, state, inputs))[0] == ""
        await fresh.delete(GRANT, grant_id, state)


async def test_every_grant_change_replaces_creating_first(provider: Harness, local: BackgroundServer) -> None:
    olds = {"role": "reporting", "toRole": "analyst"}
    diff = await provider.diff(GRANT, "reporting/role/analyst", olds, {"role": "reporting", "toUser": USER})
    assert diff.changes == Diff.DIFF_SOME and set(diff.replaces) == {"toRole", "toUser"}
    assert not diff.deleteBeforeReplace  # the new edge is granted before the old is revoked: no gap
    same = await provider.diff(GRANT, "reporting/role/analyst", olds, olds)
    assert same.changes == Diff.DIFF_NONE


@pytest.mark.parametrize("inputs, prop, text", [
    ({"role": "r"}, "toRole", "toRole or toUser is required"),
    ({"role": "r", "toRole": "s", "toUser": USER}, "toUser", "exclusive"),
    ({"role": "r", "toUser": "not an email"}, "toUser", "is not an email"),
    ({"role": "r", "toRole": "r"}, "toRole", "granted to itself"),
    ({"role": "sysadmin", "toRole": "orgadmin"}, "toRole", "built-in hierarchy"),
    ({"role": "r\t", "toRole": "s"}, "role", "spaces")])
async def test_grant_check_failures_name_the_property(provider: Harness, inputs: dict[str, Any], prop: str,
                                                      text: str) -> None:
    _, failures = await provider.check(GRANT, inputs)
    assert prop in failures and text in failures[prop], failures


async def test_grant_refusals_name_the_input(provider: Harness, local: BackgroundServer) -> None:
    ok(local, "CREATE ROLE known;")
    for inputs, text in [({"role": "ghost", "toRole": "analyst"}, "role or toRole: DeltaStream refused"),
                         ({"role": "known", "toUser": "stranger@example.com"}, "toUser: DeltaStream refused user")]:
        with pytest.raises(grpc.aio.AioRpcError) as error:
            await provider.create(GRANT, inputs)
        assert text in error.value.details()
    with pytest.raises(grpc.aio.AioRpcError):
        await provider.read(GRANT, "no-kind-in-this-id")


@pytest.mark.parametrize("kind", ["drop_before", "drop_after", "504"])
async def test_grant_and_revoke_settle_by_reading(provider: Harness, local: BackgroundServer, kind: str) -> None:
    ok(local, "CREATE ROLE lossy;")
    local.server.knobs.update({"fail": [{"pattern": r"^GRANT ROLE", "fault": kind}]})
    grant_id, state = await provider.create(GRANT, {"role": "lossy", "toRole": "analyst"})
    assert grant_id == "lossy/role/analyst" and ran(local, "GrantRole") == 1
    local.server.knobs.update({"fail": [{"pattern": r"^REVOKE ROLE", "fault": kind}]})
    await provider.delete(GRANT, grant_id, state)
    assert roles(local)["lossy"][0] == [] and ran(local, "RevokeRole") == 1


async def test_warnings_for_an_edge_granted_or_revoked_already_settle_by_reading(provider: Harness,
                                                                                  local: BackgroundServer) -> None:
    ok(local, "CREATE ROLE warned; GRANT ROLE warned TO ROLE analyst;")  # made by hand
    local.server.knobs.update({"fail": [{"pattern": r"^GRANT ROLE", "code": "01007", "message": "not granted"}]})
    grant_id, state = await provider.create(GRANT, {"role": "warned", "toRole": "analyst"})  # adopted
    assert grant_id == "warned/role/analyst"
    ok(local, "REVOKE ROLE warned FROM ROLE analyst;")  # gone by hand
    local.server.knobs.update({"fail": [{"pattern": r"^REVOKE ROLE", "code": "01006", "message": "not revoked"}]})
    await provider.delete(GRANT, grant_id, state)
    local.server.knobs.update({"fail": [{"pattern": r"^GRANT ROLE", "code": "01007", "message": "not granted"}]})
    with pytest.raises(grpc.aio.AioRpcError) as error:  # the warning, yet no edge: not taken as granted
        await provider.create(GRANT, {"role": "warned", "toRole": "analyst"})
    assert "not granted" in error.value.details()


async def test_preview_of_a_grant_sends_nothing(provider: Harness, local: BackgroundServer) -> None:
    _, preview = await provider.create(GRANT, {"role": "x", "toRole": "analyst"}, preview=True)
    assert preview["role"] == "x" and ran(local, "GrantRole") == 0


# --- lookups ----------------------------------------------------------------------------------------------------------

async def test_get_role_and_get_roles(provider: Harness, local: BackgroundServer) -> None:
    ok(local, f"CREATE ROLE looked WITH (ROLE (sysadmin)); GRANT ROLE analyst TO ROLE looked; "
              f"GRANT ROLE looked TO USER '{USER}'; GRANT CREATE_DATABASE ON ORGANIZATION TO ROLE looked;")
    local.server.counters.statements.clear()
    found, _ = await invoke(provider, "deltastream:index:getRole", {"name": "looked"})
    assert found["grantedTo"] == ["sysadmin"] and found["grantedRoles"] == ["analyst"]
    assert found["users"] == [USER] and found["owner"] == "sysadmin" and found["builtin"] is False
    assert [(p["privilege"].upper(), p["target"]) for p in found["privileges"]] == [("CREATE_DATABASE",
                                                                                    "organization")]
    assert local.server.counters.statements["Select"] == 3  # roles, user_grants, role_privileges
    owned, _ = await invoke(provider, "deltastream:index:getRoles", {"owner": "sysadmin"})
    assert "looked" in [r["name"] for r in owned["roles"]]
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await invoke(provider, "deltastream:index:getRole", {"name": "nope"})
    assert "role with name 'nope' not found" in error.value.details()
