"""Databases: the top of DeltaStream's namespace. A new database has a ``public`` schema; a database that still
holds relations is not dropped."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, replace

from ..catalog import TS, timestamp
from ..results import BOOLEAN, VARCHAR, Outcome, SqlFailure
from ..statements import ListObjects
from . import Call, Family

GRAMMAR = """
databases_create: CREATE DATABASE ident
databases_drop: DROP DATABASE ident
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS databases (
    name TEXT PRIMARY KEY, owner TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0);
CREATE TEMP VIEW sys_databases AS
    SELECT name, owner, created_at, updated_at, is_default, (SELECT id FROM organizations) AS organization_id
    FROM databases;
"""


@dataclass(frozen=True)
class CreateDatabase:
    name: str


@dataclass(frozen=True)
class DropDatabase:
    name: str


def require_database(db: sqlite3.Connection, name: str) -> None:
    if db.execute("SELECT 1 FROM databases WHERE name = ?", (name,)).fetchone() is None:
        raise SqlFailure("3D002", f"database {name!r} does not exist")


def create(call: Call, st: CreateDatabase) -> Outcome:
    if call.db.execute("SELECT 1 FROM databases WHERE name = ?", (st.name,)).fetchone():
        raise SqlFailure("42P04", f"database {st.name!r} already exists")
    stamp = timestamp(call.now)
    owner = call.session.owner
    call.db.execute("INSERT INTO databases VALUES (?, ?, ?, ?, 0)", (st.name, owner, stamp, stamp))
    call.db.execute("INSERT INTO schemas VALUES (?, 'public', ?, ?, ?)", (st.name, owner, stamp, stamp))
    return call.done()


def drop(call: Call, st: DropDatabase) -> Outcome:
    require_database(call.db, st.name)
    if call.db.execute("SELECT 1 FROM relations WHERE database_name = ?", (st.name,)).fetchone():
        raise SqlFailure("2BP01", f"database {st.name!r} still contains relations; drop them first")
    call.db.execute("DELETE FROM databases WHERE name = ?", (st.name,))
    session = call.session
    if session.database == st.name:
        session = replace(session, database=None, schema=None)
    return Outcome([], [], session)


def listed(call: Call, _: ListObjects) -> Outcome:
    rows = call.db.execute("SELECT name, is_default, owner, created_at FROM databases ORDER BY name").fetchall()
    return call.done([("Name", VARCHAR), ("IsDefault", BOOLEAN), ("Owner", VARCHAR), ("CreatedAt", TS)], rows)


FAMILY = Family(
    grammar=GRAMMAR,
    statements={"databases_create": CreateDatabase, "databases_drop": DropDatabase},
    handlers={CreateDatabase: create, DropDatabase: drop},
    lists={"DATABASES": listed},
    schema=SCHEMA,
    system_tables={"databases": [("name", "VARCHAR"), ("owner", "VARCHAR"), ("created_at", TS),
                                 ("updated_at", TS), ("is_default", "BOOLEAN"), ("organization_id", "VARCHAR")]},
)
