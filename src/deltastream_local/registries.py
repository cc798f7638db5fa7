"""Schema registries: named credentials DeltaStream keeps, each with a status.

A registry is ready at once unless the ``registry_ready_s`` knob holds it ``creating`` / ``updating`` first; one
whose name matches ``errored_registries`` ends up ``errored``.
"""

from __future__ import annotations

import json
import re
import sqlite3
from typing import Any

from . import statements as s
from .catalog import timestamp
from .knobs import Knobs
from .property_values import check_group, public, refuse_nulls, type_word, word
from .results import Outcome, SessionState, SqlFailure

REGISTRY_TYPES = {"CONFLUENT": "Confluent", "CONFLUENT_CLOUD": "ConfluentCloud"}
#: Each registry type's credentials: given together, and required where the type needs them.
REGISTRY_CREDENTIALS = {"CONFLUENT": (("confluent.username", "confluent.password"), False),
                        "CONFLUENT_CLOUD": (("confluent_cloud.key", "confluent_cloud.secret"), True)}
#: The keys that name a Kafka store's schema registry, as DeltaStream's clients spell them: Terraform's
#: `'schema_registry.name' = "sr"`, DeltaStream's Pulumi provider's `'kafka.schema_registry_name'` and the Python SDK's
#: `'schema_registry_name'`. The first one a store has is its registry.
STORE_REGISTRY_KEYS = ("schema_registry.name", "kafka.schema_registry_name", "schema_registry_name")


def store_registry(props: dict[str, Any]) -> str | None:
    """The schema registry a store's properties name, whichever client's key names it."""
    for key in STORE_REGISTRY_KEYS:
        value = props.get(key)
        if value is not None:
            return value.name if isinstance(value, s.Identifier) else str(value)
    return None


class Registries:
    """Statement handlers for schema registries (mixed into the engine)."""

    knobs: Knobs

    def _status(self, now: float, final: str, transient: str) -> tuple[str, str | None, float | None]:
        """(status now, status later, when): the knob's delay passes through ``transient``."""
        delay = self.knobs.registry_ready_s
        return (transient, final, now + delay) if delay > 0 else (final, None, None)

    # --- schema registries ------------------------------------------------------------------------

    def _check_registry(self, props: dict[str, Any]) -> str:
        kind = type_word(props, list(REGISTRY_TYPES), "schema registry")
        if props.get("uris") in (None, ""):
            raise SqlFailure("3D021", "missing parameter 'uris'")
        keys, required = REGISTRY_CREDENTIALS[kind]
        check_group(keys, props, required, f"a {kind} schema registry")
        return kind

    def _registry_status(self, name: str) -> str:
        pattern = self.knobs.errored_registries
        return "errored" if pattern and re.search(pattern, name) else "ready"

    def _create_schema_registry(self, db: sqlite3.Connection, st: s.CreateSchemaRegistry, session: SessionState,
                                **kw: Any) -> Outcome:
        if db.execute("SELECT 1 FROM schema_registries WHERE name = ?", (st.name,)).fetchone():
            raise SqlFailure("42P018", f"schema registry {st.name!r} already exists")
        refuse_nulls(st.properties)
        kind = self._check_registry(st.properties)
        stamp = timestamp(kw["now"])
        status, later, at = self._status(kw["now"], self._registry_status(st.name), "creating")
        db.execute("INSERT INTO schema_registries VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   (st.name, REGISTRY_TYPES[kind], status, session.owner, stamp, stamp, public(st.properties),
                    later, at))
        return Outcome([], [], session)

    def _update_schema_registry(self, db: sqlite3.Connection, st: s.UpdateSchemaRegistry, session: SessionState,
                                **kw: Any) -> Outcome:
        row = self._registry_row(db, st.name)
        refuse_nulls(st.properties)
        current = json.loads(row["properties"])
        if "type" in st.properties and word(st.properties["type"]) != word(current.get("type")):
            raise SqlFailure("3D008", "a schema registry's 'type' cannot be changed")
        kind = word(current.get("type"))
        keys, _ = REGISTRY_CREDENTIALS.get(kind, ((), False))
        check_group(keys, st.properties, False, f"a {kind} schema registry")  # a credential pair is sent whole
        merged = {**current, **st.properties}
        status, later, at = self._status(kw["now"], self._registry_status(st.name), "updating")
        db.execute("""UPDATE schema_registries SET properties = ?, status = ?, updated_at = ?, next_status = ?,
                      transition_at = ? WHERE name = ?""",
                   (public(merged), status, timestamp(kw["now"]), later, at, st.name))
        return Outcome([], [], session)

    def _drop_schema_registry(self, db: sqlite3.Connection, st: s.DropSchemaRegistry, session: SessionState,
                              **kw: Any) -> Outcome:
        self._registry_row(db, st.name)
        users = [name for name, props in db.execute("SELECT name, properties FROM stores ORDER BY name")
                 if store_registry(json.loads(props)) == st.name]
        if users:
            raise SqlFailure("2BP01", f"schema registry {st.name!r} is used by store(s) {', '.join(users)}; "
                                      "drop them or point them elsewhere first")
        db.execute("DELETE FROM schema_registries WHERE name = ?", (st.name,))
        return Outcome([], [], session)

    def _registry_row(self, db: sqlite3.Connection, name: str) -> sqlite3.Row:
        row: sqlite3.Row | None = db.execute("SELECT * FROM schema_registries WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise SqlFailure("3D009", f"schema registry {name!r} does not exist")
        return row
