"""What an interactive ``SELECT`` of a relation answers: the records of a stream or changelog, or for a materialized
view the result of the query that keeps it, evaluated over the records its sources hold at the moment of the SELECT
(a view holds no records of its own here); filtered, ordered and limited as the SELECT says."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .. import statements as s
from ..dsql.tree import Select
from ..results import SqlFailure
from . import records as r
from .evaluate import Evaluation
from .flow import FLOWING, bind, outputs
from .translate import TranslationError, translate


def _keeper(db: sqlite3.Connection, path: list[str]) -> str | None:
    """The newest flowing query writing the view."""
    for query_id, sink in db.execute(
            f"SELECT id, sink FROM queries WHERE current_state IN ({', '.join('?' * len(FLOWING))}) "
            "ORDER BY created_at DESC, id DESC", FLOWING).fetchall():
        sinks = json.loads(sink or "[]")
        if path in ([sinks] if sinks and isinstance(sinks[0], str) else sinks):
            return str(query_id)
    return None


def _matches(row: dict[str, Any], predicate: s.Predicate) -> bool:
    def text(column: s.ColumnRef) -> str | None:
        value = row.get(column.column)
        return None if value is None else str(value).lower() if isinstance(value, bool) else str(value)

    if isinstance(predicate, s.Eq):
        return text(predicate.column) == predicate.value
    if isinstance(predicate, s.In):
        return text(predicate.column) in predicate.values
    joined = [text(predicate.columns[0])]
    for separator, column in zip(predicate.separators, predicate.columns[1:], strict=False):
        joined += [separator, text(column)]
    return None not in joined and "".join(str(j) for j in joined) == predicate.value


def _as_columns(record: dict[str, Any], columns: list[str]) -> dict[str, Any]:
    """A record's fields under the relation's column names (JSON keys match them in any case)."""
    fields = {k.lower(): v for k, v in record.items()}
    return {c: fields.get(c.lower()) for c in columns}


def _view(db: sqlite3.Connection, path: list[str]) -> list[dict[str, Any]]:
    """A materialized view's rows: its keeping query's result now (none while no query keeps it)."""
    query_id = _keeper(db, path)
    if query_id is None:
        return []
    try:
        return next((found for sink, found in outputs(db, query_id) if list(sink.path) == path), [])
    except (TranslationError, r.RecordError) as exc:
        raise SqlFailure("0A000", f"the local server cannot compute materialized view {s.Name(tuple(path))}: "
                                  f"{exc}") from None


def _records(db: sqlite3.Connection, relation: r.Relation) -> list[r.Record]:
    """What a SELECT reads of a relation: a stream's records, a changelog's newest per key, a view's rows."""
    if relation.kind == "materialized_view":
        return [r.Record(i + 1, row, 0) for i, row in enumerate(_view(db, list(relation.path)))]
    return r.records(db, relation)


def relation_rows(db: sqlite3.Connection, path: list[str], st: s.Select) -> list[dict[str, Any]]:
    """What an interactive SELECT of one relation's columns answers: its rows (``_records``), filtered, ordered
    and limited as the SELECT says. A view whose query the local engine cannot evaluate is ``0A000``."""
    relation = r.relation(db, path)
    columns = [c for c, _ in relation.columns]
    rows = [_as_columns(record.value, columns) for record in _records(db, relation)]
    rows = [row for row in rows if all(_matches(row, p) for p in st.where)]
    for column, descending in reversed(st.order_by):
        rows.sort(key=lambda row: (row.get(column.column) is not None, row.get(column.column)), reverse=descending)
    return rows if st.limit is None else rows[:st.limit]


def select_rows(db: sqlite3.Connection, select: Select, paths: list[list[str]],
                columns: list[str]) -> list[list[Any]]:
    """What an interactive SELECT with expressions answers (``dsql`` checked it and resolved its relations to
    ``paths``): the SELECT evaluated over the rows of each relation it reads, as ``columns``."""
    try:
        query = translate(select)
        read = []  # before the evaluation: a view's rows take one of their own
        for loaded in query.relations:
            path = bind(loaded.name, paths)
            if path is None:
                raise r.RecordError(f"relation {'.'.join(loaded.name)} is not one the SELECT reads")
            relation = r.relation(db, path)
            read.append((relation, _records(db, relation)))
        with Evaluation() as evaluation:
            for i, (relation, records) in enumerate(read):
                evaluation.load(query, i, relation, records)
            found = evaluation.rows(query, columns)
    except (TranslationError, r.RecordError) as exc:
        raise SqlFailure("0A000", f"the local server cannot evaluate this SELECT: {exc}") from None
    return [[row.get(c) for c in columns] for row in found]
