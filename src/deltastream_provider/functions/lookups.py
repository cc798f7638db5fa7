"""The lookup functions: get<Thing> finds exactly one, get<Things> lists up to 200; one SELECT each (the query
lookups also send one ``LIST QUERIES`` at the same time: the only documented read of a query's SQL).

Each lookup is a row of :data:`FUNCTIONS`: its token, description, argument and result types, the kind of
thing it reads and the column each argument filters.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from ..deltastream import sql
from ..deltastream.catalog import (
    DATABASES,
    NAMESPACES,
    QUERIES,
    RELATIONS,
    SCHEMA_REGISTRIES,
    STORES,
    ColumnInfo,
    DatabaseRow,
    NamespaceRow,
    QueryRow,
    RelationRow,
    SchemaRegistryRow,
    StoreRow,
    SystemTables,
    primary_key_columns,
)
from ..errors import InvalidInputError
from ..model.fields import Model, prop
from ..resources.secret import SECRETS, SecretInfo
from .base import Filter, FindMany, FindOne, Function, Kind

STORE_TYPES = {"kafka": "Kafka", "confluentkafka": "ConfluentKafka", "postgres": "Postgres", "postgresql": "Postgres",
               "snowflake": "Snowflake", "kinesis": "Kinesis"}


def store_type(value: str | None) -> str | None:
    """A ``type`` filter in the catalog's spelling."""
    if value is None:
        return None
    return STORE_TYPES.get(value.replace("_", "").lower(), value)


# --- results ------------------------------------------------------------------------------------

@dataclass
class DatabaseInfo(Model):
    """A database."""

    name: str = prop("Name.")
    owner: str = prop("Owning role.")
    created_at: str | None = prop("When it was created (RFC 3339).", default=None)


@dataclass
class NamespaceInfo(Model):
    """A namespace (DeltaStream schema)."""

    database: str = prop("Database it belongs to.")
    name: str = prop("Name.")
    owner: str = prop("Owning role.")
    created_at: str | None = prop("When it was created (RFC 3339).", default=None)


@dataclass
class StoreInfo(Model):
    """A store. Credentials are never returned."""

    name: str = prop("Name.")
    type: str = prop("Store type as DeltaStream reports it (as the Store resource's `type`): `Kafka`, "
                     "`ConfluentKafka`, `Kinesis`, `Postgres` or `Snowflake`.")
    status: str = prop("`ready` or `errored`.")
    owner: str = prop("Owning role.")
    status_message: str | None = prop("DeltaStream's message when the store is not ready.", default=None)
    created_at: str | None = prop("When it was created (RFC 3339).", default=None)
    updated_at: str | None = prop("When it last changed (RFC 3339).", default=None)


@dataclass
class ObjectColumn(Model):
    """A column of an object."""

    name: str = prop("Column name.")
    type: str = prop("DeltaStream type.")
    nullable: bool = prop("Whether it accepts nulls.", default=True)


@dataclass
class ObjectSummary(Model):
    """An object (stream, changelog, table, ...)."""

    database: str = prop("Database.")
    namespace: str = prop("Namespace.")
    name: str = prop("Name.")
    fqn: str = prop('`"database"."namespace"."name"`.')
    kind: str = prop("`stream`, `changelog`, `table`, `materialized_view`, ...")
    state: str = prop("DeltaStream's state of the relation, e.g. `created`.")
    owner: str = prop("Owning role.")
    store: str | None = prop("Store that holds its entity.", default=None)
    primary_key: list[str] | None = prop("Primary key columns.", default=None)
    created_at: str | None = prop("When it was created (RFC 3339).", default=None)
    updated_at: str | None = prop("When it last changed (RFC 3339).", default=None)


@dataclass
class ObjectInfo(ObjectSummary):
    """An object with its columns."""

    columns: list[ObjectColumn] = prop("Columns in definition order.", default_factory=list)


@dataclass
class QueryInfo(Model):
    """A continuous query."""

    query_id: str = prop("Query id (UUID).")
    state: str = prop("`running`, `errored`, `terminate_requested`, `terminated`, ...")
    owner: str = prop("Owning role.")
    name: str | None = prop("Name, if it has one.", default=None)
    version: int | None = prop("Version under its name.", default=None)
    intended_state: str | None = prop("The state DeltaStream is driving it to.", default=None)
    sql: str | None = prop("The query's SQL as DeltaStream's `LIST QUERIES` shows it; null when it does not list "
                           "the query.", default=None)
    created_at: str | None = prop("When it was created (RFC 3339).", default=None)
    updated_at: str | None = prop("When it last changed state (RFC 3339).", default=None)


@dataclass
class SchemaRegistryInfo(Model):
    """A schema registry. Credentials are never returned."""

    name: str = prop("Name.")
    type: str = prop("`Confluent` or `ConfluentCloud`.")
    status: str = prop("`ready` or `errored`.")
    owner: str = prop("Owning role.")
    created_at: str | None = prop("When it was created (RFC 3339).", default=None)
    updated_at: str | None = prop("When it last changed (RFC 3339).", default=None)


@dataclass
class EntityInfo(Model):
    """An entity of a store."""

    name: str = prop("Name.")
    path: list[str] = prop("Full path in the store (the parent's path and the name).")
    is_leaf: bool = prop("Whether it holds data (a topic, a stream, a table) rather than other entities.")


@dataclass
class ObjectWithColumns:
    """What getObject reads: a relation and its columns (a SELECT and a DESCRIBE RELATION COLUMNS)."""

    relation: RelationRow
    columns: list[ColumnInfo]


# --- rows to results ----------------------------------------------------------------------------

def _database(row: DatabaseRow) -> DatabaseInfo:
    return DatabaseInfo(name=row.name, owner=row.owner, created_at=row.created_at)


def _namespace(row: NamespaceRow) -> NamespaceInfo:
    return NamespaceInfo(database=row.database, name=row.name, owner=row.owner, created_at=row.created_at)


def _store(row: StoreRow) -> StoreInfo:
    return StoreInfo(name=row.name, type=row.type, status=row.status,
                     owner=row.owner, status_message=row.status_message, created_at=row.created_at,
                     updated_at=row.updated_at)


def _object(row: RelationRow) -> ObjectSummary:
    return ObjectSummary(database=row.database, namespace=row.namespace, name=row.name, fqn=row.fqn, kind=row.kind,
                         state=row.state, owner=row.owner, store=row.store,
                         primary_key=primary_key_columns(row.primary_key), created_at=row.created_at,
                         updated_at=row.updated_at)


def _object_with_columns(found: ObjectWithColumns) -> ObjectInfo:
    columns = [ObjectColumn(name=c.name, type=c.type, nullable=c.nullable) for c in found.columns]
    return ObjectInfo(**vars(_object(found.relation)), columns=columns)


@dataclass
class QueryWithSql:
    """What the query lookups read: a catalog row and the SQL ``LIST QUERIES`` shows for it."""

    row: QueryRow
    sql: str | None


async def _fetch_queries(catalog: SystemTables, where: dict[str, Any], limit: int) -> list[QueryWithSql]:
    rows, listed = await asyncio.gather(catalog.select(QUERIES, where, limit=limit), catalog.listed_queries())
    sql_of = {q.id: q.sql for q in listed}
    return [QueryWithSql(row, sql_of.get(row.id)) for row in rows]


def _query(found: QueryWithSql) -> QueryInfo:
    row = found.row
    return QueryInfo(query_id=row.id, state=row.state, owner=row.owner, name=row.name, version=row.version,
                     intended_state=row.intended_state, sql=found.sql, created_at=row.created_at,
                     updated_at=row.updated_at)


def _schema_registry(row: SchemaRegistryRow) -> SchemaRegistryInfo:
    return SchemaRegistryInfo(name=row.name, type=row.type, status=row.status, owner=row.owner,
                              created_at=row.created_at, updated_at=row.updated_at)


async def _fetch_entities(catalog: SystemTables, where: dict[str, Any], limit: int) -> list[EntityInfo]:
    """One LIST ENTITIES: the children of ``parent`` (the store's top level without one), ordered by name."""
    parent = list(where.get("parent") or [])
    records = (await catalog.client.execute(sql.list_entities(where["store"], parent))).records()
    found = [EntityInfo(name=str(r.get("Name")), path=[*parent, str(r.get("Name"))], is_leaf=r.get("IsLeaf") is True)
             for r in records]
    return sorted(found, key=lambda e: e.name)[:limit]


async def _fetch_object(catalog: SystemTables, where: dict[str, Any], limit: int) -> list[ObjectWithColumns]:
    found = await catalog.relation_with_columns(where["database_name"], where["schema_name"], where["name"])
    return [ObjectWithColumns(*found)] if found is not None else []


DATABASE = Kind("database", "databases", Kind.table(DATABASES), _database)
NAMESPACE = Kind("namespace", "namespaces", Kind.table(NAMESPACES), _namespace)
STORE = Kind("store", "stores", Kind.table(STORES), _store)
OBJECT = Kind("object", "objects", _fetch_object, _object_with_columns)
OBJECTS = Kind("object", "objects", Kind.table(RELATIONS), _object)
QUERY = Kind("query", "queries", _fetch_queries, _query, order="oldest first")
SECRET = Kind("secret", "secrets", Kind.table(SECRETS), SecretInfo.of)
SCHEMA_REGISTRY = Kind("schema registry", "schema registries", Kind.table(SCHEMA_REGISTRIES), _schema_registry)
ENTITY = Kind("entity", "entities", _fetch_entities, lambda entity: entity)

NAME = Filter("name")
DATABASE_NAME = Filter("database_name")
STORE_TYPE = Filter("type", store_type)


# --- arguments and results ----------------------------------------------------------------------

@dataclass
class GetDatabaseArgs(Model):
    name: str = prop("Name of the database.")


@dataclass
class GetDatabaseResult(DatabaseInfo):
    """The database."""


@dataclass
class GetDatabasesArgs(Model):
    owner: str | None = prop("Only databases owned by this role.", default=None)


@dataclass
class GetDatabasesResult(Model):
    databases: list[DatabaseInfo] = prop("Matching databases ordered by name (at most 200).")


@dataclass
class GetNamespaceArgs(Model):
    database: str = prop("Database of the namespace.")
    name: str = prop("Name of the namespace.")


@dataclass
class GetNamespaceResult(NamespaceInfo):
    """The namespace."""


@dataclass
class GetNamespacesArgs(Model):
    database: str | None = prop("Only namespaces of this database.", default=None)
    name: str | None = prop("Only namespaces with this name (in any database).", default=None)


@dataclass
class GetNamespacesResult(Model):
    namespaces: list[NamespaceInfo] = prop("Matching namespaces ordered by database and name (at most 200).")


@dataclass
class GetStoreArgs(Model):
    name: str = prop("Name of the store.")
    type: str | None = prop("Expected type: `Kafka`, `ConfluentKafka`, `Kinesis`, `Postgres` or `Snowflake` (any case, "
                            "with or without `_`); a store of another type is not a match.", default=None)


@dataclass
class GetStoreResult(StoreInfo):
    """The store."""


@dataclass
class GetStoresArgs(Model):
    name: str | None = prop("Only the store with this name.", default=None)
    type: str | None = prop("Only stores of this type: `Kafka`, `ConfluentKafka`, `Kinesis`, `Postgres` or "
                            "`Snowflake` (any case, with or without `_`).", default=None)


@dataclass
class GetStoresResult(Model):
    stores: list[StoreInfo] = prop("Matching stores ordered by name (at most 200).")


@dataclass
class GetObjectArgs(Model):
    database: str = prop("Database of the object.")
    namespace: str = prop("Namespace of the object.")
    name: str = prop("Name of the object.")


@dataclass
class GetObjectResult(ObjectInfo):
    """The object with its columns."""


@dataclass
class GetObjectsArgs(Model):
    database: str | None = prop("Only objects of this database.", default=None)
    namespace: str | None = prop("Only objects of this namespace.", default=None)
    name: str | None = prop("Only objects with this name.", default=None)
    kind: str | None = prop("Only objects of this kind (`stream`, `changelog`, `table`, ...).", default=None)


@dataclass
class GetObjectsResult(Model):
    objects: list[ObjectSummary] = prop("Matching objects ordered by database, namespace and name (at most 200). "
                                        "Use getObject for an object's columns.")


@dataclass
class GetQueryArgs(Model):
    query_id: str | None = prop("Query id (UUID). Give this, or name.", default=None)
    name: str | None = prop("Query name. Give this, or queryId.", default=None)
    version: int | None = prop("Version under the name; needed when several versions exist.", default=None)


@dataclass
class GetQueryResult(QueryInfo):
    """The query."""


@dataclass
class GetQueriesArgs(Model):
    name: str | None = prop("Only queries with this name.", default=None)
    state: str | None = prop("Only queries in this state, e.g. `running`.", default=None)


@dataclass
class GetQueriesResult(Model):
    queries: list[QueryInfo] = prop("Matching queries ordered by creation time (at most 200).")


@dataclass
class GetSecretArgs(Model):
    name: str = prop("Name of the secret.")


@dataclass
class GetSecretResult(SecretInfo):
    """The secret (never its value)."""


@dataclass
class GetSecretsArgs(Model):
    type: str | None = prop("Only secrets of this type, e.g. `generic_string`.", default=None)
    owner: str | None = prop("Only secrets owned by this role.", default=None)


@dataclass
class GetSecretsResult(Model):
    secrets: list[SecretInfo] = prop("Matching secrets ordered by name (at most 200).")


@dataclass
class GetSchemaRegistryArgs(Model):
    name: str = prop("Name of the schema registry.")


@dataclass
class GetSchemaRegistryResult(SchemaRegistryInfo):
    """The schema registry."""


@dataclass
class GetSchemaRegistriesArgs(Model):
    type: str | None = prop("Only registries of this type: `Confluent` or `ConfluentCloud`.", default=None)


@dataclass
class GetSchemaRegistriesResult(Model):
    schema_registries: list[SchemaRegistryInfo] = prop("Matching schema registries ordered by name (at most 200).")


@dataclass
class GetEntitiesArgs(Model):
    store: str = prop("Store whose entities to list.")
    parent: list[str] | None = prop("Path of the entity whose children to list (a Snowflake database, say); "
                                    "default: the store's top level (its topics, streams or databases).",
                                    default=None)


@dataclass
class GetEntitiesResult(Model):
    entities: list[EntityInfo] = prop("The entities under parent, ordered by name (at most 200).")


def _id_or_name(args: GetQueryArgs) -> None:
    if (args.query_id is None) == (args.name is None):
        raise InvalidInputError("give exactly one of queryId or name")


T = "deltastream:index:"
OBJECT_FILTERS = {"database": DATABASE_NAME, "namespace": Filter("schema_name"), "name": NAME}

FUNCTIONS: list[Function[Any, Any]] = [
    FindOne(T + "getDatabase", "Look up an existing database by name.",
            GetDatabaseArgs, GetDatabaseResult, DATABASE, {"name": NAME}),
    FindMany(T + "getDatabases", "List databases, ordered by name; at most 200 (a warning says when more match).",
             GetDatabasesArgs, GetDatabasesResult, DATABASE, {"owner": Filter("owner")}, "databases"),
    FindOne(T + "getNamespace", "Look up an existing namespace (DeltaStream schema) by database and name.",
            GetNamespaceArgs, GetNamespaceResult, NAMESPACE, {"database": DATABASE_NAME, "name": NAME}),
    FindMany(T + "getNamespaces",
             "List namespaces, filtered by database and/or name, ordered by database and name; at most 200.",
             GetNamespacesArgs, GetNamespacesResult, NAMESPACE, {"database": DATABASE_NAME, "name": NAME},
             "namespaces"),
    FindOne(T + "getStore", "Look up an existing store by name (and type). Credentials are never returned.",
            GetStoreArgs, GetStoreResult, STORE, {"name": NAME, "type": STORE_TYPE}),
    FindMany(T + "getStores", "List stores, filtered by name and/or type, ordered by name; at most 200.",
             GetStoresArgs, GetStoresResult, STORE, {"name": NAME, "type": STORE_TYPE}, "stores"),
    FindOne(T + "getObject",
            "Look up an existing object (stream, changelog, table) with its kind, columns and store.",
            GetObjectArgs, GetObjectResult, OBJECT, OBJECT_FILTERS),
    FindMany(T + "getObjects", "List objects, filtered by database, namespace, name and/or kind, ordered by "
             "database, namespace and name; at most 200.",
             GetObjectsArgs, GetObjectsResult, OBJECTS, {**OBJECT_FILTERS, "kind": Filter("relation_type")},
             "objects"),
    FindOne(T + "getQuery",
            "Look up an existing query by id, or by name (and version), with its SQL, state and timestamps.",
            GetQueryArgs, GetQueryResult, QUERY,
            {"query_id": Filter("id", sql.query_id), "name": NAME, "version": Filter("version", str)},
            check=_id_or_name),
    FindMany(T + "getQueries", "List queries, filtered by name and/or state, ordered by creation time; at most 200.",
             GetQueriesArgs, GetQueriesResult, QUERY, {"name": NAME, "state": Filter("current_state")}, "queries"),
    FindOne(T + "getSecret", "Look up an existing secret by name (never its value).",
            GetSecretArgs, GetSecretResult, SECRET, {"name": NAME}),
    FindMany(T + "getSecrets", "List secrets, filtered by type and/or owner, ordered by name; at most 200.",
             GetSecretsArgs, GetSecretsResult, SECRET, {"type": Filter("type"), "owner": Filter("owner")}, "secrets"),
    FindOne(T + "getSchemaRegistry", "Look up an existing schema registry by name (never its credentials).",
            GetSchemaRegistryArgs, GetSchemaRegistryResult, SCHEMA_REGISTRY, {"name": NAME}),
    FindMany(T + "getSchemaRegistries", "List schema registries, filtered by type, ordered by name; at most 200.",
             GetSchemaRegistriesArgs, GetSchemaRegistriesResult, SCHEMA_REGISTRY, {"type": Filter("type")},
             "schema_registries"),
    FindMany(T + "getEntities", "List the entities of a store (topics, streams, databases), or the children of one "
             "of them, with one LIST ENTITIES, ordered by name; at most 200.",
             GetEntitiesArgs, GetEntitiesResult, ENTITY, {"store": Filter("store"), "parent": Filter("parent")},
             "entities"),
]
