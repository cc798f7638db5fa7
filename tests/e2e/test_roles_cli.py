"""Role and RoleGrant through the real CLI: roles and grants to a role and to a user come up, a preview after `up` shows
no change (also with another grant of the role made by hand), a grant revoked by hand shows on refresh and `up`
grants it again, a changed grant grants the new edge before it revokes the old one, an import by the documented id
shows no change, and destroy revokes exactly the stack's edges before dropping its roles."""

from __future__ import annotations

import json

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, yaml_program

pytestmark = pytest.mark.e2e

USER = "admin@example.com"  # the local server's one user (its users knob)


def program(member: str = "analyst") -> str:
    return yaml_program(f"""  reporting:
    type: deltastream:index:Role
    properties:
      name: reporting
  reporting-to-member:
    type: deltastream:index:RoleGrant
    properties:
      role: ${{reporting.name}}
      toRole: {member}
  reporting-to-admin:
    type: deltastream:index:RoleGrant
    properties:
      role: ${{reporting.name}}
      toUser: {USER}
""", "  owner: ${reporting.owner}\n  grantedTo: ${reporting.grantedTo}\n")


def granted_to(local: BackgroundServer, role: str) -> list[str]:
    rows = catalog_sql(local, f"SELECT granted_to FROM deltastream.sys.\"roles\" WHERE name = '{role}';")
    return sorted(json.loads(rows[0][0])) if rows else []


def users_of(local: BackgroundServer, role: str) -> list[str]:
    rows = catalog_sql(local, f"SELECT user_email FROM deltastream.sys.\"user_grants\" WHERE role_name = '{role}';")
    return [row[0] for row in rows]


def sent(local: BackgroundServer, since: int) -> list[str]:
    return [t for t in list(local.server.counters.texts)[since:] if t.startswith(("GRANT", "REVOKE", "CREATE ROLE",
                                                                                  "DROP ROLE"))]


def test_roles_and_grants_converge_through_the_cli(stack: Stack, local: BackgroundServer) -> None:
    stack.write(program())
    stack.run("stack", "init", "dev")
    stack.up()
    assert granted_to(local, "reporting") == ["analyst"] and users_of(local, "reporting") == [USER]
    assert stack.outputs()["owner"] == "sysadmin"
    catalog_sql(local, 'GRANT ROLE "reporting" TO ROLE "sysadmin";')  # made by hand: not the stack's
    stack.run("refresh", "--yes")
    stack.preview("--expect-no-changes")

    catalog_sql(local, f"REVOKE ROLE \"reporting\" FROM USER '{USER}';")  # drift made by hand
    refreshed = stack.run("refresh", "--yes")
    assert "1 deleted" in refreshed.stdout  # the grant is gone from state
    before = len(local.server.counters.texts)
    stack.up()
    assert sent(local, before) == [f"GRANT ROLE \"reporting\" TO USER '{USER}';"]
    assert users_of(local, "reporting") == [USER]
    stack.preview("--expect-no-changes")

    catalog_sql(local, 'CREATE ROLE "auditors";')
    stack.write(program("auditors"))
    before = len(local.server.counters.texts)
    stack.up()
    assert sent(local, before) == ['GRANT ROLE "reporting" TO ROLE "auditors";',  # granted first: no access gap
                                   'REVOKE ROLE "reporting" FROM ROLE "analyst";']
    assert granted_to(local, "reporting") == ["auditors", "sysadmin"]
    stack.preview("--expect-no-changes")

    before = len(local.server.counters.texts)
    stack.run("destroy", "--yes")
    revokes = sent(local, before)
    assert sorted(revokes[:2]) == sorted([f"REVOKE ROLE \"reporting\" FROM USER '{USER}';",
                                          'REVOKE ROLE "reporting" FROM ROLE "auditors";'])
    # the role still has the hand-made grant to sysadmin, which DeltaStream does not hold against a drop
    assert revokes[2:] == ['DROP ROLE "reporting";'] and granted_to(local, "auditors") == []


def test_import_by_the_documented_ids(stack: Stack, local: BackgroundServer) -> None:
    catalog_sql(local, 'CREATE ROLE "reporting"; GRANT ROLE "reporting" TO ROLE "analyst";')
    catalog_sql(local, f"GRANT ROLE \"reporting\" TO USER '{USER}';")
    stack.write(program())
    stack.run("stack", "init", "dev")
    stack.run("import", "deltastream:index:Role", "reporting", "reporting", "--yes")
    stack.run("import", "deltastream:index:RoleGrant", "reporting-to-member", "reporting/role/analyst", "--yes")
    stack.run("import", "deltastream:index:RoleGrant", "reporting-to-admin", f"reporting/user/{USER}", "--yes")
    stack.preview("--expect-no-changes")
