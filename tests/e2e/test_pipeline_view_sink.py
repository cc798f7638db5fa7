"""A Pipeline whose sink changes kind under the same name, through the real CLI: a stream sink (its object and
the pipeline's query) becomes a materialized view and back, each in one `pulumi up` that leaves nothing behind,
and a second `up` has nothing to do."""

from __future__ import annotations

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, yaml_program

pytestmark = pytest.mark.e2e

STREAM = "{ name: counts, columns: [ { name: url, type: VARCHAR } ] }"
VIEW = "{ name: counts, kind: materialized_view }"


def program(sink: str) -> str:
    return yaml_program(f"""  kafka:
    type: deltastream:index:Store
    properties: {{ name: events, kafka: {{ uris: "b:9092", saslHashFunction: NONE }} }}
  clicks:
    type: deltastream:index:Pipeline
    properties:
      database: shop
      createDatabase: true
      store: ${{kafka.name}}
      sources: [ {{ name: raw, columns: [ {{ name: id, type: BIGINT }}, {{ name: url, type: VARCHAR }} ] }} ]
      sink: {sink}
      transform: SELECT url FROM raw
""")


def relations(local: BackgroundServer) -> list[list[str]]:
    return catalog_sql(local, 'SELECT name, relation_type FROM deltastream.sys."relations" ORDER BY name;')


def running(local: BackgroundServer) -> list[str]:
    """The SQL of every running query, as ``LIST QUERIES WITH ('all')`` shows it outside Pulumi."""
    return [row[5] for row in catalog_sql(local, "LIST QUERIES WITH ('all');") if row[4] == "running"]


def children(stack: Stack) -> list[str]:
    """The pipeline's children in the stack's state: type and name."""
    return sorted(f"{r['type'].rsplit(':', 1)[-1]} {r['urn'].rsplit('::', 1)[-1]}"
                  for r in stack.state()["deployment"]["resources"] if r.get("parent", "").endswith("::clicks"))


def test_the_sink_turns_from_a_stream_into_a_view_and_back(stack: Stack, local: BackgroundServer) -> None:
    """Each kind change is one `up` (the old sink and its query deleted before the new sink takes the name), a
    second `up` has nothing to do, and DeltaStream and the state hold exactly the new shape."""
    as_stream = ["Database clicks-database", "DeltaStreamObject clicks-counts", "DeltaStreamObject clicks-raw",
                 "Query clicks-query-v1"]
    as_view = ["Database clicks-database", "DeltaStreamObject clicks-raw", "MaterializedView clicks-counts"]
    stack.write(program(STREAM))
    stack.run("stack", "init", "dev")
    for sink, kind, statement, expected in ((STREAM, "stream", "INSERT INTO", as_stream),
                                            (VIEW, "materialized_view", "CREATE MATERIALIZED VIEW", as_view),
                                            (STREAM, "stream", "INSERT INTO", as_stream)):
        stack.write(program(sink))
        stack.up()
        stack.preview("--expect-no-changes")
        assert relations(local) == [["counts", kind], ["raw", "stream"]]
        [sql] = running(local)
        assert sql.upper().startswith(statement), sql
        assert children(stack) == expected
