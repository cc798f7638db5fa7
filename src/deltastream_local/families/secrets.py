"""Secrets: named values DeltaStream keeps (only the fact that a value was set is stored here), each with a status.

A secret is ready at once unless the ``registry_ready_s`` knob holds it ``creating`` / ``updating`` first.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from ..catalog import TS, timestamp
from ..property_values import public, refuse_nulls, same_type, type_word
from ..results import VARCHAR, Outcome, SqlFailure
from ..statements import ListObjects, PropertyValue
from . import Call, Family, Named, settle_status, status_now

GRAMMAR = """
secrets_create: CREATE SECRET ident with_clause
secrets_update: UPDATE SECRET ident with_clause
secrets_drop: DROP SECRET ident
SECRET: "SECRET"i
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS secrets (
    name TEXT PRIMARY KEY, type TEXT NOT NULL, description TEXT, status TEXT NOT NULL, owner TEXT NOT NULL,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL, properties TEXT NOT NULL DEFAULT '{}',
    next_status TEXT, transition_at REAL);
CREATE TEMP VIEW sys_secrets AS
    SELECT name, type, description, status, owner, created_at, updated_at,
           (SELECT id FROM organizations) AS organization_id
    FROM secrets;
"""

SYSTEM_TABLE = [("name", VARCHAR), ("type", VARCHAR), ("description", VARCHAR), ("status", VARCHAR),
                ("owner", VARCHAR), ("created_at", TS), ("updated_at", TS), ("organization_id", VARCHAR)]

SECRETS = Named("secrets", "secret", missing="3D016", duplicate="42P014")
SECRET_TYPES = {"GENERIC_STRING": "generic_string"}


@dataclass(frozen=True)
class CreateSecret:
    name: str
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class UpdateSecret:
    name: str
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class DropSecret:
    name: str


def _secret_type(props: dict[str, Any]) -> str:
    kind = type_word(props, list(SECRET_TYPES.values()), "secret")
    if props.get("secret_string") in (None, ""):
        raise SqlFailure("3D021", "missing parameter 'secret_string'")
    return SECRET_TYPES[kind]


def create(call: Call, st: CreateSecret) -> Outcome:
    SECRETS.refuse_taken(call, st.name)
    refuse_nulls(st.properties)
    kind = _secret_type(st.properties)
    stamp = timestamp(call.now)
    status, later, at = status_now(call, "ready", "creating")
    call.db.execute("INSERT INTO secrets VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (st.name, kind, st.properties.get("description"), status, call.session.owner, stamp, stamp,
                     public(st.properties), later, at))
    return call.done()


def update(call: Call, st: UpdateSecret) -> Outcome:
    row = SECRETS.row(call, st.name)
    refuse_nulls(st.properties)
    current = json.loads(row["properties"])
    same_type(st.properties, current, "secret")
    merged = {**current, **st.properties}
    status, later, at = status_now(call, "ready", "updating")
    call.db.execute("""UPDATE secrets SET description = ?, properties = ?, status = ?, updated_at = ?,
                       next_status = ?, transition_at = ? WHERE name = ?""",
                    (merged.get("description"), public(merged), status, timestamp(call.now), later, at, st.name))
    return call.done()


def drop(call: Call, st: DropSecret) -> Outcome:
    SECRETS.row(call, st.name)
    call.db.execute("DELETE FROM secrets WHERE name = ?", (st.name,))
    return call.done()


def listed(call: Call, _: ListObjects) -> Outcome:
    """``LIST SECRETS``."""
    rows = call.db.execute("SELECT name, type, description, status, owner, created_at, updated_at FROM secrets "
                           "ORDER BY name")
    return call.done([("Name", VARCHAR), ("Type", VARCHAR), ("Description", VARCHAR), ("Status", VARCHAR),
                      ("Owner", VARCHAR), ("CreatedAt", TS), ("UpdatedAt", TS)], rows)


FAMILY = Family(
    grammar=GRAMMAR,
    statements={"secrets_create": CreateSecret, "secrets_update": UpdateSecret, "secrets_drop": DropSecret},
    handlers={CreateSecret: create, UpdateSecret: update, DropSecret: drop},
    lists={"SECRETS": listed},
    schema=SCHEMA,
    system_tables={"secrets": SYSTEM_TABLE},
    settle=(settle_status("secrets"),),
)
