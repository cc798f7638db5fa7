"""Application, Entity, Secret, SchemaRegistry and the Confluent Kafka and Kinesis stores through the real CLI, from
TypeScript and Go programs built on the generated SDKs: create, update in place, drift, replace, import, the
lookups, destroy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, example_stack, pulumi_env

pytestmark = pytest.mark.e2e
CUSTOM = ("Secret", "SchemaRegistry", "Store", "Entity", "Database", "DeltaStreamObject", "Application")


def ids(stack: Stack) -> dict[str, str]:
    """Resource name -> id, for every custom resource of this package."""
    return {r["urn"].split("::")[-1]: r["id"] for r in stack.state()["deployment"]["resources"]
            if r["type"].removeprefix("deltastream:index:") in CUSTOM}


def one_column(local: BackgroundServer, statement: str) -> list[str]:
    return [row[0] for row in catalog_sql(local, statement)]


@pytest.mark.parametrize("example", ["catalog-typescript", "catalog-go"])
def test_catalog_resources_through_their_lifecycle(example: str, toolchain: Path, local: BackgroundServer,
                                                   tmp_path: Path) -> None:
    p = "ts" if example.endswith("typescript") else "go"
    with example_stack(example, pulumi_env(tmp_path, toolchain, local)) as stack:
        for key, value in (("tokenV1", "token-one"), ("tokenV2", "token-two"), ("registrySecret", "registry-secret")):
            stack.run("config", "set", "--secret", key, value)
        stack.run("config", "set", "prefix", p)

        # 1: create, and read it all back through the lookups
        stack.up()
        out: dict[str, Any] = stack.outputs()
        assert (out["secretStatus"], out["secretNames"]) == ("ready", [f"{p}_token"])
        assert (out["registryType"], out["registryNames"]) == ("ConfluentCloud", [f"{p}_avro", f"{p}_registry"])
        # the two Entities; the application's streams make their topics too (as DeltaStream does), which the lookup
        # lists or not depending on whether it ran before the application (the program orders neither)
        assert [t for t in out["topics"] if t not in ("desktop", "mobile")] == ["orders", "scratch"]
        assert out["streams"] == ["clicks"]
        assert (out["ordersPartitions"], out["scratchReplicas"], out["clicksShards"]) == (1, 1, 1)
        assert (out["confluentType"], out["kinesisStatus"]) == ("ConfluentKafka", "ready")
        fqn = f'"{p}_catalog"."public"'
        assert out["applicationSources"] == [f'{fqn}."pageviews"']
        assert out["applicationSinks"] == [f'{fqn}."mobile"', f'{fqn}."desktop"']
        exported = stack.run("stack", "export").stdout
        assert "token-one" not in exported and "registry-secret" not in exported
        stack.preview("--expect-no-changes")
        created = ids(stack)

        # 2: in place: rotated secret and registry credentials, more partitions and shards, a new owner, a new URI
        stack.run("config", "set", "phase", "2")
        stack.up()
        out = stack.outputs()
        assert (out["ordersPartitions"], out["clicksShards"], out["applicationOwner"]) == (3, 2, "analyst")
        assert ids(stack) == created, "an in-place change replaced something"
        assert one_column(local, f"""SELECT description FROM deltastream.sys."secrets" WHERE name = '{p}_token';""") \
            == ["partner API token, rotated"]
        stack.preview("--expect-no-changes")

        # drift: the application is terminated outside Pulumi; refresh sees it and the next up starts it again
        catalog_sql(local, f"TERMINATE QUERY {created['fanout']};")
        stack.run("refresh", "--yes")

        # 3: replace what cannot change in place: the secret's name, the registry's kind, the topic's replicas
        stack.run("config", "set", "phase", "3")
        stack.up()
        out = stack.outputs()
        assert (out["secretName"], out["registryType"], out["scratchReplicas"]) == (f"{p}_token_v2", "Confluent", 2)
        replaced = ids(stack)
        changed = {name for name in created if replaced[name] != created[name]}
        assert changed == {"token", "fanout"}, changed  # ids are names: the registry and topic keep theirs
        assert one_column(local, 'SELECT name FROM deltastream.sys."secrets";') == [f"{p}_token_v2"]
        assert one_column(local, f"""SELECT current_state FROM deltastream.sys."queries"
                                     WHERE id = '{replaced["fanout"]}';""") == ["running"]
        stack.preview("--expect-no-changes")

        # import what was made outside Pulumi
        catalog_sql(local, f"""CREATE SECRET "{p}_outside" WITH ('type' = generic_string, 'secret_string' = 'x');""")
        catalog_sql(local, f"""CREATE SCHEMA_REGISTRY "{p}_outside" WITH ('type' = CONFLUENT, 'uris' = 'https://o');""")
        catalog_sql(local, f"""CREATE ENTITY "outside" IN STORE "{p}_kafka" WITH ('kafka.partitions' = 2);""")
        catalog_sql(local, f"""BEGIN APPLICATION {p}_outside
  INSERT INTO {fqn}."mobile" SELECT * FROM {fqn}."pageviews";
END APPLICATION;""")
        (outside_app,) = one_column(local, f"""SELECT id FROM deltastream.sys."queries" WHERE name = '{p}_outside';""")
        for type_, name, resource_id in (("Secret", "outside-secret", f"{p}_outside"),
                                         ("SchemaRegistry", "outside-registry", f"{p}_outside"),
                                         ("Entity", "outside-topic", f"{p}_kafka/outside"),
                                         ("Application", "outside-app", outside_app)):
            stack.run("import", f"deltastream:index:{type_}", name, resource_id, "--yes", "--protect=false",
                      "--generate-code=false")
        imported = {r["urn"].split("::")[-1]: r for r in stack.state()["deployment"]["resources"]}
        assert imported["outside-topic"]["outputs"]["partitions"] == 2
        assert imported["outside-registry"]["outputs"]["type"] == "Confluent"
        assert imported["outside-app"]["outputs"]["sinks"] == [f'{fqn}."mobile"']
        assert imported["outside-secret"]["outputs"]["status"] == "ready"

        # An import records no dependencies: the application that reads the stack's objects goes first (in a program,
        # dependsOn says so), else the objects' DROP waits for it until the timeout.
        app_urn = imported["outside-app"]["urn"]
        stack.run("destroy", "--yes", "--target", app_urn)
        stack.run("destroy", "--yes")
        for table in ("secrets", "schema_registries", "stores", "databases"):
            assert one_column(local, f'SELECT name FROM deltastream.sys."{table}";') == [], table
        assert set(one_column(local, 'SELECT current_state FROM deltastream.sys."queries";')) == {"terminated"}
