"""The access example (issue 35) from TypeScript and Go through the real CLI against the local server: roles for prod
and stage granted to sysadmin, their organization privileges, their members, a CI token acting as the prod role and
the prod database owned by the prod role. After `up` a preview shows no change; a privilege and a role grant revoked
by hand show on refresh and `up` sends exactly those two GRANTs (and one read); grants made by hand beside the declared
ones show in no preview, survive `up` (which sends nothing) and are revoked by nothing destroy sends; destroy leaves
nothing of the stack, in its budget. Each language's stack runs in place under its own name, its state in the test's
own backend (the programs need the example directory's installed packages), so the two may run in parallel."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from testkit.pulumi import pulumi_env

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import catalog_sql, example_stack

pytestmark = pytest.mark.e2e
EXAMPLES = ("access-typescript", "access-go")
ALICE, BOB = "alice@example.com", "bob@example.com"
#: The organization's users (the local server's users knob): the examples' members and the server's own admin.
USERS = f"admin@example.com,{ALICE},{BOB}"
MUTATING = ("GRANT", "REVOKE", "CREATE", "DROP", "ALTER")
#: What destroy revokes: the declared grants, each once, and nothing made by hand.
DECLARED_REVOKES = ['REVOKE CREATE_DATABASE, CREATE_QUERY FROM ROLE "prod";',
                    'REVOKE CREATE_DATABASE, CREATE_STORE, CREATE_QUERY FROM ROLE "stage";',
                    'REVOKE ROLE "prod" FROM ROLE "sysadmin";', 'REVOKE ROLE "stage" FROM ROLE "sysadmin";',
                    f"REVOKE ROLE \"prod\" FROM USER '{ALICE}';", f"REVOKE ROLE \"stage\" FROM USER '{ALICE}';",
                    f"REVOKE ROLE \"stage\" FROM USER '{BOB}';"]


def sent(local: BackgroundServer, since: int) -> list[str]:
    """The mutating statements the server ran since the ``since``-th."""
    return [t for t in list(local.server.counters.texts)[since:] if t.startswith(MUTATING)]


def column(local: BackgroundServer, statement: str) -> list[str]:
    return sorted(row[0] for row in catalog_sql(local, statement))


def privileges(local: BackgroundServer, role: str) -> list[str]:
    rows = column(local, f"SELECT role_priv_type FROM deltastream.sys.\"role_privileges\" WHERE role_name = '{role}';")
    return sorted(p.upper() for p in rows)


def users_of(local: BackgroundServer, role: str) -> list[str]:
    return column(local, f"SELECT user_email FROM deltastream.sys.\"user_grants\" WHERE role_name = '{role}';")


def granted_to(local: BackgroundServer, role: str) -> list[str]:
    rows = catalog_sql(local, f"SELECT granted_to FROM deltastream.sys.\"roles\" WHERE name = '{role}';")
    return sorted(json.loads(rows[0][0])) if rows else []


def role_of(local: BackgroundServer, secret: str) -> str | None:
    """The role a request bearing ``secret`` runs as, or None when it is refused."""
    response = httpx.post(f"{local.url}/statements", json={"statement": "LIST API_TOKENS;"},
                          headers={"Authorization": f"Bearer {secret}"})
    return str(response.json()["metadata"]["context"]["roleName"]) if response.status_code == 200 else None


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_access_stack_end_to_end(example: str, toolchain: Path, local: BackgroundServer,
                                     tmp_path: Path) -> None:
    local.server.knobs.update({"users": USERS})
    with example_stack(example, pulumi_env(tmp_path, toolchain, local)) as stack:
        stack.up()
        out = stack.outputs()
        assert (out["roleNames"], out["prodDatabaseOwner"]) == (["prod", "stage"], "prod")
        assert catalog_sql(local, "SELECT owner FROM deltastream.sys.\"databases\" WHERE name = 'prod_db';") == [
            ["prod"]]
        assert granted_to(local, "prod") == granted_to(local, "stage") == ["sysadmin"]
        assert (users_of(local, "prod"), users_of(local, "stage")) == ([ALICE], [ALICE, BOB])
        assert privileges(local, "prod") == ["CREATE_DATABASE", "CREATE_QUERY"]
        assert privileges(local, "stage") == ["CREATE_DATABASE", "CREATE_QUERY", "CREATE_STORE"]
        assert role_of(local, out["ciToken"]) == "prod"
        assert json.loads(stack.run("stack", "output", "--json").stdout)["ciToken"] == "[secret]"
        stack.preview("--expect-no-changes")

        # drift made by hand: a declared privilege and a declared member revoked
        catalog_sql(local, 'REVOKE CREATE_QUERY FROM ROLE "prod";')
        catalog_sql(local, f"REVOKE ROLE \"stage\" FROM USER '{BOB}';")
        refreshed = stack.run("refresh", "--yes").stdout
        assert "1 updated" in refreshed and "1 deleted" in refreshed, refreshed
        before = len(local.server.counters.texts)
        stack.up()
        # exactly the two grants, and the read of the user grant that gives its grantedAt
        assert sorted(list(local.server.counters.texts)[before:]) == [
            'GRANT CREATE_QUERY ON ORGANIZATION TO ROLE "prod";', f"GRANT ROLE \"stage\" TO USER '{BOB}';",
            'SELECT "user_name", "user_email", "role_name", "granted_at" FROM deltastream.sys."user_grants" '
            f"WHERE \"role_name\" = 'stage' AND \"user_email\" = '{BOB}' ORDER BY \"user_email\";"]
        assert privileges(local, "prod") == ["CREATE_DATABASE", "CREATE_QUERY"] and users_of(local, "stage") == [
            ALICE, BOB]
        stack.preview("--expect-no-changes")

        # grants made by hand beside the declared ones: none is the stack's
        extra = ['GRANT CREATE_STORE ON ORGANIZATION TO ROLE "prod";', 'GRANT ROLE "stage" TO ROLE "analyst";',
                 f"GRANT ROLE \"prod\" TO USER '{BOB}';", f"GRANT ROLE \"analyst\" TO USER '{ALICE}';"]
        for statement in extra:
            catalog_sql(local, statement)
        before = len(local.server.counters.texts)
        stack.preview("--expect-no-changes")
        assert sent(local, before) == []
        stack.run("refresh", "--yes")
        stack.preview("--expect-no-changes")
        before = len(local.server.counters.texts)
        stack.up()
        assert list(local.server.counters.texts)[before:] == []  # not a statement, not even a read
        assert privileges(local, "prod") == ["CREATE_DATABASE", "CREATE_QUERY", "CREATE_STORE"]
        assert granted_to(local, "stage") == ["analyst", "sysadmin"] and users_of(local, "prod") == [ALICE, BOB]

        before = len(local.server.counters.texts)
        stack.run("destroy", "--yes")
        revokes = [t for t in sent(local, before) if t.startswith("REVOKE")]
        assert sorted(revokes) == sorted(DECLARED_REVOKES), revokes
        # and each kind's delete budget: a token and a database dropped and read back (2 + 2), seven revokes and a
        # read after each role grant's (7 + 5), the two roles dropped and read back (4)
        assert len(local.server.counters.texts) - before == 20
        assert column(local, "LIST DATABASES;") == [] and column(local, "LIST API_TOKENS;") == []
        assert {"prod", "stage"}.isdisjoint(column(local, 'SELECT name FROM deltastream.sys."roles";'))
        assert users_of(local, "analyst") == [ALICE]  # a grant made by hand that outlives the stack
        assert role_of(local, out["ciToken"]) is None

