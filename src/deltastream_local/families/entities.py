"""Entities: what a store holds, addressed by a path (a Kafka topic, a Kinesis stream, a database or schema of a
SQL store). The path's depth at which an entity is a leaf (holds data) depends on the store's type. A topic's
records (INSERT INTO ENTITY, a query's output) are kept and read back by PRINT ENTITY; ``dataflow`` runs the
queries that read them."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from typing import Any

from .. import dataflow
from ..catalog import dumps, timestamp
from ..results import BOOLEAN, VARCHAR, Outcome, SessionState, SqlFailure
from ..statements import Identifier, Name, PropertyValue
from . import Call, Family

GRAMMAR = """
entities_create: CREATE ENTITY entities_ref with_clause?
entities_update: UPDATE ENTITY entities_ref with_clause
entities_drop: DROP ENTITY entities_ref
entities_describe: DESCRIBE ENTITY entities_ref
entities_list: LIST ENTITIES (IN name)? _entities_in_store?
entities_ref: name _entities_in_store?
// A record written to a topic by hand (dbt's seeds), and the records a topic holds.
entities_insert: INSERT INTO ENTITY entities_ref VALUE "(" STRING ")" with_clause?
entities_print: PRINT ENTITY entities_ref with_clause?
_entities_in_store: IN STORE ident
ENTITIES: "ENTITIES"i
ENTITY: "ENTITY"i
PRINT: "PRINT"i
VALUE: "VALUE"i
"""

#: Records written with INSERT INTO ENTITY or by a query, kept per entity (the newest KEPT_RECORDS); PRINT ENTITY
#: returns them; the dataflow's tables follow.
SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    store_name TEXT NOT NULL REFERENCES stores(name) ON DELETE CASCADE, path TEXT NOT NULL, parent TEXT NOT NULL,
    name TEXT NOT NULL, is_leaf INTEGER NOT NULL, properties TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL,
    PRIMARY KEY (store_name, path));
CREATE TABLE IF NOT EXISTS entity_records (
    store_name TEXT NOT NULL, path TEXT NOT NULL, seq INTEGER NOT NULL, value TEXT NOT NULL, written_at TEXT NOT NULL,
    PRIMARY KEY (store_name, path, seq),
    FOREIGN KEY (store_name, path) REFERENCES entities(store_name, path) ON DELETE CASCADE);
""" + "".join(f"{table};\n" for table in dataflow.TABLES)

#: How deep a store's paths go: a topic or stream at once; a PostgreSQL schema.table; a Snowflake db.schema.table.
LEAF_DEPTH = {"Kafka": 1, "ConfluentKafka": 1, "Kinesis": 1, "Postgres": 2, "Snowflake": 3}
KAFKA_TYPES = ("Kafka", "ConfluentKafka")
KAFKA_DEFAULTS = {"kafka.partitions": 1, "kafka.replicas": 1}
PRINTED_RECORDS = 100


@dataclass(frozen=True)
class EntityRef:
    """``path [IN STORE store]``; without a store, the session's."""

    path: tuple[str, ...]
    store: str | None = None


@dataclass(frozen=True)
class CreateEntity:
    entity: EntityRef
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class UpdateEntity:
    entity: EntityRef
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class DropEntity:
    entity: EntityRef


@dataclass(frozen=True)
class DescribeEntity:
    entity: EntityRef


@dataclass(frozen=True)
class InsertIntoEntity:
    """``INSERT INTO ENTITY e [IN STORE s] VALUE('<json>') [WITH (...)]``: one record written to a topic."""

    entity: EntityRef
    value: str
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class PrintEntity:
    entity: EntityRef
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class ListEntities:
    """``LIST ENTITIES [IN parent] [IN STORE store]``: the children of ``parent`` (the top level without one)."""

    parent: tuple[str, ...] = ()
    store: str | None = None


def _list_entities(*values: Name | str) -> ListEntities:
    parent = next((x.parts for x in values if isinstance(x, Name)), ())
    store = next((x for x in values if isinstance(x, str)), None)
    return ListEntities(parent, store)


def _insert(entity: EntityRef, value: str, properties: dict[str, PropertyValue] | None = None) -> InsertIntoEntity:
    return InsertIntoEntity(entity, value[1:-1].replace("''", "'"), properties or {})


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


def _store_parameter(ref: EntityRef, props: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    """The store an entity statement names (``IN STORE s``, else a ``'store'`` WITH parameter, which dbt's
    source macros send) and the other parameters."""
    rest = {k: v for k, v in props.items() if k != "store"}
    given = props.get("store")
    named = given.name if isinstance(given, Identifier) else given if isinstance(given, str) else None
    return ref.store or named, rest


def _store(db: sqlite3.Connection, store: str | None, session: SessionState) -> tuple[str, str]:
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


def _row(db: sqlite3.Connection, store: str, path: tuple[str, ...]) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute("SELECT * FROM entities WHERE store_name = ? AND path = ?",
                                         (store, json.dumps(list(path)))).fetchone()
    if row is None:
        # 3D020, not Go's declared 3D007 (InvalidTopic): dbt's get_entity takes only 3D020 or 3D008 as "not found".
        raise SqlFailure("3D020", f"entity {Name(path)} does not exist in store {store!r}")
    return row


def ensure_topic(db: sqlite3.Connection, kind: str, store: str, name: str, props: dict[str, Any], now: float) -> None:
    """A stream or changelog in a Kafka store whose topic (``'topic'``, else its name) does not exist creates it,
    as the CREATE STREAM docs say, with ``'topic.partitions'`` / ``'topic.replicas'`` if given: DESCRIBE ENTITY,
    LIST ENTITIES and PRINT ENTITY then see it."""
    row = db.execute("SELECT type FROM stores WHERE name = ?", (store,)).fetchone()
    if kind not in ("stream", "changelog") or row is None or row[0] not in KAFKA_TYPES:
        return
    topic = str(props.get("topic") or name)
    path = json.dumps([topic])
    if db.execute("SELECT 1 FROM entities WHERE store_name = ? AND path = ?", (store, path)).fetchone():
        return
    counts = {key: props.get(key.replace("kafka.", "topic."), default) for key, default in KAFKA_DEFAULTS.items()}
    db.execute("INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?, ?)",
               (store, path, "[]", topic, 1, dumps(counts), timestamp(now)))


def create(call: Call, st: CreateEntity) -> Outcome:
    db = call.db
    named, properties = _store_parameter(st.entity, st.properties)
    store, kind = _store(db, named, call.session)
    path = st.entity.path
    depth = LEAF_DEPTH.get(kind, 1)
    if len(path) > depth:
        raise SqlFailure("3D008", f"entity {Name(path)} is {len(path)} levels deep; a {kind} store's entities "
                                  f"are at most {depth}")
    if kind in ("Postgres", "Snowflake") and len(path) == depth:
        raise SqlFailure("0A000", f"a {kind} table is created with CREATE TABLE, not CREATE ENTITY")
    if len(path) > 1:
        _row(db, store, path[:-1])
    if db.execute("SELECT 1 FROM entities WHERE store_name = ? AND path = ?",
                  (store, json.dumps(list(path)))).fetchone():
        raise SqlFailure("42710", f"entity {Name(path)} already exists in store {store!r}")
    props = _entity_properties(kind, properties)
    if kind in KAFKA_TYPES:
        props = {**KAFKA_DEFAULTS, **props}
    elif kind == "Kinesis":
        props = {"kinesis.shards": 1, **props}
    db.execute("INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?, ?)",
               (store, json.dumps(list(path)), json.dumps(list(path[:-1])), path[-1], int(len(path) == depth),
                dumps(props), timestamp(call.now)))
    return call.done()


def update(call: Call, st: UpdateEntity) -> Outcome:
    """Kafka: more partitions and topic configs (replicas are fixed); Kinesis: any number of shards."""
    named, properties = _store_parameter(st.entity, st.properties)
    store, kind = _store(call.db, named, call.session)
    row = _row(call.db, store, st.entity.path)
    current = json.loads(row["properties"])
    changes = _entity_properties(kind, properties)
    if changes.get("kafka.replicas", current.get("kafka.replicas")) != current.get("kafka.replicas"):
        raise SqlFailure("3D008", "a topic's 'kafka.replicas' cannot be changed")
    if changes.get("kafka.partitions", current.get("kafka.partitions", 0)) < current.get("kafka.partitions", 0):
        raise SqlFailure("3D008", f"a topic's partitions can only grow (it has {current['kafka.partitions']})")
    call.db.execute("UPDATE entities SET properties = ? WHERE store_name = ? AND path = ?",
                    (dumps({**current, **changes}), store, row["path"]))
    return call.done()


def drop(call: Call, st: DropEntity) -> Outcome:
    db = call.db
    store, kind = _store(db, st.entity.store, call.session)
    row = _row(db, store, st.entity.path)
    if db.execute("SELECT 1 FROM entities WHERE store_name = ? AND parent = ?", (store, row["path"])).fetchone():
        raise SqlFailure("2BP01", f"entity {Name(st.entity.path)} still has entities in it; drop them first")
    if kind in (*KAFKA_TYPES, "Kinesis"):
        users = [r[0] for r in db.execute(
            "SELECT name FROM relations WHERE store_name = ? AND json_extract(properties, '$.topic') = ? "
            "ORDER BY name", (store, row["name"]))]
        if users:
            raise SqlFailure("2BP01", f"entity {Name(st.entity.path)} is read by relation(s) "
                                      f"{', '.join(users)}; drop them first")
    db.execute("DELETE FROM entities WHERE store_name = ? AND path = ?", (store, row["path"]))
    return call.done()


def describe(call: Call, st: DescribeEntity) -> Outcome:
    store, kind = _store(call.db, st.entity.store, call.session)
    row = _row(call.db, store, st.entity.path)
    props = json.loads(row["properties"])
    if kind in KAFKA_TYPES:
        configs = {k.removeprefix("kafka.topic."): v for k, v in props.items() if k.startswith("kafka.topic.")}
        return call.done([("Name", VARCHAR), ("Store", VARCHAR), ("Partitions", "INTEGER"), ("Replicas", "INTEGER"),
                          ("KeyDescriptor", VARCHAR), ("ValueDescriptor", VARCHAR), ("Configs", VARCHAR)],
                         [[row["name"], store, props["kafka.partitions"], props["kafka.replicas"], None, None,
                           dumps(configs)]])
    if kind == "Kinesis":
        return call.done([("Name", VARCHAR), ("Shards", "INTEGER"), ("Descriptor", VARCHAR)],
                         [[row["name"], props["kinesis.shards"], None]])
    return call.done([("Name", VARCHAR), ("Store", VARCHAR), ("IsLeaf", BOOLEAN)],
                     [[row["name"], store, row["is_leaf"]]])


def _leaf(call: Call, ref: EntityRef) -> sqlite3.Row:
    """An entity that holds records (a topic or a stream, not a container)."""
    store, _ = _store(call.db, ref.store, call.session)
    row = _row(call.db, store, ref.path)
    if not row["is_leaf"]:
        raise SqlFailure("3D008", f"entity {Name(ref.path)} holds other entities, not records")
    return row


def insert(call: Call, st: InsertIntoEntity) -> Outcome:
    """Keep the record (it must be JSON, as dbt's seeds send it) and run the queries reading its entity."""
    row = _leaf(call, st.entity)
    try:
        json.loads(st.value)
    except json.JSONDecodeError as exc:
        raise SqlFailure("3D008", f"VALUE is not a JSON document: {exc}") from None
    dataflow.append_record(call.db, row["store_name"], row["path"], st.value, call.now)
    dataflow.records_written(call.db, row["store_name"], row["path"], call.now)
    return call.done()


def print_records(call: Call, st: PrintEntity) -> Outcome:
    """The records kept, oldest first, at most PRINTED_RECORDS (a result set, not a dataplane stream)."""
    row = _leaf(call, st.entity)
    records = call.db.execute("SELECT seq - 1, written_at, value FROM entity_records WHERE store_name = ? AND "
                              "path = ? ORDER BY seq LIMIT ?", (row["store_name"], row["path"], PRINTED_RECORDS))
    return call.done([("Offset", "BIGINT"), ("Timestamp", "TIMESTAMP_LTZ"), ("Value", VARCHAR)], records.fetchall())


def listed(call: Call, st: ListEntities) -> Outcome:
    store, _ = _store(call.db, st.store, call.session)
    if st.parent:
        _row(call.db, store, st.parent)
    rows = call.db.execute("SELECT name, is_leaf FROM entities WHERE store_name = ? AND parent = ? ORDER BY name",
                           (store, json.dumps(list(st.parent)))).fetchall()
    return call.done([("Name", VARCHAR), ("IsLeaf", BOOLEAN)], rows)


#: Where the family is more liberal than DeltaStream or guesses (``python -m deltastream_local.contract`` writes
#: them into CHOICES.md).
CHOICES = {
    "Entities": (
        'a path in a store, each part an identifier: `CREATE ENTITY "a"."b" IN STORE "s" [WITH (...)]` '
        '(the session store without `IN STORE`). A Kafka or Confluent Kafka topic and a Kinesis stream are '
        'one level deep; PostgreSQL entities are `schema.table`, Snowflake `DATABASE.SCHEMA.TABLE`, and '
        'only their containers are created with `CREATE ENTITY` (a table is `0A000`: it comes from `CREATE '
        'TABLE`); a child needs its parent (`3D020`, see *Entity not found*). Kafka takes '
        '`kafka.partitions`, `kafka.replicas` (default 1 each) and `kafka.topic.<config>`; Kinesis '
        '`kinesis.shards` (default 1); anything else is `3D008`. `UPDATE ENTITY` may raise partitions and '
        'change configs and shards; fewer partitions or other replicas are `3D008`. Duplicate `42710` (the '
        'reference has no entity-specific code), missing `3D020`. DROP of an entity with children, or of a '
        "topic a relation reads (`'topic'`), is `2BP01`. `DESCRIBE ENTITY`: Kafka `Name, Store, "
        'Partitions, Replicas, KeyDescriptor, ValueDescriptor, Configs` (configs as a JSON object without '
        'the `kafka.topic.` prefix), Kinesis `Name, Shards, Descriptor`, others `Name, Store, IsLeaf`. '
        '`LIST ENTITIES [IN path] IN STORE s`: `Name, IsLeaf`, by name. Creating a relation does not need '
        'its topic to exist (most tests create streams without one)'),
    "Entity not found": (
        '`3D020` (`DESCRIBE`, `UPDATE`, `DROP`, `INSERT INTO`, `PRINT ENTITY`, a parent of `CREATE '
        'ENTITY`). Clients disagree: go-deltastream declares `3D007` InvalidTopic (`sqlcode.go`) but no '
        'client branches on it; DeltaStream\'s dbt adapter takes only `3D020` or `3D008` as "entity not '
        'found" (deltastreaminc/dbt-deltastream `src/dbt/adapters/deltastream/impl.py` `get_entity`, which '
        "`dbt seed` calls) and fails on any other code. Of its two, `3D020` is the not-found family's "
        '(`3D008` is the bad-parameter code)'),
    "An entity's store as a parameter": (
        "`CREATE` / `UPDATE ENTITY e WITH ('store' = 's', ...)` names the store when `IN STORE` does not: "
        "dbt's source macros put the store among the parameters (deltastreaminc/dbt-deltastream "
        "`src/dbt/include/deltastream/macros/materializations/source.sql` calls "
        "`deltastream__create_entity(resource, parameters)` without its `store` argument)"),
    "Entity records": (
        "`INSERT INTO ENTITY e [IN STORE s] VALUE('<json>') [WITH (...)]` (dbt's seeds: "
        "deltastreaminc/dbt-deltastream "
        "`src/dbt/include/deltastream/macros/materializations/seeds/helpers.sql`; reference 13.5) keeps "
        "the record with the entity, the newest 10,000 per entity; a value that is not JSON, or an entity "
        "that holds other entities, is `3D008`. `PRINT ENTITY e [IN STORE s] [WITH (...)]` answers the "
        "records kept, oldest first, at most 100, as an ordinary result set `Offset BIGINT, Timestamp "
        "TIMESTAMP_LTZ, Value` (with or without `'from_beginning'`). DeltaStream streams PRINT through a "
        "dataplane websocket instead (deltastreaminc/deltastream-connector-python "
        "`src/deltastream/api/streaming_rows.py`); its record columns are unknown. Dropping the entity "
        "drops its records"),
}


FAMILY = Family(
    grammar=GRAMMAR,
    statements={"entities_create": lambda entity, props=None: CreateEntity(entity, props or {}),
                "entities_update": UpdateEntity, "entities_drop": DropEntity, "entities_describe": DescribeEntity,
                "entities_list": _list_entities, "entities_insert": _insert,
                "entities_print": lambda entity, props=None: PrintEntity(entity, props or {})},
    parts={"entities_ref": lambda name, store=None: EntityRef(name.parts, store)},
    handlers={CreateEntity: create, UpdateEntity: update, DropEntity: drop, DescribeEntity: describe,
              ListEntities: listed, InsertIntoEntity: insert, PrintEntity: print_records},
    schema=SCHEMA,
    choices=CHOICES,
)
