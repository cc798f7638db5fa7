"""Import reads every setting (issue 30): objects made outside Pulumi with every setting, a query and an application
are imported with the real CLI, and the program written with their true settings previews with no change."""

from __future__ import annotations

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, yaml_program
from tests.e2e.conftest import catalog_sql as sql

MADE = """CREATE DATABASE "legacy";
CREATE STORE "legacy_kafka" WITH ('type' = KAFKA, 'uris' = 'b:9092', 'kafka.sasl.hash_function' = NONE);
CREATE STREAM "legacy"."public"."views" ("viewtime" BIGINT NOT NULL, "userid" VARCHAR) WITH ('store' = 'legacy_kafka',
  'topic' = 'page_views', 'value.format' = 'json', 'key.format' = 'json', 'timestamp' = 'viewtime',
  'kafka.topic.retention.ms' = '86400000');
CREATE CHANGELOG "legacy"."public"."users" ("userid" VARCHAR NOT NULL, "region" VARCHAR, PRIMARY KEY ("userid"))
  WITH ('store' = 'legacy_kafka', 'topic' = 'users', 'value.format' = 'avro');
CREATE STREAM "legacy"."public"."copies" ("viewtime" BIGINT, "userid" VARCHAR) WITH ('store' = 'legacy_kafka',
  'topic' = 'copies', 'value.format' = 'json');"""
COPY = 'INSERT INTO "legacy"."public"."copies" SELECT viewtime, userid FROM "legacy"."public"."views"'
APP = ('BEGIN APPLICATION legacy_app INSERT INTO "legacy"."public"."copies" SELECT viewtime, userid FROM '
       '"legacy"."public"."views" WHERE userid IS NOT NULL; END APPLICATION')

PROGRAM = f"""  views:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: legacy
      namespace: public
      name: views
      kind: stream
      store: legacy_kafka
      entity: page_views
      valueFormat: json
      keyFormat: json
      timestampColumn: viewtime
      properties: {{ kafka.topic.retention.ms: "86400000" }}
      columns: [ {{ name: viewtime, type: BIGINT, nullable: false }}, {{ name: userid, type: VARCHAR }} ]
    options: {{ protect: true }}
  users:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: legacy
      namespace: public
      name: users
      kind: changelog
      store: legacy_kafka
      entity: users
      valueFormat: avro
      primaryKey: [ userid ]
      columns: [ {{ name: userid, type: VARCHAR, nullable: false }}, {{ name: region, type: VARCHAR }} ]
    options: {{ protect: true }}
  copy:
    type: deltastream:index:Query
    properties:
      sql: '{COPY}'
    options: {{ protect: true }}
  app:
    type: deltastream:index:Application
    properties:
      sql: '{APP};'
    options: {{ protect: true }}
"""


def test_imported_objects_and_queries_preview_no_change_with_their_true_settings(stack: Stack,
                                                                                local: BackgroundServer) -> None:
    for statement in MADE.split(";\n"):
        sql(local, statement.strip().rstrip(";") + ";")
    copy_id = sql(local, COPY + ";")[0][1]
    app_id = sql(local, APP + ";")[0][1]
    stack.write(yaml_program("""  placeholder:
    type: deltastream:index:Database
    properties: { name: placeholder }
"""))
    stack.run("stack", "init", "dev")
    stack.up()
    for type_, name, resource_id in [("DeltaStreamObject", "views", "legacy/public/views"),
                                     ("DeltaStreamObject", "users", "legacy/public/users"),
                                     ("Query", "copy", copy_id), ("Application", "app", app_id)]:
        stack.run("import", f"deltastream:index:{type_}", name, resource_id, "--yes", "--generate-code=false")
    imported = {r["urn"].rsplit("::", 1)[-1]: r["inputs"] for r in stack.state()["deployment"]["resources"]
                if r["type"].startswith("deltastream:index:") and r["id"] != "placeholder"}
    assert imported["views"]["valueFormat"] == "json" and imported["views"]["entity"] == "page_views"
    assert imported["views"]["timestampColumn"] == "viewtime" and imported["views"]["keyFormat"] == "json"
    assert imported["views"]["properties"] == {"kafka.topic.retention.ms": "86400000"}
    assert imported["users"]["primaryKey"] == ["userid"] and imported["users"]["valueFormat"] == "avro"
    stack.write(yaml_program("""  placeholder:
    type: deltastream:index:Database
    properties: { name: placeholder }
""" + PROGRAM))
    stack.preview("--expect-no-changes")
    stack.up()
    stack.preview("--expect-no-changes")
