"""Components through the real CLI: a Pipeline and an Environment from Node.js, Go and Python programs
(up, no-op preview, roll to a new query version, destroy), children under the component, and
component input validation with clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, example_stack, pipeline_resources, pulumi_env, yaml_program
from tests.e2e.conftest import catalog_sql as sql

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("example", ["pipeline-typescript", "pipeline-go", "pipeline-python"])
def test_pipeline_and_environment_from_an_sdk(example: str, toolchain: Path, local: BackgroundServer,
                                              tmp_path: Path) -> None:
    with example_stack(example, pulumi_env(tmp_path, toolchain, local)) as stack:
        def pulumi(*args: str) -> str:
            return stack.run(*args).stdout

        pulumi("up", "--yes", "--skip-preview")
        outputs = json.loads(pulumi("stack", "output", "--json"))
        assert outputs["queryVersion"] == 1 and outputs["queryState"] == "running"
        assert outputs["sinkFqn"] == '"shop_dev"."raw"."clicks_clean"'
        assert outputs["querySql"].startswith('INSERT INTO "shop_dev"."raw"."clicks_clean" SELECT id, url')
        urns = pulumi("stack", "--show-urns")
        for child in ["deltastream:index:Pipeline$deltastream:index:Query::clicks-query-v1",
                      "deltastream:index:Pipeline$deltastream:index:DeltaStreamObject::clicks-clicks_raw",
                      "deltastream:index:Environment$deltastream:index:Namespace::shop-curated",
                      "deltastream:index:Environment$deltastream:index:Store::shop-kafka"]:
            assert child in urns, f"{child} is not a child of its component:\n{urns}"
        pulumi("preview", "--expect-no-changes")

        pulumi("config", "set", "pipelineVersion", "2")
        rolled = pulumi("up", "--yes", "--skip-preview")
        assert "clicks-query-v2" in rolled and "1 created" in rolled and "1 deleted" in rolled
        outputs = json.loads(pulumi("stack", "output", "--json"))
        assert outputs["queryVersion"] == 2 and "LOWER(url)" in outputs["querySql"]
        states = sql(local, "SELECT current_state FROM deltastream.sys.\"queries\" ORDER BY created_at;")
        assert states == [["terminated"], ["running"]]  # the first version's query, then the second's
        pulumi("preview", "--expect-no-changes")

        pulumi("destroy", "--yes")
        assert sql(local, 'SELECT name FROM deltastream.sys."databases";') == []
        assert sql(local, 'SELECT name FROM deltastream.sys."stores";') == []


def test_changed_transform_without_a_new_version_fails_preview(stack: Stack, local: BackgroundServer) -> None:
    stack.write(yaml_program(pipeline_resources("SELECT id FROM raw")))
    stack.run("stack", "init", "dev")
    stack.up()
    stack.write(yaml_program(pipeline_resources("SELECT id FROM raw WHERE id > 0")))
    failed = stack.preview(check=False)
    assert failed.returncode != 0 and "is immutable" in failed.stdout and "raise its version" in failed.stdout


@pytest.mark.parametrize("component, properties, expected", [
    ("Pipeline", """
      database: shop
      store: events
      sources:
        - { name: raw, columns: [ { name: id, type: BIGINT } ] }
        - { name: raw, columns: [] }
      sink: { name: raw, columns: [ { name: id, type: BIGINT } ] }
      transform: DROP DATABASE shop
      version: 0""", ["transform: transform must be a SELECT", "version: version starts at 1",
                      "sources[1].name: source 'raw' is declared twice",
                      "sink.name: 'raw' is both a source and the sink",
                      "sources[1].columns: sources[1].columns needs at least one column"]),
    ("Environment", """
      project: my-shop
      environment: dev
      namespaces: [raw, raw]""", ["project: project 'my-shop' must start with a letter",
                                  "namespaces: namespaces lists a name twice"]),
])
def test_component_inputs_are_validated_with_property_names(stack: Stack, local: BackgroundServer, component: str,
                                                            properties: str, expected: list[str]) -> None:
    stack.write(yaml_program(f"""  it:
    type: deltastream:index:{component}
    properties:{properties}
"""))
    stack.run("stack", "init", "dev")
    failed = stack.run("up", "--yes", "--skip-preview", check=False)
    text = failed.stdout + failed.stderr
    assert failed.returncode != 0
    for message in expected:
        assert message in text, f"{message!r} missing from:\n{text[-3000:]}"
    assert sql(local, 'SELECT name FROM deltastream.sys."databases";') == []  # nothing was created


def test_pipeline_creates_its_topics_from_an_empty_store(stack: Stack, local: BackgroundServer) -> None:
    stack.write(yaml_program("""  kafka:
    type: deltastream:index:Store
    properties: { name: empty, kafka: { uris: "b:9092", saslHashFunction: NONE } }
  clicks:
    type: deltastream:index:Pipeline
    properties:
      database: shop
      createDatabase: true
      store: ${kafka.name}
      createTopics: true
      topicPartitions: 3
      sources: [ { name: raw, entity: clicks_raw, columns: [ { name: id, type: BIGINT } ] } ]
      sink: { name: clean, columns: [ { name: id, type: BIGINT } ] }
      transform: SELECT id FROM raw
""", outputs="""  state: ${clicks.queryState}
  topics: ${clicks.topics}
"""))
    stack.run("stack", "init", "dev")
    stack.up()
    assert stack.outputs()["state"] == "running"
    assert sql(local, 'LIST ENTITIES IN STORE "empty";') == [["clean", "true"], ["clicks_raw", "true"]]
    topics = stack.resources("deltastream:index:Entity")
    assert sorted(t["outputs"]["partitions"] for t in topics) == [3, 3]
    objects = {o["outputs"]["name"]: o for o in stack.resources("deltastream:index:DeltaStreamObject")}
    assert objects["raw"]["outputs"]["entity"] == "clicks_raw"
    assert all(any(t["urn"] in o["dependencies"] for t in topics) for o in objects.values()), "object before topic"
    stack.preview("--expect-no-changes")
    stack.run("destroy", "--yes")
    assert sql(local, 'SELECT name FROM deltastream.sys."stores";') == []
