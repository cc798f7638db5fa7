"""OrganizationGrant through the real CLI: after `up` a preview shows no change, also with privileges granted by hand
beside the declared ones; a declared privilege revoked by hand shows on refresh and `up` grants it again; a list
change grants the added and revokes the removed in place; an import takes what the role holds; destroy revokes
exactly the declared privileges."""

from __future__ import annotations

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, yaml_program

pytestmark = pytest.mark.e2e

CREATES = ("CREATE_COMPUTE_POOL, CREATE_DATABASE, CREATE_STORE, CREATE_SCHEMA_REGISTRY, CREATE_DESCRIPTOR_SOURCE, "
           "CREATE_FUNCTION_SOURCE, CREATE_FUNCTION, CREATE_QUERY")


def program(*privileges: str) -> str:
    return yaml_program(f"""  creates:
    type: deltastream:index:OrganizationGrant
    properties:
      role: analyst
      privileges: [{", ".join(privileges)}]
""", "  granted: ${creates.granted}\n")


def held(local: BackgroundServer) -> set[str]:
    rows = catalog_sql(local, "SELECT role_priv_type FROM deltastream.sys.\"role_privileges\" "
                              "WHERE role_name = 'analyst';")
    return {row[0].upper() for row in rows}


def sent(local: BackgroundServer, since: int) -> list[str]:
    return [t for t in list(local.server.counters.texts)[since:] if t.startswith(("GRANT", "REVOKE"))]


def test_grants_converge_through_the_cli(stack: Stack, local: BackgroundServer) -> None:
    catalog_sql(local, f'REVOKE {CREATES} FROM ROLE "analyst";')  # the server's own role starts with them all
    stack.write(program("create_database", "CREATE_QUERY"))
    stack.run("stack", "init", "dev")
    stack.up()
    assert held(local) == {"CREATE_DATABASE", "CREATE_QUERY"}
    assert stack.outputs()["granted"] == ["CREATE_DATABASE", "CREATE_QUERY"]
    catalog_sql(local, 'GRANT CREATE_STORE ON ORGANIZATION TO ROLE "analyst";')  # made by hand: not the stack's
    stack.preview("--expect-no-changes")
    stack.run("refresh", "--yes", "--expect-no-changes")

    catalog_sql(local, 'REVOKE CREATE_QUERY FROM ROLE "analyst";')
    refreshed = stack.run("refresh", "--yes")
    assert "~ 1 updated" in refreshed.stdout or "1 updated" in refreshed.stdout
    assert "CREATE_QUERY" in stack.preview("--diff").stdout
    before = len(local.server.counters.texts)
    stack.up()
    assert sent(local, before) == ['GRANT CREATE_QUERY ON ORGANIZATION TO ROLE "analyst";']
    stack.preview("--expect-no-changes")

    stack.write(program("CREATE_QUERY", "CREATE_FUNCTION"))
    before = len(local.server.counters.texts)
    out = stack.up()
    assert "replaced" not in out
    assert sent(local, before) == ['REVOKE CREATE_DATABASE FROM ROLE "analyst";',
                                   'GRANT CREATE_FUNCTION ON ORGANIZATION TO ROLE "analyst";']
    assert held(local) == {"CREATE_STORE", "CREATE_QUERY", "CREATE_FUNCTION"}
    stack.preview("--expect-no-changes")

    stack.run("destroy", "--yes")
    assert held(local) == {"CREATE_STORE"}  # only the declared privileges were revoked


def test_import_by_role(stack: Stack, local: BackgroundServer) -> None:
    catalog_sql(local, f'REVOKE {CREATES} FROM ROLE "analyst";')
    catalog_sql(local, 'GRANT CREATE_QUERY, CREATE_DATABASE ON ORGANIZATION TO ROLE "analyst";')
    stack.write(program("CREATE_DATABASE", "CREATE_QUERY"))
    stack.run("stack", "init", "dev")
    stack.run("import", "deltastream:index:OrganizationGrant", "creates", "analyst/organization", "--yes")
    stack.preview("--expect-no-changes")
