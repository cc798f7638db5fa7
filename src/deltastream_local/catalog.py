"""The local server's catalog: SQLite tables, and the system tables as views over them (a family's, ``families/``,
are in its module).

System-table SELECTs are answered by SQLite itself: the parsed SELECT is rebuilt over the view
with every value bound as a parameter, so WHERE / ORDER BY / LIMIT behave as a real SQL engine's.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from . import families

_SCHEMA = """
CREATE TABLE IF NOT EXISTS organizations (
    id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS databases (
    name TEXT PRIMARY KEY, owner TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS schemas (
    database_name TEXT NOT NULL REFERENCES databases(name) ON DELETE CASCADE, name TEXT NOT NULL,
    owner TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (database_name, name));
CREATE TABLE IF NOT EXISTS stores (
    name TEXT PRIMARY KEY, type TEXT NOT NULL, status TEXT NOT NULL, status_message TEXT,
    owner TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0, properties TEXT NOT NULL DEFAULT '{}',
    next_status TEXT, next_message TEXT, transition_at REAL);
CREATE TABLE IF NOT EXISTS relations (
    id TEXT PRIMARY KEY, database_name TEXT NOT NULL, schema_name TEXT NOT NULL, name TEXT NOT NULL,
    store_name TEXT, relation_type TEXT NOT NULL, primary_key TEXT, partition_keys TEXT,
    state TEXT NOT NULL, owner TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    properties TEXT NOT NULL DEFAULT '{}',
    FOREIGN KEY (database_name, schema_name) REFERENCES schemas(database_name, name) ON DELETE CASCADE,
    UNIQUE (database_name, schema_name, name));
CREATE TABLE IF NOT EXISTS relation_columns (
    relation_id TEXT NOT NULL REFERENCES relations(id) ON DELETE CASCADE, ordinal INTEGER NOT NULL,
    name TEXT NOT NULL, type TEXT NOT NULL, nullable INTEGER NOT NULL, PRIMARY KEY (relation_id, ordinal));
CREATE TABLE IF NOT EXISTS queries (
    id TEXT PRIMARY KEY, name TEXT, version INTEGER, intended_state TEXT NOT NULL,
    current_state TEXT NOT NULL, sql TEXT NOT NULL, owner TEXT NOT NULL, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, sink TEXT, sources TEXT NOT NULL DEFAULT '[]', error TEXT,
    next_state TEXT, next_error TEXT, transition_at REAL);
CREATE INDEX IF NOT EXISTS relations_by_store ON relations(store_name);
CREATE TABLE IF NOT EXISTS entities (
    store_name TEXT NOT NULL REFERENCES stores(name) ON DELETE CASCADE, path TEXT NOT NULL, parent TEXT NOT NULL,
    name TEXT NOT NULL, is_leaf INTEGER NOT NULL, properties TEXT NOT NULL DEFAULT '{}', created_at TEXT NOT NULL,
    PRIMARY KEY (store_name, path));

CREATE TEMP VIEW sys_databases AS
    SELECT name, owner, created_at, updated_at, is_default, (SELECT id FROM organizations) AS organization_id
    FROM databases;
CREATE TEMP VIEW sys_schemas AS
    SELECT name, database_name, owner, created_at, updated_at, (SELECT id FROM organizations) AS organization_id
    FROM schemas;
CREATE TEMP VIEW sys_stores AS
    SELECT name, type, status, status_message, owner, created_at, updated_at, is_default,
           (SELECT id FROM organizations) AS organization_id
    FROM stores;
CREATE TEMP VIEW sys_relations AS
    SELECT name, schema_name, database_name,
           '"' || replace(database_name, '"', '""') || '"."' || replace(schema_name, '"', '""') || '"."'
               || replace(name, '"', '""') || '"' AS fqn,
           store_name, relation_type, primary_key, partition_keys, state, owner, created_at, updated_at,
           (SELECT id FROM organizations) AS organization_id
    FROM relations;
CREATE TEMP VIEW sys_relation_columns AS
    SELECT r.name AS relation_name, r.schema_name, r.database_name, c.name, c.type,
           '{}' AS properties,
           c.relation_id, (SELECT id FROM organizations) AS organization_id
    FROM relation_columns c JOIN relations r ON r.id = c.relation_id;
CREATE TEMP VIEW sys_queries AS
    SELECT id, name, version, intended_state, current_state, sql, owner, created_at, updated_at,
           (SELECT id FROM organizations) AS organization_id
    FROM queries;
"""

TS = "TIMESTAMP_LTZ"

#: Each system table's columns in ``SELECT *`` order with their declared types (the families' beside them: see
#: ``Catalog.system_tables``).
SYSTEM_TABLES: dict[str, list[tuple[str, str]]] = {
    "databases": [("name", "VARCHAR"), ("owner", "VARCHAR"), ("created_at", TS), ("updated_at", TS),
                  ("is_default", "BOOLEAN"), ("organization_id", "VARCHAR")],
    "schemas": [("name", "VARCHAR"), ("database_name", "VARCHAR"), ("owner", "VARCHAR"), ("created_at", TS),
                ("updated_at", TS), ("organization_id", "VARCHAR")],
    "stores": [("name", "VARCHAR"), ("type", "VARCHAR"), ("status", "VARCHAR"), ("status_message", "VARCHAR"),
               ("owner", "VARCHAR"), ("created_at", TS), ("updated_at", TS), ("is_default", "BOOLEAN"),
               ("organization_id", "VARCHAR")],
    "relations": [("name", "VARCHAR"), ("schema_name", "VARCHAR"), ("database_name", "VARCHAR"),
                  ("fqn", "VARCHAR"), ("store_name", "VARCHAR"), ("relation_type", "VARCHAR"),
                  ("primary_key", "VARCHAR"), ("partition_keys", "VARCHAR"), ("state", "VARCHAR"),
                  ("owner", "VARCHAR"), ("created_at", TS), ("updated_at", TS), ("organization_id", "VARCHAR")],
    "relation_columns": [("relation_name", "VARCHAR"), ("schema_name", "VARCHAR"), ("database_name", "VARCHAR"),
                         ("name", "VARCHAR"), ("type", "VARCHAR"), ("properties", "VARCHAR"),
                         ("relation_id", "VARCHAR"), ("organization_id", "VARCHAR")],
    "queries": [("id", "VARCHAR"), ("name", "VARCHAR"), ("version", "INTEGER"), ("intended_state", "VARCHAR"),
                ("current_state", "VARCHAR"), ("sql", "VARCHAR"), ("owner", "VARCHAR"), ("created_at", TS),
                ("updated_at", TS), ("organization_id", "VARCHAR")],
}


def timestamp(moment: float) -> str:
    """DeltaStream's TIMESTAMP_LTZ form: ``YYYY-MM-DD HH:MM:SS.ffffffZ``."""
    return dt.datetime.fromtimestamp(moment, dt.UTC).strftime("%Y-%m-%d %H:%M:%S.%fZ")


@dataclass(frozen=True)
class Organization:
    id: str
    name: str
    created_at: str


class Catalog:
    """All catalog state, behind one lock: statements run one at a time, each in a transaction."""

    def __init__(self, path: str | None, organization_name: str = "local") -> None:
        self._db = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        self._db.execute("PRAGMA foreign_keys = ON")
        if path:
            self._db.execute("PRAGMA journal_mode = WAL")
            self._db.execute("PRAGMA synchronous = NORMAL")
        joined = families.joined()
        self._db.executescript(_SCHEMA + joined.schema)
        #: Each system table's columns, the catalog's own and the families'.
        self.system_tables = families.merged("system table", SYSTEM_TABLES, joined.system_tables)
        self._settle = joined.settle
        row = self._db.execute("SELECT id, name, created_at FROM organizations").fetchone()
        if row is None:
            import time
            row = (str(uuid.uuid4()), organization_name, timestamp(time.time()))
            self._db.execute("INSERT INTO organizations VALUES (?, ?, ?)", row)
        self.organization = Organization(*row)

    def close(self) -> None:
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def settle(self, db: sqlite3.Connection, now: float) -> None:
        """Apply every state transition whose time has come (the state machines are clock-driven)."""
        stamp = timestamp(now)
        db.execute("DELETE FROM stores WHERE next_status = 'deleted' AND transition_at <= ?", (now,))
        db.execute("""UPDATE stores SET status = next_status, status_message = next_message, updated_at = ?,
                      next_status = NULL, next_message = NULL, transition_at = NULL
                      WHERE next_status IS NOT NULL AND transition_at <= ?""", (stamp, now))
        for sql in self._settle:
            db.execute(sql, {"now": now, "stamp": stamp})
        db.execute("""UPDATE queries SET current_state = next_state, error = next_error, updated_at = ?,
                      next_state = NULL, next_error = NULL, transition_at = NULL
                      WHERE next_state IS NOT NULL AND transition_at <= ?""", (stamp, now))

    def rows(self, db: sqlite3.Connection, sql: str, params: Sequence[Any]) -> list[list[Any]]:
        return [list(r) for r in db.execute(sql, params).fetchall()]

def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def quote_column(name: str) -> str:
    return _q(name)


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True)
