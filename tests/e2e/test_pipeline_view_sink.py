"""A Pipeline with a materialized view sink through the real CLI: its outputs (`query` the view's own query, read
and not managed; `sinkObject` null), and a sink that changes kind under the same name (a stream sink, its object and
the pipeline's query, becomes a materialized view and back), each change in one `pulumi up` that leaves nothing
behind, a second `up` with nothing to do, from a state with no replacement trigger (as the last release's)."""

from __future__ import annotations

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, pipeline_resources, yaml_program

pytestmark = pytest.mark.e2e

STREAM = "{ name: counts, columns: [ { name: url, type: VARCHAR } ] }"
VIEW = "{ name: counts, kind: materialized_view }"
ACCEPTED_VIEW = "{ name: counts, kind: materialized_view, acceptReplacement: true }"


def program(sink: str, outputs: str = "") -> str:
    return yaml_program(pipeline_resources("SELECT url FROM raw", sink=sink), outputs)


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
    second `up` has nothing to do, and DeltaStream and the state hold exactly the new shape. The state records no
    replacement trigger, as a stack of the last release has none: the new kind's Diff answers the change, behind the
    old sink's replacement guard (the stream's preview names the running query it takes down until the sink accepts
    the replacement; nothing reads the view, so the way back needs nothing)."""
    as_stream = ["Database clicks-database", "DeltaStreamObject clicks-counts", "DeltaStreamObject clicks-raw",
                 "Query clicks-query-v1"]
    as_view = ["Database clicks-database", "DeltaStreamObject clicks-raw", "MaterializedView clicks-counts",
               "Query clicks-view-query"]
    stack.write(program(STREAM))
    stack.run("stack", "init", "dev")
    stack.up()
    [query] = stack.resources("deltastream:index:Query")
    stack.write(program(VIEW))
    refused = stack.preview(check=False)
    assert refused.returncode != 0 and "would replace DeltaStreamObject 'shop/public/counts'" in refused.stdout
    assert query["id"] in refused.stdout and "acceptReplacement: true" in refused.stdout, refused.stdout
    for sink, kind, statement, expected in ((ACCEPTED_VIEW, "materialized_view", "CREATE MATERIALIZED VIEW", as_view),
                                            (STREAM, "stream", "INSERT INTO", as_stream)):
        stack.write(program(sink))
        stack.up()
        stack.preview("--expect-no-changes")
        assert relations(local) == [["counts", kind], ["raw", "stream"]]
        [sql] = running(local)
        assert sql.upper().startswith(statement), sql
        assert children(stack) == expected
        assert not [r["urn"] for r in stack.state()["deployment"]["resources"] if "replacementTrigger" in r]


def test_a_view_sinks_outputs_are_its_view_and_the_views_query(stack: Stack, local: BackgroundServer) -> None:
    """`query` is a Query as every SDK types it: the view's query, read (external: the view starts and stops it);
    `sinkObject` is null (no object); a preview with nothing to do reads it with the running queries' one SELECT."""
    stack.write(program(VIEW, """  queryId: ${clicks.queryId}
  readQueryId: ${clicks.query.queryId}
  querySql: ${clicks.query.sql}
  queryState: ${clicks.query.state}
  sinkObject: ${clicks.sinkObject}
  sinkFqn: ${clicks.sinkFqn}
"""))
    stack.run("stack", "init", "dev")
    stack.up()
    outputs = stack.outputs()
    assert outputs["readQueryId"] == outputs["queryId"] and outputs["queryState"] == "running", outputs
    assert outputs["querySql"] == 'CREATE MATERIALIZED VIEW "shop"."public"."counts" AS SELECT url FROM raw'
    assert outputs["sinkObject"] is None and outputs["sinkFqn"] == '"shop"."public"."counts"'
    [query] = stack.resources("deltastream:index:Query")
    assert query["external"] is True and query["id"] == outputs["queryId"]
    local.server.counters.texts.clear()
    stack.preview("--expect-no-changes")
    assert [text.split(" FROM ")[1] for text in local.server.counters.texts] == [
        'deltastream.sys."queries" WHERE "current_state" = \'running\' ORDER BY "created_at";']
    stack.run("destroy", "--yes")
    assert relations(local) == [] and running(local) == []
