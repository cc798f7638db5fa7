"""Queries that upgrade without reprocessing (issue 34): the local server resumes a query from a terminated one
(``QUERY WITH ('resume.from.query.id' = ..)``) and refuses what docs.deltastream.io's RESUME QUERY page excludes;
the Query resource with ``upgrade: resume`` takes that path when DeltaStream's plan allows it, says so at preview,
replaces otherwise, and converges after a failure between the TERMINATE and the resumed start."""

from __future__ import annotations

from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_local.samples import SampleError
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import DeltaStreamClient
from deltastream_provider.errors import DeltaStreamError
from tests.contract.test_dataflow import Shop
from tests.contract.test_faults import fault
from tests.contract.test_provider_grpc import INSERT, OBJ, QUERY, obj, queries
from tests.contract.test_query_upgrades import recording

Diff = provider_pb2.DiffResponse
FILTERED = INSERT + " WHERE id > 0"
RESUMING = {"sql": INSERT, "upgrade": "resume"}


def resume_clause(query_id: str) -> str:
    return f"QUERY WITH ('resume.from.query.id' = '{query_id}')"


# --- the local server ---------------------------------------------------------------------------------------------


@pytest.fixture
def shop(local: BackgroundServer) -> Shop:
    shop = Shop(local)
    shop.relation("src", "viewtime BIGINT, userid VARCHAR")
    shop.relation("dst", "viewtime BIGINT, userid VARCHAR")
    return shop


def launch(shop: Shop, text: str) -> str:
    [[_, query_id, *_]] = shop.sql(text)
    return str(query_id)


def records(*users: str) -> list[dict[str, Any]]:
    return [{"viewtime": n, "userid": u} for n, u in enumerate(users, 1)]


def test_a_resumed_query_continues_where_the_terminated_one_stopped(shop: Shop) -> None:
    """The records the sink has are not written again; those written while no query ran are processed once."""
    shop.write("src", records("a", "b"))
    old = launch(shop, 'INSERT INTO dst SELECT viewtime, userid FROM src;')
    assert [r["userid"] for r in shop.read("dst")] == ["a", "b"]
    shop.sql(f"TERMINATE QUERY {old};")
    shop.write("src", [{"viewtime": 3, "userid": "c"}])  # while nothing runs: the resumed query takes it
    new = launch(shop, f"INSERT INTO dst SELECT viewtime, userid FROM src WHERE userid <> 'x'\n{resume_clause(old)};")
    assert new != old
    shop.write("src", [{"viewtime": 4, "userid": "x"}, {"viewtime": 5, "userid": "d"}])  # the new SQL filters x
    assert [r["userid"] for r in shop.read("dst")] == ["a", "b", "c", "d"]


def test_a_query_started_anew_reprocesses_its_source(shop: Shop) -> None:
    """The contrast: the same upgrade without resuming writes the earlier records into the sink again."""
    shop.write("src", records("a", "b"))
    old = launch(shop, 'INSERT INTO dst SELECT viewtime, userid FROM src;')
    shop.sql(f"TERMINATE QUERY {old};")
    launch(shop, "INSERT INTO dst SELECT viewtime, userid FROM src WHERE userid <> 'x';")
    assert [r["userid"] for r in shop.read("dst")] == ["a", "b", "a", "b"]


@pytest.mark.parametrize("text, code", [
    ("INSERT INTO dst SELECT viewtime, userid FROM src\n{clause};", "3D008"),  # the old one still runs
    ("INSERT INTO dst SELECT viewtime, userid FROM src\n"
     "QUERY WITH ('resume.from.query.id' = '00000000-0000-4000-8000-000000000000');", "3D019"),
], ids=["running", "unknown"])
def test_resuming_needs_a_terminated_query(shop: Shop, text: str, code: str) -> None:
    old = launch(shop, 'INSERT INTO dst SELECT viewtime, userid FROM src;')
    with pytest.raises(SampleError, match=code):
        shop.sql(text.format(clause=resume_clause(old)))


@pytest.mark.parametrize("body, code", [
    ("SELECT MAX(viewtime) AS viewtime, userid FROM src GROUP BY userid", "0A000"),
    ("SELECT s.viewtime, o.userid FROM src s JOIN other o WITHIN 5 SECONDS ON s.userid = o.userid", "0A000"),
    ("SELECT viewtime, userid FROM other", "3D008"),
], ids=["aggregation", "join", "another topic"])
def test_resuming_is_refused_outside_the_documented_limits(shop: Shop, body: str, code: str) -> None:
    shop.relation("other", "viewtime BIGINT, userid VARCHAR")
    old = launch(shop, 'INSERT INTO dst SELECT viewtime, userid FROM src;')
    shop.sql(f"TERMINATE QUERY {old};")
    with pytest.raises(SampleError, match=code):
        shop.sql(f"INSERT INTO dst {body}\n{resume_clause(old)};")
    assert not [q for q in shop.sql("LIST QUERIES;") if q[4] != "terminated"], "nothing started"
