"""MaterializedView through the real CLI from a YAML program: up (the view and the query DeltaStream starts with
it), a preview with no change, a snapshot SELECT of the view, refresh (no change; then the view's query terminated
outside Pulumi shows in queryState), import by database/namespace/name, and destroy (its query terminated, then the
view dropped)."""

from __future__ import annotations

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, yaml_program

pytestmark = pytest.mark.e2e

VIEW = "deltastream:index:MaterializedView"
PROGRAM = yaml_program("""  db:
    type: deltastream:index:Database
    properties: { name: shop }
  kafka:
    type: deltastream:index:Store
    properties: { name: events, kafka: { uris: "b:9092", saslHashFunction: NONE } }
  pageviews:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${db.name}
      namespace: public
      name: pageviews
      kind: stream
      store: ${kafka.name}
      valueFormat: json
      columns: [ { name: userid, type: VARCHAR }, { name: pageid, type: VARCHAR } ]
  perUser:
    type: deltastream:index:MaterializedView
    properties:
      database: ${db.name}
      name: views_per_user
      query: SELECT userid, COUNT(*) AS views FROM ${pageviews.fqn} GROUP BY userid
""", "  fqn: ${perUser.fqn}\n  queryState: ${perUser.queryState}\n")


def view_queries(local: BackgroundServer) -> list[str]:
    """The states of the queries creating the view, as LIST QUERIES WITH ('all') shows them outside Pulumi."""
    return [row[4] for row in catalog_sql(local, "LIST QUERIES WITH ('all');") if "views_per_user" in row[5]]


def test_a_materialized_view_through_its_lifecycle(stack: Stack, local: BackgroundServer) -> None:
    stack.write(PROGRAM)
    stack.run("stack", "init", "dev")
    stack.up()
    assert stack.outputs() == {"fqn": '"shop"."public"."views_per_user"', "queryState": "running"}
    assert view_queries(local) == ["running"]
    view = stack.resources(VIEW)[0]
    assert view["id"] == "shop/public/views_per_user"
    assert [c["name"] for c in view["outputs"]["columns"]] == ["userid", "views"]
    stack.preview("--expect-no-changes")
    assert catalog_sql(local, 'SELECT * FROM "shop"."public"."views_per_user";') == []  # a snapshot: no rows yet

    stack.run("refresh", "--yes", "--expect-no-changes")
    catalog_sql(local, f"TERMINATE QUERY {view['outputs']['queryId']};")  # drift: its query stopped outside Pulumi
    stack.run("refresh", "--yes")
    assert stack.resources(VIEW)[0]["outputs"]["queryState"] == "terminated"

    stack.preview("--expect-no-changes")  # shown, not changed: a view's query is DeltaStream's to restart
    stack.run("state", "delete", "--yes", "urn:pulumi:dev::e2e::deltastream:index:MaterializedView::perUser")
    catalog_sql(local, 'DROP MATERIALIZED VIEW "shop"."public"."views_per_user";')
    stack.up()  # gone from the stack and from DeltaStream: made again
    assert view_queries(local) == ["terminated", "running"]
    stack.run("state", "delete", "--yes", "urn:pulumi:dev::e2e::deltastream:index:MaterializedView::perUser")
    stack.run("import", "--yes", VIEW, "perUser", "shop/public/views_per_user", "--protect=false")
    imported = stack.resources(VIEW)[0]
    assert imported["inputs"]["query"] == ('SELECT userid, COUNT(*) AS views FROM "shop"."public"."pageviews" '
                                           "GROUP BY userid")
    stack.preview("--expect-no-changes")
    stack.up()  # an import records no dependencies: this up records the program's, so destroy drops the view first

    stack.run("destroy", "--yes")
    assert view_queries(local) == ["terminated", "terminated"]
    assert catalog_sql(local, "SELECT name FROM deltastream.sys.\"relations\" WHERE name = 'views_per_user';") == []
