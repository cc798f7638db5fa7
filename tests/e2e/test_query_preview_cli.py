"""Preview catches a bad query (issue 33), through the real CLI: a program whose Query has a typo'd column fails
`pulumi preview` (and `pulumi up` before it creates anything) naming the column, its line and column in the SQL and
that line; deltastream:checkQueriesAtPreview false lets the preview through."""

from __future__ import annotations

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, pipeline_resources, yaml_program

pytestmark = pytest.mark.e2e

QUERY = """  enrich:
    type: deltastream:index:Query
    properties:
      sql: |
        INSERT INTO "db"."public"."visits"
        SELECT userid,
               viewtimee
        FROM "db"."public"."pageviews";
"""


@pytest.fixture
def streams(local: BackgroundServer) -> BackgroundServer:
    catalog_sql(local, 'CREATE DATABASE "db";')
    catalog_sql(local, "CREATE STORE k WITH ('type' = KAFKA, 'uris' = 'b:9092', 'kafka.sasl.hash_function' = NONE);")
    for name in ("pageviews", "visits"):
        catalog_sql(local, f'CREATE STREAM "db"."public"."{name}" (viewtime BIGINT, userid VARCHAR) '
                           f"WITH ('store' = 'k', 'topic' = '{name}', 'value.format' = 'json');")
    return local


def test_a_typo_fails_preview_and_up_with_nothing_created(stack: Stack, streams: BackgroundServer) -> None:
    stack.write(yaml_program(QUERY))
    stack.run("stack", "init", "dev")
    for command in (("preview",), ("up", "--yes")):
        result = stack.run(*command, check=False)
        output = result.stdout + result.stderr
        assert result.returncode != 0, output
        assert "column 'viewtimee' does not exist (line 3, column 8)" in output, output
        assert "3 |        viewtimee" in output and "SQLSTATE 42601" in output, output
    assert catalog_sql(streams, 'SELECT id FROM deltastream.sys."queries";') == []
    assert stack.resources("deltastream:index:Query") == []


def test_the_setting_lets_the_preview_through(stack: Stack, streams: BackgroundServer) -> None:
    stack.write(yaml_program(QUERY))
    stack.run("stack", "init", "dev")
    stack.run("config", "set", "deltastream:checkQueriesAtPreview", "false")
    result = stack.preview()  # fails (check=True) if the query was planned
    assert "deltastream:index:Query enrich create" in result.stdout, result.stdout


def test_a_pipelines_new_version_with_a_typo_fails_preview(stack: Stack, local: BackgroundServer) -> None:
    """A new version of a transform over sources that exist is planned at preview; the running one stays."""
    stack.write(yaml_program(pipeline_resources("SELECT id FROM raw", 1)))
    stack.run("stack", "init", "dev")
    stack.up()
    running = catalog_sql(local, 'SELECT id, current_state FROM deltastream.sys."queries";')
    stack.write(yaml_program(pipeline_resources("SELECT idd FROM raw WHERE url IS NOT NULL", 2)))
    result = stack.run("up", "--yes", check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "column 'idd' does not exist" in output and "clicks-query-v2" in output, output
    assert catalog_sql(local, 'SELECT id, current_state FROM deltastream.sys."queries";') == running
