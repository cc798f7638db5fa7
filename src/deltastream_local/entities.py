"""Entities: what a store holds, addressed by a path (a Kafka topic, a Kinesis stream, a database or schema of a
SQL store). The path's depth at which an entity is a leaf (holds data) depends on the store's type."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from . import dataflow
from . import statements as s
from .catalog import dumps, timestamp
from .results import BOOLEAN, VARCHAR, Outcome, SessionState, SqlFailure

#: How deep a store's paths go: a topic or stream at once; a PostgreSQL schema.table; a Snowflake db.schema.table.
LEAF_DEPTH = {"Kafka": 1, "ConfluentKafka": 1, "Kinesis": 1, "Postgres": 2, "Snowflake": 3}
KAFKA_TYPES = ("Kafka", "ConfluentKafka")
KAFKA_DEFAULTS = {"kafka.partitions": 1, "kafka.replicas": 1}
#: Records written with INSERT INTO ENTITY or by a query, kept per entity (the newest KEPT_RECORDS); PRINT ENTITY
#: returns them; the dataflow's tables follow.
TABLES = ('''CREATE TABLE IF NOT EXISTS entity_records (
    store_name TEXT NOT NULL, path TEXT NOT NULL, seq INTEGER NOT NULL, value TEXT NOT NULL, written_at TEXT NOT NULL,
    PRIMARY KEY (store_name, path, seq),
    FOREIGN KEY (store_name, path) REFERENCES entities(store_name, path) ON DELETE CASCADE)''', *dataflow.TABLES)
PRINTED_RECORDS = 100


def _positive(key: str, value: Any) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise SqlFailure("3D008", f"parameter {key!r} takes a positive whole number, not {value!r}")
    return value


def _entity_properties(store_type: str, props: dict[str, Any]) -> dict[str, Any]:
    """The WITH parameters an entity of this store type takes, checked; topic configs become strings."""
    checked: dict[str, Any] = {}
    for key, value in props.items():
        counted = key in KAFKA_DEFAULTS if store_type in KAFKA_TYPES else key == "kinesis.shards"
        if counted and store_type in (*KAFKA_TYPES, "Kinesis"):
            checked[key] = _positive(key, value)
        elif store_type in KAFKA_TYPES and key.startswith("kafka.topic.") and value is not None:
            checked[key] = str(value).lower() if isinstance(value, bool) else str(value)
        else:
            raise SqlFailure("3D008", f"parameter {key!r} is not a parameter of an entity in a {store_type} store")
    return checked


def _store_parameter(ref: s.EntityRef, props: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The store an entity statement names (``IN STORE s``, else a ``'store'`` WITH parameter, which dbt's
    source macros send) and the other parameters."""
    rest = {k: v for k, v in props.items() if k != "store"}
    given = props.get("store")
    named = given.name if isinstance(given, s.Identifier) else given if isinstance(given, str) else None
    return ref.store or named, rest


class Entities:
    """Statement handlers for entities (mixed into the engine)."""

    def _entity_store(self, db: sqlite3.Connection, store: str | None, session: SessionState) -> tuple[str, str]:
        """The store named (or the session's) and its type; it must be ready."""
        name = store or session.store
        if name is None:
            raise SqlFailure("3D006", "no store is given: add IN STORE <store> or set the session store")
        row = db.execute("SELECT type, status FROM stores WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise SqlFailure("3D006", f"store {name!r} does not exist")
        if row["status"] != "ready":
            raise SqlFailure("3E001", f"store {name!r} is not ready (status {row['status']})")
        return name, row["type"]

    def _entity_row(self, db: sqlite3.Connection, store: str, path: tuple[str, ...]) -> sqlite3.Row:
        row: sqlite3.Row | None = db.execute("SELECT * FROM entities WHERE store_name = ? AND path = ?",
                                             (store, json.dumps(list(path)))).fetchone()
        if row is None:
            # 3D020, not Go's declared 3D007 (InvalidTopic): dbt's get_entity takes only 3D020 or 3D008 as "not found".
            raise SqlFailure("3D020", f"entity {s.Name(path)} does not exist in store {store!r}")
        return row

    def _create_entity(self, db: sqlite3.Connection, st: s.CreateEntity, session: SessionState,
                       **kw: Any) -> Outcome:
        named, properties = _store_parameter(st.entity, st.properties)
        store, kind = self._entity_store(db, named, session)
        path = st.entity.path
        depth = LEAF_DEPTH.get(kind, 1)
        if len(path) > depth:
            raise SqlFailure("3D008", f"entity {s.Name(path)} is {len(path)} levels deep; a {kind} store's entities "
                                      f"are at most {depth}")
        if kind in ("Postgres", "Snowflake") and len(path) == depth:
            raise SqlFailure("0A000", f"a {kind} table is created with CREATE TABLE, not CREATE ENTITY")
        if len(path) > 1:
            self._entity_row(db, store, path[:-1])
        if db.execute("SELECT 1 FROM entities WHERE store_name = ? AND path = ?",
                      (store, json.dumps(list(path)))).fetchone():
            raise SqlFailure("42710", f"entity {s.Name(path)} already exists in store {store!r}")
        props = _entity_properties(kind, properties)
        if kind in KAFKA_TYPES:
            props = {**KAFKA_DEFAULTS, **props}
        elif kind == "Kinesis":
            props = {"kinesis.shards": 1, **props}
        db.execute("INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (store, json.dumps(list(path)), json.dumps(list(path[:-1])), path[-1], int(len(path) == depth),
                    dumps(props), timestamp(kw["now"])))
        return Outcome([], [], session)

    def _update_entity(self, db: sqlite3.Connection, st: s.UpdateEntity, session: SessionState,
                       **kw: Any) -> Outcome:
        """Kafka: more partitions and topic configs (replicas are fixed); Kinesis: any number of shards."""
        named, properties = _store_parameter(st.entity, st.properties)
        store, kind = self._entity_store(db, named, session)
        row = self._entity_row(db, store, st.entity.path)
        current = json.loads(row["properties"])
        changes = _entity_properties(kind, properties)
        if changes.get("kafka.replicas", current.get("kafka.replicas")) != current.get("kafka.replicas"):
            raise SqlFailure("3D008", "a topic's 'kafka.replicas' cannot be changed")
        if changes.get("kafka.partitions", current.get("kafka.partitions", 0)) < current.get("kafka.partitions", 0):
            raise SqlFailure("3D008", f"a topic's partitions can only grow (it has {current['kafka.partitions']})")
        db.execute("UPDATE entities SET properties = ? WHERE store_name = ? AND path = ?",
                   (dumps({**current, **changes}), store, row["path"]))
        return Outcome([], [], session)

    def _drop_entity(self, db: sqlite3.Connection, st: s.DropEntity, session: SessionState, **kw: Any) -> Outcome:
        store, kind = self._entity_store(db, st.entity.store, session)
        row = self._entity_row(db, store, st.entity.path)
        if db.execute("SELECT 1 FROM entities WHERE store_name = ? AND parent = ?", (store, row["path"])).fetchone():
            raise SqlFailure("2BP01", f"entity {s.Name(st.entity.path)} still has entities in it; drop them first")
        if kind in (*KAFKA_TYPES, "Kinesis"):
            users = [r[0] for r in db.execute(
                "SELECT name FROM relations WHERE store_name = ? AND json_extract(properties, '$.topic') = ? "
                "ORDER BY name", (store, row["name"]))]
            if users:
                raise SqlFailure("2BP01", f"entity {s.Name(st.entity.path)} is read by relation(s) "
                                          f"{', '.join(users)}; drop them first")
        db.execute("DELETE FROM entities WHERE store_name = ? AND path = ?", (store, row["path"]))
        return Outcome([], [], session)

    def _describe_entity(self, db: sqlite3.Connection, st: s.DescribeEntity, session: SessionState,
                         **kw: Any) -> Outcome:
        store, kind = self._entity_store(db, st.entity.store, session)
        row = self._entity_row(db, store, st.entity.path)
        props = json.loads(row["properties"])
        if kind in KAFKA_TYPES:
            configs = {k.removeprefix("kafka.topic."): v for k, v in props.items() if k.startswith("kafka.topic.")}
            return Outcome([("Name", VARCHAR), ("Store", VARCHAR), ("Partitions", "INTEGER"), ("Replicas", "INTEGER"),
                            ("KeyDescriptor", VARCHAR), ("ValueDescriptor", VARCHAR), ("Configs", VARCHAR)],
                           [[row["name"], store, props["kafka.partitions"], props["kafka.replicas"], None, None,
                             dumps(configs)]], session)
        if kind == "Kinesis":
            return Outcome([("Name", VARCHAR), ("Shards", "INTEGER"), ("Descriptor", VARCHAR)],
                           [[row["name"], props["kinesis.shards"], None]], session)
        return Outcome([("Name", VARCHAR), ("Store", VARCHAR), ("IsLeaf", BOOLEAN)],
                       [[row["name"], store, row["is_leaf"]]], session)

    def _leaf(self, db: sqlite3.Connection, ref: s.EntityRef, session: SessionState) -> sqlite3.Row:
        """An entity that holds records (a topic or a stream, not a container)."""
        store, _ = self._entity_store(db, ref.store, session)
        row = self._entity_row(db, store, ref.path)
        if not row["is_leaf"]:
            raise SqlFailure("3D008", f"entity {s.Name(ref.path)} holds other entities, not records")
        return row

    def _insert_into_entity(self, db: sqlite3.Connection, st: s.InsertIntoEntity, session: SessionState,
                            **kw: Any) -> Outcome:
        """Keep the record (it must be JSON, as dbt's seeds send it) and run the queries reading its entity."""
        row = self._leaf(db, st.entity, session)
        try:
            json.loads(st.value)
        except json.JSONDecodeError as exc:
            raise SqlFailure("3D008", f"VALUE is not a JSON document: {exc}") from None
        dataflow.append_record(db, row["store_name"], row["path"], st.value, kw["now"])
        dataflow.records_written(db, row["store_name"], row["path"], kw["now"])
        return Outcome([], [], session)

    def _print_entity(self, db: sqlite3.Connection, st: s.PrintEntity, session: SessionState, **kw: Any) -> Outcome:
        """The records kept, oldest first, at most PRINTED_RECORDS (a result set, not a dataplane stream)."""
        row = self._leaf(db, st.entity, session)
        records = db.execute("SELECT seq - 1, written_at, value FROM entity_records WHERE store_name = ? AND path = ? "
                             "ORDER BY seq LIMIT ?", (row["store_name"], row["path"], PRINTED_RECORDS)).fetchall()
        return Outcome([("Offset", "BIGINT"), ("Timestamp", "TIMESTAMP_LTZ"), ("Value", VARCHAR)],
                       [list(r) for r in records], session)

    def _list_entities(self, db: sqlite3.Connection, st: s.ListEntities, session: SessionState,
                       **kw: Any) -> Outcome:
        store, _ = self._entity_store(db, st.store, session)
        if st.parent:
            self._entity_row(db, store, st.parent)
        rows = db.execute("SELECT name, is_leaf FROM entities WHERE store_name = ? AND parent = ? ORDER BY name",
                          (store, json.dumps(list(st.parent)))).fetchall()
        return Outcome([("Name", VARCHAR), ("IsLeaf", BOOLEAN)], [list(r) for r in rows], session)
