"""API requests per provider operation, counted by the local server: the table in bench/results.md, asserted."""

from __future__ import annotations

from bench.provider_requests import measure
from testkit import TOKEN

from deltastream_local.runner import BackgroundServer

BUDGET = {
    "Database create": 2, "Database read": 1, "Namespace create": 2, "Namespace read": 1,
    "Store create": 2, "Store read": 2, "Store update": 2,
    # CREATE and the relation's SELECT (store type known; the columns are those it was created with); a read sends
    # the SELECT and DESCRIBE RELATION COLUMNS at once.
    "Object create": 2, "Object read": 2,
    "Query create": 3, "Query read": 1, "Check / Diff / preview (any)": 0,  # DESCRIBE, INSERT, SELECT
    # a replacing Diff reads what it would take down (issue 30): the relations, and the queries when there are any
    "Diff replacing what nothing depends on": 1, "Diff refusing a replacement": 2,
    "Query delete": 3,
    "Application create": 3, "Application read": 1, "Application delete": 3,  # DESCRIBE, BEGIN APPLICATION, SELECT
    "Secret create": 2, "Secret read": 1, "Secret delete": 2,  # no documented UPDATE SECRET: a change is refused
    "SchemaRegistry create": 2, "SchemaRegistry read": 1, "SchemaRegistry update": 2, "SchemaRegistry delete": 2,
    "Entity create": 2, "Entity read": 1, "Entity update": 2, "Entity delete": 2,  # the statement, a DESCRIBE ENTITY
    "Object delete": 2, "Store delete": 2, "Namespace delete": 2, "Database delete": 2,
}


async def test_requests_per_operation(local: BackgroundServer) -> None:
    counted = {label: requests for label, requests, _, _ in await measure(local, TOKEN)}
    assert counted == BUDGET
