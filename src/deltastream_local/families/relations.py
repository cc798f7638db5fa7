"""Relations: streams, changelogs, tables and materialized views, in a database's schema, on a store; what
creates them with a query (CREATE ... AS SELECT, INSERT INTO, applications: the query body is checked by ``dsql``
against the catalog, the query launched by :mod:`queries`) and DESCRIBE's plans of those statements."""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass, replace
from typing import Any

from .. import dsql, schema_registry, schema_sources
from ..catalog import TS, dumps, timestamp
from ..dataflow.views import relation_rows, select_rows
from ..dataplane import Streamed
from ..property_values import public
from ..results import BOOLEAN, VARCHAR, Outcome, SessionState, SqlFailure
from ..statements import (
    ColumnSpec,
    Identifier,
    ListObjects,
    Name,
    Parsed,
    PrimaryKey,
    PropertyValue,
    QueryBody,
    QuerySelect,
    Select,
)
from . import Call, Family, Handler, Sourced
from . import queries as q
from .entities import ensure_topic
from .functions import known as user_functions
from .schemas import require_schema, schema_of

GRAMMAR = """
relations_create: CREATE relation_kind name ("(" table_element ("," table_element)* ")")? with_clause?
relations_create_as: CREATE (relation_kind | materialized_view) name with_clause? AS query_body _relations_query_with?
relations_insert: INSERT INTO name query_body _relations_query_with?
_relations_query_with: QUERY with_clause
relations_drop: DROP (RELATION | relation_kind | materialized_view) name
relations_alter_owner: ALTER (RELATION | relation_kind) name OWNER TO ident
relations_alter_set: ALTER (RELATION | relation_kind | materialized_view) name SET ident "=" STRING
relations_describe: DESCRIBE RELATION name
relations_describe_columns: DESCRIBE RELATION COLUMNS name
relations_describe_plan: DESCRIBE (relations_create | relations_create_as | relations_insert | relations_application)
// An application: several statements launched as one query. Virtual relations live only inside it.
relations_application: BEGIN APPLICATION ident (_relations_application_statement ";")+ END APPLICATION
_relations_application_statement: relations_virtual | relations_create_as | relations_insert
relations_virtual: CREATE VIRTUAL relation_kind name with_clause? AS query_body
APPLICATION: "APPLICATION"i
BEGIN: "BEGIN"i
COLUMNS: "COLUMNS"i
END: "END"i
RELATION: "RELATION"i
SET: "SET"i
VIRTUAL: "VIRTUAL"i
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS relations (
    id TEXT PRIMARY KEY, database_name TEXT NOT NULL, schema_name TEXT NOT NULL, name TEXT NOT NULL,
    store_name TEXT, relation_type TEXT NOT NULL, primary_key TEXT, partition_keys TEXT,
    state TEXT NOT NULL, owner TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    properties TEXT NOT NULL DEFAULT '{}',
    FOREIGN KEY (database_name, schema_name) REFERENCES schemas(database_name, name) ON DELETE CASCADE,
    UNIQUE (database_name, schema_name, name));
CREATE TABLE IF NOT EXISTS relation_columns (
    relation_id TEXT NOT NULL REFERENCES relations(id) ON DELETE CASCADE, ordinal INTEGER NOT NULL,
    name TEXT NOT NULL, type TEXT NOT NULL, nullable INTEGER NOT NULL, PRIMARY KEY (relation_id, ordinal));
CREATE INDEX IF NOT EXISTS relations_by_store ON relations(store_name);
CREATE TEMP VIEW sys_relations AS
    SELECT name, schema_name, database_name,
           '"' || replace(database_name, '"', '""') || '"."' || replace(schema_name, '"', '""') || '"."'
               || replace(name, '"', '""') || '"' AS fqn,
           store_name, relation_type, primary_key, partition_keys, state, owner, created_at, updated_at,
           (SELECT id FROM organizations) AS organization_id
    FROM relations;
CREATE TEMP VIEW sys_relation_columns AS
    SELECT r.name AS relation_name, r.schema_name, r.database_name, c.name, c.type,
           '{}' AS properties,
           c.relation_id, (SELECT id FROM organizations) AS organization_id
    FROM relation_columns c JOIN relations r ON r.id = c.relation_id;
""" + schema_registry.SCHEMA

SYSTEM_TABLES = {
    "relations": [("name", "VARCHAR"), ("schema_name", "VARCHAR"), ("database_name", "VARCHAR"),
                  ("fqn", "VARCHAR"), ("store_name", "VARCHAR"), ("relation_type", "VARCHAR"),
                  ("primary_key", "VARCHAR"), ("partition_keys", "VARCHAR"), ("state", "VARCHAR"),
                  ("owner", "VARCHAR"), ("created_at", TS), ("updated_at", TS), ("organization_id", "VARCHAR")],
    "relation_columns": [("relation_name", "VARCHAR"), ("schema_name", "VARCHAR"), ("database_name", "VARCHAR"),
                         ("name", "VARCHAR"), ("type", "VARCHAR"), ("properties", "VARCHAR"),
                         ("relation_id", "VARCHAR"), ("organization_id", "VARCHAR")],
}

ARTIFACT_COLUMNS = [("type", VARCHAR), ("name", VARCHAR), ("command", VARCHAR), ("summary", VARCHAR),
                    ("path", VARCHAR)]
#: Stores that hold topics or streams, not tables: a TABLE needs a SQL store.
STREAMING_STORES = ("Kafka", "ConfluentKafka")
#: Virtual relations (applications only) are named virtual.<schema>.<name>.
VIRTUAL_DATABASE = "virtual"
ALTERABLE = ("description",)
#: Relations an interactive SELECT reads through the dataplane (a materialized view's is a snapshot).
STREAMED = ("stream", "changelog")


@dataclass(frozen=True)
class CreateRelation:
    kind: str
    name: Name
    columns: tuple[ColumnSpec, ...]
    primary_key: tuple[str, ...]
    properties: dict[str, PropertyValue]
    text: str


@dataclass(frozen=True)
class CreateRelationAs:
    """``CREATE STREAM|... x AS SELECT``; ``virtual`` (``CREATE VIRTUAL ...``, inside an application only) means the
    relation exists only inside its application."""

    kind: str
    name: Name
    properties: dict[str, PropertyValue]
    query: QueryBody
    text: str
    virtual: bool = False


@dataclass(frozen=True)
class InsertInto:
    sink: Name
    query: QueryBody
    text: str


ApplicationStatement = CreateRelationAs | InsertInto


@dataclass(frozen=True)
class BeginApplication:
    """``BEGIN APPLICATION name stmt; ... END APPLICATION``: launched as one query."""

    name: str
    statements: tuple[ApplicationStatement, ...]
    text: str


@dataclass(frozen=True)
class DropRelation:
    kind: str | None
    name: Name


@dataclass(frozen=True)
class AlterRelationOwner:
    kind: str | None
    name: Name
    owner: str


@dataclass(frozen=True)
class AlterRelationSet:
    """``ALTER RELATION x SET description = '..'``."""

    kind: str | None
    name: Name
    key: str
    value: str


@dataclass(frozen=True)
class DescribeRelation:
    name: Name


@dataclass(frozen=True)
class DescribeRelationColumns:
    name: Name


@dataclass(frozen=True)
class DescribePlan:
    statement: CreateRelation | CreateRelationAs | InsertInto | BeginApplication


# --- builders: each rule's values, keywords left out ---------------------------------------------------------


def _create(text: str, kind: str, name: Name, *elements: Any) -> CreateRelation:
    columns = tuple(x for x in elements if isinstance(x, ColumnSpec))
    keys = next((x.columns for x in elements if isinstance(x, PrimaryKey)), ())
    properties = next((x for x in elements if isinstance(x, dict)), {})
    return CreateRelation(kind, name, columns, keys, properties, text)


def _properties_and_body(rest: tuple[Any, ...]) -> tuple[dict[str, Any], QueryBody]:
    """The WITH properties before AS (if any) and the query body, with a trailing ``QUERY WITH (...)`` attached."""
    at = next(i for i, x in enumerate(rest) if isinstance(x, QueryBody))
    body: QueryBody = rest[at]
    properties = next((x for x in rest[:at] if isinstance(x, dict)), {})
    options = next((x for x in rest[at + 1:] if isinstance(x, dict)), None)
    if options is not None:
        body = QueryBody(body.text, body.sources, body.select, dict(options))
    return properties, body


def _create_as(text: str, kind: str, name: Name, *rest: Any) -> CreateRelationAs:
    properties, body = _properties_and_body(rest)
    return CreateRelationAs(kind, name, properties, body, text)


def _virtual(text: str, kind: str, name: Name, *rest: Any) -> CreateRelationAs:
    properties, body = _properties_and_body(rest)
    return CreateRelationAs(kind, name, properties, body, text, virtual=True)


def _insert(text: str, name: Name, *rest: Any) -> InsertInto:
    return InsertInto(name, _properties_and_body(rest)[1], text)


def _application(text: str, name: str, *inner: Any) -> BeginApplication:
    unwrapped = [x.statement if isinstance(x, Parsed) else x for x in inner]
    return BeginApplication(name, tuple(x for x in unwrapped if isinstance(x, (CreateRelationAs, InsertInto))), text)


def _drop(*values: Any) -> DropRelation:
    *kind, name = values
    return DropRelation(kind[0] if kind else None, name)


def _alter_owner(*values: Any) -> AlterRelationOwner:
    *kind, name, owner = values
    return AlterRelationOwner(kind[0] if kind else None, name, owner)


def _alter_set(*values: Any) -> AlterRelationSet:
    *kind, name, key, value = values
    return AlterRelationSet(kind[0] if kind else None, name, key, str(value)[1:-1].replace("''", "'"))


# --- the catalog's relations -----------------------------------------------------------------------------------


def relation_of(name: Name, session: SessionState) -> tuple[str, str, str]:
    """(database, schema, name) of a relation's name, completed with the session's database and schema."""
    parts = name.parts
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    if len(parts) in (1, 2) and not session.database:
        raise SqlFailure("3D002", f"no database is selected for relation {name}")
    if len(parts) == 2:
        return str(session.database), parts[0], parts[1]
    if len(parts) == 1:
        return str(session.database), session.schema or "public", parts[0]
    raise SqlFailure("42601", f"{name} is not a relation name")


def relation_row(db: sqlite3.Connection, name: Name, session: SessionState) -> sqlite3.Row:
    d, sc, n = relation_of(name, session)
    row: sqlite3.Row | None = db.execute(
        "SELECT * FROM relations WHERE database_name = ? AND schema_name = ? AND name = ?", (d, sc, n)).fetchone()
    if row is None:
        require_schema(db, d, sc)
        raise SqlFailure("3D020", f"relation {Name((d, sc, n))} does not exist")
    return row


def columns_of(db: sqlite3.Connection, relation_id: str) -> list[ColumnSpec]:
    rows = db.execute("SELECT name, type, nullable FROM relation_columns WHERE relation_id = ? ORDER BY ordinal",
                      (relation_id,)).fetchall()
    return [ColumnSpec(r[0], r[1], bool(r[2])) for r in rows]


def _path(row: sqlite3.Row) -> list[str]:
    return [row["database_name"], row["schema_name"], row["name"]]


def _ref(call: Call, row: sqlite3.Row) -> dict[str, Any]:
    """A plan's description of an existing relation."""
    return {"fqn": str(Name((call.organization, *_path(row)))), "type": row["relation_type"],
            "db_name": row["database_name"], "schema_name": row["schema_name"], "name": row["name"],
            "store_name": row["store_name"]}


def _ddl(call: Call, kind: str, path: tuple[str, str, str], store: str | None,
         is_virtual: bool | None = None) -> dict[str, Any]:
    """A plan's description of a relation to create (``is_virtual`` only in application plans)."""
    d, sc, n = path
    ddl: dict[str, Any] = {"fqn": str(Name((call.organization, d, sc, n))), "type": kind, "db_name": d,
                           "schema_name": sc, "name": n, "store_name": store}
    return ddl if is_virtual is None else {**ddl, "is_virtual": is_virtual}


def _plan(call: Call, kind: str, plan: dict[str, Any]) -> Outcome:
    return call.done([("type", VARCHAR), ("info", VARCHAR)], [[kind, dumps(plan)]])


def _store_for(call: Call, props: dict[str, Any]) -> str:
    store = props.get("store")
    name = store.name if isinstance(store, Identifier) else store if isinstance(store, str) else call.session.store
    if name is None:
        row = call.db.execute("SELECT name FROM stores WHERE is_default = 1").fetchone()
        if row is None:
            raise SqlFailure("3D006", "no store is given: set the 'store' property or the session store")
        name = row[0]
    row = call.db.execute("SELECT status FROM stores WHERE name = ?", (name,)).fetchone()
    if row is None:
        raise SqlFailure("3D006", f"store {name!r} does not exist")
    if row[0] != "ready":
        raise SqlFailure("3E001", f"store {name!r} is not ready (status {row[0]})")
    return str(name)


def _placed(call: Call, name: Name, props: dict[str, Any]) -> tuple[str, str, str, str]:
    """Where a new relation goes. DESCRIBE plans without side effects, so it plans an existing one too."""
    d, sc, n = relation_of(name, call.session)
    require_schema(call.db, d, sc)
    if not call.dry_run and call.db.execute("SELECT 1 FROM relations WHERE database_name = ? AND schema_name = ? "
                                            "AND name = ?", (d, sc, n)).fetchone():
        raise SqlFailure("42P017", f"relation {Name((d, sc, n))} already exists")
    return d, sc, n, _store_for(call, props)


def _check_columns(st: CreateRelation) -> None:
    names = [c.name for c in st.columns]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise SqlFailure("42601", f"column {duplicates[0]!r} is defined more than once")
    missing = [k for k in st.primary_key if k not in names]
    if missing:
        raise SqlFailure("42601", f"PRIMARY KEY column {missing[0]!r} is not defined")
    if st.kind == "changelog" and not st.primary_key:
        raise SqlFailure("42601", "a CHANGELOG needs a PRIMARY KEY")


def _refuse_unsupported(db: sqlite3.Connection, kind: str, store: str | None, sources: list[sqlite3.Row]) -> None:
    """A TABLE in a Kafka store, a materialized view over a materialized view: DeltaStream has neither."""
    if kind == "table":
        row = db.execute("SELECT type FROM stores WHERE name = ?", (store,)).fetchone()
        if row is not None and row[0] in STREAMING_STORES:
            raise SqlFailure("0A000", f"a TABLE needs a SQL store (PostgreSQL, Snowflake, ...): store {store!r} "
                                      f"is a {row[0]} store, which holds streams and changelogs")
    if kind == "materialized_view":
        for source in sources:
            if source["relation_type"] == "materialized_view":
                raise SqlFailure("0A000", f"a materialized view cannot read the materialized view "
                                          f"{Name(tuple(_path(source)))}: materialized views do not cascade")


def _insert_relation(call: Call, kind: str, placed: tuple[str, str, str, str | None], columns: list[ColumnSpec],
                     primary_key: tuple[str, ...], props: dict[str, Any]) -> list[Any]:
    d, sc, n, store = placed
    if store is not None:
        ensure_topic(call.db, kind, store, n, props, call.now)
    relation_id = str(uuid.uuid4())
    stamp = timestamp(call.now)
    call.db.execute("INSERT INTO relations VALUES (?, ?, ?, ?, ?, ?, ?, NULL, 'created', ?, ?, ?, ?)",
                    (relation_id, d, sc, n, store, kind, json.dumps(list(primary_key)) if primary_key else None,
                     call.session.owner, stamp, stamp, public(props)))
    call.db.executemany("INSERT INTO relation_columns VALUES (?, ?, ?, ?, ?)",
                        [(relation_id, i, c.name, c.type, int(c.nullable)) for i, c in enumerate(columns)])
    label = kind.replace("_", " ").upper()
    return [kind, n, f"CREATE {label}", f"created {label.lower()} {Name((d, sc, n))}", json.dumps([d, sc, n])]


def resolve_query(call: Call, query: QueryBody, virtual: dict[tuple[str, ...], dsql.SourceInfo] | None = None,
                  ) -> tuple[list[sqlite3.Row], list[ColumnSpec]]:
    """Check a query body against the catalog as DeltaStream does (``dsql.resolve``): the relations it reads
    (rows, each once, in order) and the columns it writes. In an application, ``virtual`` holds the virtual
    relations defined so far; one not yet defined is refused."""
    rows: dict[tuple[str, ...], sqlite3.Row] = {}

    def lookup(parts: tuple[str, ...], pos: dsql.tree.Pos) -> dsql.SourceInfo:
        try:
            path = relation_of(Name(parts), call.session)
            if virtual is not None and path in virtual:
                return virtual[path]
            if virtual is not None and path[0] == VIRTUAL_DATABASE:
                raise SqlFailure("3D020", f"virtual relation {Name(path)} is read before it is defined")
            row = relation_row(call.db, Name(parts), call.session)
        except SqlFailure as failure:
            raise SqlFailure(failure.code, f"{failure.message} ({pos})") from None
        rows.setdefault(path, row)
        return dsql.SourceInfo(path, row["relation_type"], tuple(columns_of(call.db, row["id"])))

    resolved = dsql.resolve(query.select, lookup, user_functions(call.db))
    return list(rows.values()), list(resolved.columns)


# --- handlers --------------------------------------------------------------------------------------------------


def create(call: Call, st: CreateRelation) -> Outcome:
    if st.columns:
        _check_columns(st)
    placed = _placed(call, st.name, st.properties)
    if not st.columns:  # the alternative syntax: the value format's schema supplies the columns
        columns, keys = schema_sources.derived(call, st.kind, placed, st.properties, st.primary_key)
        st = replace(st, columns=tuple(columns), primary_key=keys)
        _check_columns(st)
    _refuse_unsupported(call.db, st.kind, placed[3], [])
    if call.dry_run:
        ddl = _ddl(call, st.kind, placed[:3], placed[3])
        return _plan(call, f"CREATE_{st.kind.upper()}", {"ddl": ddl, "sink": None, "sources": []})
    row = _insert_relation(call, st.kind, placed, list(st.columns), st.primary_key, st.properties)
    return call.done(ARTIFACT_COLUMNS, [row])


def _view_placed(call: Call, name: Name, props: dict[str, Any]) -> tuple[str, str, str, str | None]:
    """Where a new materialized view goes: in the store named (``'store'`` or the session's) when there is one, else
    in none (the CREATE MATERIALIZED VIEW page's examples and dbt's models name no store for a view)."""
    if props.get("store") is not None or call.session.store is not None:
        return _placed(call, name, props)
    d, sc, n = relation_of(name, call.session)
    require_schema(call.db, d, sc)
    if not call.dry_run and call.db.execute("SELECT 1 FROM relations WHERE database_name = ? AND schema_name = ? "
                                            "AND name = ?", (d, sc, n)).fetchone():
        raise SqlFailure("42P017", f"relation {Name((d, sc, n))} already exists")
    return d, sc, n, None


def create_as(call: Call, st: CreateRelationAs) -> Outcome:
    sources, columns = resolve_query(call, st.query)
    placed = (_view_placed if st.kind == "materialized_view" else _placed)(call, st.name, st.properties)
    _refuse_unsupported(call.db, st.kind, placed[3], sources)
    ddl = _ddl(call, st.kind, placed[:3], placed[3])
    if call.dry_run:
        return _plan(call, f"CREATE_{st.kind.upper()}_AS_SELECT",
                     {"ddl": ddl, "sink": ddl, "sources": [_ref(call, r) for r in sources]})
    relation = _insert_relation(call, st.kind, placed, columns, (), st.properties)
    q.check_properties(st.query)
    query = q.launch(call, st.text, [list(placed[:3])], sources, None)
    return call.done(ARTIFACT_COLUMNS, [query, relation])


def insert_into(call: Call, st: InsertInto) -> Outcome:
    sink = relation_row(call.db, st.sink, call.session)
    sources, _ = resolve_query(call, st.query)
    if call.dry_run:
        return _plan(call, "INSERT_INTO", {"ddl": None, "sink": _ref(call, sink),
                                           "sources": [_ref(call, r) for r in sources]})
    q.check_properties(st.query)
    return call.done(ARTIFACT_COLUMNS, [q.launch(call, st.text, [_path(sink)], sources, None)])


def application(call: Call, st: BeginApplication) -> Outcome:
    """Plan or launch an application: one query for all its statements. A virtual relation is visible only
    to the statements after it; a physical CREATE ... AS SELECT creates its relation when launched."""
    virtual: dict[tuple[str, ...], dsql.SourceInfo] = {}
    ddls: list[dict[str, Any]] = []
    sources: dict[tuple[str, str, str], sqlite3.Row] = {}
    sinks: list[dict[str, Any]] = []
    creates: list[tuple[CreateRelationAs, tuple[str, str, str, str], list[ColumnSpec]]] = []
    for inner in st.statements:
        rows, columns = resolve_query(call, inner.query, virtual)
        for row in rows:
            sources.setdefault((row["database_name"], row["schema_name"], row["name"]), row)
        if isinstance(inner, CreateRelationAs) and inner.virtual:
            path = relation_of(inner.name, call.session)
            if path[0] != VIRTUAL_DATABASE:
                raise SqlFailure("42601", f"virtual relation {inner.name} must be named "
                                          f"{VIRTUAL_DATABASE}.<schema>.<name>")
            if path in virtual:
                raise SqlFailure("42P017", f"virtual relation {Name(path)} is defined twice")
            virtual[path] = dsql.SourceInfo(path, inner.kind, tuple(columns))
            ddls.append(_ddl(call, inner.kind, path, None, is_virtual=True))
        elif isinstance(inner, CreateRelationAs):
            placed = _placed(call, inner.name, inner.properties)
            ddls.append(_ddl(call, inner.kind, placed[:3], placed[3], is_virtual=False))
            sinks.append(_ddl(call, inner.kind, placed[:3], placed[3]))
            creates.append((inner, placed, columns))
        else:
            if relation_of(inner.sink, call.session) in virtual:
                raise SqlFailure("42601", f"INSERT INTO virtual relation {inner.sink}: define it with "
                                          "CREATE VIRTUAL ... AS SELECT instead")
            sinks.append(_ref(call, relation_row(call.db, inner.sink, call.session)))
    if not sinks:
        raise SqlFailure("42601", f"application {st.name!r} writes to no relation: add an INSERT INTO or a "
                                  "CREATE ... AS SELECT")
    if call.dry_run:
        return _plan(call, "APPLICATION", {"ddls": ddls, "statements": [i.text for i in st.statements],
                                           "sources": [_ref(call, r) for r in sources.values()], "sinks": sinks})
    for create_as_, placed, columns in creates:
        _insert_relation(call, create_as_.kind, placed, columns, (), create_as_.properties)
    sink_paths = [[k["db_name"], k["schema_name"], k["name"]] for k in sinks]
    return call.done(ARTIFACT_COLUMNS, [q.launch(call, st.text, sink_paths, list(sources.values()), st.name)])


def describe_plan(call: Call, st: DescribePlan) -> Outcome:
    """DESCRIBE of a statement that makes a relation or starts a query: its plan, nothing changed."""
    planned = replace(call, dry_run=True)
    handler = HANDLERS[type(st.statement)]
    return handler(planned, st.statement)


def drop(call: Call, st: DropRelation) -> Outcome:
    row = relation_row(call.db, st.name, call.session)
    if st.kind == "materialized_view" and row["relation_type"] != st.kind:
        raise SqlFailure("42809", f"{Name(tuple(_path(row)))} is a {row['relation_type']}, not a materialized view")
    path = _path(row)
    for query in call.db.execute("SELECT id, sink, sources FROM queries WHERE current_state NOT IN ('terminated')"):
        if path in q.sinks_of(query["sink"]) or path in json.loads(query["sources"]):
            raise SqlFailure("2BP01", f"relation {Name(tuple(path))} is used by running queries "
                                      f"(query {query['id']}); terminate them first")
    call.db.execute("DELETE FROM relations WHERE id = ?", (row["id"],))
    return call.done()


def alter_owner(call: Call, st: AlterRelationOwner) -> Outcome:
    row = relation_row(call.db, st.name, call.session)
    call.db.execute("UPDATE relations SET owner = ?, updated_at = ? WHERE id = ?",
                    (st.owner, timestamp(call.now), row["id"]))
    return call.done()


def alter_set(call: Call, st: AlterRelationSet) -> Outcome:
    """``ALTER RELATION x SET description = '..'``: kept in the relation's properties."""
    if st.key not in ALTERABLE:
        raise SqlFailure("3D008", f"{st.key!r} cannot be set on a relation; one of: {', '.join(ALTERABLE)}")
    row = relation_row(call.db, st.name, call.session)
    properties = {**json.loads(row["properties"]), st.key: st.value}
    call.db.execute("UPDATE relations SET properties = ?, updated_at = ? WHERE id = ?",
                    (dumps(properties), timestamp(call.now), row["id"]))
    return call.done()


RELATION_COLUMNS = [("Name", VARCHAR), ("Type", VARCHAR), ("Owner", VARCHAR), ("State", VARCHAR),
                    ("Properties", VARCHAR), ("CreatedAt", TS), ("UpdatedAt", TS)]


def describe(call: Call, st: DescribeRelation) -> Outcome:
    row = relation_row(call.db, st.name, call.session)
    return call.done(RELATION_COLUMNS, [[row["name"], row["relation_type"], row["owner"], row["state"],
                                         row["properties"], row["created_at"], row["updated_at"]]])


def describe_columns(call: Call, st: DescribeRelationColumns) -> Outcome:
    row = relation_row(call.db, st.name, call.session)
    return call.done([("name", VARCHAR), ("type", VARCHAR), ("nullable", BOOLEAN), ("properties", VARCHAR)],
                     [[c.name, c.type, c.nullable, "{}"] for c in columns_of(call.db, row["id"])])


def relations_in(call: Call, database: str, schema: str) -> Outcome:
    """``LIST RELATIONS [IN SCHEMA s]`` and ``SHOW RELATIONS IN SCHEMA s``."""
    require_schema(call.db, database, schema)
    rows = call.db.execute("SELECT name, relation_type, owner, state, properties, created_at, updated_at "
                           "FROM relations WHERE database_name = ? AND schema_name = ? ORDER BY name",
                           (database, schema)).fetchall()
    return call.done(RELATION_COLUMNS, rows)


def listed(call: Call, st: ListObjects) -> Outcome:
    if st.schema is not None:
        d, sc = schema_of(st.schema, call.session)
    elif call.session.database:
        d, sc = call.session.database, call.session.schema or "public"
    else:
        raise SqlFailure("3D002", "no database is selected: USE DATABASE first")
    return relations_in(call, d, sc)


# --- interactive SELECT of relations (the engine's SELECT of a name outside ``deltastream.sys``) ------------------


def query_select(call: Call, st: QuerySelect) -> Outcome:
    """An interactive SELECT with functions or expressions, checked by ``dsql``, evaluated over the rows of the
    streams, changelogs and materialized views it reads (``dataflow.views``); a stream's or changelog's rows
    go through the dataplane (``Streamed``), a materialized view's are a plain result set."""
    def lookup(parts: tuple[str, ...], pos: dsql.tree.Pos) -> dsql.SourceInfo:
        try:
            row = relation_row(call.db, Name(parts), call.session)
        except SqlFailure as failure:
            raise SqlFailure(failure.code, f"{failure.message} ({pos})") from None
        if row["relation_type"] not in ("materialized_view", "stream", "changelog"):
            raise SqlFailure("0A000", f"{Name(parts)} is a {row['relation_type']}: a SELECT reads a stream, a "
                                      f"changelog or a materialized view ({pos})")
        path = (row["database_name"], row["schema_name"], row["name"])
        return dsql.SourceInfo(path, row["relation_type"], tuple(columns_of(call.db, row["id"])))

    resolved = dsql.resolve(st.select, lookup, user_functions(call.db))
    rows = select_rows(call.db, st.select, [list(source.path) for source in resolved.sources],
                       [c.name for c in resolved.columns])
    answer = Streamed if any(source.kind in STREAMED for source in resolved.sources) else Outcome
    return answer([(c.name, c.type) for c in resolved.columns], rows, call.session)


def select_view(call: Call, st: Select) -> Outcome:
    """``SELECT cols FROM <relation>``: its columns and its rows (``dataflow.views``): a stream's records, a
    changelog's newest per key (both through the dataplane), a materialized view's query result over the records its
    sources hold now."""
    row = relation_row(call.db, st.table.name, call.session)
    if row["relation_type"] not in ("materialized_view", "stream", "changelog"):
        raise SqlFailure("0A000", f"{Name((row['database_name'], row['schema_name'], row['name']))} is a "
                                  f"{row['relation_type']}: a SELECT reads a stream, a changelog or a "
                                  "materialized view")
    declared = {c.name: c.type for c in columns_of(call.db, row["id"])}
    rows = relation_rows(call.db, [row["database_name"], row["schema_name"], row["name"]], st)
    answer = Streamed if row["relation_type"] in STREAMED else Outcome
    if st.columns is None:
        return answer(list(declared.items()), [[r.get(c) for c in declared] for r in rows], call.session)
    outputs: list[tuple[str, str]] = []
    for item in st.columns:
        if isinstance(item.value, int) or item.value.column not in declared:
            raise SqlFailure("42601", f"{item.value!r} is not a column of {st.table.name}")
        outputs.append((item.alias or item.value.column, declared[item.value.column]))
    picked = [i.value.column for i in st.columns if not isinstance(i.value, int)]
    return answer(outputs, [[r.get(c) for c in picked] for r in rows], call.session)


HANDLERS: dict[type, Handler] = {
    CreateRelation: create, CreateRelationAs: create_as, InsertInto: insert_into, BeginApplication: application,
    DescribePlan: describe_plan, DropRelation: drop, AlterRelationOwner: alter_owner, AlterRelationSet: alter_set,
    DescribeRelation: describe, DescribeRelationColumns: describe_columns}

#: Where the family is more liberal than DeltaStream or guesses (``python -m deltastream_local.contract`` writes
#: them into CHOICES.md).
CHOICES = {
    "Plan rows": (
        "`(type, plan)`; kinds `CREATE_STREAM`, `CREATE_CHANGELOG`, `CREATE_TABLE`, "
        "`CREATE_<KIND>_AS_SELECT`, `INSERT_INTO`; fqns are 4-part with the organization id first"),
    "`relations.primary_key`": (
        'JSON list text, e.g. `["id"]`; null without a key'),
    "`DESCRIBE CREATE ...` of a relation that exists": (
        "returns the plan, as for a new one; only running the `CREATE` answers `42P017`. DESCRIBE plans "
        "without side effects, and DeltaStream's own tools describe every object on every preview, so a "
        "duplicate there would break every preview of an existing stack. Other failures (missing schema, "
        "store, source) are still reported by DESCRIBE"),
    "Applications": (
        "`BEGIN APPLICATION <name> <stmt>; ... END APPLICATION;` with `CREATE VIRTUAL STREAM\\|CHANGELOG "
        "virtual.<schema>.<name> AS SELECT`, `CREATE STREAM\\|CHANGELOG\\|TABLE ... AS SELECT` and `INSERT "
        "INTO`. Virtual relations must be named in the database `virtual`, exist only inside the "
        "application and may be read only after they are defined (`3D020`); an application must write to "
        "at least one physical relation (`42601`). DESCRIBE gives kind `APPLICATION` and plan `ddls` (with "
        "`is_virtual`), `statements`, `sources` (physical relations read), `sinks`. Running it creates the "
        "physical `AS SELECT` relations and launches one query named after the application (versioned like "
        "named queries); every source and sink is held (`2BP01` on DROP) until it is terminated"),
    "`ALTER RELATION x SET description = '..'`": (
        "kept in the relation's properties (`DESCRIBE RELATION`'s `Properties`); another key `3D008` "
        "(deltastreaminc/examples `oci_logging_agent/04_materialized_views.sql`)"),
    "A stream or changelog without a column list": (
        "`CREATE STREAM\\|CHANGELOG n WITH (...)` (docs `ddl/create-stream`, `ddl/create-changelog`, \"alternative "
        "syntax\"): the columns come from the value format's schema (`schema_sources.py`). `avro`: the newest "
        "schema of subject `<topic>-value` (the topic defaulting to the name) in the local server's own registry "
        "(`POST /schema-registry/subjects/{subject}/versions` with `{\"schema\": \"<avro json>\"}`, `GET "
        "/schema-registry/subjects/{subject}/versions/latest`, no token; a schema is checked only to be JSON, where "
        "Confluent's parses it as Avro): every SCHEMA_REGISTRY resolves subjects "
        "there whatever its `uris` (more liberal than DeltaStream, which asks the registry it names); the subject "
        "naming is Confluent's default, a guess. `protobuf`: the message `'value.descriptor' = '<descriptor "
        "source>.<message>'` names among the relation's own WITH keys (the clients show the key on CREATE ENTITY "
        "only: a guess), from the source's FileDescriptorSet. A changelog's key: the PRIMARY KEY if given, else the "
        "fields of the key format's schema (`<topic>-key`, `'key.descriptor'`; a guess: the docs do not say). "
        "Columns are fixed at creation (\"strictly typed at the creation time\", docs serializing-with-protobuf): a "
        "new subject version changes an existing relation nothing. Types: protobuf as docs "
        "`data-format-serialization/serializing-with-protobuf` (Timestamp as `TIMESTAMP_LTZ(9)`, fields nullable); "
        "Avro by the same table (no DeltaStream page for Avro was found: boolean BOOLEAN, int INTEGER, long BIGINT, "
        "float FLOAT, double DOUBLE, bytes and fixed VARBINARY, string and enum VARCHAR, record STRUCT<..>, array "
        "ARRAY<..>, map MAP<VARCHAR, ..>, decimal DECIMAL(p, s), date DATE, timestamp-millis/micros "
        "TIMESTAMP_LTZ(3)/(6); a union with null is nullable, any other field NOT NULL). SQLSTATEs (names from "
        "go-deltastream `sqlcode.go`; which one DeltaStream answers is a guess): another value format or a TABLE "
        "`42601`, no registry on the store or no such subject `3D009`, registry not ready `3E002`, no "
        "`'value.descriptor'` `3D021`, no such descriptor source `3D011`, no such message `3D010`, a union of "
        "several types or a oneof `0A000`"),
    "What DeltaStream refuses to create": (
        'a `TABLE` (plain or `AS SELECT`, also in `DESCRIBE`) in a Kafka or Confluent Kafka store, and a '
        'materialized view that reads a materialized view: both `0A000` ("Cannot create tables in Kafka '
        'stores (requires SQL store)", "DeltaStream doesn\'t support cascading materialized views": '
        'deltastreaminc/dbt-deltastream `tests/functional/adapter/DBT_FEATURES_TEST_COVERAGE.md` sections '
        '3.3 and 5.5; the code is unknown)'),
    "Materialized views": (
        "need no store: a view goes in the store named (`'store'` or the session's) or in none, as the CREATE "
        "MATERIALIZED VIEW page's examples and dbt's models name none. Every `WITH` key is accepted and kept "
        "(`DESCRIBE RELATION`'s `Properties`): the page's Materialized View Parameters table (the retention "
        "period) could not be read, so this is more liberal than DeltaStream. A snapshot `SELECT` reads one. "
        "`DROP MATERIALIZED VIEW` of another kind of relation is `42809` (the code is a guess); dropping a view "
        "while its query runs is `2BP01`, as for any relation a query writes"),
}


FAMILY = Family(
    grammar=GRAMMAR,
    statements={"relations_create": Sourced(_create), "relations_create_as": Sourced(_create_as),
                "relations_insert": Sourced(_insert), "relations_application": Sourced(_application),
                "relations_describe_plan": lambda described: DescribePlan(described.statement),
                "relations_drop": _drop, "relations_alter_owner": _alter_owner, "relations_alter_set": _alter_set,
                "relations_describe": DescribeRelation, "relations_describe_columns": DescribeRelationColumns},
    parts={"relations_virtual": Sourced(_virtual)},
    handlers=HANDLERS,
    lists={"RELATIONS": listed},
    schema=SCHEMA,
    system_tables=SYSTEM_TABLES,
    choices=CHOICES,
)
