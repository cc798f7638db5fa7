"""How the provider reads DeltaStream's answers that are not system tables: each result is a :class:`Shape` named
as in the contract register, read by position where DeltaStream's own clients read it by position (the column
names of ``DESCRIBE STORE``, ``DESCRIBE ENTITY``, plan and artifact rows are shown nowhere), and by name only
where a client or document names the column. The register test checks every shape here."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Shape:
    kind: str                                                  # the result's name in the contract register
    by_position: dict[int, str] = field(default_factory=dict)  # column position -> what the provider calls it
    by_name: tuple[str, ...] = ()                              # columns read by their documented names
    keys: tuple[str, ...] = ()                                 # keys read inside values (JSON, Property rows)

    def named(self, record: dict[str, Any], column: str) -> Any:
        """The cell of a column read by its documented name (any case)."""
        assert column in self.by_name, f"{self.kind} does not read {column!r} by name"
        return next((v for k, v in record.items() if k.lower() == column.lower()), None)

    def get(self, row: Sequence[Any], what: str) -> Any:
        """The cell the provider calls ``what`` (None when the row is shorter)."""
        position = next(p for p, name in self.by_position.items() if name == what)
        return row[position] if position < len(row) else None


DESCRIBE_STORE = Shape("DESCRIBE STORE", {0: "metadata", 1: "uris", 2: "details", 3: "tls_enabled",
                                          4: "verify_server_hostname", 5: "schema_registry"},
                       keys=("details.account_id", "details.warehouse_name", "details.role_name",
                             "metadata.properties"))
DESCRIBE_ENTITY = Shape("DESCRIBE ENTITY", {2: "partitions", 3: "replicas", 6: "configs"})
PLAN = Shape("DESCRIBE <statement>", {1: "plan"})
ARTIFACTS = Shape("artifact rows", {0: "type", 1: "name"})
RELATION_COLUMNS = Shape("DESCRIBE RELATION COLUMNS", {0: "name", 1: "type", 2: "nullable"})
# Its Properties (a JSON object) is read whole: the CREATE's WITH keys in it are unconfirmed (see the register).
DESCRIBE_RELATION = Shape("DESCRIBE RELATION", by_name=("Properties",))
LIST_QUERIES = Shape("LIST QUERIES", by_name=("ID", "Name", "ActualState", "Query", "CreatedAt"))
LIST_ENTITIES = Shape("LIST ENTITIES", by_name=("Name", "IsLeaf"))
DESCRIBE_QUERY = Shape("DESCRIBE QUERY", by_name=("Property", "Value"), keys=("error",))
CAN_I = Shape("CAN I", {0: "answer"})
LIST_ORGANIZATIONS = Shape("LIST ORGANIZATIONS", by_name=("id", "name"))

RESULTS = (DESCRIBE_STORE, DESCRIBE_ENTITY, PLAN, ARTIFACTS, RELATION_COLUMNS, DESCRIBE_RELATION, LIST_QUERIES,
           LIST_ENTITIES, DESCRIBE_QUERY, CAN_I, LIST_ORGANIZATIONS)
