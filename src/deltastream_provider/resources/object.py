"""Object: a DeltaStream relation (stream, changelog or table) backed by a store's entity. The whole kind is here:
inputs and state, its statements, its system-table row with its columns, the rows its lookups return, and how settle
finds one."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from ..deltastream import sql
from ..deltastream.catalog import SystemTables, Table, column
from ..deltastream.ids import format_id, parse_id
from ..deltastream.reads import DESCRIBE_RELATION, RELATION_COLUMNS
from ..errors import InvalidInputError, NotFoundError, QuotingError
from ..model import story
from ..model.docs import examples
from ..model.fields import Enum, Model, prop
from ..model.sample import Sample, built
from ..model.unknown import UNKNOWN
from .base import Context, Diff, Existing, Resource, check_identifier, create_then_wait, drop_then_wait
from .dependents import ACCEPT_DOC, BlastRadius, on_relations
from .lifecycle import OWNER_DOC, existing_row, gone, owner_as_read, owner_session, ready_row
from .ownership import grant_statement, transfer

ID_FORMAT = 'DATABASE/NAMESPACE/NAME, or the fqn "DATABASE"."NAMESPACE"."NAME"'
Kind = Annotated[Literal["stream", "changelog", "table"], Enum("ObjectKind", "What a DeltaStream object is.")]
RELATION_KINDS = {"stream": "STREAM", "changelog": "CHANGELOG", "table": "TABLE"}


@dataclass(frozen=True)
class ColumnDef:
    name: str
    type: str
    nullable: bool = True


def create_statement(kind: str, database: str, namespace: str, name: str, columns: Sequence[ColumnDef],
                     primary_key: Sequence[str], properties: Sequence[tuple[str, sql.PropertyValue]]) -> sql.Statement:
    """Without columns, DeltaStream's alternative syntax (``CREATE STREAM s WITH (...)``): the value format's schema
    supplies the columns (and a changelog's key, the key format's)."""
    defs = [f"{sql.ident(c.name)} {sql.column_type(c.type)}{'' if c.nullable else ' NOT NULL'}" for c in columns]
    if primary_key:
        defs.append(f"PRIMARY KEY ({', '.join(sql.ident(k) for k in primary_key)})")
    listed = f" ({', '.join(defs)})" if columns else ""
    return sql.statement([f"CREATE {RELATION_KINDS[kind]} {sql.qualified(database, namespace, name)}{listed}",
                          sql.with_clause(properties)])


def drop_statement(database: str, namespace: str, name: str) -> sql.Statement:
    return sql.statement([f"DROP RELATION {sql.qualified(database, namespace, name)}"])


def columns_statement(database: str, namespace: str, name: str) -> sql.Statement:
    return sql.statement([f"DESCRIBE RELATION COLUMNS {sql.qualified(database, namespace, name)}"], mutating=False)


def describe_statement(database: str, namespace: str, name: str) -> sql.Statement:
    return sql.statement([f"DESCRIBE RELATION {sql.qualified(database, namespace, name)}"], mutating=False)


@dataclass(frozen=True)
class RelationRow:
    """A row of ``deltastream.sys."relations"``."""

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


RELATIONS = Table("relations", RelationRow, ("database_name", "schema_name", "name"), "fqn")


async def relation_row(catalog: SystemTables, database: str, namespace: str, name: str) -> RelationRow | None:
    return await catalog.one(RELATIONS, {"database_name": database, "schema_name": namespace, "name": name})


async def relation_in_database(catalog: SystemTables, database: str, namespace: str,
                               name: str) -> RelationRow | None:
    """The relation's row from one SELECT of its database's relations, shared by every read of the database. The
    engine reads a few resources at a time (its parallelism), and a read waiting on its group's SELECT holds its
    slot: one group per database rather than per namespace makes a refresh one round trip for all its objects."""
    return await catalog.in_group(RELATIONS, {"database_name": database}, {"schema_name": namespace, "name": name})


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type: str
    nullable: bool


async def relation_columns(catalog: SystemTables, database: str, namespace: str,
                           name: str) -> list[ColumnInfo] | None:
    """The columns by position (name, type, nullable, properties); None: there is no such relation."""
    try:
        result = await catalog.client.execute(columns_statement(database, namespace, name))
    except NotFoundError:
        return None
    return [ColumnInfo(str(RELATION_COLUMNS.get(row, "name")), str(RELATION_COLUMNS.get(row, "type")),
                       _truthy(RELATION_COLUMNS.get(row, "nullable"))) for row in result.rows]


def known_columns(state: ObjectState | None, row: RelationRow) -> list[ColumnInfo] | None:
    """The columns the state holds while the relation is the one they were read from or created with; None when
    they must be read. DeltaStream documents no statement that changes a relation's columns in place (``ALTER``
    changes only its owner), so they change only with a re-creation, and that gives the row a new creation time."""
    if state is None or not state.columns or state.created_at is None or (state.created_at, state.kind) != (
            row.created_at, row.kind):
        return None
    return [ColumnInfo(c.name, c.type, c.nullable is not False) for c in state.columns]


async def relation_with_columns(catalog: SystemTables, database: str, namespace: str,
                                name: str) -> tuple[RelationRow, list[ColumnInfo]] | None:
    """A relation and its columns, both reads at once: the row from the catalog, the columns (in definition
    order, with nullability) from ``DESCRIBE RELATION COLUMNS``, as DeltaStream's dbt adapter reads them."""
    row, columns = await asyncio.gather(relation_row(catalog, database, namespace, name),
                                        relation_columns(catalog, database, namespace, name))
    return None if row is None or columns is None else (row, columns)


async def relation_properties(catalog: SystemTables, database: str, namespace: str,
                              name: str) -> dict[str, Any] | None:
    """The ``WITH`` properties DeltaStream keeps for the relation (``DESCRIBE RELATION``, column ``Properties``, a
    JSON object); None: there is no such relation. Import alone reads them: a refresh keeps the program's."""
    try:
        result = await catalog.client.execute(describe_statement(database, namespace, name))
    except NotFoundError:
        return None
    records = result.records()
    if not records:
        return None
    cell = DESCRIBE_RELATION.named(records[0], "Properties")
    found = json.loads(cell) if isinstance(cell, str) and cell.strip() else cell
    return found if isinstance(found, dict) else {}


#: The ``WITH`` keys that are inputs of their own (the entity's are :data:`ENTITY_KEYS`); the rest are `properties`.
SETTING_KEYS = {"value.format": "value_format", "key.format": "key_format", "timestamp": "timestamp_column"}
ENTITY_KEYS = (("topic",), ("postgresql.db.name", "postgresql.schema.name", "postgresql.table.name"),
               ("snowflake.db.name", "snowflake.schema.name", "snowflake.table.name"))


def settings_of(properties: dict[str, Any]) -> dict[str, Any]:
    """The inputs a relation's ``WITH`` properties give back (what :func:`object_statement` wrote from them): the
    entity, formats, timestamp column and the further properties; the store is the catalog's ``store_name``."""
    def text(value: Any) -> str:
        return value if isinstance(value, str) else json.dumps(value)

    settings: dict[str, Any] = {field: text(properties[key]) for key, field in SETTING_KEYS.items()
                                if properties.get(key) is not None}
    for keys in ENTITY_KEYS:
        parts = [text(properties[k]) for k in keys if properties.get(k) is not None]
        if parts:
            settings["entity"] = ".".join(parts)
            break
    named = {"store", *SETTING_KEYS, *(k for keys in ENTITY_KEYS for k in keys)}
    rest = {k: text(v) for k, v in properties.items() if k not in named and v is not None}
    settings["properties"] = rest or None
    return settings


def _truthy(value: Any) -> bool:
    """A BOOLEAN cell (decoded) or its text."""
    return value if isinstance(value, bool) else str(value).strip().lower() in ("true", "t", "1", "yes")


def primary_key_columns(value: str | None) -> list[str] | None:
    """The ``primary_key`` column as a list: JSON where DeltaStream writes JSON, else comma-separated names."""
    if not value:
        return None
    try:
        parsed = json.loads(value)
    except ValueError:
        return [part.strip() for part in value.split(",")]
    return [str(p) for p in parsed] if isinstance(parsed, list) else [str(parsed)]


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

    @classmethod
    def of(cls, row: RelationRow) -> ObjectSummary:
        return cls(database=row.database, namespace=row.namespace, name=row.name, fqn=row.fqn, kind=row.kind,
                   state=row.state, owner=row.owner, store=row.store, primary_key=primary_key_columns(row.primary_key),
                   created_at=row.created_at, updated_at=row.updated_at)


@dataclass
class ObjectWithColumns:
    """What getObject reads: a relation and its columns (a SELECT and a DESCRIBE RELATION COLUMNS)."""

    relation: RelationRow
    columns: list[ColumnInfo]


@dataclass
class ObjectInfo(ObjectSummary):
    """An object with its columns."""

    columns: list[ObjectColumn] = prop("Columns in definition order.", default_factory=list)

    @classmethod
    def with_columns(cls, found: ObjectWithColumns) -> ObjectInfo:
        columns = [ObjectColumn(name=c.name, type=c.type, nullable=c.nullable) for c in found.columns]
        return cls(**vars(ObjectSummary.of(found.relation)), columns=columns)


@dataclass
class ColumnInputs(Model):
    """A column of an object."""

    name: str = prop("Column name. Case-sensitive; quoted for you.")
    type: str = prop("DeltaStream type, e.g. `VARCHAR`, `BIGINT`, `DECIMAL(10, 2)`, `TIMESTAMP_LTZ(3)`, "
                     "`ARRAY<VARCHAR>`, `STRUCT<a VARCHAR, b BIGINT>`.")
    nullable: bool = prop("Whether the column accepts nulls. Default: true.", default=True)


@dataclass
class ObjectInputs(Model):
    database: str = prop("Database of the object.", replaces=True)
    namespace: str = prop("Namespace of the object.", replaces=True)
    name: str = prop("Name of the object. Case-sensitive; quoted for you.", replaces=True)
    kind: Kind = prop("What the object is.", replaces=True)
    store: str = prop("Store that holds the object's entity.", replaces=True)
    columns: list[ColumnInputs] | None = prop(
        "Columns, in order. Any change replaces the object. Leave them out when `valueFormat` is `avro` (the topic's "
        "schema in the store's schema registry) or `protobuf` (its descriptor): DeltaStream derives them, and the "
        "`columns` and `derivedColumns` outputs show them. Which subject DeltaStream reads is undocumented, and its "
        "docs attach a descriptor to the topic's entity (the local server reads subject `<topic>-value`, and the "
        "message a `value.descriptor` property names, `<descriptor source>.<message>`).", default=None,
        replaces=True)
    primary_key: list[str] | None = prop("Primary key columns; required for a changelog with `columns` (without "
                                         "them, the key format's schema gives the key, and this output shows it).",
                                         default=None, replaces=True)
    timestamp_column: str | None = prop("Column that carries event time.", default=None, replaces=True)
    entity: str | None = prop("The store entity: a Kafka topic (`pageviews`), a PostgreSQL table (`schema.table` "
                              "or `database.schema.table`) or a Snowflake table (`DATABASE.SCHEMA.TABLE`). "
                              "Default for Kafka: the object's name.", default=None, replaces=True)
    value_format: str | None = prop("Value format of a Kafka topic, e.g. `json`, `avro`, `protobuf`.", default=None,
                                    replaces=True)
    key_format: str | None = prop("Key format of a Kafka topic.", default=None, replaces=True)
    properties: dict[str, str] | None = prop("Further `WITH` properties of the CREATE statement, as DeltaStream "
                                             "documents them.", default=None, replaces=True)
    owner: str | None = prop(OWNER_DOC,
                             default=None)
    accept_replacement: bool | None = prop(ACCEPT_DOC, default=None)


@dataclass
class ObjectState(ObjectInputs):
    fqn: str | None = prop('Fully qualified name, `"database"."namespace"."name"`.', default=None)
    path: list[str] | None = prop("The fqn's parts: database, namespace, name.", default=None)
    state: str | None = prop("DeltaStream's state of the relation, e.g. `created`.", default=None)
    created_at: str | None = prop("When the object was created (RFC 3339).", default=None)
    updated_at: str | None = prop("When the object last changed (RFC 3339).", default=None)
    derived_columns: list[ObjectColumn] | None = prop(
        "The columns DeltaStream derived from the value format's schema when `columns` is left out, in order; read "
        "back with `DESCRIBE RELATION COLUMNS` whenever a refresh finds the object made again (a new creation "
        "time), so a re-creation with another schema shows.",
        default=None)


#: Value formats whose schema (a schema registry's subject, a protobuf descriptor) supplies an object's columns.
SCHEMA_FORMATS = ("avro", "protobuf")


def derived_columns_unread(inputs: ObjectInputs, state: ObjectState | None) -> bool:
    """Whether the program leaves the columns to its value format while the state holds none DeltaStream derived
    (the columns were declared before, or the state predates this): they are read once, to show what DeltaStream
    has. Otherwise the state's columns serve while the relation is the same (:func:`known_columns`)."""
    return inputs.columns is None and (state is None or state.derived_columns is None)


def entity_properties(store_type: str, entity: str | None, name: str, store: str) -> list[tuple[str, str]]:
    """The WITH keys that name the entity, which differ by store type."""
    kind = store_type.lower()
    if kind.replace("_", "") in ("s3", "icebergrest", "clickhouse", "databricks"):  # documented for none of them
        raise InvalidInputError(f"store {store!r} is of store type {store_type}, and DeltaStream documents no "
                                "stream, changelog or table declared over it (Databricks only as the sink of CREATE "
                                "TABLE ... AS SELECT): set store to a Kafka, Kinesis, PostgreSQL or Snowflake store, "
                                "or write to this one with a Query instead")
    if kind in ("kafka", "confluentkafka"):
        return [("topic", entity or name)]
    if entity is None:
        return []
    parts = entity.split(".")
    if kind == "postgres":
        if len(parts) not in (2, 3):
            raise InvalidInputError(f"entity {entity!r}: a PostgreSQL entity is schema.table or database.schema.table")
        keys = ["postgresql.db.name", "postgresql.schema.name", "postgresql.table.name"][-len(parts):]
        return list(zip(keys, parts, strict=False))
    if kind == "snowflake":
        if len(parts) != 3:
            raise InvalidInputError(f"entity {entity!r}: a Snowflake entity is DATABASE.SCHEMA.TABLE")
        return list(zip(["snowflake.db.name", "snowflake.schema.name", "snowflake.table.name"], parts, strict=False))
    return [("topic", entity)]


def object_statement(inputs: ObjectInputs, store_type: str) -> sql.Statement:
    props: list[tuple[str, sql.PropertyValue]] = [("store", inputs.store)]
    props += entity_properties(store_type, inputs.entity, inputs.name, inputs.store)
    if inputs.value_format:
        props.append(("value.format", inputs.value_format))
    if inputs.key_format:
        props.append(("key.format", inputs.key_format))
    if inputs.timestamp_column:
        props.append(("timestamp", inputs.timestamp_column))
    props += sorted((inputs.properties or {}).items())
    columns = [ColumnDef(c.name, c.type, c.nullable) for c in inputs.columns or []]
    return create_statement(inputs.kind, inputs.database, inputs.namespace, inputs.name, columns,
                            inputs.primary_key or [], props)


def _check_derived(inputs: ObjectInputs) -> list[tuple[str, str]]:
    """An object without columns: its value format must supply them, and a changelog's key comes from its key
    format (DeltaStream's alternative syntax has no PRIMARY KEY clause)."""
    if inputs.kind == "table":
        return [("columns", "a table needs columns: set columns (only a stream or changelog may take its columns "
                            "from an avro or protobuf valueFormat)")]
    fmt = inputs.value_format.lower() if isinstance(inputs.value_format, str) else inputs.value_format
    if fmt is not None and not isinstance(fmt, str):
        return []  # unknown until apply: checked then
    if fmt not in SCHEMA_FORMATS:
        return [("columns", f"a {inputs.kind if isinstance(inputs.kind, str) else 'object'} with valueFormat "
                            f"{fmt or '(unset)'} needs columns: set columns, or set valueFormat to avro (columns from "
                            "the store's schema registry) or protobuf (from a descriptor)")]
    failures: list[tuple[str, str]] = []
    if inputs.kind == "changelog":
        if inputs.primary_key:
            failures.append(("primaryKey", "a changelog whose columns come from its value format takes its key from "
                                           "its key format's schema: leave primaryKey out (and set keyFormat), or "
                                           "declare columns"))
        key = inputs.key_format.lower() if isinstance(inputs.key_format, str) else inputs.key_format
        if (isinstance(key, str) or key is None) and key not in SCHEMA_FORMATS:
            failures.append(("keyFormat", "a changelog without columns takes its primary key from the key's schema: "
                                          "set keyFormat to avro or protobuf, or declare columns and primaryKey"))
    return failures


def _same_columns(given: list[ColumnInputs], derived: list[ObjectColumn] | None) -> bool:
    """Whether the columns a program writes are those DeltaStream derived (a type spelled differently is the same)."""
    return derived is not None and len(given) == len(derived) and all(
        isinstance(g.name, str) and isinstance(g.type, str) and g.name == d.name and _same_type(g.type, d.type)
        and (g.nullable is not False) == d.nullable for g, d in zip(given, derived, strict=True))


def _same_type(a: str, b: str) -> bool:
    return " ".join(a.upper().split()) == " ".join(b.upper().split())


_EXAMPLES = examples("A JSON stream over the pageviews topic", story.OBJECT)


class DeltaStreamObject(Resource[ObjectInputs, ObjectState]):
    token = "deltastream:index:DeltaStreamObject"
    description = f"""An object: a DeltaStream stream, changelog or table over an entity of a store.

(Named DeltaStreamObject because `Object` cannot be a class name in the Node.js SDK.)

The provider writes the `CREATE STREAM | CHANGELOG | TABLE` statement from the columns and settings
(every name quoted), sends it, and waits until DeltaStream reports the object created. Objects are
immutable: any change but the owner replaces the object (delete first, then create, as names are
unique). DeltaStream refuses to drop a relation a running query reads or writes, so replacing it would restart
those queries from the start: such a change fails at preview naming them, unless `acceptReplacement` is set for
that `pulumi up`. Columns, their order and nullability are read back with `DESCRIBE RELATION COLUMNS` when the
object was created again outside Pulumi; an import also reads the settings (`entity`, `valueFormat`,
`keyFormat`, `timestampColumn`, further `properties`) from `DESCRIBE RELATION`.

With `valueFormat` `avro` or `protobuf`, `columns` may be left out: the provider sends DeltaStream's alternative
syntax, `CREATE STREAM s WITH (...)`, and DeltaStream takes the columns from the topic's schema in the store's schema
registry (avro) or from its protobuf descriptor. Which subject DeltaStream reads is not documented (the local
server reads `<topic>-value`, Confluent's default naming); its docs attach a descriptor to the topic's entity, while
the local server reads the message a `value.descriptor` property of the object names (`<descriptor
source>.<message>`), which no DeltaStream page shows. The columns it derived are read back into the `columns` and
`derivedColumns` outputs, and read again when a refresh finds the object made again: DeltaStream fixes them when it
creates the object, so a new schema version shows once the object is made again. Such a changelog takes its
primary key from its key format's schema (`keyFormat` `avro` or `protobuf`, also undocumented); the alternative
syntax has no `PRIMARY KEY`.

{_EXAMPLES}

## Import

The ID is {ID_FORMAT}:

```sh
pulumi import deltastream:index:DeltaStreamObject pageviews analytics/raw/pageviews
```"""
    inputs = ObjectInputs
    state = ObjectState
    ownership = "RELATION"
    aliased_from = ("materialized_view.MaterializedView",)  # a Pipeline's sink, one child, that turns into an object
    always_set = ("owner", "fqn", "path", "state", "createdAt", "updatedAt", "columns")

    def check(self, inputs: ObjectInputs) -> list[tuple[str, str]]:
        failures = (check_identifier("database", inputs.database) + check_identifier("namespace", inputs.namespace)
                    + check_identifier("name", inputs.name) + check_identifier("store", inputs.store)
                    + check_identifier("owner", inputs.owner))
        columns = inputs.columns if isinstance(inputs.columns, list) else []
        if isinstance(inputs.columns, list) and not columns:
            failures.append(("columns", "an object needs at least one column"))
        if inputs.columns is None:
            failures += _check_derived(inputs)
        names: list[str] = []
        for index, entry in enumerate(columns):
            failures += check_identifier(f"columns[{index}].name", entry.name)
            if isinstance(entry.type, str):
                try:
                    sql.column_type(entry.type)
                except QuotingError as exc:
                    failures.append((f"columns[{index}].type", str(exc)))
            if entry.name in names:
                failures.append((f"columns[{index}].name", f"column {entry.name!r} is declared twice"))
            names.append(entry.name)
        known = set(names) if all(isinstance(n, str) for n in names) and isinstance(inputs.columns, list) else None
        for key in inputs.primary_key or []:
            if known is not None and isinstance(key, str) and key not in known:
                failures.append(("primaryKey", f"primary key column {key!r} is not among the columns"))
        if inputs.kind == "changelog" and not inputs.primary_key and inputs.columns is not None:
            failures.append(("primaryKey", "a changelog needs a primary key: set primaryKey"))
        if known is not None and isinstance(inputs.timestamp_column, str) and inputs.timestamp_column not in known:
            failures.append(("timestampColumn", f"{inputs.timestamp_column!r} is not among the columns"))
        return failures

    def diff(self, olds: ObjectInputs, news: ObjectInputs, state: ObjectState) -> Diff:
        """A program that leaves columns (and a changelog's key) to its avro or protobuf value format changes nothing
        by that alone: the object keeps the columns DeltaStream derived or an import recorded. Nor does one that
        writes down the columns DeltaStream derived."""
        result = super().diff(olds, news, state)
        left_out: set[str] = set()
        if news.columns is None and isinstance(news.value_format, str) and news.value_format.lower() in SCHEMA_FORMATS:
            left_out = {"columns"} | ({"primaryKey"} if news.primary_key is None else set())
        elif olds.columns is None and isinstance(news.columns, list) and _same_columns(news.columns,
                                                                                       state.derived_columns):
            left_out = {"columns"}
        result.changes = [key for key in result.changes if key not in left_out]
        result.replaces = [key for key in result.replaces if key not in left_out]
        return result

    def preview(self, inputs: ObjectInputs) -> ObjectState:
        """The fqn follows from the names, so a preview shows it (and SQL built from it stays known); an object with
        columns derives none."""
        state = super().preview(inputs)
        parts = [inputs.database, inputs.namespace, inputs.name]
        if all(isinstance(p, str) for p in parts):
            state.fqn, state.path = sql.qualified(*parts), parts
        if inputs.columns is not None:
            state.derived_columns = None
        else:  # the outputs are the columns (and a changelog's key) DeltaStream derives, unknown until it has
            state.columns = UNKNOWN
            if inputs.primary_key is None:
                state.primary_key = UNKNOWN
        return state

    async def blast_radius(self, ctx: Context, resource_id: str, state: ObjectState) -> BlastRadius:
        """The running queries that name the relation: a replacement takes them down and starts them again."""
        database, namespace, name = parse_id(resource_id, 3, ID_FORMAT)
        found = await on_relations(ctx.catalog, {"database_name": database, "schema_name": namespace, "name": name})
        return BlastRadius(queries=found.queries)

    def replacement_advice(self, why: list[str]) -> str:
        return (f"keep {', '.join(why)} as it is, or declare the new shape as another object (a new name) and move "
                "the queries to it")

    async def existing(self, catalog: SystemTables, inputs: ObjectInputs, excluded: Collection[str]) -> Existing:
        row = await relation_row(catalog, inputs.database, inputs.namespace, inputs.name)
        return existing_row(row, format_id(inputs.database, inputs.namespace, inputs.name))

    async def create(self, ctx: Context, inputs: ObjectInputs) -> tuple[str, ObjectState]:
        from .store import store_type  # the Store resource's module, imported by the first create: not by a preview

        found_type = await store_type(ctx.catalog, inputs.store)
        if found_type is None:
            raise NotFoundError(f"store {inputs.store!r} does not exist",
                                hint="Create the store first, or fix the name")
        statement = object_statement(inputs, found_type)
        resource_id = format_id(inputs.database, inputs.namespace, inputs.name)
        row, columns = await create_then_wait(
            ctx, statement, lambda: self._created(ctx, inputs), resource_id=resource_id,
            what=f"object {inputs.database}.{inputs.namespace}.{inputs.name}",
            undo=lambda: self.delete(ctx, resource_id, ObjectState(**vars(inputs))),
            session=owner_session(inputs.owner),
            exists=lambda: relation_row(ctx.catalog, inputs.database, inputs.namespace, inputs.name))
        return resource_id, _current(row, columns, inputs)[1]

    async def _created(self, ctx: Context, inputs: ObjectInputs) -> tuple[RelationRow, list[ColumnInfo]] | None:
        """The relation once DeltaStream reports it created, with the columns it was created with (DESCRIBE
        RELATION COLUMNS reads them back on the next refresh; a type spelled differently but meaning the same is no
        drift)."""
        row = await ready_row(lambda: relation_row(ctx.catalog, inputs.database, inputs.namespace, inputs.name),
                              field="state", ready="created",
                              errored=lambda row: InvalidInputError(f"object {row.fqn} is errored in DeltaStream"))
        if row is None:
            return None
        if inputs.columns is None:  # derived by DeltaStream: read them
            columns = await relation_columns(ctx.catalog, inputs.database, inputs.namespace, inputs.name)
            return None if columns is None else (row, columns)
        return row, [ColumnInfo(c.name, c.type, c.nullable is not False) for c in inputs.columns]

    async def read(self, ctx: Context, resource_id: str,
                   inputs: ObjectInputs | None,
                   state: ObjectState | None) -> tuple[ObjectInputs, ObjectState] | None:
        database, namespace, name = parse_id(resource_id, 3, ID_FORMAT)
        if inputs is not None:
            row = await relation_in_database(ctx.catalog, database, namespace, name)
            if row is None:
                return None
            columns = None if derived_columns_unread(inputs, state) else known_columns(state, row)
            if columns is None:
                columns = await relation_columns(ctx.catalog, database, namespace, name)
            return None if columns is None else _current(row, columns, inputs)
        # Import: every setting DeltaStream keeps, its WITH properties too (read at the same time); the row from
        # its database's group, which an import of several objects (or adopt, which lists them) shares.
        row, columns, properties = await asyncio.gather(
            relation_in_database(ctx.catalog, database, namespace, name),
            relation_columns(ctx.catalog, database, namespace, name),
            relation_properties(ctx.catalog, database, namespace, name))
        if row is None or columns is None:
            return None
        return _current(row, columns, None, settings_of(properties or {}))

    async def update(self, ctx: Context, resource_id: str, olds: ObjectState, news: ObjectInputs) -> ObjectState:
        await transfer(ctx, "RELATION", sql.qualified(news.database, news.namespace, news.name), olds.owner,
                       news.owner)
        found = await self.read(ctx, resource_id, news, olds)
        if found is None:
            raise gone(f"object {resource_id}")
        return found[1]

    async def delete(self, ctx: Context, resource_id: str, state: ObjectState) -> None:
        database, namespace, name = parse_id(resource_id, 3, ID_FORMAT)
        await drop_then_wait(ctx, drop_statement(database, namespace, name),
                             lambda: relation_row(ctx.catalog, database, namespace, name), what=f"object {resource_id}")


def _current(row: RelationRow, found: list[ColumnInfo], inputs: ObjectInputs | None,
             settings: dict[str, Any] | None = None) -> tuple[ObjectInputs, ObjectState]:
    """Inputs and state from the relation's row and its columns (in definition order), and on import (``inputs``
    None) the ``settings`` its properties give; a column type written differently but meaning the same keeps the
    user's spelling, so it is no diff."""
    database, namespace, name = row.database, row.namespace, row.name
    given = {c.name: c for c in (inputs.columns or [] if inputs is not None else [])}
    columns = [ColumnInputs(name=c.name, type=given[c.name].type
                            if c.name in given and _same_type(given[c.name].type, c.type) else c.type,
                            nullable=c.nullable) for c in found]
    # Derived columns (and a derived changelog's key) are outputs: the inputs keep them left out, as the program has.
    # An import cannot tell them from declared ones: it records them as columns (see diff).
    derived = inputs is not None and inputs.columns is None
    if inputs is not None:
        keep_key = inputs.primary_key is not None or (bool(row.primary_key) and not derived)
        current = ObjectInputs(**{**vars(inputs), "kind": row.kind, "store": row.store or inputs.store,
                                  "columns": None if derived else columns, "owner": owner_as_read(inputs, row),
                                  "primary_key": primary_key_columns(row.primary_key) if keep_key else None})
    else:
        current = ObjectInputs(database=database, namespace=namespace, name=name, kind=row.kind,  # type: ignore[arg-type]
                               store=row.store or "", columns=columns, primary_key=primary_key_columns(row.primary_key),
                               **(settings or {}))
    key = primary_key_columns(row.primary_key) if derived else current.primary_key
    state = ObjectState(**{**vars(current), "columns": columns, "primary_key": key}, fqn=row.fqn,
                        path=[database, namespace, name],
                        state=row.state, created_at=row.created_at, updated_at=row.updated_at,
                        derived_columns=[ObjectColumn(name=c.name, type=c.type, nullable=c.nullable) for c in found]
                        if derived else None)
    state.owner = row.owner
    return current, state


_STREAM = {"database": "db", "namespace": "public", "kind": "stream", "store": "events",
           "columns": [{"name": "id", "type": "BIGINT"}]}
_COLUMNS = [ColumnDef("id", "BIGINT", nullable=False), ColumnDef("url", "VARCHAR")]
SAMPLE = Sample(
    # CREATE and the relation's SELECT (store type known; the columns are those it was created with); a read sends
    # the SELECT alone (columns are read again only when the row shows a re-creation).
    inputs={**_STREAM, "name": "src"}, also=({**_STREAM, "name": "dst"},), label="Object",
    budget={"create": 2, "read": 1, "delete": 2},
    settle=({**_STREAM, "name": "made"}, {**_STREAM, "name": "never"}),
    built=(built(create_statement, "CREATE STREAM", "stream", "db", "s", "o", _COLUMNS, [], [("store", "k")]),
           built(create_statement, "CREATE CHANGELOG", "changelog", "db", "s", "o", _COLUMNS, ["id"], []),
           built(create_statement, "CREATE TABLE", "table", "db", "s", "o", _COLUMNS, ["id"], []),
           built(create_statement, "CREATE STREAM WITH derived columns", "stream", "db", "s", "o", [], [],
                 [("store", "k"), ("value.format", "avro")]),
           built(create_statement, "CREATE CHANGELOG WITH derived columns", "changelog", "db", "s", "o", [], [],
                 [("store", "k"), ("value.format", "avro"), ("key.format", "avro")]),
           built(drop_statement, "DROP RELATION", "db", "s", "o"),
           built(grant_statement, "GRANT OWNERSHIP ON RELATION", "RELATION", '"db"."s"."o"', "r"),
           built(columns_statement, "DESCRIBE RELATION COLUMNS", "db", "s", "o"),
           built(describe_statement, "DESCRIBE RELATION", "db", "s", "o")))
