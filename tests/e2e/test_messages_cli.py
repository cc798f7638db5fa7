"""What a user reads in `--non-interactive` output: the provider's Check failures and hints through the real CLI,
as plain text naming the property, never the engine's ``value {<nil>}``."""

from __future__ import annotations

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, yaml_program

pytestmark = pytest.mark.e2e
ESCAPE = "\x1b["


STORE = """  events:
    type: deltastream:index:Store
    properties:
      name: events
      kafka: { uris: "broker:9092", saslHashFunction: PLAIN }
"""
DATABASE = """  analytics:
    type: deltastream:index:Database
    properties: { name: " padded" }
"""


@pytest.mark.parametrize("resources, expected", [
    (STORE, "deltastream:index:Store resource 'events' has a problem: kafka.saslUsername is required"),
    (DATABASE, "deltastream:index:Database resource 'analytics': property name value {"),  # a top-level value
])
def test_check_failures_read_as_plain_text(stack: Stack, resources: str, expected: str) -> None:
    stack.write(yaml_program(resources))
    stack.run("stack", "init", "dev")
    result = stack.preview(check=False)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and expected in output, output
    assert "<nil>" not in output and ESCAPE not in output, output


def test_already_exists_names_the_import_command(stack: Stack, local: BackgroundServer) -> None:
    from tests.e2e.conftest import catalog_sql

    catalog_sql(local, "CREATE DATABASE analytics;")
    stack.write(yaml_program("""  analytics:
    type: deltastream:index:Database
    properties: { name: analytics }
"""))
    stack.run("stack", "init", "dev")
    result = stack.run("up", "--yes", check=False)
    assert result.returncode != 0
    assert "pulumi import deltastream:index:Database analytics analytics" in result.stdout, result.stdout
    assert ESCAPE not in result.stdout + result.stderr
