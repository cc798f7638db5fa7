"""Compute pools: sized compute DeltaStream runs queries on, known by name and listed by ``LIST COMPUTE_POOLS``.

A pool has an intended state (``running`` from its create or a ``START``, ``stopped`` from a ``STOP``) and an
actual one that follows it over the clock: ``starting`` then ``running``, ``stopping`` then ``stopped``, each for
``pool_transition_s`` (a knob; 0: at once). A pool whose name matches ``errored_pools`` fails to start: it ends
``errored`` with its reason in ``ErrorMessages``. Only a stopped (or errored) pool can be dropped. A statement
request naming a pool (``computePool``) that does not exist is refused (:func:`require_session_pool`). Its size
and timeout are kept as given; an update merges the keys it names.
"""

from __future__ import annotations

import json
import re
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
compute_pools_start: START COMPUTE_POOL ident
compute_pools_stop: STOP COMPUTE_POOL ident
COMPUTE_POOL: "COMPUTE_POOL"i
START: "START"i
STOP: "STOP"i
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS compute_pools (
    name TEXT PRIMARY KEY, owner TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    properties TEXT NOT NULL DEFAULT '{}', intended_state TEXT NOT NULL, actual_state TEXT NOT NULL,
    error TEXT NOT NULL DEFAULT '', next_state TEXT, next_error TEXT, transition_at REAL);
"""

SETTLE = ("UPDATE compute_pools SET actual_state = next_state, error = next_error, updated_at = :stamp, "
          "next_state = NULL, next_error = NULL, transition_at = NULL "
          "WHERE next_state IS NOT NULL AND transition_at <= :now",)

#: Missing: the Go client's InvalidComputePool; taken: its DuplicateComputePool.
POOLS = Named("compute_pools", "compute pool", missing="3D023", duplicate="42P019")
#: The Go client's ComputePoolNotReady, answered to a DROP of a pool that is not stopped (which code DeltaStream
#: answers there is not shown).
NOT_STOPPED = "3E004"
SIZES = ("small", "medium", "large")
KEYS = {"compute_pool.size", "compute_pool.timeout_min"}
DROPPABLE = ("stopped", "errored")


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


@dataclass(frozen=True)
class StartComputePool:
    name: str


@dataclass(frozen=True)
class StopComputePool:
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


def _heading(call: Call, name: str, intended: str) -> tuple[str, str, str | None, str | None, float | None]:
    """(actual state now, its error, the state later, that one's error, when): a start goes through ``starting``,
    a stop through ``stopping``, for ``pool_transition_s``; a start of a pool ``errored_pools`` names ends
    ``errored``."""
    final, error = intended, ""
    pattern = call.knobs.errored_pools
    if intended == "running" and pattern and re.search(pattern, name):
        final, error = "errored", f"compute pool {name!r} failed to start: no capacity for its size (injected)"
    delay = call.knobs.pool_transition_s
    if delay <= 0:
        return final, error, None, None, None
    return ("starting" if intended == "running" else "stopping"), "", final, error, call.now + delay


def _set(call: Call, name: str, intended: str) -> None:
    actual, error, later, later_error, at = _heading(call, name, intended)
    call.db.execute("""UPDATE compute_pools SET intended_state = ?, actual_state = ?, error = ?, next_state = ?,
                       next_error = ?, transition_at = ?, updated_at = ? WHERE name = ?""",
                    (intended, actual, error, later, later_error, at, timestamp(call.now), name))


def create(call: Call, st: CreateComputePool) -> Outcome:
    POOLS.refuse_taken(call, st.name)
    props = _checked(st.properties or {})
    stamp = timestamp(call.now)
    call.db.execute("INSERT INTO compute_pools (name, owner, created_at, updated_at, properties, intended_state, "
                    "actual_state) VALUES (?, ?, ?, ?, ?, 'running', 'starting')",
                    (st.name, call.session.owner, stamp, stamp, json.dumps(props, sort_keys=True)))
    _set(call, st.name, "running")
    return call.done()


def update(call: Call, st: UpdateComputePool) -> Outcome:
    row = POOLS.row(call, st.name)
    merged = {**json.loads(row["properties"]), **_checked(st.properties)}
    call.db.execute("UPDATE compute_pools SET properties = ?, updated_at = ? WHERE name = ?",
                    (json.dumps(merged, sort_keys=True), timestamp(call.now), st.name))
    return call.done()


def start(call: Call, st: StartComputePool) -> Outcome:
    """A pool already running or starting is left as it is (liberal: whether DeltaStream refuses is not shown)."""
    row = POOLS.row(call, st.name)
    if not (row["intended_state"] == "running" and row["actual_state"] in ("running", "starting")):
        _set(call, st.name, "running")
    return call.done()


def stop(call: Call, st: StopComputePool) -> Outcome:
    """A pool already stopped or stopping is left as it is (liberal, as :func:`start`)."""
    row = POOLS.row(call, st.name)
    if not (row["intended_state"] == "stopped" and row["actual_state"] in ("stopped", "stopping")):
        _set(call, st.name, "stopped")
    return call.done()


def drop(call: Call, st: DropComputePool) -> Outcome:
    row = POOLS.row(call, st.name)
    if row["actual_state"] not in DROPPABLE:
        raise SqlFailure(NOT_STOPPED, f"compute pool {st.name!r} is {row['actual_state']}; stop it "
                                      "(STOP COMPUTE_POOL) and wait until it is stopped before dropping it")
    call.db.execute("DELETE FROM compute_pools WHERE name = ?", (st.name,))
    return call.done()


def require_session_pool(call: Call) -> None:
    """The pool a statement request names (``computePool``) must exist, as the database of ``USE`` must."""
    if call.session.compute_pool:
        POOLS.row(call, call.session.compute_pool)


def listed(call: Call, _: ListObjects) -> Outcome:
    """``LIST COMPUTE_POOLS``: the columns DeltaStream's Python SDK reads from it."""
    rows = []
    for row in call.db.execute("SELECT * FROM compute_pools ORDER BY name"):
        props = json.loads(row["properties"])
        size = str(props.get("compute_pool.size", "small")).upper()
        rows.append((row["name"], row["intended_state"], row["actual_state"], row["error"], size,
                     props.get("compute_pool.timeout_min"), row["owner"], row["created_at"], row["updated_at"]))
    return call.done([("Name", VARCHAR), ("IntendedState", VARCHAR), ("ActualState", VARCHAR),
                      ("ErrorMessages", VARCHAR), ("Size", VARCHAR), ("Timeout", "INTEGER"), ("Owner", VARCHAR),
                      ("CreatedAt", TS), ("UpdatedAt", TS)], rows)


FAMILY = Family(
    grammar=GRAMMAR,
    statements={"compute_pools_create": CreateComputePool, "compute_pools_update": UpdateComputePool,
                "compute_pools_drop": DropComputePool, "compute_pools_start": StartComputePool,
                "compute_pools_stop": StopComputePool},
    handlers={CreateComputePool: create, UpdateComputePool: update, DropComputePool: drop,
              StartComputePool: start, StopComputePool: stop},
    lists={"COMPUTE_POOLS": listed},
    schema=SCHEMA,
    settle=SETTLE,
    choices={
        "Compute pools": "`CREATE COMPUTE_POOL` takes only dbt's keys (`compute_pool.size`: `small`, `medium`, "
                         "`large`; `compute_pool.timeout_min`: a number), anything else `42601` (the SDK's `size`, "
                         "`min.units`, `max.units`, `auto.suspend` are shown only in its unit tests); a taken name "
                         "is `42P019` (the Go client's DuplicateComputePool; where DeltaStream answers it is not "
                         "shown); `LIST COMPUTE_POOLS` answers the SDK's columns `Name, IntendedState, ActualState, "
                         "ErrorMessages, Size, Timeout, Owner, CreatedAt, UpdatedAt`, `Size` upper-cased as in its "
                         "sample row (`SMALL` for a pool created without one: DeltaStream's default size is not "
                         "shown), `Timeout` in minutes as dbt's `compute_pool.timeout_min` gave it (the SDK's "
                         "mock rows show 300 and 600: its unit is not shown), `ErrorMessages` empty unless errored",
        "Compute pool states": "a create or `START COMPUTE_POOL` makes the intended state `running` and the actual "
                               "one `starting` then `running` (the SDK's rows show `running` and `stopped`; "
                               "`starting`, `stopping` and `errored` are guesses), `STOP COMPUTE_POOL` `stopping` "
                               "then `stopped`; a START of a running pool or a STOP of a stopped one succeeds and "
                               "changes nothing (liberal: not shown); `DROP COMPUTE_POOL` of a pool not stopped "
                               "(or errored) is refused `3E004` (the Go client's ComputePoolNotReady; dbt's "
                               "lifecycle test says a pool is stopped before it is dropped, the code is a guess); a "
                               "pool name qualified by a schema (dbt's skipped test sends `STOP COMPUTE_POOL "
                               "<schema>.<pool>`) is a syntax error `42601`",
        "Compute pool of a statement": "a statement request whose `computePool` names no pool is refused `3D023` "
                                       "(the Go client's InvalidComputePool), whatever the statement; a stopped pool "
                                       "is not refused (liberal: the Go client's ComputePoolNotReady `3E004` may be "
                                       "DeltaStream's answer there) and the pool a statement ran in is not recorded",
    },
)
