"""Which queries run, when: a query when it starts, and every running query reading an entity when a record is
written to it; a query's new results in its sink's entity run the queries reading that one in turn (each query once
per write, so a cycle ends). Runs inside the statement's transaction: a write and everything it causes are one.

A query the local engine cannot evaluate (a function DuckDB lacks, a form not translated) keeps running as
DeltaStream would run it; its sink gets nothing and the reason is kept in ``dataflow_errors`` (``errors()``)."""

from __future__ import annotations

import json
import logging
import sqlite3
from typing import Any

from ..dsql.tree import Select
from . import records as r
from .evaluate import evaluate
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
        if written is not None:
            pending.extend(q for q in _readers(db, {written}) if q not in done)


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


def _bind(names: list[tuple[str, ...]], paths: list[list[str]]) -> list[list[str]]:
    """Each relation as the query names it (``s``, ``ns.s``, ``db.ns.s``), matched to a source the plan read."""
    bound = []
    for name in names:
        matches = [p for p in paths if [x.lower() for x in p[-len(name):]] == [x.lower() for x in name]]
        if not matches:
            raise TranslationError(f"relation {'.'.join(name)} is not one of the query's sources")
        bound.append(matches[0])
    return bound


def _select(sql: str) -> Select:
    """The SELECT of the query's statement, parsed again as the local server parsed it when the query started."""
    from .. import statements as s
    from ..parser import parse

    statement = parse(sql)[0].statement
    if isinstance(statement, s.InsertInto | s.CreateRelationAs):
        return statement.query.select
    raise TranslationError("the statements of an application are not evaluated by the local server")


def results(db: sqlite3.Connection, query_id: str, sink: r.Relation) -> list[dict[str, Any]]:
    """The query's result over the records its sources hold now, as records of ``sink``."""
    row = db.execute("SELECT sql, sources FROM queries WHERE id = ?", (query_id,)).fetchone()
    query = translate(_select(row["sql"]))
    paths = _bind([loaded.name for loaded in query.relations], json.loads(row["sources"]))
    sources = [r.relation(db, p) for p in paths]
    return evaluate(query, sources, [r.records(db, s) for s in sources], [c for c, _ in sink.columns])


def _evaluate(db: sqlite3.Connection, query_id: str, now: float) -> tuple[str, str] | None:
    """Evaluate one query into its sink; the sink's entity if its records changed. A materialized view holds no
    records: a SELECT of it evaluates its query (``views``)."""
    row = db.execute("SELECT sink FROM queries WHERE id = ?", (query_id,)).fetchone()
    sinks = json.loads(row["sink"] or "[]")
    sinks = [sinks] if sinks and isinstance(sinks[0], str) else sinks
    try:
        sink = r.relation(db, sinks[0])
        if sink.kind == "materialized_view":
            return None
        entity = r.entity_of(db, sink)
        rows = results(db, query_id, sink)
    except (TranslationError, r.RecordError) as exc:
        log.warning("query %s is not evaluated: %s", query_id, exc)
        db.execute("INSERT OR REPLACE INTO dataflow_errors VALUES (?, ?)", (query_id, str(exc)))
        return None
    db.execute("DELETE FROM dataflow_errors WHERE query_id = ?", (query_id,))
    r.replace_outputs(db, query_id, entity, rows, now)
    return entity
