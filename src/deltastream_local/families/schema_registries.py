"""Schema registries: named credentials DeltaStream keeps for a Kafka store's schemas, each with a status.

A registry is ready at once unless the ``registry_ready_s`` knob holds it ``creating`` / ``updating`` first; one
whose name matches ``errored_registries`` ends up ``errored``. A store names its registry (``store_registry``): the
store's statements check it exists, and a registry a store names cannot be dropped.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from ..catalog import TS, timestamp
from ..property_values import check_group, public, refuse_nulls, same_type, store_registry, type_word, word
from ..results import VARCHAR, Outcome, SqlFailure
from ..statements import ListObjects, PropertyValue
from . import Call, Family, Named, settle_status, status_now

GRAMMAR = """
schema_registries_create: CREATE SCHEMA_REGISTRY ident with_clause
schema_registries_update: UPDATE SCHEMA_REGISTRY ident with_clause
schema_registries_drop: DROP SCHEMA_REGISTRY ident
SCHEMA_REGISTRY: "SCHEMA_REGISTRY"i
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS schema_registries (
    name TEXT PRIMARY KEY, type TEXT NOT NULL, status TEXT NOT NULL, owner TEXT NOT NULL, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, properties TEXT NOT NULL DEFAULT '{}', next_status TEXT, transition_at REAL);
CREATE TEMP VIEW sys_schema_registries AS
    SELECT name, type, status, owner, created_at, updated_at, (SELECT id FROM organizations) AS organization_id
    FROM schema_registries;
"""

SYSTEM_TABLE = [("name", VARCHAR), ("type", VARCHAR), ("status", VARCHAR), ("owner", VARCHAR), ("created_at", TS),
                ("updated_at", TS), ("organization_id", VARCHAR)]

REGISTRIES = Named("schema_registries", "schema registry", missing="3D009", duplicate="42P018")
REGISTRY_TYPES = {"CONFLUENT": "Confluent", "CONFLUENT_CLOUD": "ConfluentCloud"}
#: Each registry type's credentials: given together, and required where the type needs them.
REGISTRY_CREDENTIALS = {"CONFLUENT": (("confluent.username", "confluent.password"), False),
                        "CONFLUENT_CLOUD": (("confluent_cloud.key", "confluent_cloud.secret"), True)}


@dataclass(frozen=True)
class CreateSchemaRegistry:
    name: str
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class UpdateSchemaRegistry:
    name: str
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class DropSchemaRegistry:
    name: str


def _check_registry(props: dict[str, Any]) -> str:
    kind = type_word(props, list(REGISTRY_TYPES), "schema registry")
    if props.get("uris") in (None, ""):
        raise SqlFailure("3D021", "missing parameter 'uris'")
    keys, required = REGISTRY_CREDENTIALS[kind]
    check_group(keys, props, required, f"a {kind} schema registry")
    return kind


def _registry_status(call: Call, name: str) -> str:
    pattern = call.knobs.errored_registries
    return "errored" if pattern and re.search(pattern, name) else "ready"


def create(call: Call, st: CreateSchemaRegistry) -> Outcome:
    REGISTRIES.refuse_taken(call, st.name)
    refuse_nulls(st.properties)
    kind = _check_registry(st.properties)
    stamp = timestamp(call.now)
    status, later, at = status_now(call, _registry_status(call, st.name), "creating")
    call.db.execute("INSERT INTO schema_registries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (st.name, REGISTRY_TYPES[kind], status, call.session.owner, stamp, stamp, public(st.properties),
                     later, at))
    return call.done()


def update(call: Call, st: UpdateSchemaRegistry) -> Outcome:
    row = REGISTRIES.row(call, st.name)
    refuse_nulls(st.properties)
    current = json.loads(row["properties"])
    same_type(st.properties, current, "schema registry")
    kind = word(current.get("type"))
    keys, _ = REGISTRY_CREDENTIALS.get(kind, ((), False))
    check_group(keys, st.properties, False, f"a {kind} schema registry")  # a credential pair is sent whole
    merged = {**current, **st.properties}
    status, later, at = status_now(call, _registry_status(call, st.name), "updating")
    call.db.execute("""UPDATE schema_registries SET properties = ?, status = ?, updated_at = ?, next_status = ?,
                       transition_at = ? WHERE name = ?""",
                    (public(merged), status, timestamp(call.now), later, at, st.name))
    return call.done()


def drop(call: Call, st: DropSchemaRegistry) -> Outcome:
    REGISTRIES.row(call, st.name)
    users = [name for name, props in call.db.execute("SELECT name, properties FROM stores ORDER BY name")
             if store_registry(json.loads(props)) == st.name]
    if users:
        raise SqlFailure("2BP01", f"schema registry {st.name!r} is used by store(s) {', '.join(users)}; "
                                  "drop them or point them elsewhere first")
    call.db.execute("DELETE FROM schema_registries WHERE name = ?", (st.name,))
    return call.done()


def listed(call: Call, _: ListObjects) -> Outcome:
    """``LIST SCHEMA_REGISTRIES``."""
    rows = call.db.execute("SELECT name, type, status, owner, created_at, updated_at FROM schema_registries "
                           "ORDER BY name")
    return call.done([("Name", VARCHAR), ("Type", VARCHAR), ("Status", VARCHAR), ("Owner", VARCHAR),
                      ("CreatedAt", TS), ("UpdatedAt", TS)], rows)


FAMILY = Family(
    grammar=GRAMMAR,
    statements={"schema_registries_create": CreateSchemaRegistry, "schema_registries_update": UpdateSchemaRegistry,
                "schema_registries_drop": DropSchemaRegistry},
    handlers={CreateSchemaRegistry: create, UpdateSchemaRegistry: update, DropSchemaRegistry: drop},
    lists={"SCHEMA_REGISTRIES": listed},
    schema=SCHEMA,
    system_tables={"schema_registries": SYSTEM_TABLE},
    settle=(settle_status("schema_registries"),),
)
