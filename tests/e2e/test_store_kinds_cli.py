"""An S3 and a ClickHouse store (issue 34) through the real CLI from a YAML program: created, a preview with no
change, the ClickHouse password rotated in place (the preview says update, not replace, and the store keeps its
creation), no credential in the CLI's output or the state file in clear, and destroyed."""

from __future__ import annotations

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, yaml_program

pytestmark = pytest.mark.e2e

S3_SECRET = "s3-secret-key-41"
FIRST, ROTATED = "clickhouse-password-42", "clickhouse-password-43"

PROGRAM = yaml_program("""  lake:
    type: deltastream:index:Store
    properties:
      name: lake
      s3:
        uris: https://lake.s3.us-west-2.amazonaws.com/
        iamRoleArn: arn:aws:iam::123456789012:role/deltastream
        iamExternalId: external-7
        accessKeyId: AKIAS3EXAMPLE
        secretAccessKey: ${s3Secret}
  olap:
    type: deltastream:index:Store
    properties:
      name: olap
      clickhouse:
        uris: jdbc:clickhouse://ch.example.com:8443
        username: loader
        password: ${clickhousePassword}
""", "  lakeType: ${lake.type}\n  olapType: ${olap.type}\n").replace(
    "resources:\n", "config:\n  s3Secret: { type: string, secret: true }\n"
                    "  clickhousePassword: { type: string, secret: true }\nresources:\n")


def stores(local: BackgroundServer) -> list[list[str]]:
    return [row[:2] for row in catalog_sql(local, "LIST STORES;")]


def test_an_s3_and_a_clickhouse_store_through_their_lifecycle(stack: Stack, local: BackgroundServer) -> None:
    stack.write(PROGRAM)
    stack.run("stack", "init", "dev")
    stack.run("config", "set", "--secret", "s3Secret", S3_SECRET)
    stack.run("config", "set", "--secret", "clickhousePassword", FIRST)
    out = stack.up()
    assert stack.outputs() == {"lakeType": "S3", "olapType": "ClickHouse"}
    assert stores(local) == [["lake", "S3"], ["olap", "ClickHouse"]]
    stack.preview("--expect-no-changes")
    created = {r["id"]: r["outputs"]["createdAt"] for r in stack.resources("deltastream:index:Store")}

    stack.run("config", "set", "--secret", "clickhousePassword", ROTATED)
    preview = stack.preview("--diff").stdout
    assert "1 to update" in preview and "to replace" not in preview, preview
    out += preview + stack.up()
    assert local.server.counters.statements["UpdateStore"] == 1
    assert {r["id"]: r["outputs"]["createdAt"] for r in stack.resources("deltastream:index:Store")} == created
    stack.preview("--expect-no-changes")

    state = stack.run("stack", "export").stdout
    for secret in (S3_SECRET, FIRST, ROTATED):
        assert secret not in out and secret not in state, secret
    stack.run("destroy", "--yes")
    assert stores(local) == []
