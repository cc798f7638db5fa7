"""Schemas: a database's namespaces for relations, named ``schema`` (the session's database) or ``db.schema``."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..catalog import TS, timestamp
from ..results import BOOLEAN, VARCHAR, Outcome, SessionState, SqlFailure
from ..statements import ListObjects, Name
from . import Call, Family
from .databases import require_database

GRAMMAR = """
schemas_create: CREATE SCHEMA name (IN DATABASE ident)?
schemas_drop: DROP SCHEMA name
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS schemas (
    database_name TEXT NOT NULL REFERENCES databases(name) ON DELETE CASCADE, name TEXT NOT NULL,
    owner TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    PRIMARY KEY (database_name, name));
CREATE TEMP VIEW sys_schemas AS
    SELECT name, database_name, owner, created_at, updated_at, (SELECT id FROM organizations) AS organization_id
    FROM schemas;
"""


@dataclass(frozen=True)
class CreateSchema:
    name: Name
    database: str | None = None


@dataclass(frozen=True)
class DropSchema:
    name: Name


def require_schema(db: sqlite3.Connection, database: str, name: str) -> None:
    require_database(db, database)
    found = db.execute("SELECT 1 FROM schemas WHERE database_name = ? AND name = ?", (database, name)).fetchone()
    if found is None:
        raise SqlFailure("3D003", f"schema {database}.{name} does not exist")


def schema_of(name: Name, session: SessionState) -> tuple[str, str]:
    """(database, schema) of ``schema`` or ``db.schema``; a bare name is in the session's database."""
    parts = name.parts
    if len(parts) == 2:
        return parts[0], parts[1]
    if len(parts) == 1:
        if not session.database:
            raise SqlFailure("3D002", "no database is selected: qualify the name or set the session database")
        return session.database, parts[0]
    raise SqlFailure("42601", f"{name} is not a schema name")


def create(call: Call, st: CreateSchema) -> Outcome:
    if st.database is not None and len(st.name.parts) == 1:
        database, name = st.database, st.name.parts[0]
    else:
        database, name = schema_of(st.name, call.session)
    require_database(call.db, database)
    if call.db.execute("SELECT 1 FROM schemas WHERE database_name = ? AND name = ?", (database, name)).fetchone():
        raise SqlFailure("42P06", f"schema {database}.{name} already exists")
    stamp = timestamp(call.now)
    call.db.execute("INSERT INTO schemas VALUES (?, ?, ?, ?, ?)", (database, name, call.session.owner, stamp, stamp))
    return call.done()


def drop(call: Call, st: DropSchema) -> Outcome:
    database, name = schema_of(st.name, call.session)
    require_schema(call.db, database, name)
    if call.db.execute("SELECT 1 FROM relations WHERE database_name = ? AND schema_name = ?",
                       (database, name)).fetchone():
        raise SqlFailure("2BP01", f"schema {database}.{name} still contains relations; drop them first")
    call.db.execute("DELETE FROM schemas WHERE database_name = ? AND name = ?", (database, name))
    return call.done()


def schemas_in(call: Call, database: str) -> Outcome:
    """``LIST SCHEMAS`` (the session's database) and ``SHOW SCHEMAS IN DATABASE d``."""
    require_database(call.db, database)
    rows = call.db.execute("SELECT name, name = 'public', owner, created_at FROM schemas WHERE database_name = ? "
                           "ORDER BY name", (database,)).fetchall()
    return call.done([("Name", VARCHAR), ("IsDefault", BOOLEAN), ("Owner", VARCHAR), ("CreatedAt", TS)], rows)


def listed(call: Call, _: ListObjects) -> Outcome:
    if not call.session.database:
        raise SqlFailure("3D002", "no database is selected: USE DATABASE first")
    return schemas_in(call, call.session.database)


FAMILY = Family(
    grammar=GRAMMAR,
    statements={"schemas_create": CreateSchema, "schemas_drop": DropSchema},
    handlers={CreateSchema: create, DropSchema: drop},
    lists={"SCHEMAS": listed},
    schema=SCHEMA,
    system_tables={"schemas": [("name", "VARCHAR"), ("database_name", "VARCHAR"), ("owner", "VARCHAR"),
                               ("created_at", TS), ("updated_at", TS), ("organization_id", "VARCHAR")]},
)
