"""DeltaStream's dbt adapter (``dbt-deltastream`` 1.10.2, unchanged) runs a small dbt project against the local
server: sources (a store, a topic entity, a stream on it), stream / changelog / materialized view / table models,
``dbt run`` twice with the queries terminated in between, ``dbt seed`` and ``dbt docs generate``.

dbt runs in-process (``dbtRunner``), in sync tests: the adapter calls ``asyncio.run`` itself.
"""

from __future__ import annotations

import asyncio
import json
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest
from dbt.cli.main import dbtRunner, dbtRunnerResult
from deltastream.api.conn import APIConnection
from testkit import TOKEN

from deltastream_local.runner import BackgroundServer

DATABASE = "analytics"
JAR = b"PK\x03\x04 the functions' jar \x00\xff"
DESCRIPTORS = b"\n\x0fpageviews.proto compiled descriptors"

SOURCES = """
version: 2
sources:
  - name: infra
    schema: public
    tables:
      - name: kafka
        config:
          materialized: store
          parameters:
            type: KAFKA
            uris: 'broker:9092'
            'kafka.sasl.hash_function': NONE
      - name: pageviews_topic
        identifier: pageviews
        config:
          materialized: entity
          parameters:
            store: kafka
            'kafka.partitions': 2
      - name: udfs
        config:
          materialized: function_source
          parameters:
            file: udfs.jar
            description: 'the pipeline''s functions'
      - name: protos
        config:
          materialized: descriptor_source
          parameters:
            file: '@/schemas/pageviews.desc'
  - name: raw
    schema: public
    tables:
      - name: pageviews
        config:
          materialized: stream
          parameters:
            store: kafka
            topic: pageviews
            'value.format': JSON
            timestamp: viewtime
        columns:
          - name: viewtime
            type: BIGINT
          - name: userid
            type: VARCHAR
          - name: pageid
            type: VARCHAR
          - name: tags
            type: MAP<VARCHAR, VARCHAR>
          - name: scores
            type: ARRAY<BIGINT>
      - name: users
        config:
          materialized: changelog
          primary_key: [userid]
          parameters:
            store: kafka
            topic: users
            'value.format': JSON
        columns:
          - name: userid
            type: VARCHAR
          - name: regionid
            type: VARCHAR
"""

MODELS = {
    # A stream over the source, with scalar functions, subscripts and a function's own FROM.
    "clean_pageviews": """
        {{ config(materialized='stream', parameters={'topic': 'clean_pageviews', 'value.format': 'json'}) }}
        SELECT viewtime, userid, TRIM(LEADING '/' FROM pageid) AS page, tags['ref'] AS ref, scores[1] AS first_score
        FROM {{ source('raw', 'pageviews') }}
        WHERE TRIM(BOTH ' ' FROM userid) <> ''
    """,
    "views_per_user": """
        {{ config(materialized='changelog', parameters={'topic': 'views_per_user', 'value.format': 'json'}) }}
        SELECT userid, COUNT(*) AS views FROM {{ ref('clean_pageviews') }} GROUP BY userid
    """,
    "views_per_window": """
        {{ config(materialized='materialized_view') }}
        SELECT window_start, window_end, userid, COUNT(*) AS views
        FROM HOP({{ source('raw', 'pageviews') }}, SIZE 10 MINUTE, ADVANCE BY 2 MINUTE) WITH ('timestamp' = 'viewtime')
        GROUP BY window_start, window_end, userid
    """,
    "views_per_minute": """
        {{ config(materialized='materialized_view') }}
        SELECT window_start, COUNT(*) AS views
        FROM TUMBLE({{ ref('clean_pageviews') }}, SIZE 1 MINUTE)
        GROUP BY window_start
    """,
}

TABLE_MODEL = """
    {{ config(materialized='table', parameters=PARAMETERS) }}
    SELECT u.userid, u.regionid FROM {{ source('raw', 'users') }} u
"""

POSTGRES_STORE = """
      - name: pg
        config:
          materialized: store
          parameters:
            type: POSTGRESQL
            uris: 'postgresql://127.0.0.1:1/db'
            'postgres.username': u
            'postgres.password': p
"""


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip())


def project(tmp_path: Path, local: BackgroundServer, models: dict[str, str] | None = None,
            sources: str = SOURCES) -> Path:
    """A dbt project whose profile points at the local server, with the database it names already there."""
    org = local.server.catalog.organization.id
    write(tmp_path / "dbt_project.yml", """
        name: ds_local
        version: '1.0'
        config-version: 2
        profile: ds_local
    """)
    write(tmp_path / "profiles.yml", f"""
        ds_local:
          target: dev
          outputs:
            dev:
              type: deltastream
              url: {local.url}
              token: {TOKEN}
              organization_id: '{org}'
              role: sysadmin
              database: {DATABASE}
              schema: public
              store: kafka
              threads: 1
    """)
    write(tmp_path / "models" / "sources.yml", sources)
    (tmp_path / "udfs.jar").write_bytes(JAR)
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "pageviews.desc").write_bytes(DESCRIPTORS)
    for name, sql in (MODELS if models is None else models).items():
        write(tmp_path / "models" / f"{name}.sql", sql)
    run_sql(local, f'CREATE DATABASE "{DATABASE}";')
    return tmp_path


def run_sql(local: BackgroundServer, sql: str) -> list[list[Any]]:
    """A statement sent with DeltaStream's own connector (the adapter's), for set-up and checks."""
    async def token() -> str:
        return TOKEN

    async def run() -> list[list[Any]]:
        conn = APIConnection(local.url, token, None, "UTC", local.server.catalog.organization.id, "sysadmin",
                             DATABASE, "public", None)
        return [list(row) async for row in await conn.query(sql) if row is not None]

    return asyncio.run(run())


def dbt(root: Path, *args: str) -> dbtRunnerResult:
    return dbtRunner().invoke([*args, "--project-dir", str(root), "--profiles-dir", str(root),
                               "--no-send-anonymous-usage-stats"])


def passes(root: Path, *args: str) -> dbtRunnerResult:
    result = dbt(root, *args)
    assert result.success, f"dbt {' '.join(args)} failed: {failures(result, root)}"
    return result


def relations(local: BackgroundServer) -> dict[str, str]:
    rows = run_sql(local, f"SELECT name, relation_type FROM deltastream.sys.\"relations\" "
                          f"WHERE database_name = '{DATABASE}' ORDER BY name;")
    return {row[0]: row[1] for row in rows}


def query_states(local: BackgroundServer) -> list[str]:
    return [row[0] for row in run_sql(local, 'SELECT current_state FROM deltastream.sys."queries" ORDER BY id;')]


def failures(result: dbtRunnerResult, root: Path) -> str:
    """Every message of a failed invocation: its exception, each node's, and the errors in the log of its run."""
    messages = [str(result.exception or "")]
    messages += [str(node.message) for node in getattr(result.result, "results", None) or []]
    log = (root / "logs" / "dbt.log").read_text(errors="replace").split("running dbt with arguments")[-1]
    lines = log.splitlines()
    messages += [" ".join(lines[i:i + 2]) for i, line in enumerate(lines) if "[error]" in line]
    return "\n".join(messages)


@pytest.fixture
def sources(tmp_path: Path, local: BackgroundServer) -> Path:
    root = project(tmp_path, local)
    passes(root, "run-operation", "create_sources")
    return root


def test_debug_connects(tmp_path: Path, local: BackgroundServer) -> None:
    passes(project(tmp_path, local, models={}), "debug")


def test_create_sources_makes_store_entity_and_relations(sources: Path, local: BackgroundServer) -> None:
    assert run_sql(local, "LIST STORES;")[0][:3] == ["kafka", "Kafka", "ready"]
    assert run_sql(local, 'DESCRIBE ENTITY "pageviews" IN STORE "kafka";')[0][2] == 2
    assert relations(local) == {"pageviews": "stream", "users": "changelog"}
    assert [r[0] for r in run_sql(local, "LIST FUNCTION_SOURCES;")] == ["udfs"]
    assert [r[:2] for r in run_sql(local, "LIST DESCRIPTOR_SOURCES;")] == [["protos", "protobuf"]]
    org = local.server.catalog.organization.id
    for kind, name, content in (("function_source", "udfs", JAR), ("descriptor_source", "protos", DESCRIPTORS)):
        download = httpx.get(f"{local.url}/download/{kind}/{org}/{name}", headers={"Authorization": f"Bearer {TOKEN}"})
        assert download.status_code == 200 and download.content == content
    columns = run_sql(local, f'DESCRIBE RELATION COLUMNS "{DATABASE}"."public"."pageviews";')
    assert [c[:2] for c in columns][3:] == [["tags", "MAP<VARCHAR, VARCHAR>"], ["scores", "ARRAY<BIGINT>"]]


def test_create_sources_again_updates_store_and_entity(sources: Path, local: BackgroundServer) -> None:
    passes(sources, "run-operation", "create_sources")  # UPDATE STORE, UPDATE ENTITY, relations dropped and made
    assert relations(local) == {"pageviews": "stream", "users": "changelog"}
    assert [r[0] for r in run_sql(local, "LIST FUNCTION_SOURCES;")] == ["udfs"]  # dropped and made again


def test_run_builds_every_model(sources: Path, local: BackgroundServer) -> None:
    result = passes(sources, "run")
    assert sorted(r.node.name for r in result.result) == sorted(MODELS)
    assert relations(local) == {"clean_pageviews": "stream", "pageviews": "stream", "users": "changelog",
                                "views_per_minute": "materialized_view", "views_per_user": "changelog",
                                "views_per_window": "materialized_view"}
    assert query_states(local) == ["running"] * 4
    columns = run_sql(local, f'DESCRIBE RELATION COLUMNS "{DATABASE}"."public"."clean_pageviews";')
    assert [c[:2] for c in columns] == [["viewtime", "BIGINT"], ["userid", "VARCHAR"], ["page", "VARCHAR"],
                                        ["ref", "VARCHAR"], ["first_score", "BIGINT"]]  # typed by dsql


def test_run_reads_sources_through_windows(sources: Path, local: BackgroundServer) -> None:
    passes(sources, "run", "--select", "views_per_window")
    (query,) = run_sql(local, "LIST QUERIES;")
    assert query[4] == "running" and "HOP(" in query[5]
    assert [c[:2] for c in run_sql(local, f'DESCRIBE RELATION COLUMNS "{DATABASE}"."public"."views_per_window";')] \
        == [["window_start", "TIMESTAMP(3)"], ["window_end", "TIMESTAMP(3)"], ["userid", "VARCHAR"],
            ["views", "BIGINT"]]


def test_run_twice_with_queries_terminated_between(sources: Path, local: BackgroundServer) -> None:
    passes(sources, "run")
    passes(sources, "run-operation", "terminate_all_queries")
    assert query_states(local) == ["terminated"] * 4
    passes(sources, "run")  # every model's relation is dropped and made again
    assert sorted(query_states(local)) == ["running"] * 4 + ["terminated"] * 4
    assert len(relations(local)) == 6


def test_run_again_while_queries_run_is_refused(sources: Path, local: BackgroundServer) -> None:
    passes(sources, "run", "--select", "clean_pageviews")
    result = dbt(sources, "run", "--select", "clean_pageviews")
    assert not result.success and "running queries" in failures(result, sources)


def test_table_model_in_a_postgres_store(tmp_path: Path, local: BackgroundServer) -> None:
    parameters = "{'store': 'pg', 'postgresql.db.name': 'db', 'postgresql.schema.name': 'public', " \
                 "'postgresql.table.name': 'users_by_region'}"
    root = project(tmp_path, local, {"users_by_region": TABLE_MODEL.replace("PARAMETERS", parameters)},
                   sources=SOURCES.replace("  - name: raw", POSTGRES_STORE.lstrip("\n") + "  - name: raw", 1))
    passes(root, "run-operation", "create_sources")
    passes(root, "run")
    assert relations(local)["users_by_region"] == "table"


def test_table_model_in_a_kafka_store_is_refused(sources: Path, local: BackgroundServer) -> None:
    write(sources / "models" / "users_copy.sql", TABLE_MODEL.replace("PARAMETERS", "{'store': 'kafka'}"))
    result = dbt(sources, "run", "--select", "users_copy")
    assert not result.success and "kafka" in failures(result, sources).lower()
    assert "users_copy" not in relations(local)


def test_materialized_view_over_a_materialized_view_is_refused(sources: Path, local: BackgroundServer) -> None:
    write(sources / "models" / "windows_again.sql", """
        {{ config(materialized='materialized_view') }}
        SELECT userid, SUM(views) AS views FROM {{ ref('views_per_window') }} GROUP BY userid
    """)
    passes(sources, "run", "--select", "views_per_window")
    result = dbt(sources, "run", "--select", "windows_again")
    assert not result.success and "materialized view" in failures(result, sources).lower()


def test_select_from_a_materialized_view(sources: Path, local: BackgroundServer) -> None:
    passes(sources, "run", "--select", "views_per_window")
    result = passes(sources, "show", "--inline", f'SELECT * FROM "{DATABASE}"."public"."views_per_window"')
    shown = result.result.results[0].agate_table  # the rows the local server holds: none
    assert list(shown.column_names) == ["window_start", "window_end", "userid", "views"] and len(shown.rows) == 0


def test_seed_inserts_into_the_entity(sources: Path, local: BackgroundServer) -> None:
    write(sources / "seeds" / "pageviews_seed.csv", "viewtime,userid,pageid\n1,u1,/home\n2,u2,/cart\n")
    write(sources / "seeds" / "seeds.yml", """
        version: 2
        seeds:
          - name: pageviews_seed
            config:
              entity: pageviews
              store: kafka
    """)
    passes(sources, "seed")
    printed = run_sql(local, 'PRINT ENTITY "pageviews" IN STORE "kafka";')
    assert [json.loads(row[-1]) for row in printed] == [{"viewtime": 1, "userid": "u1", "pageid": "/home"},
                                                         {"viewtime": 2, "userid": "u2", "pageid": "/cart"}]


def test_seed_into_a_missing_entity_fails(sources: Path, local: BackgroundServer) -> None:
    write(sources / "seeds" / "lost.csv", "id\n1\n")
    write(sources / "seeds" / "seeds.yml", """
        version: 2
        seeds:
          - name: lost
            config:
              entity: nowhere
              store: kafka
    """)
    result = dbt(sources, "seed")
    assert not result.success and "does not exist" in failures(result, sources)


def test_docs_generate_reads_the_catalog(sources: Path, local: BackgroundServer) -> None:
    passes(sources, "run", "--select", "clean_pageviews")
    passes(sources, "docs", "generate")
    catalog = json.loads((sources / "target" / "catalog.json").read_text())
    node = catalog["nodes"]["model.ds_local.clean_pageviews"]["metadata"]
    assert (node["type"], node["database"], node["schema"], node["owner"]) == ("stream", DATABASE, "public", "sysadmin")
    assert catalog["sources"]["source.ds_local.raw.users"]["metadata"]["type"] == "changelog"


def test_list_queries_operation(sources: Path, local: BackgroundServer) -> None:
    passes(sources, "run", "--select", "clean_pageviews")
    passes(sources, "run-operation", "list_all_queries")
    passes(sources, "run-operation", "terminate_all_queries", "--args", "{state: running}")
    assert query_states(local) == ["terminated"]
