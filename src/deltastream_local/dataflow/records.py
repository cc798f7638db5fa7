"""A relation's records: where they are kept (its store's entity, the topic named by its ``'topic'`` property or
its own name), read as JSON documents, and the records a query writes into its sink's entity."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..catalog import timestamp

#: Records kept per entity, the newest.
KEPT_RECORDS = 10_000


def append_record(db: sqlite3.Connection, store: str, path: str, value: str, now: float) -> int:
    """Append a record to an entity (``path`` as the entities table keys it) and return its sequence number; the
    oldest go past KEPT_RECORDS."""
    seq: int = db.execute("SELECT COALESCE(MAX(seq), 0) + 1 FROM entity_records WHERE store_name = ? AND path = ?",
                          (store, path)).fetchone()[0]
    db.execute("INSERT INTO entity_records VALUES (?, ?, ?, ?, ?)", (store, path, seq, value, timestamp(now)))
    db.execute("DELETE FROM entity_records WHERE store_name = ? AND path = ? AND seq <= ?",
               (store, path, seq - KEPT_RECORDS))
    return seq


class RecordError(Exception):
    """A relation or record the dataflow cannot use, with the reason."""


@dataclass(frozen=True)
class Relation:
    path: tuple[str, str, str]
    kind: str
    store: str | None  # none for a materialized view, whose records are its query's result
    entity: str  # the path of its entity (JSON, as the entities table keys it)
    columns: list[tuple[str, str]]  # (name, type)
    primary_key: tuple[str, ...]
    time_column: str | None  # the 'timestamp' property: the column of event time


@dataclass(frozen=True)
class Record:
    seq: int
    value: dict[str, Any]
    written_ms: int  # when it was written (its Kafka timestamp), the event time of a relation without 'timestamp'


def relation(db: sqlite3.Connection, path: list[str] | tuple[str, ...]) -> Relation:
    """The relation at ``path`` with its columns and entity."""
    row = db.execute("SELECT * FROM relations WHERE database_name = ? AND schema_name = ? AND name = ?",
                     tuple(path)).fetchone()
    if row is None:
        raise RecordError(f"relation {'.'.join(path)} does not exist")
    properties = json.loads(row["properties"])
    columns = [(c[0], c[1]) for c in db.execute(
        "SELECT name, type FROM relation_columns WHERE relation_id = ? ORDER BY ordinal", (row["id"],))]
    return Relation((row["database_name"], row["schema_name"], row["name"]), row["relation_type"], row["store_name"],
                    json.dumps([str(properties.get("topic", row["name"]))]), columns,
                    tuple(json.loads(row["primary_key"] or "[]")), properties.get("timestamp"))


def _millis(text: str) -> int:
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp() * 1000)


def records(db: sqlite3.Connection, source: Relation) -> list[Record]:
    """The records of a relation's entity, oldest first (a null one has nothing to read: the local server keeps no
    record keys); a changelog keeps the newest record of each primary key (an upsert)."""
    if source.store is None:
        raise RecordError(f"relation {'.'.join(source.path)} is kept in no store")
    found: list[Record] = []
    for seq, value, written_at in db.execute(
            "SELECT seq, value, written_at FROM entity_records WHERE store_name = ? AND path = ? ORDER BY seq",
            (source.store, source.entity)):
        document = json.loads(value)
        if document is not None and not isinstance(document, dict):
            raise RecordError(f"record {seq - 1} of {'.'.join(source.path)} is not a JSON object")
        if document is not None:
            found.append(Record(seq, document, _millis(written_at)))
    if source.kind != "changelog" or not source.primary_key:
        return found
    latest: dict[tuple[Any, ...], Record] = {}
    for record in found:
        key = tuple(json.dumps(record.value.get(k)) for k in source.primary_key)
        latest.pop(key, None)  # an upserted key moves to where it was last written
        latest[key] = record
    return list(latest.values())


def entity_of(db: sqlite3.Connection, sink: Relation) -> tuple[str, str]:
    """The store and entity a query writes its records to; it must exist."""
    if sink.store is None or db.execute("SELECT 1 FROM entities WHERE store_name = ? AND path = ?",
                                        (sink.store, sink.entity)).fetchone() is None:
        raise RecordError(f"the sink's entity {sink.entity} does not exist in store {sink.store!r}")
    return sink.store, sink.entity


def write_outputs(db: sqlite3.Connection, query_id: str, outputs: list[tuple[tuple[str, str], list[dict[str, Any]]]],
                  now: float) -> list[tuple[str, str]]:
    """The query's records in its sinks' entities become ``outputs``; the entities whose records changed. Where
    what it wrote before begins the new result (a per-record query, new records in), only the rest is appended, so
    records keep their offsets; otherwise its records there are taken out and the result written anew (records
    others wrote stay)."""
    changed = []
    for entity, rows in outputs:
        before = db.execute("""SELECT r.seq, r.value FROM dataflow_outputs o JOIN entity_records r
                               USING (store_name, path, seq) WHERE o.query_id = ? AND o.store_name = ? AND o.path = ?
                               ORDER BY r.seq""", (query_id, *entity)).fetchall()
        values = [json.dumps(row) for row in rows]
        if [value for _, value in before] == values[:len(before)]:
            values = values[len(before):]
        else:
            db.executemany("DELETE FROM entity_records WHERE store_name = ? AND path = ? AND seq = ?",
                           [(*entity, seq) for seq, _ in before])
        for value in values:
            seq = append_record(db, *entity, value, now)
            db.execute("INSERT INTO dataflow_outputs VALUES (?, ?, ?, ?)", (query_id, *entity, seq))
        if values or len(before) != len(rows):
            changed.append(entity)
    return changed
