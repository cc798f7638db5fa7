"""Acceptance scenarios 2-12 through the real `pulumi` CLI and engine against the local server."""

from __future__ import annotations

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, yaml_program
from tests.e2e.conftest import catalog_sql as sql

pytestmark = pytest.mark.e2e




def program(password: str = "first-secret", pageid_type: str = "VARCHAR",
            select: str = "viewtime, userid") -> str:
    return yaml_program(f"""  db:
    type: deltastream:index:Database
    properties:
      name: analytics
  ns:
    type: deltastream:index:Namespace
    properties:
      database: ${{db.name}}
      name: raw
  kafka:
    type: deltastream:index:Store
    properties:
      name: events
      kafka:
        uris: broker-1:9092,broker-2:9092
        saslHashFunction: SHA512
        saslUsername: pipeline
        saslPassword: {password}
  pageviews:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${{db.name}}
      namespace: ${{ns.name}}
      name: pageviews
      kind: stream
      store: ${{kafka.name}}
      valueFormat: json
      columns:
        - name: viewtime
          type: BIGINT
        - name: userid
          type: VARCHAR
        - name: pageid
          type: {pageid_type}
  visits:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${{db.name}}
      namespace: ${{ns.name}}
      name: visits
      kind: stream
      store: ${{kafka.name}}
      entity: visits_topic
      columns:
        - name: viewtime
          type: BIGINT
        - name: userid
          type: VARCHAR
  copy:
    type: deltastream:index:Query
    properties:
      sql: INSERT INTO ${{visits.fqn}} SELECT {select} FROM ${{pageviews.fqn}};
""", """  databaseCreatedAt: ${db.createdAt}
  storeStatus: ${kafka.status}
  pageviewsFqn: ${pageviews.fqn}
  pageviewsColumns: ${pageviews.columns}
  queryId: ${copy.queryId}
  queryState: ${copy.state}
  querySources: ${copy.sources}
""")


#: A database and a Kafka store, the base of the object programs below.
SHOP = """  db:
    type: deltastream:index:Database
    properties:
      name: shop
  kafka:
    type: deltastream:index:Store
    properties:
      name: orders_kafka
      kafka:
        uris: b:9092
        saslHashFunction: NONE
"""


def stream(name: str, columns: str) -> str:
    """A stream in the shop database's public namespace, on its store (YAML)."""
    return f"""  {name}:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${{db.name}}
      namespace: public
      name: {name}
      kind: stream
      store: ${{kafka.name}}
      columns: [ {columns} ]
"""


def test_lifecycle_through_the_cli(stack: Stack, local: BackgroundServer) -> None:
    # 2-4, 7, 8, 11: up creates everything, in dependency order
    stack.write(program())
    stack.run("stack", "init", "dev")
    stack.up()
    outputs = stack.outputs()
    assert outputs["storeStatus"] == "ready" and outputs["queryState"] == "running"
    assert outputs["pageviewsFqn"] == '"analytics"."raw"."pageviews"'
    assert [c["name"] for c in outputs["pageviewsColumns"]] == ["viewtime", "userid", "pageid"]
    assert outputs["querySources"] == ['"analytics"."raw"."pageviews"']
    assert sql(local, "SELECT name FROM deltastream.sys.\"stores\";") == [["events"]]
    # secrets never reach the state file in the clear (the user name, an identifier, is plain)
    exported = stack.run("stack", "export").stdout
    assert "first-secret" not in exported and '"saslUsername": "pipeline"' in exported

    # 9: nothing changed, nothing planned
    stack.preview("--expect-no-changes")

    # 5: credential rotation is an update in place
    stack.write(program(password="second-secret"))
    preview = stack.preview("--diff").stdout
    assert "~ deltastream:index:Store" in preview and "replace" not in preview.split("Resources:")[-1]
    stack.up()
    assert "second-secret" not in stack.run("stack", "export").stdout
    stack.preview("--expect-no-changes")

    # 12: a changed query body fails the preview, explaining why and what to do
    stack.write(program(password="second-secret", select="viewtime, LOWER(userid)"))
    failed = stack.preview(check=False)
    assert failed.returncode != 0
    assert "is immutable" in failed.stdout and "+INSERT" in failed.stdout and "LOWER(userid)" in failed.stdout

    # 6: destroy leaves the catalog empty (terminated queries stay listed, as in DeltaStream)
    stack.write(program(password="second-secret"))
    stack.run("destroy", "--yes")
    assert sql(local, 'SELECT name FROM deltastream.sys."databases";') == []
    assert sql(local, 'SELECT name FROM deltastream.sys."stores";') == []
    assert sql(local, 'SELECT current_state FROM deltastream.sys."queries";') == [["terminated"]]


def test_structural_change_replaces_the_object(stack: Stack, local: BackgroundServer) -> None:
    # 10: a changed column set is a replacement (delete first, as names are unique)
    objects = SHOP + """  orders:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${db.name}
      namespace: public
      name: orders
      kind: changelog
      store: ${kafka.name}
      primaryKey: [id]
      columns:
        - name: id
          type: BIGINT
          nullable: false
        - name: total
          type: %s
"""
    stack.write(yaml_program(objects % "DECIMAL(10, 2)"))
    stack.run("stack", "init", "dev")
    stack.up()
    stack.write(yaml_program(objects % "DOUBLE"))
    preview = stack.preview("--diff").stdout
    assert "+-deltastream:index:DeltaStreamObject" in preview.replace(" ", "") or "replace" in preview
    out = stack.up()
    assert "1 replaced" in out
    types = sql(local, "SELECT type FROM deltastream.sys.\"relation_columns\" WHERE name = 'total';")
    assert types == [["DOUBLE"]]
    stack.preview("--expect-no-changes")


def test_replacing_what_a_query_reads_replaces_the_query_with_it(stack: Stack, local: BackgroundServer) -> None:
    # Scenario 10 with a query attached: terminate, drop, create, start, in one `pulumi up`.
    program = SHOP + stream("clicks", "{ name: id, type: BIGINT }, { name: url, type: %s }") + stream(
        "copies", "{ name: id, type: BIGINT }") + """  copy:
    type: deltastream:index:Query
    properties:
      sql: INSERT INTO ${copies.fqn} SELECT id FROM ${clicks.fqn}
"""
    stack.write(yaml_program(program % "VARCHAR"))
    stack.run("stack", "init", "dev")
    stack.up()
    (first,) = stack.resources("deltastream:index:Query")
    stack.write(yaml_program(program % "BYTES"))
    refused = stack.preview(check=False)  # the query would restart from the start: refused, naming it
    assert refused.returncode != 0 and first["id"] in refused.stdout and "acceptReplacement" in refused.stdout
    clicks_columns = "      columns: [ { name: id, type: BIGINT }, { name: url, type: %s } ]"
    assert clicks_columns in program
    program = program.replace(clicks_columns, "      acceptReplacement: true\n" + clicks_columns)
    stack.write(yaml_program(program % "BYTES"))
    preview = stack.preview("--diff").stdout
    assert "is immutable" not in preview
    out = stack.up()
    assert "2 replaced" in out, out
    (second,) = stack.resources("deltastream:index:Query")
    assert second["id"] != first["id"]
    states = dict(sql(local, 'SELECT id, current_state FROM deltastream.sys."queries";'))
    assert states == {first["id"]: "terminated", second["id"]: "running"}
    assert sql(local, "SELECT type FROM deltastream.sys.\"relation_columns\" WHERE name = 'url';") == [["BYTES"]]
    stack.preview("--expect-no-changes")
    stack.write(yaml_program((program % "BYTES").replace("SELECT id FROM", "SELECT id + 1 FROM")))
    refused = stack.preview(check=False)
    assert refused.returncode != 0 and "immutable" in refused.stdout + refused.stderr  # text changes stay refused


def test_import_each_resource_and_refresh_after_out_of_band_drop(stack: Stack, local: BackgroundServer) -> None:
    sql(local, 'CREATE DATABASE "legacy"; CREATE SCHEMA "raw" IN DATABASE "legacy";')
    sql(local, "CREATE STORE \"legacy_kafka\" WITH ('type' = KAFKA, 'uris' = 'b:9092', "
               "'kafka.sasl.hash_function' = NONE);")
    sql(local, "CREATE STREAM \"legacy\".\"raw\".\"clicks\" (id BIGINT) WITH ('store' = 'legacy_kafka');")
    sql(local, "CREATE STREAM \"legacy\".\"raw\".\"clicks2\" (id BIGINT) WITH ('store' = 'legacy_kafka');")
    query_id = sql(local, 'INSERT INTO "legacy"."raw"."clicks2" SELECT id FROM "legacy"."raw"."clicks";')[0][1]
    stack.write(yaml_program("""  placeholder:
    type: deltastream:index:Database
    properties:
      name: placeholder
"""))
    stack.run("stack", "init", "dev")
    stack.up()
    for type_, name, resource_id in [("Database", "legacy", "legacy"), ("Namespace", "raw", "legacy/raw"),
                                     ("Store", "legacy_kafka", "legacy_kafka"),
                                     ("DeltaStreamObject", "clicks", '"legacy"."raw"."clicks"'),
                                     ("Query", "copy", query_id)]:
        stack.run("import", f"deltastream:index:{type_}", name, resource_id, "--yes", "--generate-code=false")
    imported = {r["type"].split(":")[-1]: r for r in stack.state()["deployment"]["resources"]
                if r["type"].startswith("deltastream:index:") and r["id"] != "placeholder"}
    assert set(imported) == {"Database", "Namespace", "Store", "DeltaStreamObject", "Query"}
    assert imported["DeltaStreamObject"]["outputs"]["columns"] == [{"name": "id", "type": "BIGINT", "nullable": True}]
    assert imported["Query"]["outputs"]["state"] == "running"

    # refresh after an out-of-band drop removes the object from state instead of failing
    sql(local, f"TERMINATE QUERY {query_id};")
    sql(local, 'DROP RELATION "legacy"."raw"."clicks";')
    refreshed = stack.run("refresh", "--yes").stdout
    assert "deleted" in refreshed
    remaining = {r["type"].split(":")[-1] for r in stack.state()["deployment"]["resources"]}
    assert "DeltaStreamObject" not in remaining and "Database" in remaining
    query = [r for r in stack.state()["deployment"]["resources"] if r["type"].endswith("Query")]
    assert query and query[0]["outputs"]["state"] == "terminated"


def test_sql_traces_reach_the_cli_redacted(stack: Stack, local: BackgroundServer) -> None:
    stack.write(yaml_program("""  orders:
    type: deltastream:index:Store
    properties:
      name: orders_pg
      postgres: { uris: "postgresql://nowhere.invalid/orders", username: app, password: trace-secret-pw }
"""))
    stack.run("stack", "init", "dev")
    out = stack.run("up", "--yes", "--skip-preview", "--debug").stdout
    assert "deltastream.client: sql" in out and "CREATE STORE \"orders_pg\"" in out
    assert "'postgres.password' = '****'" in out and "trace-secret-pw" not in out
