"""The lookup functions: get<Thing> finds exactly one, get<Things> lists up to 200; one SELECT each (the query
lookups also send one ``LIST QUERIES`` at the same time: the only documented read of a query's SQL).

Each lookup is one declaration in :data:`FUNCTIONS`: its token, description, the kind of thing it reads, each
argument with the column it filters, and its result (the kind's row); the argument and result types are made from
it.
"""

from __future__ import annotations

import importlib
import pkgutil
from typing import Any

from .. import resources
from ..deltastream import sql
from ..deltastream.catalog import SystemTables
from ..errors import InvalidInputError
from ..model import story
from ..model.docs import examples
from ..model.lookup import Arg, Filter, Source
from ..resources.database import DATABASES, DatabaseInfo
from ..resources.entity import EntityInfo, listed_entities
from ..resources.namespace import NAMESPACES, NamespaceInfo
from ..resources.object import RELATIONS, ObjectInfo, ObjectSummary, ObjectWithColumns, relation_with_columns
from ..resources.query import QueryInfo, queries_with_sql
from ..resources.schema_registry import SCHEMA_REGISTRIES, SchemaRegistryInfo
from ..resources.secret import SECRETS, SecretInfo
from ..resources.store import STORES, StoreInfo, StoreType, type_spelling
from .base import FindMany, FindOne, Function, served

# --- how each kind is read ----------------------------------------------------------------------

async def _fetch_entities(catalog: SystemTables, where: dict[str, Any], limit: int) -> list[EntityInfo]:
    return (await listed_entities(catalog, where["store"], list(where.get("parent") or [])))[:limit]


async def _fetch_object(catalog: SystemTables, where: dict[str, Any], limit: int) -> list[ObjectWithColumns]:
    found = await relation_with_columns(catalog, where["database_name"], where["schema_name"], where["name"])
    return [ObjectWithColumns(*found)] if found is not None else []


DATABASE = Source("database", "databases", Source.table(DATABASES), DatabaseInfo.of)
NAMESPACE = Source("namespace", "namespaces", Source.table(NAMESPACES), NamespaceInfo.of)
STORE = Source("store", "stores", Source.table(STORES), StoreInfo.of)
OBJECT = Source("object", "objects", _fetch_object, ObjectInfo.with_columns)
OBJECTS = Source("object", "objects", Source.table(RELATIONS), ObjectSummary.of)
QUERY = Source("query", "queries", queries_with_sql, QueryInfo.of, order="oldest first")
SECRET = Source("secret", "secrets", Source.table(SECRETS), SecretInfo.of)
SCHEMA_REGISTRY = Source("schema registry", "schema registries", Source.table(SCHEMA_REGISTRIES), SchemaRegistryInfo.of)
ENTITY = Source("entity", "entities", _fetch_entities, lambda entity: entity)

NAME = Filter("name")
DATABASE_NAME = Filter("database_name")
SCHEMA_NAME = Filter("schema_name")
STORE_TYPE = Filter("type", type_spelling)


def _id_or_name(args: Any) -> None:
    if (args.query_id is None) == (args.name is None):
        raise InvalidInputError("give exactly one of queryId or name")


T = "deltastream:index:"
STORE_TYPES = ("`Kafka`, `ConfluentKafka`, `Kinesis`, `Postgres`, `Snowflake`, `S3`, `IcebergRest`, `ClickHouse` or "
               "`Databricks`")

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
    (ENTITY, "The topics of the events store", story.ENTITY_LOOKUPS))}


def _doc(text: str, kind: Source) -> str:
    return f"{text}\n\n{_EXAMPLES[kind.singular]}"


#: Each lookup, one declaration: token, description, what it reads, its arguments (each with the filter it gives)
#: and its result (the kind's row; a plural one's list field).
FUNCTIONS: list[Function[Any, Any]] = [
    FindOne(T + "getDatabase", _doc("Look up an existing database by name.", DATABASE), DATABASE,
            {"name": Arg("Name of the database.", NAME, required=True)}, DatabaseInfo),
    FindMany(T + "getDatabases",
             _doc("List databases, ordered by name; at most 200 (a warning says when more match).", DATABASE),
             DATABASE, {"owner": Arg("Only databases owned by this role.", Filter("owner"))},
             "databases", DatabaseInfo, "Matching databases ordered by name (at most 200)."),
    FindOne(T + "getNamespace",
            _doc("Look up an existing namespace (DeltaStream schema) by database and name.", NAMESPACE), NAMESPACE,
            {"database": Arg("Database of the namespace.", DATABASE_NAME, required=True),
             "name": Arg("Name of the namespace.", NAME, required=True)}, NamespaceInfo),
    FindMany(T + "getNamespaces",
             _doc("List namespaces, filtered by database and/or name, ordered by database and name; at most 200.",
                  NAMESPACE), NAMESPACE,
             {"database": Arg("Only namespaces of this database.", DATABASE_NAME),
              "name": Arg("Only namespaces with this name (in any database).", NAME)},
             "namespaces", NamespaceInfo, "Matching namespaces ordered by database and name (at most 200)."),
    FindOne(T + "getStore",
            _doc("Look up an existing store by name (and type). Credentials are never returned.", STORE), STORE,
            {"name": Arg("Name of the store.", NAME, required=True),
             "type": Arg(f"Expected type: {STORE_TYPES} (any case, with or without `_`); a store of another type is "
                         "not a match.", STORE_TYPE, StoreType)}, StoreInfo),
    FindMany(T + "getStores", _doc("List stores, filtered by name and/or type, ordered by name; at most 200.", STORE),
             STORE, {"name": Arg("Only the store with this name.", NAME),
                     "type": Arg(f"Only stores of this type: {STORE_TYPES} (any case, with or without `_`).",
                                 STORE_TYPE, StoreType)},
             "stores", StoreInfo, "Matching stores ordered by name (at most 200)."),
    FindOne(T + "getObject",
            _doc("Look up an existing object (stream, changelog, table) with its kind, columns and store.", OBJECT),
            OBJECT, {"database": Arg("Database of the object.", DATABASE_NAME, required=True),
                     "namespace": Arg("Namespace of the object.", SCHEMA_NAME, required=True),
                     "name": Arg("Name of the object.", NAME, required=True)}, ObjectInfo),
    FindMany(T + "getObjects", _doc("List objects, filtered by database, namespace, name and/or kind, ordered by "
                                    "database, namespace and name; at most 200.", OBJECT), OBJECTS,
             {"database": Arg("Only objects of this database.", DATABASE_NAME),
              "namespace": Arg("Only objects of this namespace.", SCHEMA_NAME),
              "name": Arg("Only objects with this name.", NAME),
              "kind": Arg("Only objects of this kind (`stream`, `changelog`, `table`, ...).", Filter("relation_type"))},
             "objects", ObjectSummary, "Matching objects ordered by database, namespace and name (at most 200). "
                                       "Use getObject for an object's columns."),
    FindOne(T + "getQuery",
            _doc("Look up an existing query by id, or by name (and version), with its SQL, state and timestamps.",
                 QUERY), QUERY,
            {"query_id": Arg("Query id (UUID). Give this, or name.", Filter("id", sql.query_id)),
             "name": Arg("Query name. Give this, or queryId.", NAME),
             "version": Arg("Version under the name; needed when several versions exist.", Filter("version", str),
                            int)}, QueryInfo, check=_id_or_name),
    FindMany(T + "getQueries",
             _doc("List queries, filtered by name and/or state, ordered by creation time; at most 200.", QUERY), QUERY,
             {"name": Arg("Only queries with this name.", NAME),
              "state": Arg("Only queries in this state, e.g. `running`.", Filter("current_state"))},
             "queries", QueryInfo, "Matching queries ordered by creation time (at most 200)."),
    FindOne(T + "getSecret", _doc("Look up an existing secret by name (never its value).", SECRET), SECRET,
            {"name": Arg("Name of the secret.", NAME, required=True)}, SecretInfo),
    FindMany(T + "getSecrets",
             _doc("List secrets, filtered by type and/or owner, ordered by name; at most 200.", SECRET), SECRET,
             {"type": Arg("Only secrets of this type, e.g. `generic_string`.", Filter("type")),
              "owner": Arg("Only secrets owned by this role.", Filter("owner"))},
             "secrets", SecretInfo, "Matching secrets ordered by name (at most 200)."),
    FindOne(T + "getSchemaRegistry",
            _doc("Look up an existing schema registry by name (never its credentials).", SCHEMA_REGISTRY),
            SCHEMA_REGISTRY, {"name": Arg("Name of the schema registry.", NAME, required=True)}, SchemaRegistryInfo),
    FindMany(T + "getSchemaRegistries",
             _doc("List schema registries, filtered by type, ordered by name; at most 200.", SCHEMA_REGISTRY),
             SCHEMA_REGISTRY,
             {"type": Arg("Only registries of this type: `Confluent` or `ConfluentCloud`.", Filter("type"))},
             "schema_registries", SchemaRegistryInfo, "Matching schema registries ordered by name (at most 200)."),
    FindMany(T + "getEntities", _doc("List the entities of a store (topics, streams, databases), or the children of "
                                     "one of them, with one LIST ENTITIES, ordered by name; at most 200.", ENTITY),
             ENTITY, {"store": Arg("Store whose entities to list.", Filter("store"), required=True),
                      "parent": Arg("Path of the entity whose children to list (a Snowflake database, say); "
                                    "default: the store's top level (its topics, streams or databases).",
                                    Filter("parent"), list[str])},
             "entities", EntityInfo, "The entities under parent, ordered by name (at most 200)."),
]

#: The lookups a kind declares in its own module (``LOOKUPS``), after these.
FUNCTIONS += [served(T, declared) for module in pkgutil.iter_modules(resources.__path__)
              for declared in getattr(importlib.import_module(f"{resources.__name__}.{module.name}"), "LOOKUPS", ())]
