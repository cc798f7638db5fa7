"""The session context DeltaStream runs each statement in (organization, role, database, ...).

Its own module so the resources, which name sessions, do not import the HTTP client to do so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Session:
    """The session context sent with each statement: raw, case-sensitive names (never quoted)."""

    organization: str | None = None
    role: str | None = None
    database: str | None = None
    schema: str | None = None
    store: str | None = None
    compute_pool: str | None = None

    def merged(self, other: Session | None) -> Session:
        """This session with every field that ``other`` sets taking precedence."""
        if other is None:
            return self
        return Session(**{k: getattr(other, k) or getattr(self, k) for k in self.__dataclass_fields__})

    def request_fields(self) -> dict[str, str]:
        names = {"organization": "organization", "role": "role", "database": "database", "schema": "schema",
                 "store": "store", "compute_pool": "computePool"}
        return {wire: getattr(self, attr) for attr, wire in names.items() if getattr(self, attr)}

    @classmethod
    def from_context(cls, context: dict[str, Any] | None) -> Session:
        context = context or {}
        return cls(organization=context.get("organizationID"), role=context.get("roleName"),
                   database=context.get("databaseName"), schema=context.get("schemaName"),
                   store=context.get("storeName"), compute_pool=context.get("computePoolName"))
