"""What an interactive ``SELECT`` of a relation answers: the records of a stream or changelog, or for a materialized
view the result of the query that keeps it, evaluated over the records its sources hold at the moment of the SELECT
(a view holds no records of its own here); filtered, ordered and limited as the SELECT says."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .. import statements as s
from ..results import SqlFailure
from . import records as r
from .flow import FLOWING, outputs
from .translate import TranslationError


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


def relation_rows(db: sqlite3.Connection, path: list[str], st: s.Select) -> list[dict[str, Any]]:
    """What an interactive SELECT of a relation answers: a stream's records, a changelog's newest record per key,
    a materialized view's query result over the records its sources hold now (none while no query keeps it);
    filtered, ordered and limited as the SELECT says. A view whose query the local engine cannot evaluate is
    ``0A000`` with the reason."""
    relation = r.relation(db, path)
    if relation.kind != "materialized_view":
        columns = [c for c, _ in relation.columns]
        rows = [_as_columns(record.value, columns) for record in r.records(db, relation)]
    elif (query_id := _keeper(db, path)) is None:
        rows = []
    else:
        try:
            rows = next((found for sink, found in outputs(db, query_id) if list(sink.path) == path), [])
        except (TranslationError, r.RecordError) as exc:
            raise SqlFailure("0A000", f"the local server cannot compute materialized view {s.Name(tuple(path))}: "
                                      f"{exc}") from None
    rows = [row for row in rows if all(_matches(row, p) for p in st.where)]
    for column, descending in reversed(st.order_by):
        rows.sort(key=lambda row: (row.get(column.column) is not None, row.get(column.column)), reverse=descending)
    return rows if st.limit is None else rows[:st.limit]
