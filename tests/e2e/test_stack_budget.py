"""The request budget of the benchmark's stack (bench/stack.py), counted by the local server.

1 database, 5 namespaces, 2 Kafka stores, 40 streams and 10 queries: the first preview one `CAN I` per organization
privilege the plan needs (the session's check among them) and a DESCRIBE per query, `up` at most 2.5 API requests
per resource, a no-change preview none, and refresh one SELECT per group of rows it reads (the two stores also their
DESCRIBE STORE: their settings are nowhere else; an object's columns only once it was re-created).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from bench.stack import plugin_folder, program, resources

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e


def test_the_benchmark_stack_keeps_its_request_budget(stack: Stack, local: BackgroundServer,
                                                       tmp_path: Path) -> None:
    def sent(step: Callable[[], Any]) -> dict[str, int]:
        before = Counter(local.server.counters.statements)
        step()
        return dict(Counter(local.server.counters.statements) - before)

    stack.write(program(40, plugin_folder(tmp_path)))
    stack.run("stack", "init", "dev")
    # The first preview: CAN I CREATE_DATABASE (also the session's check), CREATE_STORE, CREATE_QUERY (issue 31), and
    # each new query's DESCRIBE, which fails the preview on SQL DeltaStream refuses (issue 33).
    assert sent(stack.preview) == {"CanI": 3, "DescribePlan": 10}
    up = sent(stack.up)
    assert up == {"CreateDatabase": 1, "CreateSchema": 5, "CreateStore": 2, "CreateRelation": 40,
                  "DescribePlan": 10, "InsertInto": 10, "Select": 58}
    assert sum(up.values()) <= 2.5 * resources(40) == 145
    assert sent(lambda: stack.preview("--expect-no-changes")) == {}
    # One SELECT per group a refresh reads (databases, the database's namespaces, stores, the database's relations,
    # the running queries), the stores' settings, and no columns: no relation was re-created.
    assert sent(lambda: stack.run("refresh", "--yes", "--skip-preview")) == {"Select": 5, "DescribeStore": 2}
    # As users type it: the preview pass is a process of its own, reading the same.
    assert sent(lambda: stack.run("refresh", "--yes")) == {"Select": 10, "DescribeStore": 4}
