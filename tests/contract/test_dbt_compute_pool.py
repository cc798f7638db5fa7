"""DeltaStream's dbt adapter (``dbt-deltastream`` 1.10.2, unchanged) runs its compute pool flow against the local
server: the flow of its own lifecycle test (``tests/functional/adapter/materialization/
test_compute_pool_full_lifecycle.py``, skipped there: "organization is not entitled to create a compute_pool"):
``run-operation create_sources`` with a ``compute_pool`` source (dbt's keys ``compute_pool.size`` and
``compute_pool.timeout_min``), again with the timeout changed (an ``update compute_pool``), then ``STOP`` and
``DROP COMPUTE_POOL`` through ``run-operation run_query``; and a profile naming a compute pool (``compute_pool``,
sent as every statement request's ``computePool``).
"""

from __future__ import annotations

from pathlib import Path

from deltastream_local.runner import BackgroundServer
from tests.contract.test_dbt_adapter import dbt, failures, passes, project, run_sql, write

SCHEMA = "public"
POOL = "it_pool_20250101_000000_000"


def sources(timeout: int) -> str:
    """dbt's lifecycle test's sources.yml, as it writes it."""
    return f"""
version: 2

sources:
  - name: integration_tests
    schema: {SCHEMA}
    tables:
      - name: {POOL}
        description: "Integration test compute pool for lifecycle testing"
        config:
          materialized: compute_pool
          parameters:
            'compute_pool.size': 'small'
            'compute_pool.timeout_min': {timeout}
"""


def run_query(root: Path, sql: str) -> tuple[bool, str]:
    """``dbt run-operation run_query --args "{sql: '...'}"``, as dbt's lifecycle test runs STOP and DROP."""
    result = dbt(root, "run-operation", "run_query", "--args", f"{{sql: '{sql}'}}")
    return result.success, "" if result.success else failures(result, root)


def pools(local: BackgroundServer) -> list[list[object]]:
    """Name, IntendedState, ActualState, Size and Timeout of each pool."""
    return [[row[0], row[1], row[2], row[4], row[5]] for row in run_sql(local, "LIST COMPUTE_POOLS;")]


def test_the_adapters_compute_pool_lifecycle(tmp_path: Path, local: BackgroundServer) -> None:
    root = project(tmp_path, local, models={}, sources=sources(5))
    passes(root, "run-operation", "create_sources")  # create compute_pool ... with (...)
    assert pools(local) == [[POOL, "running", "running", "SMALL", 5]]
    write(root / "models" / "sources.yml", sources(2))
    passes(root, "run-operation", "create_sources")  # found by LIST COMPUTE_POOLS: update compute_pool
    assert pools(local) == [[POOL, "running", "running", "SMALL", 2]]

    # Its STOP and DROP name the pool inside the test's schema; a pool is no schema's object, so both are refused
    # (dbt's test logs the failure and goes on).
    stopped, why = run_query(root, f"STOP COMPUTE_POOL {SCHEMA}.{POOL};")
    assert not stopped and "syntax error" in why  # 42601
    dropped, why = run_query(root, f"DROP COMPUTE_POOL {SCHEMA}.{POOL};")
    assert not dropped and "syntax error" in why
    assert pools(local) == [[POOL, "running", "running", "SMALL", 2]]

    # The same statements naming the pool alone: a running pool is stopped before it is dropped.
    dropped, why = run_query(root, f"DROP COMPUTE_POOL {POOL};")
    assert not dropped and f"compute pool '{POOL}' is running; stop it" in why  # 3E004
    assert run_query(root, f"STOP COMPUTE_POOL {POOL};") == (True, "")
    assert pools(local) == [[POOL, "stopped", "stopped", "SMALL", 2]]
    assert run_query(root, f"DROP COMPUTE_POOL {POOL};") == (True, "")
    assert pools(local) == []


def test_a_profile_naming_a_compute_pool(tmp_path: Path, local: BackgroundServer) -> None:
    """The profile's ``compute_pool`` is sent with every statement: one that does not exist is refused (3D023)."""
    root = project(tmp_path, local, models={}, sources=sources(5))
    profile = root / "profiles.yml"
    profile.write_text(profile.read_text().replace("threads: 1", "threads: 1\n      compute_pool: etl_pool"))
    result = dbt(root, "run-operation", "create_sources")
    assert not result.success and "compute pool 'etl_pool' does not exist" in failures(result, root)
    assert pools(local) == []
    run_sql(local, 'CREATE COMPUTE_POOL "etl_pool";')
    passes(root, "run-operation", "create_sources")
    assert [pool[0] for pool in pools(local)] == ["etl_pool", POOL]
