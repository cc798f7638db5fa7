"""What a statement yields: rows and the session after it, or an SQL failure with its SQLSTATE."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

VARCHAR = "VARCHAR"
BOOLEAN = "BOOLEAN"


class SqlFailure(Exception):
    """A statement failed: DeltaStream answers HTTP 200 with this SQLSTATE and message."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class SessionState:
    organization: str
    role: str = "sysadmin"
    database: str | None = None
    schema: str | None = None
    store: str | None = None
    compute_pool: str | None = None

    @property
    def owner(self) -> str:
        """Who owns what the session creates: its role."""
        return self.role or "sysadmin"

    def context(self) -> dict[str, str]:
        values = {"organizationID": self.organization, "roleName": self.role, "databaseName": self.database,
                  "schemaName": self.schema, "storeName": self.store, "computePoolName": self.compute_pool}
        return {k: v for k, v in values.items() if v}


@dataclass
class Outcome:
    """Columns (name, type), rows of catalog values (encoded to strings on the way out), the session after."""

    columns: list[tuple[str, str]]
    rows: list[list[Any]]
    session: SessionState


def encode(type_: str, value: Any) -> str | None:
    """A cell in wire form: strings or null; booleans ``true``/``false``."""
    if value is None:
        return None
    if type_ == BOOLEAN:
        return "true" if value in (1, True, "1", "true") else "false"
    return str(value)
