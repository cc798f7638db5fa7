"""Issue 23 cases h and i through the real CLI: no credential in any log at any verbosity, and a diff that names
the credential that changed. Issue 30: a change that would replace what others depend on (a secret's value, a store's
schema registry) fails the preview naming the outage, and goes ahead only with `acceptReplacement`."""

from __future__ import annotations

from typing import Any

import pytest
from testkit import TOKEN

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, yaml_program

pytestmark = pytest.mark.e2e

REGISTRY_PASSWORD = "registry-password-31"
KINESIS_SECRET = "kinesis-secret-key-55"
CONFLUENT_SECRET = "cluster-api-secret-99"

FAILING = yaml_program(f"""  registry:
    type: deltastream:index:SchemaRegistry
    properties:
      name: reg
      confluent: {{ uris: "https://registry.example.com", username: reg-user, password: {REGISTRY_PASSWORD} }}
  streams:
    type: deltastream:index:Store
    properties:
      name: streams
      kinesis:
        uris: https://kinesis.us-east-1.amazonaws.com
        awsAccountId: "123456789012"
        accessKeyId: AKIAEXAMPLE
        secretAccessKey: ${{kinesisSecret}}
  cloud:
    type: deltastream:index:Store
    properties:
      name: cc
      confluentKafka:
        uris: pkc.example.com:9092
        saslHashFunction: PLAIN
        saslUsername: CLUSTERKEY
        saslPassword: ${{confluentSecret}}
""").replace("resources:\n", "config:\n  kinesisSecret: { type: string, secret: true }\n"
                              "  confluentSecret: { type: string, secret: true }\nresources:\n")


def test_a_failing_create_at_the_highest_verbosity_logs_no_secret(stack: Stack, local: BackgroundServer) -> None:
    # Case h: DeltaStream's error text echoes each statement's credentials and the API key.
    def echo(pattern: str, secret: str) -> dict[str, Any]:
        return {"pattern": pattern, "nth": 0, "message": f"login refused for {secret} with token {TOKEN}"}

    local.server.knobs.update({"fail": [echo("^CREATE SCHEMA_REGISTRY", REGISTRY_PASSWORD),
                                        echo('^CREATE STORE "streams"', KINESIS_SECRET),
                                        echo('^CREATE STORE "cc"', CONFLUENT_SECRET)]})
    stack.write(FAILING)
    stack.run("stack", "init", "dev")
    stack.run("config", "set", "--secret", "kinesisSecret", KINESIS_SECRET)
    stack.run("config", "set", "--secret", "confluentSecret", CONFLUENT_SECRET)
    failed = stack.run("up", "--yes", "--skip-preview", "--debug", "-v=9", "--logtostderr", check=False)
    out = failed.stdout + failed.stderr
    assert failed.returncode != 0
    assert out.count("deltastream.client: sql failed") >= 3  # the debug traces of the three failures are shown
    for value in (REGISTRY_PASSWORD, KINESIS_SECRET, CONFLUENT_SECRET, TOKEN):
        assert value not in out, f"{value} in the output"
    assert "login refused for **** with token ****" in out  # the errors are told, redacted



KINESIS = yaml_program("""  streams:
    type: deltastream:index:Store
    properties:
      name: streams
      kinesis:
        uris: https://kinesis.us-east-1.amazonaws.com
        awsAccountId: "123456789012"
        accessKeyId: AKIAEXAMPLE
        secretAccessKey: ${kinesisSecret}
""").replace("resources:\n", "config:\n  kinesisSecret: { type: string, secret: true }\nresources:\n")


def test_a_rotated_kinesis_key_is_the_one_line_of_the_diff(stack: Stack, local: BackgroundServer) -> None:
    # Case i: the preview names the field that changed; identifiers are shown, secrets are not.
    stack.write(KINESIS)
    stack.run("stack", "init", "dev")
    stack.run("config", "set", "--secret", "kinesisSecret", "kinesis-secret-first")
    stack.up()
    stack.run("config", "set", "--secret", "kinesisSecret", "kinesis-secret-second")
    preview = stack.preview("--diff").stdout
    assert changed_lines(preview) == ["~ kinesis: {", "~ secretAccessKey: [secret] => [secret]", "}"], preview
    assert "kinesis-secret-first" not in preview and "kinesis-secret-second" not in preview
    state = stack.resources("deltastream:index:Store")[0]
    for props in (state["inputs"], state["outputs"]):
        assert props["kinesis"]["accessKeyId"] == "AKIAEXAMPLE" and props["kinesis"]["awsAccountId"] == "123456789012"
        assert set(props["kinesis"]["secretAccessKey"]) == {"4dabf18193072939515e22adb298388d", "ciphertext"}

    # A key pair rotated: the key id's change is shown in plain text, the secret's is not.
    stack.write(KINESIS.replace("accessKeyId: AKIAEXAMPLE", "accessKeyId: AKIAROTATED"))
    both = stack.preview("--diff").stdout
    assert changed_lines(both) == ["~ kinesis: {", '~ accessKeyId    : "AKIAEXAMPLE" => "AKIAROTATED"',
                                   "~ secretAccessKey: [secret] => [secret]", "}"], both
    assert "kinesis-secret-first" not in both and "kinesis-secret-second" not in both


def changed_lines(preview: str) -> list[str]:
    """The lines a preview shows under the store's URN, up to the summary."""
    shown = preview.split("[urn=urn:pulumi:dev::e2e::deltastream:index:Store::streams]")[1].split("Resources:")[0]
    return [line.strip() for line in shown.splitlines() if line.strip()]


SECRET = yaml_program("""  token:
    type: deltastream:index:Secret
    properties:
      name: partner
      description: partner API
      secretString: ${partnerToken}
""").replace("resources:\n", "config:\n  partnerToken: { type: string, secret: true }\nresources:\n")


def test_a_secret_rotation_is_refused_at_preview_until_accepted(stack: Stack, local: BackgroundServer) -> None:
    stack.write(SECRET)
    stack.run("stack", "init", "dev")
    stack.run("config", "set", "--secret", "partnerToken", "partner-token-first")
    stack.up()
    stack.run("config", "set", "--secret", "partnerToken", "partner-token-second")
    refused = stack.preview(check=False)
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0 and "to replace" not in out, out
    assert "would replace Secret 'partner'" in out and "no secret of that name exists" in out, out
    assert "acceptReplacement: true" in out and "partner-token" not in out, out
    assert local.server.counters.statements["DropSecret"] == 0

    stack.write(SECRET.replace("      description: partner API\n",
                               "      description: partner API\n      acceptReplacement: true\n"))
    accepted = stack.preview().stdout
    assert "+-1 to replace" in accepted or "1 to replace" in accepted, accepted
    stack.up()
    assert catalog_sql(local, 'SELECT name, status FROM deltastream.sys."secrets"') == [["partner", "ready"]]
    stack.write(SECRET)  # the permission removed again: no change
    unchanged = stack.preview().stdout
    assert "2 unchanged" in unchanged and "to replace" not in unchanged and "to update" not in unchanged, unchanged


REGISTERED_STORE = yaml_program("""  registry:
    type: deltastream:index:SchemaRegistry
    properties:
      name: sr
      confluent: { uris: "https://registry.example.com" }
  db:
    type: deltastream:index:Database
    properties: { name: db }
  events:
    type: deltastream:index:Store
    properties:
      name: events
      kafka: { uris: "broker:9092", saslHashFunction: NONE, schemaRegistryName: "${registry.name}" }
  src:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${db.name}
      namespace: public
      name: src
      kind: stream
      store: ${events.name}
      columns: [ { name: id, type: BIGINT }, { name: body, type: VARCHAR } ]
  dst:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${db.name}
      namespace: public
      name: dst
      kind: stream
      store: ${events.name}
      columns: [ { name: id, type: BIGINT }, { name: body, type: VARCHAR } ]
  copy:
    type: deltastream:index:Query
    properties:
      sql: INSERT INTO "db"."public"."dst" SELECT id, body FROM "db"."public"."src"
    options: { dependsOn: [ "${src}", "${dst}" ] }
""")


def test_removing_the_registry_of_a_store_in_use_does_not_plan_a_silent_cascade(
        stack: Stack, local: BackgroundServer) -> None:
    stack.write(REGISTERED_STORE)
    stack.run("stack", "init", "dev")
    stack.up()
    query_id = stack.resources("deltastream:index:Query")[0]["id"]
    stack.write(REGISTERED_STORE.replace(', schemaRegistryName: "${registry.name}"', ""))
    refused = stack.preview(check=False)
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0 and "to replace" not in out, out
    assert "would replace Store 'events'" in out and query_id in out, out
    assert '"db"."public"."src"' in out and '"db"."public"."dst"' in out, out
    assert local.server.counters.statements["DropStore"] == 0


@pytest.mark.parametrize("statement", ["DROP SECRET", "CREATE SECRET"])
def test_an_accepted_rotation_failing_at_either_statement_converges_on_the_next_up(
        stack: Stack, local: BackgroundServer, statement: str) -> None:
    accepted = SECRET.replace("      description: partner API\n",
                              "      description: partner API\n      acceptReplacement: true\n")
    stack.write(accepted)
    stack.run("stack", "init", "dev")
    stack.run("config", "set", "--secret", "partnerToken", "partner-token-first")
    stack.up()
    stack.run("config", "set", "--secret", "partnerToken", "partner-token-second")
    local.server.knobs.update({"fail": [{"pattern": f"^{statement}", "nth": 1}]})
    failed = stack.run("up", "--yes", "--skip-preview", check=False)
    assert failed.returncode != 0 and "injected failure" in failed.stdout + failed.stderr
    secrets = catalog_sql(local, 'SELECT name, status FROM deltastream.sys."secrets"')
    assert secrets == ([["partner", "ready"]] if statement == "DROP SECRET" else []), "only what was meant is gone"
    local.server.knobs.update({"fail": []})
    stack.up()
    assert catalog_sql(local, 'SELECT name, status FROM deltastream.sys."secrets"') == [["partner", "ready"]]
    stack.preview("--expect-no-changes")


def test_another_registry_for_a_store_in_use_is_one_update_and_the_query_keeps_running(
        stack: Stack, local: BackgroundServer) -> None:
    second = """  registry2:
    type: deltastream:index:SchemaRegistry
    properties:
      name: sr2
      confluent: { uris: "https://registry2.example.com" }
"""
    program = REGISTERED_STORE.replace("  db:\n", second + "  db:\n", 1)
    stack.write(program)
    stack.run("stack", "init", "dev")
    stack.up()
    query_id = stack.resources("deltastream:index:Query")[0]["id"]
    stack.write(program.replace('schemaRegistryName: "${registry.name}"', 'schemaRegistryName: "${registry2.name}"'))
    preview = stack.preview().stdout
    assert "1 to update" in preview and "to replace" not in preview, preview
    stack.up()
    assert stack.resources("deltastream:index:Query")[0]["id"] == query_id
    ran = local.server.counters.statements
    assert ran["DropStore"] == 0 and ran["TerminateQuery"] == 0
    described = catalog_sql(local, 'DESCRIBE STORE "events"')
    assert described[0][5] == "sr2", described
