"""Lifecycle edges through the real CLI (issue 23): a create that outlives its timeout, an answer that never comes,
Ctrl-C while a query starts, and a SIGKILL while the newer kinds are created all end in a state the next command
can use: nothing forgotten on the server, nothing started twice, no dead end."""

from __future__ import annotations

import os
import signal
import subprocess

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, newer_kinds, yaml_program
from tests.e2e.test_crash import providers_of, settle

pytestmark = pytest.mark.e2e

BASE = """  db:
    type: deltastream:index:Database
    properties: { name: edges }
  kafka:
    type: deltastream:index:Store
    properties: { name: edges_kafka, kafka: { uris: "b:9092", saslHashFunction: NONE } }
  src:
    type: deltastream:index:DeltaStreamObject
    properties: { database: "${db.name}", namespace: public, name: src, kind: stream, store: "${kafka.name}",
                  columns: [ { name: id, type: BIGINT } ] }
  dst:
    type: deltastream:index:DeltaStreamObject
    properties: { database: "${db.name}", namespace: public, name: dst, kind: stream, store: "${kafka.name}",
                  columns: [ { name: id, type: BIGINT } ] }
"""
QUERY = """  copy:
    type: deltastream:index:Query
    properties: { sql: "INSERT INTO ${dst.fqn} SELECT id FROM ${src.fqn}" }
    options: { customTimeouts: { create: 3s } }
"""
SECRET = """  token:
    type: deltastream:index:Secret
    properties: { name: edges_token, secretString: s3cr3t }
    options: { customTimeouts: { create: 3s } }
"""


def never_answered(local: BackgroundServer, pattern: str) -> None:
    local.server.knobs.update({"fail": [{"pattern": pattern, "fault": "never_answered", "nth": 0}]})


def up_in_the_background(stack: Stack) -> subprocess.Popen[str]:
    """`pulumi up` as a user starts it, to be interrupted or killed while it runs."""
    return subprocess.Popen(["pulumi", "up", "--yes", "--skip-preview", "--non-interactive", "--stack", "dev"],
                            cwd=stack.directory, env=stack.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True)


def running_queries(local: BackgroundServer) -> list[str]:
    return [r[0] for r in catalog_sql(local, "SELECT id, current_state FROM deltastream.sys.\"queries\";")
            if r[1] == "running"]


def query_ids(stack: Stack) -> list[str]:
    return [r["outputs"].get("queryId") or r["id"] for r in stack.resources("deltastream:index:Query")]


def test_creates_whose_answers_never_come_are_kept_then_adopted(stack: Stack, local: BackgroundServer) -> None:
    """Cases a and b: the Secret's CREATE and the query's INSERT run, but their answers never come before the 3 s
    timeout. Before, the secret was forgotten (the next up: already exists) and the query started twice."""
    stack.write(yaml_program(BASE + SECRET + QUERY))
    stack.name = "dev"
    stack.run("stack", "init")
    never_answered(local, r"^(CREATE SECRET|INSERT INTO)")
    failed = stack.run("up", "--yes", "--skip-preview", check=False)
    assert failed.returncode != 0 and "kept in state" in failed.stdout, failed.stdout
    local.server.knobs.update({"fail": []})
    stack.run("refresh", "--yes", "--skip-preview")
    stack.up()
    stack.preview("--expect-no-changes")
    counted = local.server.counters.statements
    assert counted["CreateSecret"] == 1 and counted["InsertInto"] == 1, dict(counted)
    assert running_queries(local) == query_ids(stack), "exactly one copy, the one in state"
    stack.run("destroy", "--yes")
    assert running_queries(local) == [] and catalog_sql(local, 'SELECT name FROM deltastream.sys."secrets";') == []


def test_ctrl_c_while_a_query_starts_leaves_no_orphan(stack: Stack, local: BackgroundServer) -> None:
    """Case c: one SIGINT to `pulumi up` while the query's INSERT is in flight (its answer never comes). Before, the
    query kept running outside the state and the next up started a second copy."""
    stack.write(yaml_program(BASE + QUERY.replace("create: 3s", "create: 10m")))
    stack.name = "dev"
    stack.run("stack", "init")
    never_answered(local, r"^INSERT INTO")
    up = up_in_the_background(stack)
    assert local.server.counters.wait_for_statements("InsertInto", 1, 300), "up never started the query"
    up.send_signal(signal.SIGINT)
    output, _ = up.communicate(timeout=300)
    assert up.returncode != 0, output
    local.server.knobs.update({"fail": []})
    (started,) = running_queries(local)
    stack.up()
    assert running_queries(local) == [started] == query_ids(stack), "the query it started is adopted, not doubled"
    assert local.server.counters.statements["InsertInto"] == 1
    stack.run("destroy", "--yes")
    assert running_queries(local) == []


NEWER_KINDS = newer_kinds("kill", source="src", sink="dst")


def test_a_sigkill_while_the_newer_kinds_are_created_settles(stack: Stack, local: BackgroundServer) -> None:
    """Case e: the provider is killed while secrets, registries, entities and an application are created. Before,
    `settle --cancel` crashed on "create of unknown type 'SchemaRegistry'" and the next up failed "already exists"."""
    stack.write(yaml_program(BASE + NEWER_KINDS))
    stack.name = "dev"
    stack.run("stack", "init")
    never_answered(local, r"^(CREATE SECRET|CREATE SCHEMA_REGISTRY|CREATE ENTITY|BEGIN APPLICATION)")
    up = up_in_the_background(stack)
    for kind in ("CreateSecret", "CreateSchemaRegistry", "CreateEntity", "BeginApplication"):
        assert local.server.counters.wait_for_statements(kind, 1, 300), f"up never sent {kind}"
    for pid in providers_of(stack.env["PULUMI_HOME"]):
        os.kill(pid, signal.SIGKILL)
    output, _ = up.communicate(timeout=300)
    assert up.returncode != 0, output
    local.server.knobs.update({"fail": []})
    report = settle(stack)
    assert "exists, importing" in report, report
    # An entity has no creation time in DeltaStream: settle says so and gives the import to run if it is ours.
    (advice,) = [line for line in report.splitlines() if "no creation time" in line]
    stack.run(*advice.split("pulumi ", 1)[1].split(), "--yes", "--protect=false", "--generate-code=false")
    # The secret's value cannot be read back: it is replaced to hold the program's value, which must be accepted.
    accepted = NEWER_KINDS.replace("secretString: s3cr3t }", "secretString: s3cr3t, acceptReplacement: true }")
    assert accepted != NEWER_KINDS
    stack.write(yaml_program(BASE + accepted))
    stack.up()
    stack.preview("--expect-no-changes")
    counted = local.server.counters.statements
    assert all(counted[k] == 1 for k in ("CreateSchemaRegistry", "CreateEntity", "BeginApplication")), dict(counted)
    assert running_queries(local) == [r["id"] for r in stack.resources("deltastream:index:Application")]
    stack.run("destroy", "--yes")
    assert running_queries(local) == []


COPY = """  copy:
    type: deltastream:index:Query
    properties: { sql: "INSERT INTO ${dst.fqn} SELECT id FROM ${src.fqn}" }
"""
NARROW_SOURCE = ('name: src, kind: stream, store: "${kafka.name}",\n'
                 '                  columns: [ { name: id, type: BIGINT } ]')
# A wider source replaces the stream and the query reading it: accepted (without it the preview refuses, naming the
# query, as tests/contract/test_replacement_guard.py shows).
WIDE_SOURCE = NARROW_SOURCE.replace("BIGINT } ]", "BIGINT }, { name: v, type: VARCHAR } ],\n"
                                    "                  acceptReplacement: true")


def test_a_query_replacement_says_at_preview_that_it_runs_from_the_start(stack: Stack,
                                                                        local: BackgroundServer) -> None:
    """Issue 30: a query is replaced only when what it reads is (here, its source's columns change) or it stopped,
    and the preview says, on the query, that the new one starts from the beginning and the old one is terminated."""
    stack.write(yaml_program(BASE + COPY))
    stack.name = "dev"
    stack.run("stack", "init")
    stack.up()
    (first,) = query_ids(stack)
    assert NARROW_SOURCE in BASE
    stack.write(yaml_program(BASE.replace(NARROW_SOURCE, WIDE_SOURCE) + COPY))
    preview = stack.preview().stdout
    warning = preview[preview.index("deltastream:index:Query (copy):"):]
    assert "warning: this query will be replaced (its SQL names a relation that is being replaced)" in warning
    assert "runs from the beginning of its sources" in warning and f"the old query {first} is terminated" in warning
    stack.up()
    (second,) = query_ids(stack)
    assert running_queries(local) == [second] != [first]
    quiet = stack.preview("--expect-no-changes").stdout
    assert "will be replaced" not in quiet

    catalog_sql(local, f"TERMINATE QUERY {second};")  # stopped outside Pulumi: started again, from the start too
    stack.run("refresh", "--yes", "--skip-preview")
    preview = stack.preview().stdout
    assert "this query will be replaced (it was found terminated outside Pulumi)" in preview, preview
    stack.up()
    (third,) = query_ids(stack)
    assert running_queries(local) == [third] and third not in (first, second)
