"""Typed reads of DeltaStream's system tables; every lookup is exactly one SELECT.

Each row type names, field by field, the system-table column it comes from (:func:`column`), and each
:class:`Table` is the one definition of what is selected from a table and in which order.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import json
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from ..errors import NotFoundError
from . import sql
from .reads import RELATION_COLUMNS
from .values import rfc3339

if TYPE_CHECKING:
    from .client import DeltaStreamClient

Row = TypeVar("Row")


def column(name: str) -> Any:
    """A row field read from the system-table column ``name``."""
    return field(metadata={"column": name})


@dataclass(frozen=True)
class DatabaseRow:
    name: str = column("name")
    owner: str = column("owner")
    created_at: str | None = column("created_at")


@dataclass(frozen=True)
class NamespaceRow:
    database: str = column("database_name")
    name: str = column("name")
    owner: str = column("owner")
    created_at: str | None = column("created_at")


@dataclass(frozen=True)
class StoreRow:
    name: str = column("name")
    type: str = column("type")
    status: str = column("status")
    status_message: str | None = column("status_message")
    owner: str = column("owner")
    created_at: str | None = column("created_at")
    updated_at: str | None = column("updated_at")


@dataclass(frozen=True)
class RelationRow:
    database: str = column("database_name")
    namespace: str = column("schema_name")
    name: str = column("name")
    fqn: str = column("fqn")
    kind: str = column("relation_type")
    store: str | None = column("store_name")
    primary_key: str | None = column("primary_key")
    state: str = column("state")
    owner: str = column("owner")
    created_at: str | None = column("created_at")
    updated_at: str | None = column("updated_at")


@dataclass(frozen=True)
class QueryRow:
    id: str = column("id")
    name: str | None = column("name")
    version: int | None = column("version")
    intended_state: str | None = column("intended_state")
    state: str = column("current_state")
    owner: str = column("owner")
    created_at: str | None = column("created_at")
    updated_at: str | None = column("updated_at")


@dataclass(frozen=True)
class SchemaRegistryRow:
    name: str = column("name")
    type: str = column("type")
    status: str = column("status")
    owner: str = column("owner")
    created_at: str | None = column("created_at")
    updated_at: str | None = column("updated_at")


@dataclass(frozen=True)
class Table(Generic[Row]):
    """A system table: its name, the row type read from it, and the order lookups list it in. DeltaStream documents
    ``ORDER BY`` of one column, so the SELECT orders by ``sorted_by`` (chosen to be unique, or nearly) and the rows
    are then put in ``order_by`` order here."""

    name: str
    row: type[Row]
    order_by: tuple[str, ...]
    sorted_by: str

    @functools.cached_property
    def _fields(self) -> tuple[tuple[str, str], ...]:
        """(row field, column) pairs, worked out once per table: every system-table read uses them."""
        return tuple((f.name, f.metadata["column"]) for f in fields(self.row))  # type: ignore[arg-type]

    @property
    def columns(self) -> list[str]:
        return [column for _, column in self._fields]

    def in_order(self, rows: list[Row]) -> list[Row]:
        columns = dict((column, name) for name, column in self._fields)
        return sorted(rows, key=lambda row: tuple(str(getattr(row, columns[c]) or "") for c in self.order_by))

    def rows(self, records: list[dict[str, Any]]) -> list[Row]:
        """Typed rows, each field from its named column; timestamps become RFC 3339 text."""
        return [self.row(**{name: _text_time(record[column]) for name, column in self._fields})
                for record in records]


def _text_time(value: Any) -> Any:
    return rfc3339(value) if isinstance(value, dt.datetime) else value


DATABASES = Table("databases", DatabaseRow, ("name",), "name")
NAMESPACES = Table("schemas", NamespaceRow, ("database_name", "name"), "name")
STORES = Table("stores", StoreRow, ("name",), "name")
RELATIONS = Table("relations", RelationRow, ("database_name", "schema_name", "name"), "fqn")
QUERIES = Table("queries", QueryRow, ("created_at", "id"), "created_at")
SCHEMA_REGISTRIES = Table("schema_registries", SchemaRegistryRow, ("name",), "name")


class SystemTables:
    """The provider's view of the system tables (one per configured client)."""

    def __init__(self, client: DeltaStreamClient) -> None:
        self.client = client
        # A store's type never changes in place (a new type replaces the store), so it is read once per process,
        # by one request however many objects ask at once; Store create and delete keep it current.
        self._store_types: dict[str, asyncio.Future[str | None]] = {}

    async def store_type(self, name: str) -> str | None:
        """The type of store ``name`` (None: there is no such store, which is not remembered)."""
        known = self._store_types.get(name)
        if known is None:
            known = self._store_types[name] = asyncio.ensure_future(self._read_store_type(name))
        try:
            found = await asyncio.shield(known)
        except BaseException:
            self._store_types.pop(name, None)
            raise
        if found is None:
            self._store_types.pop(name, None)
        return found

    async def _read_store_type(self, name: str) -> str | None:
        row = await self.store(name)
        return row.type if row is not None else None

    def remember_store(self, name: str, type_: str | None) -> None:
        """Store create (a type) and delete (None) tell what they changed."""
        self._store_types.pop(name, None)
        if type_ is not None:
            future: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
            future.set_result(type_)
            self._store_types[name] = future

    async def select(self, table: Table[Row], where: dict[str, sql.Filter], limit: int | None = None) -> list[Row]:
        statement = sql.select(table.name, table.columns, where, table.sorted_by, limit)
        return table.in_order(table.rows((await self.client.execute(statement)).records()))

    async def one(self, table: Table[Row], where: dict[str, sql.Filter]) -> Row | None:
        rows = await self.select(table, where)
        return rows[0] if rows else None

    async def database(self, name: str) -> DatabaseRow | None:
        return await self.one(DATABASES, {"name": name})

    async def namespace(self, database: str, name: str) -> NamespaceRow | None:
        return await self.one(NAMESPACES, {"database_name": database, "name": name})

    async def store(self, name: str) -> StoreRow | None:
        return await self.one(STORES, {"name": name})

    async def schema_registry(self, name: str) -> SchemaRegistryRow | None:
        return await self.one(SCHEMA_REGISTRIES, {"name": name})

    async def relation(self, database: str, namespace: str, name: str) -> RelationRow | None:
        return await self.one(RELATIONS, {"database_name": database, "schema_name": namespace, "name": name})

    async def query(self, query_id: str) -> QueryRow | None:
        return await self.one(QUERIES, {"id": query_id})

    async def relation_with_columns(self, database: str, namespace: str,
                                    name: str) -> tuple[RelationRow, list[ColumnInfo]] | None:
        """A relation and its columns, both reads at once: the row from the catalog, the columns (in definition
        order, with nullability) from ``DESCRIBE RELATION COLUMNS``, as DeltaStream's dbt adapter reads them."""
        row, columns = await asyncio.gather(self.relation(database, namespace, name),
                                            self.columns(database, namespace, name))
        return None if row is None or columns is None else (row, columns)

    async def columns(self, database: str, namespace: str, name: str) -> list[ColumnInfo] | None:
        """The columns by position (name, type, nullable, properties); None: there is no such relation."""
        try:
            result = await self.client.execute(sql.describe_relation_columns(database, namespace, name))
        except NotFoundError:
            return None
        return [ColumnInfo(str(RELATION_COLUMNS.get(row, "name")), str(RELATION_COLUMNS.get(row, "type")),
                           _truthy(RELATION_COLUMNS.get(row, "nullable"))) for row in result.rows]

    async def listed_queries(self) -> list[ListedQuery]:
        """``LIST QUERIES``: every query with its SQL (the only documented read of it), oldest first."""
        records = (await self.client.execute(sql.list_queries())).records()
        return sorted((ListedQuery.of(record) for record in records), key=lambda q: (q.created_at or "", q.id))

    async def query_sql(self, query_id: str) -> str | None:
        """A query's SQL as ``LIST QUERIES`` shows it (None when it is not listed)."""
        return next((q.sql for q in await self.listed_queries() if q.id == query_id), None)


def _truthy(value: Any) -> bool:
    """A BOOLEAN cell (decoded) or its text."""
    return value if isinstance(value, bool) else str(value).strip().lower() in ("true", "t", "1", "yes")


@dataclass(frozen=True)
class ListedQuery:
    """A row of ``LIST QUERIES`` (``ID, Name, Version, IntendedState, ActualState, Query, Owner, CreatedAt,
    UpdatedAt``)."""

    id: str
    name: str | None
    state: str | None
    sql: str | None
    created_at: str | None

    @classmethod
    def of(cls, record: dict[str, Any]) -> ListedQuery:
        return cls(id=str(record.get("ID")), name=record.get("Name"), state=record.get("ActualState"),
                   sql=record.get("Query"), created_at=_text_time(record.get("CreatedAt")))


def primary_key_columns(value: str | None) -> list[str] | None:
    """The ``primary_key`` column as a list: JSON where DeltaStream writes JSON, else comma-separated names."""
    if not value:
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return [part.strip() for part in value.split(",")]
    return [str(p) for p in parsed] if isinstance(parsed, list) else [str(parsed)]


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str
    nullable: bool
