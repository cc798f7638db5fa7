"""A team moves from DeltaStream's own Pulumi provider (deltastreaminc/pulumi-deltastream, run as the benchmark runs
it: bench/stack.py) to this package without re-creating or restarting anything: their stack (a database, a
namespace, a Kafka store, three streams and a changelog from raw SQL, a query and an application: all six of their
tokens) is made by their provider through the real CLI against the local server (where their provider is not beside
the repository, its recorded statements are replayed and its recorded export used), exported, turned into an import
file by `deltastream-provider adopt --from-pulumi-stack`, imported into a new YAML project of this package, and
previewed with no changes. The local server counts every statement: the import and the preview only read, and the
query and the application keep their ids and keep running.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from bench.stack import EXECUTABLE, GO_VERSION, UPSTREAM, Subject, header, plugin_folder
from testkit import TOKEN

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, yaml_program
from tests.unit.test_from_pulumi_stack import APPLICATION_ID as RECORDED_APPLICATION_ID
from tests.unit.test_from_pulumi_stack import EXPORT
from tests.unit.test_from_pulumi_stack import QUERY_ID as RECORDED_QUERY_ID

pytestmark = pytest.mark.e2e

THEIR_PROGRAM = """resources:
  db:
    type: deltastream:index:Database
    properties: { name: shop }
  ns:
    type: deltastream:index:Namespace
    properties: { database: "${db.name}", name: raw }
  kafka:
    type: deltastream:index:Store
    properties: { name: shop_kafka, kafka: { uris: "kafka.example:9092", saslHashFunction: NONE } }
  orders:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${db.name}
      namespace: ${ns.name}
      store: ${kafka.name}
      sql: "CREATE STREAM orders (id BIGINT, customer VARCHAR, amount DOUBLE)
        WITH ('topic'='orders', 'value.format'='json', 'timestamp'='id');"
  customers:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${db.name}
      namespace: ${ns.name}
      store: ${kafka.name}
      sql: "CREATE CHANGELOG customers (id BIGINT, name VARCHAR, PRIMARY KEY(id))
        WITH ('topic'='customers', 'value.format'='json', 'key.format'='json');"
  big:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${db.name}
      namespace: ${ns.name}
      store: ${kafka.name}
      sql: "CREATE STREAM big_orders (id BIGINT, amount DOUBLE) WITH ('topic'='big_orders', 'value.format'='json');"
  big2:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${db.name}
      namespace: ${ns.name}
      store: ${kafka.name}
      sql: "CREATE STREAM big2 (id BIGINT, amount DOUBLE) WITH ('topic'='big2', 'value.format'='json');"
  app:
    type: deltastream:index:Application
    properties:
      sql: "BEGIN APPLICATION shopapp INSERT INTO ${big2.fqn} SELECT id, amount FROM ${orders.fqn}; END APPLICATION;"
      sinkRelationFqns: [ "${big2.fqn}" ]
      sourceRelationFqns: [ "${orders.fqn}" ]
  q:
    type: deltastream:index:Query
    properties:
      sql: "INSERT INTO ${big.fqn} SELECT id, amount FROM ${orders.fqn} WHERE amount > 100;"
      sinkRelationFqn: ${big.fqn}
      sourceRelationFqns: [ "${orders.fqn}" ]
"""


def their_stack(stack: Stack, local: BackgroundServer, work: Path) -> dict[str, object]:
    """Their program, up with their provider (configured through stack config, as it requires), then exported."""
    plugin = plugin_folder(work, subject=Subject("DeltaStream's provider", "go", UPSTREAM))
    stack.write(header(plugin, "theirs", GO_VERSION) + THEIR_PROGRAM)
    stack.run("stack", "init", "theirs")
    stack.run("config", "set", "deltastream:server", local.url)
    stack.run("config", "set", "--secret", "deltastream:apiKey", TOKEN)
    stack.up()
    return dict(json.loads(stack.run("stack", "export").stdout))


#: What their provider (v1.0.1) sent for :data:`THEIR_PROGRAM`, recorded by the local server; it sends a relation's
#: database, namespace and store as the request's session, written here into the statement.
REPLAYED = ('CREATE DATABASE "shop";',
            "CREATE STORE \"shop_kafka\" WITH ( 'type' = KAFKA, 'kafka.sasl.hash_function' = NONE, "
            "'uris' = 'kafka.example:9092' );",
            'CREATE SCHEMA "raw" IN DATABASE "shop";',
            'CREATE CHANGELOG "shop"."raw".customers (id BIGINT, name VARCHAR, PRIMARY KEY(id)) WITH '
            "('store'='shop_kafka', 'topic'='customers', 'value.format'='json', 'key.format'='json');",
            'CREATE STREAM "shop"."raw".big_orders (id BIGINT, amount DOUBLE) WITH '
            "('store'='shop_kafka', 'topic'='big_orders', 'value.format'='json');",
            'CREATE STREAM "shop"."raw".orders (id BIGINT, customer VARCHAR, amount DOUBLE) WITH '
            "('store'='shop_kafka', 'topic'='orders', 'value.format'='json', 'timestamp'='id');",
            'INSERT INTO "shop"."raw"."big_orders" SELECT id, amount FROM "shop"."raw"."orders" WHERE amount > 100;',
            'CREATE STREAM "shop"."raw".big2 (id BIGINT, amount DOUBLE) WITH '
            "('store'='shop_kafka', 'topic'='big2', 'value.format'='json');",
            'BEGIN APPLICATION shopapp INSERT INTO "shop"."raw"."big2" SELECT id, amount FROM "shop"."raw"."orders"; '
            "END APPLICATION;")


def replayed_stack(local: BackgroundServer) -> dict[str, object]:
    """Where their provider is not beside the repository: its statements replayed, and the export recorded from it
    (the unit tests' fixture) with the queries' new ids."""
    for statement in REPLAYED:
        catalog_sql(local, statement)
    ids = {name: id_ for id_, name, _ in running_queries(local)}
    text = EXPORT.read_text().replace(RECORDED_QUERY_ID, ids[None]).replace(RECORDED_APPLICATION_ID, ids["shopapp"])
    return dict(json.loads(text))


def running_queries(local: BackgroundServer) -> list[list[str]]:
    """Each query's id, name (an application's) and state."""
    return catalog_sql(local, 'SELECT id, name, current_state FROM deltastream.sys."queries" ORDER BY id;')


def test_a_stack_of_their_provider_moves_with_nothing_recreated(stack: Stack, local: BackgroundServer,
                                                                tmp_path: Path) -> None:
    theirs_dir, ours_dir = tmp_path / "theirs", tmp_path / "ours"
    theirs_dir.mkdir()
    ours_dir.mkdir()
    theirs = Stack(theirs_dir, stack.env)
    export = their_stack(theirs, local, tmp_path) if (UPSTREAM / EXECUTABLE).exists() else replayed_stack(local)
    continuous = {r["type"].rsplit(":", 1)[-1]: r["id"] for r in export["deployment"]["resources"]  # type: ignore[index]
                  if r["type"] in ("deltastream:index:Query", "deltastream:index:Application")}
    queries = running_queries(local)
    assert sorted(queries) == sorted([[continuous["Query"], None, "running"],
                                      [continuous["Application"], "shopapp", "running"]])
    (tmp_path / "export.json").write_text(json.dumps(export))

    before = Counter(local.server.counters.statements)
    adopted = subprocess.run([str(Path(sys.executable).parent / "deltastream-provider"), "adopt",
                              "--from-pulumi-stack", "export.json", "-o", "import.json"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert adopted.returncode == 0, adopted.stderr
    assert "TODO" not in adopted.stderr and "9 resource(s) of the stack, 0 skipped" in adopted.stderr
    assert Counter(local.server.counters.statements) == before  # the export holds the ids: DeltaStream is not asked

    ours = Stack(ours_dir, stack.env)
    ours.write(yaml_program("", name="ours").removesuffix("resources:\n"))
    ours.run("stack", "init", "ours")
    before = Counter(local.server.counters.statements)
    ours.run("import", "--file", str(tmp_path / "import.json"), "--yes", "--out", "program.yaml")
    # Only reads: each kind's read, in the import's preview and again in the import (the SELECTs of the rows, the
    # objects' from one SELECT of their database; an object's DESCRIBE RELATION and its columns, the store's
    # settings, each query's plan and the objects it uses; the queries' SQL from one LIST QUERIES per command).
    assert Counter(local.server.counters.statements) - before == {
        "Select": 10, "DescribeRelation": 8, "DescribeRelationColumns": 8, "DescribeStore": 2, "DescribePlan": 4,
        "ListObjects": 2}
    program = (ours_dir / "program.yaml").read_text()
    assert "sinkRelationFqn" not in program and "CREATE STREAM" not in program and "columns:" in program
    ours.write(yaml_program(program.removeprefix("resources:\n"), name="ours"))
    before = Counter(local.server.counters.statements)
    assert ours.preview("--expect-no-changes").returncode == 0
    assert Counter(local.server.counters.statements) == before  # a no-change preview sends nothing
    imported = {r["type"].rsplit(":", 1)[-1]: r["id"] for r in ours.state()["deployment"]["resources"]
                if r["type"] in ("deltastream:index:Query", "deltastream:index:Application")}
    assert imported == continuous and running_queries(local) == queries  # the same queries, still running
