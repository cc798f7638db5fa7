"""Queries that upgrade without reprocessing (issue 34), through the real CLI: a Query with `upgrade: resume` whose
SQL changes is previewed as an update that resumes from the running query, and `pulumi up` terminates it and starts
the new one with `QUERY WITH ('resume.from.query.id' = '<old id>')`: the sink gets no record twice. A Pipeline takes
`upgrade` and `computePool` to its query."""

from __future__ import annotations

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, pipeline_resources, yaml_program

pytestmark = pytest.mark.e2e


def query(where: str = "") -> str:
    return f"""  enrich:
    type: deltastream:index:Query
    properties:
      upgrade: resume
      sql: |
        INSERT INTO "db"."public"."visits"
        SELECT viewtime, userid FROM "db"."public"."pageviews"{where};
"""


OUTPUTS = "  queryId: ${enrich.queryId}\n"


def write(local: BackgroundServer, topic: str, *users: str) -> None:
    for n, user in enumerate(users):
        catalog_sql(local, f'INSERT INTO ENTITY "{topic}" IN STORE "k" '
                           f"VALUE('{{\"viewtime\": {n}, \"userid\": \"{user}\"}}');")


def users(local: BackgroundServer, topic: str) -> list[str]:
    import json

    return [json.loads(row[-1])["userid"] for row in catalog_sql(local, f'PRINT ENTITY "{topic}" IN STORE "k";')]


def listed(local: BackgroundServer) -> dict[str, tuple[str, str]]:
    """``LIST QUERIES WITH ('all')``: each query's state and SQL by id."""
    return {row[0]: (row[4], row[5]) for row in catalog_sql(local, "LIST QUERIES WITH ('all');")}


@pytest.fixture
def streams(local: BackgroundServer) -> BackgroundServer:
    catalog_sql(local, 'CREATE DATABASE "db";')
    catalog_sql(local, "CREATE STORE k WITH ('type' = KAFKA, 'uris' = 'b:9092', 'kafka.sasl.hash_function' = NONE);")
    for name in ("pageviews", "visits"):
        catalog_sql(local, f'CREATE STREAM "db"."public"."{name}" (viewtime BIGINT, userid VARCHAR) '
                           f"WITH ('store' = 'k', 'topic' = '{name}', 'value.format' = 'json');")
    return local


def test_a_changed_query_resumes_from_the_running_one(stack: Stack, streams: BackgroundServer) -> None:
    stack.write(yaml_program(query(), OUTPUTS))
    stack.run("stack", "init", "dev")
    stack.up()
    old = stack.outputs()["queryId"]
    write(streams, "pageviews", "a", "b")
    assert users(streams, "visits") == ["a", "b"]
    stack.write(yaml_program(query("\n        WHERE userid <> 'x'"), OUTPUTS))
    result = stack.preview("--diff")
    preview = result.stdout + result.stderr
    assert f"upgrade: resume from query {old}: one Kafka source" in preview, preview
    assert "deltastream:index:Query enrich update" in preview or "~ deltastream:index:Query" in preview, preview
    assert "replace" not in preview.split("Resources:")[-1], preview
    stack.up()
    new = stack.outputs()["queryId"]
    queries = listed(streams)
    assert new != old and queries[old][0] == "terminated" and queries[new][0] == "running"
    assert queries[new][1].rstrip(";").endswith(f"QUERY WITH ('resume.from.query.id' = '{old}')"), queries[new]
    write(streams, "pageviews", "x", "c")
    assert users(streams, "visits") == ["a", "b", "c"], "nothing reprocessed, the new SQL from where it stopped"
    assert [r["id"] for r in stack.resources("deltastream:index:Query")] == [old], "the resource's id is kept"
    stack.run("destroy", "--yes")
    assert [state for state, _ in listed(streams).values()] == ["terminated", "terminated"]


def test_a_pipeline_upgrades_its_query_in_its_pool(stack: Stack, local: BackgroundServer) -> None:
    catalog_sql(local, "CREATE COMPUTE_POOL etl WITH ('compute_pool.size' = 'small');")
    settings = "      upgrade: resume\n      computePool: etl\n"
    stack.write(yaml_program(pipeline_resources("SELECT id FROM raw", 1) + settings))
    stack.run("stack", "init", "dev")
    stack.up()
    [old] = listed(local)
    stack.write(yaml_program(pipeline_resources("SELECT id FROM raw WHERE url IS NOT NULL", 1) + settings))
    stack.up()
    queries = listed(local)
    [new] = [q for q, (state, _) in queries.items() if state == "running"]
    assert new != old and queries[old][0] == "terminated"
    assert f"'resume.from.query.id' = '{old}'" in queries[new][1]
    assert local.server.counters.compute_pools["etl InsertInto"] == 2  # each start in the pool
