"""The analytics example (issue 34) from TypeScript and Go through the real CLI against the local server: an Avro
stream whose columns come from the schema registry's subject, a Java function from the jar beside the program, a
compute pool, a query in it that calls the function, and a pipeline that sinks what that query writes into a
materialized view. ``pulumi up`` builds it all, a second preview changes nothing, a snapshot SELECT of the view
answers, refresh finds no drift and destroy leaves nothing behind."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import httpx
import pytest
from testkit import TOKEN
from testkit.pulumi import pulumi_env

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import ROOT, catalog_sql, example_stack

pytestmark = pytest.mark.e2e
EXAMPLES = ("analytics-typescript", "analytics-go")
#: The producers' schema, registered before the stack is made, as the team's Kafka producers would have.
ORDER: dict[str, object] = {"type": "record", "name": "Order", "fields": [
    {"name": "order_id", "type": "long"}, {"name": "region", "type": "string"}, {"name": "amount", "type": "double"}]}
#: The orders the producers write, and what normalize_region makes of them.
RAW = [{"order_id": 1, "region": " eu_west ", "amount": 10.0}, {"order_id": 2, "region": "EU-WEST", "amount": 5.5},
       {"order_id": 3, "region": "us_east", "amount": 7.0}]
CLEANED = [{"order_id": 1, "region": "EU-WEST", "amount": 10.0}, {"order_id": 2, "region": "EU-WEST", "amount": 5.5},
           {"order_id": 3, "region": "US-EAST", "amount": 7.0}]


def register_subject(local: BackgroundServer, subject: str, schema: dict[str, object]) -> None:
    """Register an Avro schema on the local server's schema registry (Confluent's REST API)."""
    url = f"{local.url.removesuffix('/v2')}/schema-registry/subjects/{subject}/versions"
    assert httpx.post(url, json={"schema": json.dumps(schema)}).status_code == 200


def snapshot(local: BackgroundServer, statement: str) -> tuple[list[str], list[list[str]]]:
    """A SELECT's column names and rows."""
    body = httpx.post(f"{local.url}/statements", json={"statement": statement},
                      headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert body["sqlState"] == "00000", body
    return [c["name"] for c in body["metadata"]["columns"]], body.get("data", [])


def write(local: BackgroundServer, topic: str, records: list[dict[str, object]]) -> None:
    for record in records:
        catalog_sql(local, f"""INSERT INTO ENTITY "{topic}" IN STORE "analytics_kafka"
                               VALUE('{json.dumps(record)}');""")


def one_column(local: BackgroundServer, statement: str) -> list[str]:
    return [row[0] for row in catalog_sql(local, statement)]


@pytest.mark.parametrize("example", EXAMPLES)
def test_the_analytics_stack_end_to_end(example: str, toolchain: Path, local: BackgroundServer,
                                        tmp_path: Path) -> None:
    register_subject(local, "orders-value", ORDER)
    with example_stack(example, pulumi_env(tmp_path, toolchain, local)) as stack:
        assert "13 to create" in stack.preview().stdout  # what a user sees first, with nothing made yet
        stack.up()
        out = stack.outputs()
        assert out["viewFqn"] == '"analytics"."public"."revenue_by_region"'
        assert (out["poolState"], out["functionId"]) == ("running", "normalize_region(VARCHAR)")
        for query in (out["viewQueryId"], out["cleanQueryId"]):
            assert one_column(local, f"""SELECT current_state FROM deltastream.sys."queries"
                                         WHERE id = '{query}';""") == ["running"]
        # the cleaning query and the view start in the pool, and nothing else is sent there
        assert dict(local.server.counters.compute_pools) == {"analytics_pool InsertInto": 1,
                                                            "analytics_pool CreateRelationAs": 1}
        (orders,) = [o for o in stack.resources("deltastream:index:DeltaStreamObject")
                     if o["outputs"]["name"] == "orders"]
        assert "columns" not in orders["inputs"]
        assert [c["name"] for c in orders["outputs"]["derivedColumns"]] == ["order_id", "region", "amount"]
        stack.preview("--expect-no-changes")

        # The producers' orders reach the cleaning query, whose function the local server cannot run (no Java): it
        # writes nothing, so the test writes what normalize_region would have made of them.
        write(local, "orders", RAW)
        assert catalog_sql(local, 'PRINT ENTITY "orders_clean" IN STORE "analytics_kafka";') == []
        write(local, "orders_clean", CLEANED)
        columns, rows = snapshot(local, 'SELECT * FROM "analytics"."public"."revenue_by_region";')
        assert columns == ["region", "orders", "revenue"]
        assert sorted(rows) == [["EU-WEST", "2", "15.5"], ["US-EAST", "1", "7.0"]]

        stack.run("refresh", "--yes")
        stack.preview("--expect-no-changes")
        stack.run("destroy", "--yes")
        for listed in ("DATABASES", "STORES", "SCHEMA_REGISTRIES", "COMPUTE_POOLS", "FUNCTION_SOURCES", "FUNCTIONS"):
            assert catalog_sql(local, f"LIST {listed};") == [], listed
        assert set(one_column(local, 'SELECT current_state FROM deltastream.sys."queries";')) == {"terminated"}


def test_both_programs_ship_the_same_function() -> None:
    """One jar and its source in both examples; the jar holds the class the programs' Function names."""
    for name in ("udfs.jar", "NormalizeRegion.java"):
        assert len({(ROOT / "examples" / example / name).read_bytes() for example in EXAMPLES}) == 1, name
    with zipfile.ZipFile(ROOT / "examples" / EXAMPLES[0] / "udfs.jar") as jar:
        assert "com/example/analytics/NormalizeRegion.class" in jar.namelist()
    for program in ("analytics-typescript/index.ts", "analytics-go/main.go"):
        assert '"com.example.analytics.NormalizeRegion"' in (ROOT / "examples" / program).read_text()
