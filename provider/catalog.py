"""Typed reads of DeltaStream's system tables; every lookup is exactly one SELECT."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Sequence

from . import sql
from .client import DeltaStreamClient, Result
from .values import rfc3339


def _ts(value: Any) -> str | None:
    return rfc3339(value) if isinstance(value, dt.datetime) else value


@dataclass(frozen=True)
class DatabaseRow:
    name: str
    owner: str
    created_at: str | None


@dataclass(frozen=True)
class NamespaceRow:
    database: str
    name: str
    owner: str
    created_at: str | None


@dataclass(frozen=True)
class StoreRow:
    name: str
    type: str
    status: str
    status_message: str | None
    owner: str
    created_at: str | None
    updated_at: str | None


@dataclass(frozen=True)
class RelationRow:
    database: str
    namespace: str
    name: str
    fqn: str
    kind: str
    store: str | None
    primary_key: str | None
    state: str
    owner: str
    created_at: str | None
    updated_at: str | None


@dataclass(frozen=True)
class QueryRow:
    id: str
    name: str | None
    version: int | None
    intended_state: str | None
    state: str
    sql: str | None
    owner: str
    created_at: str | None
    updated_at: str | None


_DATABASE = ["name", "owner", "created_at"]
_NAMESPACE = ["database_name", "name", "owner", "created_at"]
_STORE = ["name", "type", "status", "status_message", "owner", "created_at", "updated_at"]
_RELATION = ["database_name", "schema_name", "name", "fqn", "relation_type", "store_name", "primary_key", "state",
             "owner", "created_at", "updated_at"]
_QUERY = ["id", "name", "version", "intended_state", "current_state", "sql", "owner", "created_at", "updated_at"]


def _rows(result: Result, factory: type, columns: Sequence[str]) -> list[Any]:
    return _rows_of(result.records(), factory, columns)


def _rows_of(records: list[dict[str, Any]], factory: type, columns: Sequence[str]) -> list[Any]:
    """Typed rows; timestamps become RFC 3339 text."""
    return [factory(*[_ts(record[c]) for c in columns]) for record in records]


def _one(rows: list[Any]) -> Any:
    return rows[0] if rows else None


class Catalog:
    """The provider's view of the system tables."""

    def __init__(self, client: DeltaStreamClient) -> None:
        self.client = client

    async def _select(self, table: str, columns: list[str], where: dict[str, sql.Filter],
                      order_by: Sequence[str] = (), limit: int | None = None) -> Result:
        return await self.client.execute(sql.select(table, columns, where, order_by, limit))

    async def databases(self, where: dict[str, sql.Filter], limit: int | None = None) -> list[DatabaseRow]:
        return _rows(await self._select("databases", _DATABASE, where, ["name"], limit), DatabaseRow, _DATABASE)

    async def database(self, name: str) -> DatabaseRow | None:
        return _one(await self.databases({"name": name}))

    async def namespaces(self, where: dict[str, sql.Filter], limit: int | None = None) -> list[NamespaceRow]:
        result = await self._select("schemas", _NAMESPACE, where, ["database_name", "name"], limit)
        return _rows(result, NamespaceRow, _NAMESPACE)

    async def namespace(self, database: str, name: str) -> NamespaceRow | None:
        return _one(await self.namespaces({"database_name": database, "name": name}))

    async def stores(self, where: dict[str, sql.Filter], limit: int | None = None) -> list[StoreRow]:
        return _rows(await self._select("stores", _STORE, where, ["name"], limit), StoreRow, _STORE)

    async def store(self, name: str) -> StoreRow | None:
        return _one(await self.stores({"name": name}))

    async def relations(self, where: dict[str, sql.Filter], limit: int | None = None) -> list[RelationRow]:
        result = await self._select("relations", _RELATION, where, ["database_name", "schema_name", "name"], limit)
        return _rows(result, RelationRow, _RELATION)

    async def relation(self, database: str, namespace: str, name: str) -> RelationRow | None:
        return _one(await self.relations({"database_name": database, "schema_name": namespace, "name": name}))

    async def queries(self, where: dict[str, sql.Filter], limit: int | None = None) -> list[QueryRow]:
        result = await self._select("queries", _QUERY, where, ["created_at", "id"], limit)
        return _rows(result, QueryRow, _QUERY)

    async def query(self, query_id: str) -> QueryRow | None:
        return _one(await self.queries({"id": query_id}))


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str
    nullable: bool


async def relation_with_columns(client: DeltaStreamClient, database: str, namespace: str,
                                name: str) -> tuple[RelationRow, list[ColumnInfo]] | None:
    """A relation and its columns from one SELECT; columns in definition order where the server says it."""
    records = (await client.execute(sql.select_relation_with_columns(database, namespace, name))).records()
    if not records:
        return None
    relation: RelationRow = _rows_of([records[0]], RelationRow, _RELATION)[0]
    columns = []
    for position, record in enumerate(records):
        if record.get("column_name") is None:
            continue
        try:
            properties = json.loads(record.get("column_properties") or "{}")
        except ValueError:
            properties = {}
        columns.append((properties.get("ordinal", position), ColumnInfo(
            record["column_name"], record["column_type"], bool(properties.get("nullable", True)))))
    return relation, [c for _, c in sorted(columns, key=lambda item: item[0])]
