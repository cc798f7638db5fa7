"""Compute pools: sized compute DeltaStream runs queries on, known by name and listed by ``LIST COMPUTE_POOLS``.

A pool is ``running`` from its create (``START``/``STOP COMPUTE_POOL`` are not served). Its size and timeout are kept
as given; an update merges the keys it names.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from ..catalog import TS, timestamp
from ..property_values import refuse_nulls
from ..results import VARCHAR, Outcome, SqlFailure
from ..statements import ListObjects, PropertyValue
from . import Call, Family, Named

GRAMMAR = """
compute_pools_create: CREATE COMPUTE_POOL ident [with_clause]
compute_pools_update: UPDATE COMPUTE_POOL ident with_clause
compute_pools_drop: DROP COMPUTE_POOL ident
COMPUTE_POOL: "COMPUTE_POOL"i
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS compute_pools (
    name TEXT PRIMARY KEY, owner TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    properties TEXT NOT NULL DEFAULT '{}');
"""

POOLS = Named("compute_pools", "compute pool", missing="3D023", duplicate="42710")
SIZES = ("small", "medium", "large")
KEYS = {"compute_pool.size", "compute_pool.timeout_min"}


@dataclass(frozen=True)
class CreateComputePool:
    name: str
    properties: dict[str, PropertyValue] | None = None


@dataclass(frozen=True)
class UpdateComputePool:
    name: str
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class DropComputePool:
    name: str


def _checked(props: dict[str, PropertyValue]) -> dict[str, PropertyValue]:
    refuse_nulls(props)
    unknown = sorted(set(props) - KEYS)
    if unknown:
        raise SqlFailure("42601", f"unknown compute pool parameter {unknown[0]!r}")
    size = props.get("compute_pool.size")
    if size is not None and str(size).lower() not in SIZES:
        raise SqlFailure("22023", f"invalid compute_pool.size {size!r}: one of {', '.join(SIZES)}")
    timeout = props.get("compute_pool.timeout_min")
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int)):
        raise SqlFailure("22023", f"invalid compute_pool.timeout_min {timeout!r}: a number of minutes")
    return props


def create(call: Call, st: CreateComputePool) -> Outcome:
    POOLS.refuse_taken(call, st.name)
    props = _checked(st.properties or {})
    stamp = timestamp(call.now)
    call.db.execute("INSERT INTO compute_pools VALUES (?, ?, ?, ?, ?)",
                    (st.name, call.session.owner, stamp, stamp, json.dumps(props, sort_keys=True)))
    return call.done()


def update(call: Call, st: UpdateComputePool) -> Outcome:
    row = POOLS.row(call, st.name)
    merged = {**json.loads(row["properties"]), **_checked(st.properties)}
    call.db.execute("UPDATE compute_pools SET properties = ?, updated_at = ? WHERE name = ?",
                    (json.dumps(merged, sort_keys=True), timestamp(call.now), st.name))
    return call.done()


def drop(call: Call, st: DropComputePool) -> Outcome:
    POOLS.row(call, st.name)
    call.db.execute("DELETE FROM compute_pools WHERE name = ?", (st.name,))
    return call.done()


def listed(call: Call, _: ListObjects) -> Outcome:
    """``LIST COMPUTE_POOLS``: the columns DeltaStream's Python SDK reads from it."""
    rows = []
    for row in call.db.execute("SELECT * FROM compute_pools ORDER BY name"):
        props = json.loads(row["properties"])
        size = str(props.get("compute_pool.size", "small")).upper()
        rows.append((row["name"], "running", "running", "", size, props.get("compute_pool.timeout_min"),
                     row["owner"], row["created_at"], row["updated_at"]))
    return call.done([("Name", VARCHAR), ("IntendedState", VARCHAR), ("ActualState", VARCHAR),
                      ("ErrorMessages", VARCHAR), ("Size", VARCHAR), ("Timeout", "INTEGER"), ("Owner", VARCHAR),
                      ("CreatedAt", TS), ("UpdatedAt", TS)], rows)


FAMILY = Family(
    grammar=GRAMMAR,
    statements={"compute_pools_create": CreateComputePool, "compute_pools_update": UpdateComputePool,
                "compute_pools_drop": DropComputePool},
    handlers={CreateComputePool: create, UpdateComputePool: update, DropComputePool: drop},
    lists={"COMPUTE_POOLS": listed},
    schema=SCHEMA,
    choices={"Compute pools": "`CREATE COMPUTE_POOL` takes only dbt's keys (`compute_pool.size`: `small`, `medium`, "
                              "`large`; `compute_pool.timeout_min`: a number), anything else `42601`; a pool is "
                              "`running` at once (`START`/`STOP COMPUTE_POOL` are not served); a taken name is "
                              "`42710` (the SQLSTATE is a guess: none is shown); `LIST COMPUTE_POOLS` answers the "
                              "SDK's columns `Name, IntendedState, ActualState, ErrorMessages, Size, Timeout, Owner, "
                              "CreatedAt, UpdatedAt`, `Size` upper-cased as in its sample row, `Timeout` as given in "
                              "minutes"},
)
