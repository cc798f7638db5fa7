"""ApiToken through the real CLI from a YAML program: the token created and exported as a secret (encrypted in the
state and in `stack output`, absent from the engine's most verbose log), a second client bearing it runs as its role,
a no-change preview, a renewal by renewTrigger that a preview shows as an update (the old secret stops working, the
new one works), an import by `<token>/<role>` (its metadata; the next preview warns that the secret is lost and says how
to get one), a renewal
that gives the imported token a secret, and destroy (the token stops working)."""

from __future__ import annotations

import json

import httpx
import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, yaml_program

pytestmark = pytest.mark.e2e
TYPE = "deltastream:index:ApiToken"
#: As the secrets test: the engine at its most verbose, the provider's debug trace shown (--logflow would also flow
#: -v=9 to the YAML language host, whose own Go SDK logs every output it marshals, secrets included)
VERBOSE = ("--debug", "-v=9", "--logtostderr")


def program(trigger: str) -> str:
    return yaml_program(f"""  ci:
    type: {TYPE}
    properties: {{ name: ci_token, role: analyst, expiresInDays: 30, renewBeforeDays: 7, renewTrigger: "{trigger}" }}
""", "  expiresAt: ${ci.expiresAt}\n  token:\n    fn::secret: ${ci.token}\n")


def role_of(local: BackgroundServer, secret: str) -> str | None:
    """The role a request bearing ``secret`` runs as, or None when it is refused."""
    response = httpx.post(f"{local.url}/statements", json={"statement": "LIST API_TOKENS;"},
                          headers={"Authorization": f"Bearer {secret}"})
    if response.status_code != 200:
        return None
    return str(response.json()["metadata"]["context"]["roleName"])


def test_an_api_token_created_exported_as_a_secret_renewed_and_destroyed(stack: Stack,
                                                                          local: BackgroundServer) -> None:
    stack.write(program("1"))
    stack.run("stack", "init", "dev")
    verbose = stack.run("up", "--yes", "--skip-preview", *VERBOSE)
    first = stack.outputs()["token"]
    assert first and role_of(local, first) == "analyst"
    assert first not in verbose.stdout + verbose.stderr  # the engine's and the provider's most verbose logs
    assert "deltastream.client: sql" in verbose.stdout + verbose.stderr  # with the provider's SQL trace
    assert first not in json.dumps(stack.state())  # encrypted in the state
    assert json.loads(stack.run("stack", "output", "--json").stdout)["token"] == "[secret]"
    assert [row[0] for row in catalog_sql(local, "LIST API_TOKENS;")] == ["ci_token"]
    stack.preview("--expect-no-changes")

    stack.write(program("2"))  # renewed in place
    preview = stack.preview().stdout
    assert "1 to update" in preview and "to replace" not in preview, preview
    verbose = stack.run("up", "--yes", "--skip-preview", *VERBOSE)
    second = stack.outputs()["token"]
    assert second != first and role_of(local, first) is None and role_of(local, second) == "analyst"
    assert second not in verbose.stdout + verbose.stderr
    stack.preview("--expect-no-changes")

    stack.run("state", "delete", "--yes", f"urn:pulumi:dev::e2e::{TYPE}::ci")  # imported by name
    imported = stack.run("import", "--yes", TYPE, "ci", "ci_token/analyst", "--protect=false")
    assert "warning" not in imported.stdout, imported.stdout
    resource = stack.resources(TYPE)[0]
    assert resource["id"] == "ci_token/analyst" and not resource["outputs"].get("token")
    assert resource["inputs"] == {"name": "ci_token", "role": "analyst", "expiresInDays": 30}
    assert role_of(local, second) == "analyst"  # an import changes nothing
    told = stack.preview().stdout  # the program as it was: no change, and the secret it lacks is said
    assert "DeltaStream shows a secret only once; change renewTrigger" in told and "to update" not in told, told
    stack.up()  # records the program's renewTrigger: adopting a token renews nothing
    assert role_of(local, second) == "analyst"
    stack.write(program("3"))  # a new secret for the imported token
    preview = stack.preview().stdout
    assert "1 to update" in preview and "to replace" not in preview, preview
    stack.up()
    third = stack.outputs()["token"]
    assert role_of(local, third) == "analyst" and role_of(local, second) is None

    stack.run("destroy", "--yes")
    assert catalog_sql(local, "LIST API_TOKENS;") == [] and role_of(local, third) is None
