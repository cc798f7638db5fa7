"""The lookup functions: get<Thing> finds exactly one, get<Things> lists up to 200; one SELECT each."""

from __future__ import annotations

from dataclasses import dataclass

from ..catalog import Catalog, DatabaseRow, NamespaceRow, QueryRow, RelationRow, StoreRow, relation_with_columns
from ..model import Model, prop
from ..sql import user_query
from ..resources.object import _primary_key
from .base import ROW_CAP, Answer, Function, capped, single, where

LIMIT = ROW_CAP + 1
STORE_TYPES = {"kafka": "Kafka", "confluentkafka": "ConfluentKafka", "postgres": "Postgres", "postgresql": "Postgres",
               "snowflake": "Snowflake", "kinesis": "Kinesis"}


#: The spelling lookups return, the same one their ``type`` filters take.
STORE_TYPE_NAMES = {"Kafka": "kafka", "ConfluentKafka": "confluent_kafka", "Postgres": "postgres",
                    "Snowflake": "snowflake", "Kinesis": "kinesis"}


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
    type: str = prop("`kafka`, `postgres`, `snowflake`, `confluent_kafka` or `kinesis`: the spelling the `type` filters "
                     "take.")
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
    sql: str | None = prop("The query's SQL body.", default=None)
    created_at: str | None = prop("When it was created (RFC 3339).", default=None)
    updated_at: str | None = prop("When it last changed state (RFC 3339).", default=None)


def _database(row: DatabaseRow) -> DatabaseInfo:
    return DatabaseInfo(name=row.name, owner=row.owner, created_at=row.created_at)


def _namespace(row: NamespaceRow) -> NamespaceInfo:
    return NamespaceInfo(database=row.database, name=row.name, owner=row.owner, created_at=row.created_at)


def _store(row: StoreRow) -> StoreInfo:
    return StoreInfo(name=row.name, type=STORE_TYPE_NAMES.get(row.type, row.type.lower()), status=row.status, owner=row.owner, status_message=row.status_message,
                     created_at=row.created_at, updated_at=row.updated_at)


def _object(row: RelationRow) -> ObjectSummary:
    return ObjectSummary(database=row.database, namespace=row.namespace, name=row.name, fqn=row.fqn, kind=row.kind,
                         state=row.state, owner=row.owner, store=row.store, primary_key=_primary_key(row.primary_key),
                         created_at=row.created_at, updated_at=row.updated_at)


def _query(row: QueryRow) -> QueryInfo:
    return QueryInfo(query_id=row.id, state=row.state, owner=row.owner, name=row.name, version=row.version,
                     intended_state=row.intended_state, sql=user_query(row.sql, row.name) if row.sql else None,
                     created_at=row.created_at,
                     updated_at=row.updated_at)


# --- databases ----------------------------------------------------------------------------------

@dataclass
class GetDatabaseArgs(Model):
    name: str = prop("Name of the database.")


@dataclass
class GetDatabaseResult(DatabaseInfo):
    """The database."""


class GetDatabase(Function[GetDatabaseArgs, GetDatabaseResult]):
    token = "deltastream:index:getDatabase"
    description = "Look up an existing database by name."
    args, result = GetDatabaseArgs, GetDatabaseResult

    async def invoke(self, catalog: Catalog, args: GetDatabaseArgs) -> Answer[GetDatabaseResult]:
        rows = await catalog.databases(where(name=args.name), limit=2)
        row = single(rows, "database", {"name": args.name})
        return Answer(GetDatabaseResult(**vars(_database(row))))


@dataclass
class GetDatabasesArgs(Model):
    owner: str | None = prop("Only databases owned by this role.", default=None)


@dataclass
class GetDatabasesResult(Model):
    databases: list[DatabaseInfo] = prop("Matching databases ordered by name (at most 200).")


class GetDatabases(Function[GetDatabasesArgs, GetDatabasesResult]):
    token = "deltastream:index:getDatabases"
    description = "List databases, ordered by name; at most 200 (a warning says when more match)."
    args, result = GetDatabasesArgs, GetDatabasesResult

    async def invoke(self, catalog: Catalog, args: GetDatabasesArgs) -> Answer[GetDatabasesResult]:
        rows, warnings = capped(await catalog.databases(where(owner=args.owner), limit=LIMIT), "databases")
        return Answer(GetDatabasesResult(databases=[_database(r) for r in rows]), warnings)


# --- namespaces ---------------------------------------------------------------------------------

@dataclass
class GetNamespaceArgs(Model):
    database: str = prop("Database of the namespace.")
    name: str = prop("Name of the namespace.")


@dataclass
class GetNamespaceResult(NamespaceInfo):
    """The namespace."""


class GetNamespace(Function[GetNamespaceArgs, GetNamespaceResult]):
    token = "deltastream:index:getNamespace"
    description = "Look up an existing namespace (DeltaStream schema) by database and name."
    args, result = GetNamespaceArgs, GetNamespaceResult

    async def invoke(self, catalog: Catalog, args: GetNamespaceArgs) -> Answer[GetNamespaceResult]:
        rows = await catalog.namespaces(where(database_name=args.database, name=args.name), limit=2)
        row = single(rows, "namespace", {"database": args.database, "name": args.name})
        return Answer(GetNamespaceResult(**vars(_namespace(row))))


@dataclass
class GetNamespacesArgs(Model):
    database: str | None = prop("Only namespaces of this database.", default=None)
    name: str | None = prop("Only namespaces with this name (in any database).", default=None)


@dataclass
class GetNamespacesResult(Model):
    namespaces: list[NamespaceInfo] = prop("Matching namespaces ordered by database and name (at most 200).")


class GetNamespaces(Function[GetNamespacesArgs, GetNamespacesResult]):
    token = "deltastream:index:getNamespaces"
    description = "List namespaces, filtered by database and/or name, ordered by database and name; at most 200."
    args, result = GetNamespacesArgs, GetNamespacesResult

    async def invoke(self, catalog: Catalog, args: GetNamespacesArgs) -> Answer[GetNamespacesResult]:
        rows = await catalog.namespaces(where(database_name=args.database, name=args.name), limit=LIMIT)
        rows, warnings = capped(rows, "namespaces")
        return Answer(GetNamespacesResult(namespaces=[_namespace(r) for r in rows]), warnings)


# --- stores -------------------------------------------------------------------------------------

@dataclass
class GetStoreArgs(Model):
    name: str = prop("Name of the store.")
    type: str | None = prop("Expected type (`kafka`, `postgres`, `snowflake`; any case); a store of another type "
                            "is not a match.", default=None)


@dataclass
class GetStoreResult(StoreInfo):
    """The store."""


class GetStore(Function[GetStoreArgs, GetStoreResult]):
    token = "deltastream:index:getStore"
    description = "Look up an existing store by name (and type). Credentials are never returned."
    args, result = GetStoreArgs, GetStoreResult

    async def invoke(self, catalog: Catalog, args: GetStoreArgs) -> Answer[GetStoreResult]:
        kind = store_type(args.type)
        rows = await catalog.stores(where(name=args.name, type=kind), limit=2)
        row = single(rows, "store", {"name": args.name, "type": kind})
        return Answer(GetStoreResult(**vars(_store(row))))


@dataclass
class GetStoresArgs(Model):
    name: str | None = prop("Only the store with this name.", default=None)
    type: str | None = prop("Only stores of this type (`kafka`, `postgres`, `snowflake`, any case).", default=None)


@dataclass
class GetStoresResult(Model):
    stores: list[StoreInfo] = prop("Matching stores ordered by name (at most 200).")


class GetStores(Function[GetStoresArgs, GetStoresResult]):
    token = "deltastream:index:getStores"
    description = "List stores, filtered by name and/or type, ordered by name; at most 200."
    args, result = GetStoresArgs, GetStoresResult

    async def invoke(self, catalog: Catalog, args: GetStoresArgs) -> Answer[GetStoresResult]:
        rows = await catalog.stores(where(name=args.name, type=store_type(args.type)), limit=LIMIT)
        rows, warnings = capped(rows, "stores")
        return Answer(GetStoresResult(stores=[_store(r) for r in rows]), warnings)


# --- objects ------------------------------------------------------------------------------------

@dataclass
class GetObjectArgs(Model):
    database: str = prop("Database of the object.")
    namespace: str = prop("Namespace of the object.")
    name: str = prop("Name of the object.")


@dataclass
class GetObjectResult(ObjectInfo):
    """The object with its columns."""


class GetObject(Function[GetObjectArgs, GetObjectResult]):
    token = "deltastream:index:getObject"
    description = "Look up an existing object (stream, changelog, table) with its kind, columns and store."
    args, result = GetObjectArgs, GetObjectResult

    async def invoke(self, catalog: Catalog, args: GetObjectArgs) -> Answer[GetObjectResult]:
        found = await relation_with_columns(catalog.client, args.database, args.namespace, args.name)
        filters = {"database": args.database, "namespace": args.namespace, "name": args.name}
        row, columns = single([found] if found else [], "object", filters)
        summary = vars(_object(row))
        return Answer(GetObjectResult(**summary, columns=[ObjectColumn(name=c.name, type=c.type,
                                                                           nullable=c.nullable) for c in columns]))


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


class GetObjects(Function[GetObjectsArgs, GetObjectsResult]):
    token = "deltastream:index:getObjects"
    description = ("List objects, filtered by database, namespace, name and/or kind, ordered by database, namespace "
                   "and name; at most 200.")
    args, result = GetObjectsArgs, GetObjectsResult

    async def invoke(self, catalog: Catalog, args: GetObjectsArgs) -> Answer[GetObjectsResult]:
        rows = await catalog.relations(where(database_name=args.database, schema_name=args.namespace, name=args.name,
                                             relation_type=args.kind), limit=LIMIT)
        rows, warnings = capped(rows, "objects")
        return Answer(GetObjectsResult(objects=[_object(r) for r in rows]), warnings)


# --- queries ------------------------------------------------------------------------------------

@dataclass
class GetQueryArgs(Model):
    query_id: str | None = prop("Query id (UUID). Give this, or name.", default=None)
    name: str | None = prop("Query name. Give this, or queryId.", default=None)
    version: int | None = prop("Version under the name; needed when several versions exist.", default=None)


@dataclass
class GetQueryResult(QueryInfo):
    """The query."""


class GetQuery(Function[GetQueryArgs, GetQueryResult]):
    token = "deltastream:index:getQuery"
    description = "Look up an existing query by id, or by name (and version), with its SQL, state and timestamps."
    args, result = GetQueryArgs, GetQueryResult

    async def invoke(self, catalog: Catalog, args: GetQueryArgs) -> Answer[GetQueryResult]:
        from .. import sql
        from ..errors import InvalidInputError

        if (args.query_id is None) == (args.name is None):
            raise InvalidInputError("give exactly one of queryId or name")
        query_id = sql.query_id(args.query_id) if args.query_id is not None else None
        filters = where(id=query_id, name=args.name, version=str(args.version) if args.version is not None else None)
        rows = await catalog.queries(filters, limit=2)
        row = single(rows, "query", {"queryId": query_id, "name": args.name, "version": args.version})
        return Answer(GetQueryResult(**vars(_query(row))))


@dataclass
class GetQueriesArgs(Model):
    name: str | None = prop("Only queries with this name.", default=None)
    state: str | None = prop("Only queries in this state, e.g. `running`.", default=None)


@dataclass
class GetQueriesResult(Model):
    queries: list[QueryInfo] = prop("Matching queries ordered by creation time (at most 200).")


class GetQueries(Function[GetQueriesArgs, GetQueriesResult]):
    token = "deltastream:index:getQueries"
    description = "List queries, filtered by name and/or state, ordered by creation time; at most 200."
    args, result = GetQueriesArgs, GetQueriesResult

    async def invoke(self, catalog: Catalog, args: GetQueriesArgs) -> Answer[GetQueriesResult]:
        rows = await catalog.queries(where(name=args.name, current_state=args.state), limit=LIMIT)
        rows, warnings = capped(rows, "queries", order="oldest first")
        return Answer(GetQueriesResult(queries=[_query(r) for r in rows]), warnings)


FUNCTIONS: list[Function] = [GetDatabase(), GetDatabases(), GetNamespace(), GetNamespaces(), GetStore(), GetStores(),
                             GetObject(), GetObjects(), GetQuery(), GetQueries()]
