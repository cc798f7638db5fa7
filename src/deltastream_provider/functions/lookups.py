"""The lookup functions: get<Thing> finds exactly one, get<Things> lists up to 200; one SELECT each (the query
lookups also send one ``LIST QUERIES`` at the same time: the only documented read of a query's SQL).

Each lookup is a row of :data:`FUNCTIONS`: its token, description, argument and result types, the kind of
thing it reads and the column each argument filters.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..deltastream import sql
from ..deltastream.catalog import SystemTables
from ..errors import InvalidInputError
from ..model import story
from ..model.docs import examples
from ..model.fields import Model, prop
from ..resources.compute_pool import LOOKUPS_STORY, ComputePoolInfo, listed_pools
from ..resources.database import DATABASES, DatabaseInfo
from ..resources.entity import EntityInfo, listed_entities
from ..resources.namespace import NAMESPACES, NamespaceInfo
from ..resources.object import RELATIONS, ObjectInfo, ObjectSummary, ObjectWithColumns, relation_with_columns
from ..resources.query import QueryInfo, queries_with_sql
from ..resources.schema_registry import SCHEMA_REGISTRIES, SchemaRegistryInfo
from ..resources.secret import SECRETS, SecretInfo
from ..resources.store import STORES, StoreInfo, StoreType, type_spelling
from .base import Filter, FindMany, FindOne, Function, Source

# --- how each kind is read ----------------------------------------------------------------------

async def _fetch_entities(catalog: SystemTables, where: dict[str, Any], limit: int) -> list[EntityInfo]:
    return (await listed_entities(catalog, where["store"], list(where.get("parent") or [])))[:limit]


async def _fetch_object(catalog: SystemTables, where: dict[str, Any], limit: int) -> list[ObjectWithColumns]:
    found = await relation_with_columns(catalog, where["database_name"], where["schema_name"], where["name"])
    return [ObjectWithColumns(*found)] if found is not None else []


async def _fetch_pools(catalog: SystemTables, where: dict[str, Any], limit: int) -> list[ComputePoolInfo]:
    return [p for p in await listed_pools(catalog) if all(getattr(p, k) == v for k, v in where.items())][:limit]


DATABASE = Source("database", "databases", Source.table(DATABASES), DatabaseInfo.of)
NAMESPACE = Source("namespace", "namespaces", Source.table(NAMESPACES), NamespaceInfo.of)
STORE = Source("store", "stores", Source.table(STORES), StoreInfo.of)
OBJECT = Source("object", "objects", _fetch_object, ObjectInfo.with_columns)
OBJECTS = Source("object", "objects", Source.table(RELATIONS), ObjectSummary.of)
QUERY = Source("query", "queries", queries_with_sql, QueryInfo.of, order="oldest first")
SECRET = Source("secret", "secrets", Source.table(SECRETS), SecretInfo.of)
SCHEMA_REGISTRY = Source("schema registry", "schema registries", Source.table(SCHEMA_REGISTRIES), SchemaRegistryInfo.of)
ENTITY = Source("entity", "entities", _fetch_entities, lambda entity: entity)
COMPUTE_POOL = Source("compute pool", "compute pools", _fetch_pools, lambda pool: pool)

NAME = Filter("name")
DATABASE_NAME = Filter("database_name")
STORE_TYPE = Filter("type", type_spelling)


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
    type: StoreType | None = prop("Expected type: `Kafka`, `ConfluentKafka`, `Kinesis`, `Postgres` or `Snowflake` "
                                  "(any case, with or without `_`); a store of another type is not a match.",
                                  default=None)


@dataclass
class GetStoreResult(StoreInfo):
    """The store."""


@dataclass
class GetStoresArgs(Model):
    name: str | None = prop("Only the store with this name.", default=None)
    type: StoreType | None = prop("Only stores of this type: `Kafka`, `ConfluentKafka`, `Kinesis`, `Postgres` or "
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


@dataclass
class GetComputePoolArgs(Model):
    name: str = prop("Name of the compute pool.")


@dataclass
class GetComputePoolResult(ComputePoolInfo):
    """The compute pool."""


@dataclass
class GetComputePoolsArgs(Model):
    size: str | None = prop("Only compute pools of this size: `small`, `medium` or `large`.", default=None)


@dataclass
class GetComputePoolsResult(Model):
    compute_pools: list[ComputePoolInfo] = prop("Matching compute pools ordered by name (at most 200).")


def _id_or_name(args: GetQueryArgs) -> None:
    if (args.query_id is None) == (args.name is None):
        raise InvalidInputError("give exactly one of queryId or name")


T = "deltastream:index:"
OBJECT_FILTERS = {"database": DATABASE_NAME, "namespace": Filter("schema_name"), "name": NAME}

#: The registry example of each kind's lookups (a singular lookup and its plural share one): a program that reads
#: what the resources' examples create.
_EXAMPLES = {kind.singular: examples(title, part) for kind, title, part in (
    (DATABASE, "The shop database, and the databases sysadmin owns", story.DATABASE_LOOKUPS),
    (NAMESPACE, "The raw namespace, and every namespace of the shop database", story.NAMESPACE_LOOKUPS),
    (STORE, "The events store, and every Kafka store", story.STORE_LOOKUPS),
    (OBJECT, "The pageviews stream's columns, and every stream of the shop database", story.OBJECT_LOOKUPS),
    (QUERY, "The pageviews_by_device application, and every running query", story.QUERY_LOOKUPS),
    (SECRET, "The partner_api_token secret, and every generic_string secret", story.SECRET_LOOKUPS),
    (SCHEMA_REGISTRY, "The shop_registry registry, and every Confluent Cloud registry", story.SCHEMA_REGISTRY_LOOKUPS),
    (ENTITY, "The topics of the events store", story.ENTITY_LOOKUPS),
    (COMPUTE_POOL, "A compute pool, then it and the pools of its size looked up", LOOKUPS_STORY))}


def _doc(text: str, kind: Source) -> str:
    return f"{text}\n\n{_EXAMPLES[kind.singular]}"


FUNCTIONS: list[Function[Any, Any]] = [
    FindOne(T + "getDatabase", _doc("Look up an existing database by name.", DATABASE),
            GetDatabaseArgs, GetDatabaseResult, DATABASE, {"name": NAME}),
    FindMany(T + "getDatabases",
             _doc("List databases, ordered by name; at most 200 (a warning says when more match).", DATABASE),
             GetDatabasesArgs, GetDatabasesResult, DATABASE, {"owner": Filter("owner")}, "databases"),
    FindOne(T + "getNamespace",
            _doc("Look up an existing namespace (DeltaStream schema) by database and name.", NAMESPACE),
            GetNamespaceArgs, GetNamespaceResult, NAMESPACE, {"database": DATABASE_NAME, "name": NAME}),
    FindMany(T + "getNamespaces",
             _doc("List namespaces, filtered by database and/or name, ordered by database and name; at most 200.",
                  NAMESPACE),
             GetNamespacesArgs, GetNamespacesResult, NAMESPACE, {"database": DATABASE_NAME, "name": NAME},
             "namespaces"),
    FindOne(T + "getStore",
            _doc("Look up an existing store by name (and type). Credentials are never returned.", STORE),
            GetStoreArgs, GetStoreResult, STORE, {"name": NAME, "type": STORE_TYPE}),
    FindMany(T + "getStores", _doc("List stores, filtered by name and/or type, ordered by name; at most 200.", STORE),
             GetStoresArgs, GetStoresResult, STORE, {"name": NAME, "type": STORE_TYPE}, "stores"),
    FindOne(T + "getObject",
            _doc("Look up an existing object (stream, changelog, table) with its kind, columns and store.", OBJECT),
            GetObjectArgs, GetObjectResult, OBJECT, OBJECT_FILTERS),
    FindMany(T + "getObjects", _doc("List objects, filtered by database, namespace, name and/or kind, ordered by "
                                    "database, namespace and name; at most 200.", OBJECT),
             GetObjectsArgs, GetObjectsResult, OBJECTS, {**OBJECT_FILTERS, "kind": Filter("relation_type")},
             "objects"),
    FindOne(T + "getQuery",
            _doc("Look up an existing query by id, or by name (and version), with its SQL, state and timestamps.",
                 QUERY),
            GetQueryArgs, GetQueryResult, QUERY,
            {"query_id": Filter("id", sql.query_id), "name": NAME, "version": Filter("version", str)},
            check=_id_or_name),
    FindMany(T + "getQueries",
             _doc("List queries, filtered by name and/or state, ordered by creation time; at most 200.", QUERY),
             GetQueriesArgs, GetQueriesResult, QUERY, {"name": NAME, "state": Filter("current_state")}, "queries"),
    FindOne(T + "getSecret", _doc("Look up an existing secret by name (never its value).", SECRET),
            GetSecretArgs, GetSecretResult, SECRET, {"name": NAME}),
    FindMany(T + "getSecrets",
             _doc("List secrets, filtered by type and/or owner, ordered by name; at most 200.", SECRET),
             GetSecretsArgs, GetSecretsResult, SECRET, {"type": Filter("type"), "owner": Filter("owner")}, "secrets"),
    FindOne(T + "getSchemaRegistry",
            _doc("Look up an existing schema registry by name (never its credentials).", SCHEMA_REGISTRY),
            GetSchemaRegistryArgs, GetSchemaRegistryResult, SCHEMA_REGISTRY, {"name": NAME}),
    FindMany(T + "getSchemaRegistries",
             _doc("List schema registries, filtered by type, ordered by name; at most 200.", SCHEMA_REGISTRY),
             GetSchemaRegistriesArgs, GetSchemaRegistriesResult, SCHEMA_REGISTRY, {"type": Filter("type")},
             "schema_registries"),
    FindMany(T + "getEntities", _doc("List the entities of a store (topics, streams, databases), or the children of "
                                     "one of them, with one LIST ENTITIES, ordered by name; at most 200.", ENTITY),
             GetEntitiesArgs, GetEntitiesResult, ENTITY, {"store": Filter("store"), "parent": Filter("parent")},
             "entities"),
    FindOne(T + "getComputePool", _doc("Look up an existing compute pool by name, with one LIST COMPUTE_POOLS.",
                                       COMPUTE_POOL),
            GetComputePoolArgs, GetComputePoolResult, COMPUTE_POOL, {"name": NAME}),
    FindMany(T + "getComputePools", _doc("List compute pools, filtered by size, ordered by name, with one LIST "
                                         "COMPUTE_POOLS; at most 200.", COMPUTE_POOL),
             GetComputePoolsArgs, GetComputePoolsResult, COMPUTE_POOL, {"size": Filter("size", str.lower)},
             "compute_pools"),
]
