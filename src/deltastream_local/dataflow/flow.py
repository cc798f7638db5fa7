"""Which queries run, when: a query when it starts, and every running query reading an entity when a record is
written to it; a query's new results in its sink's entity run the queries reading that one in turn (each query once
per write, so a cycle ends). Runs inside the statement's transaction: a write and everything it causes are one.

A query the local engine cannot evaluate (a function DuckDB lacks, a form not translated) keeps running as
DeltaStream would run it; its sink gets nothing and the reason is kept in ``dataflow_errors`` (``errors()``)."""

from __future__ import annotations

import json
import logging
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ..dsql.tree import Select
from . import records as r
from .evaluate import Evaluation
from .translate import TranslationError, translate

TABLES = (
    """CREATE TABLE IF NOT EXISTS dataflow_outputs (
    query_id TEXT NOT NULL, store_name TEXT NOT NULL, path TEXT NOT NULL, seq INTEGER NOT NULL,
    PRIMARY KEY (store_name, path, seq),
    FOREIGN KEY (store_name, path, seq) REFERENCES entity_records(store_name, path, seq) ON DELETE CASCADE)""",
    "CREATE TABLE IF NOT EXISTS dataflow_errors (query_id TEXT PRIMARY KEY, message TEXT NOT NULL)",
)
#: The states of a query whose records flow (a query that is starting already reads its sources).
FLOWING = ("running", "starting")
log = logging.getLogger("deltastream_local.dataflow")


def records_written(db: sqlite3.Connection, store: str, path: str, now: float) -> None:
    """Run the queries reading this entity (``path`` as the entities table keys it)."""
    _run(db, _readers(db, {(store, path)}), now)


def query_started(db: sqlite3.Connection, query_id: str, now: float) -> None:
    """Run a query that has just started over the records its sources hold."""
    _run(db, [query_id], now)


def errors(db: sqlite3.Connection) -> dict[str, str]:
    """Why each query that could not be evaluated was not, by query id."""
    return {row[0]: row[1] for row in db.execute("SELECT query_id, message FROM dataflow_errors ORDER BY query_id")}


def _run(db: sqlite3.Connection, pending: list[str], now: float) -> None:
    done: set[str] = set()
    while pending:
        query_id = pending.pop(0)
        if query_id in done:
            continue
        done.add(query_id)
        written = _evaluate(db, query_id, now)
        if written:
            pending.extend(q for q in _readers(db, set(written)) if q not in done)


def _readers(db: sqlite3.Connection, entities: set[tuple[str, str]]) -> list[str]:
    """The flowing queries reading a relation over one of these entities, oldest first."""
    found = []
    for query_id, sources in db.execute(
            f"SELECT id, sources FROM queries WHERE current_state IN ({', '.join('?' * len(FLOWING))}) "
            "ORDER BY created_at, id", FLOWING).fetchall():
        for path in json.loads(sources):
            try:
                source = r.relation(db, path)
            except r.RecordError:
                continue
            if (source.store, source.entity) in entities:
                found.append(query_id)
                break
    return found


def bind(name: tuple[str, ...], paths: list[list[str]]) -> list[str] | None:
    """A relation as the query names it (``s``, ``ns.s``, ``db.ns.s``), matched to one of ``paths``."""
    wanted = [x.lower() for x in name]
    return next((p for p in paths if [x.lower() for x in p[-len(name):]] == wanted), None)


@dataclass(frozen=True)
class _Step:
    """One statement of a query: its SELECT and where its result goes, a sink or a virtual relation."""

    select: Select
    sink: list[str] | None
    virtual: list[str] | None = None


@lru_cache(maxsize=256)
def _statement(sql: str) -> object:
    """The query's statement parsed again as the local server parsed it when the query started (once per text)."""
    from ..parser import parse

    return parse(sql)[0].statement


def _steps(sql: str, sinks: list[list[str]]) -> list[_Step]:
    """The query's statements; an application's physical sinks are in the order of its statements."""
    from ..families import relations as s

    statement = _statement(sql)
    if isinstance(statement, s.InsertInto | s.CreateRelationAs):
        return [_Step(statement.query.select, sinks[0])]
    if not isinstance(statement, s.BeginApplication):
        raise TranslationError(f"a {type(statement).__name__} is not a query")
    steps, physical = [], iter(sinks)
    for inner in statement.statements:
        if isinstance(inner, s.CreateRelationAs) and inner.virtual:
            steps.append(_Step(inner.query.select, None, list(inner.name.parts)))
        else:
            steps.append(_Step(inner.query.select, next(physical)))
    return steps


def _sinks(stored: str | None) -> list[list[str]]:
    value = json.loads(stored or "[]")
    return [value] if value and isinstance(value[0], str) else list(value)


def outputs(db: sqlite3.Connection, query_id: str) -> list[tuple[r.Relation, list[dict[str, Any]]]]:
    """The query's result over the records its sources hold now: records for each of its sinks."""
    row = db.execute("SELECT sql, sink, sources FROM queries WHERE id = ?", (query_id,)).fetchone()
    paths = json.loads(row["sources"])
    found: list[tuple[r.Relation, list[dict[str, Any]]]] = []
    with Evaluation() as evaluation:
        kept: list[list[str]] = []  # the virtual relations defined so far, table virtual_<i> each
        for n, step in enumerate(_steps(row["sql"], _sinks(row["sink"]))):
            query = translate(step.select, f"s{n}_")
            for i, loaded in enumerate(query.relations):
                virtual = bind(loaded.name, kept)
                path = bind(loaded.name, paths)
                if virtual is not None:
                    evaluation.reuse(query, i, f"virtual_{kept.index(virtual)}")
                elif path is not None:
                    source = r.relation(db, path)
                    evaluation.load(query, i, source, r.records(db, source))
                else:
                    raise TranslationError(f"relation {'.'.join(loaded.name)} is not one of the query's sources")
            if step.sink is None:
                evaluation.keep(query, f"virtual_{len(kept)}")
                kept.append(step.virtual or [])
            else:
                sink = r.relation(db, step.sink)
                found.append((sink, evaluation.rows(query, [c for c, _ in sink.columns])))
    return found


def _evaluate(db: sqlite3.Connection, query_id: str, now: float) -> list[tuple[str, str]]:
    """Evaluate one query into its sinks; the sinks' entities. A materialized view holds no records: a SELECT of
    it evaluates its query (``views``)."""
    row = db.execute("SELECT sink FROM queries WHERE id = ?", (query_id,)).fetchone()
    try:
        sinks = [r.relation(db, path) for path in _sinks(row["sink"])]
        if all(sink.kind == "materialized_view" for sink in sinks):
            return []
        written = [(r.entity_of(db, sink), rows) for sink, rows in outputs(db, query_id)
                   if sink.kind != "materialized_view"]
    except (TranslationError, r.RecordError) as exc:
        log.warning("query %s is not evaluated: %s", query_id, exc)
        db.execute("INSERT OR REPLACE INTO dataflow_errors VALUES (?, ?)", (query_id, str(exc)))
        return []
    db.execute("DELETE FROM dataflow_errors WHERE query_id = ?", (query_id,))
    return r.write_outputs(db, query_id, written, now)
