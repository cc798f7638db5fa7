"""MaterializedView: a relation DeltaStream keeps up to date with the result of a SELECT, written by a query it
starts with the view (``CREATE MATERIALIZED VIEW <fqn> [WITH (...)] AS <select>``). The whole kind is here: its
statements, inputs and state, how it starts, is read and stops, its lookups' row, its registry examples and its
sample, and how settle finds one.

A resource of its own rather than a kind of DeltaStreamObject: an object is declared by its columns, store and
entity, a view by a query (its columns are DeltaStream's, read back), and a view's query runs with it (its id and
state are outputs, terminated before the view is dropped). One kind with both shapes would make most of its inputs
conditional in every SDK; two kinds each read as what they are.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..deltastream import sql
from ..deltastream.catalog import SystemTables
from ..deltastream.ids import format_id, parse_id
from ..deltastream.query_text import ends_in_line_comment, one_statement, same_statement, tokens
from ..deltastream.reads import ARTIFACTS
from ..deltastream.redaction import redact_sql
from ..deltastream.session import Session
from ..errors import (
    CreateFailed,
    DeltaStreamError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    PlanError,
    SessionError,
    SQLError,
    SqlTextError,
)
from ..model import story
from ..model.docs import Part, examples
from ..model.fields import Model, prop
from ..model.lookup import Arg, Filter, Many, One, Source
from ..model.sample import Sample, built
from ..model.unknown import UNKNOWN
from .base import (
    SETTLE_ON_CANCEL,
    Context,
    Diff,
    Existing,
    Resource,
    check_identifier,
    drop_then_wait,
    send_until_settled,
)
from .continuous import (
    NOT_MADE_YET,
    ListedQuery,
    QueryRow,
    listed_queries,
    plan,
    query_read,
    query_row,
    refused_at,
    started_query,
    started_running,
    terminate_until_stopped,
)
from .dependents import ACCEPT_DOC, BlastRadius, on_relations
from .lifecycle import OWNER_DOC, existing_row, gone, owner_as_read
from .object import (
    RELATIONS,
    ColumnInfo,
    RelationRow,
    relation_columns,
    relation_in_database,
    relation_properties,
    relation_row,
)
from .ownership import transfer

ID_FORMAT = 'DATABASE/NAMESPACE/NAME, or the fqn "DATABASE"."NAMESPACE"."NAME"'
KIND = "materialized_view"  # sys."relations".relation_type of a view (docs: systables/relations)
POOL_DOC = ("Compute pool the view's query runs in: sent as the `computePool` field of the CREATE's request (the "
            "statement API's field; DeltaStream does not document whether a continuous query stays bound to the pool "
            "it was started in). A change replaces the view.")


def create_statement(database: str, namespace: str, name: str, properties: Sequence[tuple[str, sql.PropertyValue]],
                     query: str) -> sql.Statement:
    """``CREATE MATERIALIZED VIEW <fqn> [WITH (...)] AS <select>``, the SELECT as the user wrote it (one statement;
    a final ``--`` comment gets a line break so it cannot swallow the ``;``)."""
    body = one_statement(query).text
    end = "\n" if ends_in_line_comment(body) else ""
    return sql.statement([f"CREATE MATERIALIZED VIEW {sql.qualified(database, namespace, name)}",
                          sql.with_clause(properties), " AS ", sql.Rendered(body, redact_sql(body)), end])


def drop_statement(database: str, namespace: str, name: str) -> sql.Statement:
    return sql.statement([f"DROP MATERIALIZED VIEW {sql.qualified(database, namespace, name)}"])


@dataclass
class ViewColumn(Model):
    """A column of a materialized view, as DeltaStream derives it from the query."""

    name: str = prop("Column name.")
    type: str = prop("DeltaStream type.")
    nullable: bool = prop("Whether it accepts nulls.", default=True)


@dataclass
class MaterializedViewInputs(Model):
    database: str = prop("Database of the view.", replaces=True)
    name: str = prop("Name of the view. Case-sensitive; quoted for you.", replaces=True)
    query: str = prop("The SELECT whose result the view holds, e.g. `SELECT userid, COUNT(*) AS views FROM pageviews "
                      "GROUP BY userid` (one statement; the provider writes `CREATE MATERIALIZED VIEW ... AS` around "
                      "it). Unqualified names resolve in `database` and `namespace`. Whitespace, comments and keyword "
                      "case are no change; any other change replaces the view (DeltaStream cannot change its query).",
                      replaces=True)
    namespace: str = prop("Namespace of the view (default `public`).", default="public", replaces=True)
    properties: dict[str, str] | None = prop(
        "`WITH` parameters of the CREATE, as DeltaStream documents them (its Materialized View Parameters, such as "
        "the rows' retention period), sent as quoted strings. DeltaStream fixes them at creation (\"can not ... "
        "change the retention period later\"), so any change replaces the view.", default=None, replaces=True)
    compute_pool: str | None = prop(POOL_DOC, default=None, replaces=True)
    owner: str | None = prop(OWNER_DOC, default=None)
    accept_replacement: bool | None = prop(ACCEPT_DOC, default=None)


@dataclass
class MaterializedViewState(MaterializedViewInputs):
    fqn: str | None = prop('Fully qualified name, `"database"."namespace"."name"`.', default=None)
    columns: list[ViewColumn] | None = prop("Columns DeltaStream derived from the query, in order (`DESCRIBE "
                                            "RELATION COLUMNS`).", default=None)
    query_id: str | None = prop("DeltaStream's id of the query that maintains the view (a UUID).", default=None)
    query_state: str | None = prop("State of that query: `running`, `errored`, `terminate_requested` or "
                                   "`terminated` (a refresh shows one terminated outside Pulumi).", default=None)
    created_at: str | None = prop("When the view was created (RFC 3339).", default=None)


@dataclass
class MaterializedViewInfo(Model):
    """A materialized view, as ``deltastream.sys."relations"`` shows it."""

    database: str = prop("Database.")
    namespace: str = prop("Namespace.")
    name: str = prop("Name.")
    fqn: str = prop('`"database"."namespace"."name"`.')
    state: str = prop("DeltaStream's state of the view, e.g. `created`.")
    owner: str = prop("Owning role.")
    created_at: str | None = prop("When it was created (RFC 3339).", default=None)
    updated_at: str | None = prop("When it last changed (RFC 3339).", default=None)

    @classmethod
    def of(cls, row: RelationRow) -> MaterializedViewInfo:
        return cls(database=row.database, namespace=row.namespace, name=row.name, fqn=row.fqn, state=row.state,
                   owner=row.owner, created_at=row.created_at, updated_at=row.updated_at)


def check_select(prop_name: str, text: Any) -> list[tuple[str, str]]:
    """Check failures for a view's query: exactly one statement, a SELECT."""
    if not isinstance(text, str):
        return []
    example = "give the SELECT alone, e.g. SELECT userid, COUNT(*) AS views FROM pageviews GROUP BY userid"
    try:
        body = one_statement(text)
    except SqlTextError as exc:
        return [(prop_name, f"{prop_name} {exc}")]
    first = next((t.comparable for t in tokens(body.text) if not t.insignificant), None)
    if first is None:
        return [(prop_name, f"{prop_name} is empty: {example}")]
    if first != "select":
        return [(prop_name, f"{prop_name} must be one SELECT (it starts with {first.upper()!r}): {example}; the "
                            "provider writes CREATE MATERIALIZED VIEW ... AS around it")]
    return []


def statement_of(inputs: MaterializedViewInputs) -> sql.Statement:
    return create_statement(inputs.database, inputs.namespace, inputs.name, sorted((inputs.properties or {}).items()),
                            inputs.query)


def session_of(inputs: MaterializedViewInputs) -> Session:
    """Where the query's unqualified names resolve, as whom, in which compute pool."""
    return Session(role=inputs.owner, database=inputs.database, schema=inputs.namespace,
                   compute_pool=inputs.compute_pool)


# --- the view's query, found from LIST QUERIES where the state does not hold its id -------------------------------

def _significant(text: str) -> list[Any]:
    return [t for t in tokens(text) if not t.insignificant]


def _name_part(text: str) -> str:
    return text[1:-1].replace('""', '"') if text.startswith('"') else text.lower()


def view_select(text: str, path: tuple[str, str, str]) -> str | None:
    """The SELECT of ``CREATE MATERIALIZED VIEW <name> [WITH (...)] AS <select>`` when ``<name>`` is the view at
    ``path`` (written in full, or as its trailing parts); None for any other statement."""
    try:
        found = _significant(one_statement(text).text)
    except SqlTextError:
        return None
    if [t.comparable for t in found[:3]] != ["create", "materialized", "view"]:
        return None
    parts, at = [], 3
    while at < len(found) and found[at].comparable not in ("with", "as"):
        if found[at].text != ".":
            parts.append(_name_part(found[at].text))
        at += 1
    if not parts or tuple(parts) != path[-len(parts):]:
        return None
    depth = 0
    for token in found[at:]:
        depth += {"(": 1, ")": -1}.get(token.text, 0)
        if depth == 0 and token.comparable == "as":
            return text[token.position + len(token.text):].strip().rstrip(";").strip()
    return None


async def view_query(catalog: SystemTables, path: tuple[str, str, str], *, shared: bool = False
                     ) -> tuple[ListedQuery, str] | None:
    """The newest query not terminated that ``LIST QUERIES`` shows creating the view at ``path``, with its SELECT
    (``shared``: from the command's shared LIST, as an import read may)."""
    found = [(q, select) for q in await listed_queries(catalog, shared=shared) if q.sql and q.state != "terminated"
             for select in [view_select(q.sql, path)] if select is not None]
    return found[-1] if found else None


def _columns(found: Sequence[ColumnInfo]) -> list[ViewColumn]:
    return [ViewColumn(name=c.name, type=c.type, nullable=c.nullable) for c in found]


def _state(inputs: MaterializedViewInputs, row: RelationRow, columns: list[ViewColumn],
           query: QueryRow | None) -> MaterializedViewState:
    return MaterializedViewState(**{**vars(inputs), "owner": row.owner}, fqn=row.fqn, columns=columns,
                                 query_id=query.id if query is not None else None,
                                 query_state=query.state if query is not None else None, created_at=row.created_at)


STORY = Part(
    typescript='''const viewsPerUser = new deltastream.MaterializedView("views-per-user", {
    database: shop.name,
    namespace: raw.name,
    name: "views_per_user",
    query: pulumi.interpolate`SELECT userid, COUNT(*) AS views FROM ${pageviews.fqn} GROUP BY userid`,
});

export const viewsPerUserQueryState = viewsPerUser.queryState;''',
    python='''views_per_user = deltastream.MaterializedView("views-per-user",
    database=shop.name,
    namespace=raw.name,
    name="views_per_user",
    query=pulumi.Output.format("SELECT userid, COUNT(*) AS views FROM {0} GROUP BY userid", pageviews.fqn))

pulumi.export("viewsPerUserQueryState", views_per_user.query_state)''',
    go='''viewsPerUser, err := deltastream.NewMaterializedView(ctx, "views-per-user", &deltastream.MaterializedViewArgs{
	Database:  shop.Name,
	Namespace: raw.Name,
	Name:      pulumi.String("views_per_user"),
	Query:     pulumi.Sprintf("SELECT userid, COUNT(*) AS views FROM %s GROUP BY userid", pageviews.Fqn),
})
if err != nil {
	return err
}
ctx.Export("viewsPerUserQueryState", viewsPerUser.QueryState)''',
    yaml='''resources:
  viewsPerUser:
    type: deltastream:index:MaterializedView
    properties:
      database: ${shop.name}
      namespace: ${raw.name}
      name: views_per_user
      query: SELECT userid, COUNT(*) AS views FROM ${pageviews.fqn} GROUP BY userid
outputs:
  viewsPerUserQueryState: ${viewsPerUser.queryState}''',
    needs=(story.PAGEVIEWS,))

#: The lookups' example: a view, then it and the views of its namespace looked up (the output forms wait for it).
LOOKUPS_STORY = Part(
    typescript='''const viewsPerUser = new deltastream.MaterializedView("views-per-user", {
    database: shop.name,
    namespace: raw.name,
    name: "views_per_user",
    query: pulumi.interpolate`SELECT userid, COUNT(*) AS views FROM ${pageviews.fqn} GROUP BY userid`,
});
const found = deltastream.getMaterializedViewOutput({
    database: viewsPerUser.database, namespace: viewsPerUser.namespace, name: viewsPerUser.name,
});
const inRaw = deltastream.getMaterializedViewsOutput({
    database: viewsPerUser.database, namespace: viewsPerUser.namespace,
});

export const foundViewState = found.state;
export const rawViews = inRaw.materializedViews;''',
    python='''views_per_user = deltastream.MaterializedView("views-per-user",
    database=shop.name,
    namespace=raw.name,
    name="views_per_user",
    query=pulumi.Output.format("SELECT userid, COUNT(*) AS views FROM {0} GROUP BY userid", pageviews.fqn))
found = deltastream.get_materialized_view_output(database=views_per_user.database,
    namespace=views_per_user.namespace, name=views_per_user.name)
in_raw = deltastream.get_materialized_views_output(database=views_per_user.database,
    namespace=views_per_user.namespace)

pulumi.export("foundViewState", found.state)
pulumi.export("rawViews", in_raw.materialized_views)''',
    go='''viewsPerUser, err := deltastream.NewMaterializedView(ctx, "views-per-user", &deltastream.MaterializedViewArgs{
	Database:  shop.Name,
	Namespace: raw.Name,
	Name:      pulumi.String("views_per_user"),
	Query:     pulumi.Sprintf("SELECT userid, COUNT(*) AS views FROM %s GROUP BY userid", pageviews.Fqn),
})
if err != nil {
	return err
}
found := deltastream.LookupMaterializedViewOutput(ctx, deltastream.LookupMaterializedViewOutputArgs{
	Database:  viewsPerUser.Database,
	Namespace: viewsPerUser.Namespace,
	Name:      viewsPerUser.Name,
})
inRaw := deltastream.GetMaterializedViewsOutput(ctx, deltastream.GetMaterializedViewsOutputArgs{
	Database:  viewsPerUser.Database,
	Namespace: viewsPerUser.Namespace,
})

ctx.Export("foundViewState", found.State())
ctx.Export("rawViews", inRaw.MaterializedViews())''',
    yaml='''resources:
  viewsPerUser:
    type: deltastream:index:MaterializedView
    properties:
      database: ${shop.name}
      namespace: ${raw.name}
      name: views_per_user
      query: SELECT userid, COUNT(*) AS views FROM ${pageviews.fqn} GROUP BY userid
variables:
  found:
    fn::invoke:
      function: deltastream:index:getMaterializedView
      arguments:
        database: ${viewsPerUser.database}
        namespace: ${viewsPerUser.namespace}
        name: ${viewsPerUser.name}
  inRaw:
    fn::invoke:
      function: deltastream:index:getMaterializedViews
      arguments:
        database: ${viewsPerUser.database}
        namespace: ${viewsPerUser.namespace}
outputs:
  foundViewState: ${found.state}
  rawViews: ${inRaw.materializedViews}''',
    needs=(story.PAGEVIEWS,))


class MaterializedView(Resource[MaterializedViewInputs, MaterializedViewState]):
    token = "deltastream:index:MaterializedView"
    create_privilege = "CREATE_QUERY"  # the CREATE starts the query that maintains the view
    description = f"""A materialized view: a relation DeltaStream keeps up to date with the result of a SELECT, written
by a query DeltaStream starts with it (`CREATE MATERIALIZED VIEW ... AS SELECT`).

The SELECT is checked with `DESCRIBE` at preview, so SQL DeltaStream refuses fails the preview. The view's columns
(DeltaStream derives them from the query), its query's id and state are outputs; a refresh shows a query
terminated outside Pulumi in `queryState`. DeltaStream changes neither the query nor the `WITH` parameters of a view
(the retention period is fixed at creation), so any change but `acceptReplacement` replaces it: its query is
terminated, the view dropped, and both created again (the rows are rebuilt from the sources). A change that would
take down queries reading the view fails at preview naming them, unless `acceptReplacement` is set for that
`pulumi up`. Deleting terminates the view's query, then drops the view. DeltaStream has no view over a view.

{examples("A materialized view of the page views per user", STORY)}

## Import

The ID is {ID_FORMAT}; the query is read from `LIST QUERIES` (so the view's query must be running), the `WITH`
parameters from `DESCRIBE RELATION`:

```sh
pulumi import deltastream:index:MaterializedView views-per-user shop/raw/views_per_user
```"""
    inputs = MaterializedViewInputs
    state = MaterializedViewState
    ownership = "RELATION"  # a materialized view is a relation (sys."relations"); its query follows it
    aliased_from = ("object.DeltaStreamObject",)  # a Pipeline's sink, one child, that turns into a view
    always_set = ("namespace", "fqn", "columns", "queryId", "queryState", "createdAt")

    def check(self, inputs: MaterializedViewInputs) -> list[tuple[str, str]]:
        failures = (check_identifier("database", inputs.database) + check_identifier("namespace", inputs.namespace)
                    + check_identifier("name", inputs.name) + check_identifier("owner", inputs.owner)
                    + check_identifier("computePool", inputs.compute_pool) + check_select("query", inputs.query))
        for key in inputs.properties or {}:
            if not key.strip():
                failures.append(("properties", "properties: a WITH parameter has an empty name"))
        return failures

    def preview(self, inputs: MaterializedViewInputs) -> MaterializedViewState:
        """The fqn follows from the names, so a preview shows it."""
        state = super().preview(inputs)
        parts = [inputs.database, inputs.namespace, inputs.name]
        if all(isinstance(p, str) for p in parts):
            state.fqn = sql.qualified(*parts)
        return state

    async def check_at_preview(self, ctx: Context, inputs: MaterializedViewInputs) -> None:
        """DeltaStream's plan of the CREATE (``DESCRIBE``, read-only): SQL it refuses fails the preview, on
        ``query``. What this update makes first (a database, a source) is found by ``up`` instead."""
        values = (inputs.database, inputs.namespace, inputs.name, inputs.query, inputs.owner, inputs.compute_pool)
        if UNKNOWN in values or any(v is UNKNOWN for v in (inputs.properties or {}).values()):
            return
        statement = statement_of(inputs)
        try:
            await plan(ctx, statement, replace(session_of(inputs), compute_pool=None))  # only the CREATE runs there
        except PermissionDeniedError:
            return
        except SessionError as refused:
            if inputs.owner is None or refused.code != "3D001":
                raise
            raise PlanError(f"owner: DeltaStream refuses role {inputs.owner!r} as this view's session (SQLSTATE "
                            f"{refused.code}): {refused.message}. Set owner to a role granted to the token's user, "
                            "or leave it unset") from None
        except SQLError as refused:
            if isinstance(refused, NotFoundError) and refused.code in NOT_MADE_YET:
                return
            raise PlanError(refused_at("query", statement.sql.rstrip(";"), refused)) from None

    def diff(self, olds: MaterializedViewInputs, news: MaterializedViewInputs, state: MaterializedViewState) -> Diff:
        if isinstance(olds.query, str) and isinstance(news.query, str) and same_statement(olds.query, news.query):
            news = MaterializedViewInputs(**{**vars(news), "query": olds.query})  # only layout or comments changed
        result = super().diff(olds, news, state)
        if result.replaces:
            result.warnings.append(f"materialized view {state.fqn or ''} will be replaced: its query is terminated, "
                                   "the view dropped, and a new view and query created; the view's rows are rebuilt "
                                   "from its sources")
        return result

    async def blast_radius(self, ctx: Context, resource_id: str, state: MaterializedViewState) -> BlastRadius:
        """The running queries reading the view (its own query, which the replacement makes again, aside)."""
        database, namespace, name = parse_id(resource_id, 3, ID_FORMAT)
        found = await on_relations(ctx.catalog, {"database_name": database, "schema_name": namespace, "name": name})
        return BlastRadius(queries=[q for q in found.queries if q.split(" ", 1)[0] != state.query_id])

    def replacement_advice(self, why: list[str]) -> str:
        return (f"keep {', '.join(why)} as it is, or declare the new view under another name and move the queries "
                "to it")

    async def existing(self, catalog: SystemTables, inputs: MaterializedViewInputs,
                       excluded: Collection[str]) -> Existing:
        """A view of this name (a stream or changelog that has it is not this view's create landing)."""
        row = await relation_row(catalog, inputs.database, inputs.namespace, inputs.name)
        return existing_row(row if row is not None and row.kind == KIND else None,
                            format_id(inputs.database, inputs.namespace, inputs.name))

    async def create(self, ctx: Context, inputs: MaterializedViewInputs) -> tuple[str, MaterializedViewState]:
        resource_id = format_id(inputs.database, inputs.namespace, inputs.name)
        what = f"materialized view {sql.qualified(inputs.database, inputs.namespace, inputs.name)}"
        statement = statement_of(inputs)
        query_id = await self._send(ctx, statement, session_of(inputs), resource_id, what)
        try:
            query = await ctx.wait_until(lambda: started_running(ctx, query_id), f"the query of {what} to run")
        except asyncio.CancelledError:
            raise CreateFailed(f"cancelled while waiting for the query of {what} to run; the view exists, so it is "
                               "kept in state for the next `pulumi up` or `pulumi destroy`", resource_id) from None
        except Exception:
            await self._undo(ctx, query_id, inputs)
            raise
        row, columns = await asyncio.gather(relation_row(ctx.catalog, inputs.database, inputs.namespace, inputs.name),
                                            relation_columns(ctx.catalog, inputs.database, inputs.namespace,
                                                             inputs.name))
        if row is None or columns is None:
            raise CreateFailed(f"{what} was created, then not found: it is kept in state for `pulumi refresh` to read",
                               resource_id)
        return resource_id, _state(inputs, row, _columns(columns), query)

    async def _send(self, ctx: Context, statement: sql.Statement, session: Session, resource_id: str,
                    what: str) -> str:
        """The CREATE, sent until its outcome is known: the id of the query it started, from the answer's artifacts
        or, when an answer is lost, from ``LIST QUERIES`` (the query with this SQL started since it was sent). A
        create whose outcome stays unknown is kept in state under the view's id, for a refresh to read."""
        sent_at = dt.datetime.now(dt.UTC)

        def landed() -> Any:
            return started_query(ctx.catalog, statement, since=sent_at)

        try:
            outcome = await send_until_settled(ctx, statement, landed, session)
        except OutcomeUnknownError as unknown:
            raise CreateFailed(f"{what}: {unknown}; it may exist, so it is kept in state for `pulumi refresh` or the "
                               "next `pulumi up` to read whether it does", resource_id) from unknown
        except asyncio.CancelledError:
            if await _shielded(landed()) is not None:
                raise CreateFailed(f"cancelled while creating {what}; it was created, so it is kept in state for the "
                                   "next `pulumi up` or `pulumi destroy`", resource_id) from None
            raise
        if isinstance(outcome, ListedQuery):
            return outcome.id
        rows = outcome.rows if outcome is not None else ()
        found = next((str(ARTIFACTS.get(r, "name")) for r in rows if ARTIFACTS.get(r, "type") == "query"), None)
        if found is None:
            listed = await landed()
            found = listed.id if listed is not None else None
        if found is None:
            raise CreateFailed(f"{what}: DeltaStream answered with no query, and LIST QUERIES shows none for it; it "
                               "is kept in state for `pulumi refresh` to read whether the view exists", resource_id)
        return found

    async def _undo(self, ctx: Context, query_id: str, inputs: MaterializedViewInputs) -> None:
        """A view whose query failed to run: the query terminated, the view dropped (nothing left behind)."""
        await terminate_until_stopped(ctx, query_id)
        await drop_then_wait(ctx, drop_statement(inputs.database, inputs.namespace, inputs.name),
                             lambda: relation_row(ctx.catalog, inputs.database, inputs.namespace, inputs.name),
                             what=f"materialized view {inputs.name!r}")

    async def read(self, ctx: Context, resource_id: str, inputs: MaterializedViewInputs | None,
                   state: MaterializedViewState | None) -> tuple[MaterializedViewInputs, MaterializedViewState] | None:
        database, namespace, name = parse_id(resource_id, 3, ID_FORMAT)
        if inputs is None:
            return await self._imported(ctx, (database, namespace, name))
        known = state.query_id if state is not None else None
        row, query = await asyncio.gather(relation_in_database(ctx.catalog, database, namespace, name),
                                          self._query(ctx, known, inputs))
        if row is None or row.kind != KIND:
            return None
        if state is not None and state.columns and state.created_at == row.created_at:
            columns = state.columns  # the same view: DeltaStream changes no view's columns in place
        else:
            found = await relation_columns(ctx.catalog, database, namespace, name)
            if found is None:
                return None
            columns = _columns(found)
        current = MaterializedViewInputs(**{**vars(inputs), "database": database, "namespace": namespace,
                                            "name": name, "owner": owner_as_read(inputs, row)})
        return current, _state(current, row, columns, query)

    async def _query(self, ctx: Context, known: str | None, inputs: MaterializedViewInputs) -> QueryRow | None:
        """The view's query: by the id the state holds (from the refresh's shared SELECT of running queries), or,
        after a create that was not settled, the one ``LIST QUERIES`` shows with the view's SQL."""
        if known:
            return await query_read(ctx.catalog, sql.query_id(known))
        found = await started_query(ctx.catalog, statement_of(inputs))
        return await query_row(ctx.catalog, found.id) if found is not None else None

    async def _imported(self, ctx: Context, path: tuple[str, str, str]
                        ) -> tuple[MaterializedViewInputs, MaterializedViewState] | None:
        """Import: the view's row and columns, its WITH parameters, and its query's SQL from ``LIST QUERIES``."""
        database, namespace, name = path
        row, columns, properties, listed = await asyncio.gather(
            relation_row(ctx.catalog, database, namespace, name),
            relation_columns(ctx.catalog, database, namespace, name),
            relation_properties(ctx.catalog, database, namespace, name), view_query(ctx.catalog, path, shared=True))
        if row is None or columns is None or row.kind != KIND:
            return None
        if listed is None:
            raise NotFoundError(f"materialized view {row.fqn} exists, but LIST QUERIES shows no running query "
                                "creating it, and its SELECT is shown nowhere else",
                                hint="declare the view in the program with its query and import it with the "
                                     "`import` resource option")
        found, select = listed
        query = await query_row(ctx.catalog, found.id)
        kept = {k: v if isinstance(v, str) else json.dumps(v) for k, v in (properties or {}).items() if v is not None}
        current = MaterializedViewInputs(database=database, namespace=namespace, name=name, query=select,
                                         properties=kept or None)
        return current, _state(current, row, _columns(columns), query)

    async def update(self, ctx: Context, resource_id: str, olds: MaterializedViewState,
                     news: MaterializedViewInputs) -> MaterializedViewState:
        """The one change made in place, the owner: ``GRANT OWNERSHIP`` of the view (a relation), then of the query
        that maintains it, so both stay with one role; then the view's row."""
        await transfer(ctx, "RELATION", sql.qualified(news.database, news.namespace, news.name), olds.owner,
                       news.owner)
        if olds.query_id:
            await transfer(ctx, "QUERY", sql.query_id(olds.query_id), olds.owner, news.owner)
        found = await self.read(ctx, resource_id, news, olds)
        if found is None:
            raise gone(f"materialized view {resource_id}")
        return found[1]

    async def delete(self, ctx: Context, resource_id: str, state: MaterializedViewState) -> None:
        database, namespace, name = parse_id(resource_id, 3, ID_FORMAT)
        query_id = state.query_id
        if not query_id:  # a create that was not settled: its query, if it started
            found = await view_query(ctx.catalog, (database, namespace, name))
            query_id = found[0].id if found is not None else None
        if query_id:
            await terminate_until_stopped(ctx, query_id)
        await drop_then_wait(ctx, drop_statement(database, namespace, name),
                             lambda: relation_row(ctx.catalog, database, namespace, name),
                             what=f"materialized view {resource_id}")


async def _shielded(read: Any) -> Any:
    """A read after a cancellation, shielded from it and bounded by :data:`SETTLE_ON_CANCEL` (None: not known)."""
    try:
        async with asyncio.timeout(SETTLE_ON_CANCEL):
            return await asyncio.shield(read)
    except (TimeoutError, DeltaStreamError, asyncio.CancelledError):
        return None


_SELECT = 'SELECT id, COUNT(*) AS n FROM "db"."public"."src" GROUP BY id'
_VIEW = {"database": "db", "namespace": "public", "query": _SELECT}
SAMPLE = Sample(
    # create: the CREATE, the query's row (running), the view's row and its columns; read: the view's and the
    # query's rows (a refresh shares each SELECT); delete: the query's row, TERMINATE, its row again, DROP, the
    # view's row
    inputs={**_VIEW, "name": "per_id"}, budget={"create": 4, "read": 2, "delete": 5},
    settle=({**_VIEW, "name": "made_view"}, {**_VIEW, "name": "never_view"}),
    built=(built(create_statement, "CREATE MATERIALIZED VIEW AS SELECT", "db", "s", "v", [], _SELECT),
           built(create_statement, "CREATE MATERIALIZED VIEW AS SELECT", "db", "s", "v", [("k", "v")], _SELECT),
           built(drop_statement, "DROP MATERIALIZED VIEW", "db", "s", "v")))


async def _fetch(catalog: SystemTables, where: dict[str, Any], limit: int) -> list[RelationRow]:
    return await catalog.select(RELATIONS, {**where, "relation_type": KIND}, limit=limit)


_VIEWS = Source("materialized view", "materialized views", _fetch, MaterializedViewInfo.of,
                order="by fqn")
_LOOKUPS_EXAMPLE = examples("A materialized view, then it and the views of its namespace looked up", LOOKUPS_STORY)
LOOKUPS = (
    One("getMaterializedView", f"Look up an existing materialized view by database, namespace and name, with one "
                               f"SELECT.\n\n{_LOOKUPS_EXAMPLE}", _VIEWS,
        {"database": Arg("Database of the view.", Filter("database_name"), required=True),
         "namespace": Arg("Namespace of the view.", Filter("schema_name"), required=True),
         "name": Arg("Name of the view.", Filter("name"), required=True)}, MaterializedViewInfo),
    Many("getMaterializedViews", f"List materialized views, filtered by database and namespace, ordered by fqn, "
                                 f"with one SELECT; at most 200.\n\n{_LOOKUPS_EXAMPLE}", _VIEWS,
         {"database": Arg("Only views of this database.", Filter("database_name")),
          "namespace": Arg("Only views of this namespace.", Filter("schema_name"))},
         "materialized_views", MaterializedViewInfo, "Matching views ordered by fqn (at most 200)."),
)
