"""Query: a continuous DeltaStream query (``INSERT INTO ... SELECT ...``), immutable once created. The kind is here
(inputs and state, the rows its lookups return); what it shares with Application, from its statements to its
system-table row, is in :mod:`.running`."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import re
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from ..deltastream import sql
from ..deltastream.catalog import SystemTables
from ..deltastream.query_text import one_statement, same_statement
from ..deltastream.session import Session
from ..errors import InvalidInputError, NotFoundError, SqlTextError
from ..model import story
from ..model.docs import examples
from ..model.fields import Enum, Model, prop
from ..model.sample import Sample, built
from ..model.unknown import UNKNOWN
from . import continuous
from . import query_upgrade as upgrades
from .base import Context, DetailedDiff, Diff, PropertyChange, check_identifier, equal
from .continuous import (
    QUERIES,
    RESTARTABLE,
    SESSION,
    Continuous,
    QueryRow,
    fqn,
    listed_queries,
    normalize_sql,
    plan,
    session_of,
    start,
)
from .ownership import grant_statement

_STARTS = re.compile(r"^\s*(insert\s+into|create\s+(stream|changelog|table|materialized\s+view)\b.*?\bas\s+select)\b",
                     re.IGNORECASE | re.DOTALL)


NAME_IGNORED = ("`name` is deprecated and ignored: DeltaStream documents no way for a client to name a query, so "
                "none is sent. Remove `name` from the program; that changes nothing (no update, no restart). The name "
                "DeltaStream records is the output `name`; tell queries apart by their resource names and `queryId`.")


Upgrade = Annotated[Literal["replace", "resume"], Enum(
    "QueryUpgrade", "How a changed query is upgraded: `replace` starts a new query from the beginning of its "
                    "sources, `resume` continues where the old one stopped where DeltaStream allows it.")]

UPGRADE_DOC = (
    "How a change of `sql` or `computePool` (or a query found stopped by a refresh) is applied. `replace` (the "
    "default): a changed `sql` fails the preview as it always has; a new `computePool`, or a stopped query, replaces "
    "the query with a new one that runs from the beginning of its sources (the preview warns). `resume`: the old query "
    "is terminated and the new one started with `QUERY WITH ('resume.from.query.id' = '<old id>')`, continuing where "
    "the old one stopped (an update in place: the output `queryId` changes), when DeltaStream's documented limits "
    "hold (docs: RESUME QUERY): one source relation in a Kafka store, with the same topic and store before and "
    "after, and no join, aggregation or pattern recognition; and when the sink stays the same (resumed into a new "
    "sink, that sink would miss what the old query processed, so a new sink replaces the query). The preview "
    "reads DeltaStream's plan of the new SQL and says which way it goes and why; outside the limits the query is "
    "replaced and reprocesses from the start, with a warning. An upgrade cut short between the TERMINATE and the new "
    "start is finished by the next `pulumi up` (the new query resumes from the old id; it never starts from the "
    "beginning, and two never run). Changing only `upgrade` changes nothing.")
POOL_DOC = (
    "Compute pool the query runs in: the statement that starts it is sent with this in the request's `computePool` "
    "field (as DeltaStream's Go client sends it). DeltaStream does not document whether a running query stays bound "
    "to the pool (or what happens to it when the pool stops). A new pool starts a new query: it replaces the query "
    "(which reprocesses from the start), or, with `upgrade: resume` where DeltaStream's limits hold, resumes it in "
    "the new pool.")


@dataclass
class QueryInputs(Model):
    sql: str = prop("The query, e.g. `INSERT INTO sink SELECT ... FROM source`. Immutable: to change it, create a "
                    "new Query (with another resource name) and remove this one.")
    name: str | None = prop("The name DeltaStream records for the query (an output). Deprecated as an input: "
                            "DeltaStream documents no way for a client to name a query, so a value here is ignored "
                            "(with a warning).", default=None, deprecated=NAME_IGNORED)
    database: str | None = prop("Database that unqualified relation names in the SQL resolve in. " + SESSION,
                                default=None)
    namespace: str | None = prop("Namespace that unqualified relation names resolve in (default `public`). "
                                 + SESSION, default=None)
    owner: str | None = prop("Role that owns the query; changed in place. Default: the provider's role.",
                             default=None)
    compute_pool: str | None = prop(POOL_DOC, default=None)
    upgrade: Upgrade | None = prop(UPGRADE_DOC, default=None)


@dataclass
class QueryState(QueryInputs):
    query_id: str | None = prop("DeltaStream's id of the query (a UUID).", default=None)
    version: int | None = prop("Version of the query under its name, as DeltaStream records it.", default=None)
    state: str | None = prop("Current state: `running`, `errored`, `terminate_requested` or `terminated`.",
                             default=None)
    sink: str | None = prop("fqn of the relation the query writes, from DeltaStream's plan.", default=None)
    sources: list[str] | None = prop("fqns of the relations the query reads, from DeltaStream's plan.", default=None)
    created_at: str | None = prop("When the query was created (RFC 3339).", default=None)
    updated_at: str | None = prop("When the query last changed state (RFC 3339).", default=None)


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

    @classmethod
    def of(cls, found: QueryWithSql) -> QueryInfo:
        row = found.row
        return cls(query_id=row.id, state=row.state, owner=row.owner, name=row.name, version=row.version,
                   intended_state=row.intended_state, sql=found.sql, created_at=row.created_at,
                   updated_at=row.updated_at)


@dataclass
class QueryWithSql:
    """What the query lookups read: a catalog row and the SQL ``LIST QUERIES`` shows for it."""

    row: QueryRow
    sql: str | None


async def queries_with_sql(catalog: SystemTables, where: dict[str, Any], limit: int) -> list[QueryWithSql]:
    """The queries ``where`` selects, each with its SQL: one SELECT and one ``LIST QUERIES``, at the same time."""
    rows, listed = await asyncio.gather(catalog.select(QUERIES, where, limit=limit), listed_queries(catalog))
    sql_of = {q.id: q.sql for q in listed}
    return [QueryWithSql(row, sql_of.get(row.id)) for row in rows]


def relations(found: dict[str, Any]) -> dict[str, Any]:
    """The sink and sources of a query's plan, as fqns."""
    sink = found.get("sink") or found.get("ddl")
    return {"sink": fqn(sink) if sink else None, "sources": [fqn(s) for s in found.get("sources") or []]}


def check_query_sql(prop_name: str, text: str) -> list[tuple[str, str]]:
    """Check failures for a query body: one continuous-query statement, nothing after it."""
    if not normalize_sql(text):
        return [(prop_name, f"{prop_name} is empty: give the query, e.g. INSERT INTO sink SELECT * FROM source")]
    try:
        statement = one_statement(text)
    except SqlTextError as exc:
        return [(prop_name, f"{prop_name} {exc}")]
    if not _STARTS.match(statement.text):
        return [(prop_name, f"{prop_name} must be a continuous query: INSERT INTO <sink> SELECT ... or "
                            "CREATE STREAM|CHANGELOG|TABLE <name> AS SELECT ...")]
    return []


_EXAMPLES = examples("A continuous query from pageviews into visits", story.QUERY)


class Query(Continuous[QueryInputs, QueryState]):
    token = "deltastream:index:Query"
    create_privilege = "CREATE_QUERY"  # "allows queries to be run" (docs: GRANT PRIVILEGES)
    description = f"""A continuous query: DeltaStream runs it until it is terminated.

The SQL is checked with `DESCRIBE` before the query starts, and the relations it reads and writes are
taken from DeltaStream's plan (outputs `sources` and `sink`). A query is immutable: a changed body fails
`pulumi preview` with a summary of the difference; create a new Query resource instead (the same body is
a no-op), or set `upgrade: resume`, which terminates the old query and starts the new one where the old one
stopped when DeltaStream's limits allow it (the preview says whether they do; see `upgrade`). A query
found terminated or errored by a refresh is started again by the next `pulumi up` (with `upgrade: resume`,
resumed where it stopped when the limits hold), and one whose SQL names a relation being replaced is replaced
with it: either way the preview warns when the new query runs from the beginning of its sources. `computePool`
names the compute pool the query starts in. The owner changes in place, and so do `database` and
`namespace` while the SQL resolves to the same relations there. Deleting terminates the query and waits until
it is terminated.

{_EXAMPLES}

## Import

The ID is the query id (a UUID):

```sh
pulumi import deltastream:index:Query enrich 6a1c0d2e-2a4f-4c5e-9f55-3c0b5c0f1a77
```"""
    inputs = QueryInputs
    state = QueryState
    always_set = ("owner", "queryId", "state", "sources", "createdAt", "updatedAt")
    kind = "query"
    id_field = "query_id"
    immutable = ("sql",)
    advice = ("To run different SQL, declare a new Query resource (a new resource name) and remove this one; Pulumi "
              "then starts the new query and terminates the old one. In a Pipeline, raise its version to do the same. "
              "Or set upgrade: resume, so that the new SQL continues where this query stops where DeltaStream allows "
              "it (one Kafka source, no join or aggregation).")

    def label(self, state: QueryState) -> str:
        return state.query_id or ""

    def check(self, inputs: QueryInputs) -> list[tuple[str, str]]:
        failures = (check_identifier("database", inputs.database)
                    + check_identifier("namespace", inputs.namespace) + check_identifier("owner", inputs.owner)
                    + check_identifier("computePool", inputs.compute_pool))
        if isinstance(inputs.sql, str):
            failures += check_query_sql("sql", inputs.sql)
        if inputs.namespace is not None and inputs.database is None and inputs.namespace is not UNKNOWN:
            failures.append(("database", "namespace needs database: set database too"))
        return failures

    def statement(self, inputs: QueryInputs) -> sql.Statement:
        return sql.query(inputs.sql)

    def planned(self, found: dict[str, Any]) -> dict[str, Any]:
        refs = relations(found)
        return {"sink": refs["sink"], "sources": sorted(refs["sources"])}

    def recorded(self, state: QueryState) -> dict[str, Any] | None:
        return None if state.sources is None else {"sink": state.sink, "sources": sorted(state.sources)}

    def preview(self, inputs: QueryInputs) -> QueryState:
        """The output ``name`` is DeltaStream's, known once the query runs (the input is ignored)."""
        state = super().preview(inputs)
        state.name = UNKNOWN
        return state

    def preview_update(self, state: QueryState, inputs: QueryInputs) -> QueryState:
        """An upgrade starts another query: its id, state and times are known once it runs."""
        preview = super().preview_update(state, inputs)
        if self.upgrading(state, inputs):
            for key in ("query_id", "name", "version", "state", "sink", "sources", "created_at", "updated_at"):
                setattr(preview, key, UNKNOWN)
        return preview

    async def create(self, ctx: Context, inputs: QueryInputs) -> tuple[str, QueryState]:
        session = session_of(inputs.database, inputs.namespace, inputs.owner)
        statement = self.statement(inputs)
        refs = relations(await plan(ctx, statement, session))
        row = await start(ctx, statement, pooled(session, inputs), "query")
        return row.id, self._state(inputs, row, refs)

    def _state(self, inputs: QueryInputs, row: QueryRow, refs: dict[str, Any]) -> QueryState:
        return QueryState(sql=inputs.sql, name=row.name, database=inputs.database, namespace=inputs.namespace,
                          owner=row.owner, compute_pool=inputs.compute_pool, upgrade=inputs.upgrade,
                          query_id=row.id, version=row.version, state=row.state, sink=refs.get("sink"),
                          sources=refs.get("sources"), created_at=row.created_at, updated_at=row.updated_at)

    def diff(self, olds: QueryInputs, news: QueryInputs, state: QueryState) -> Diff:
        """As every continuous query's (:class:`.Continuous`), and: ``upgrade`` alone is no change; a new
        ``computePool`` starts a new query; with ``upgrade: resume`` a changed body, a new pool or a query found
        stopped is a candidate for an upgrade in place, which :meth:`detailed_diff` settles by reading DeltaStream."""
        resume = news.upgrade == "resume"
        rewritten = (resume and isinstance(olds.sql, str) and isinstance(news.sql, str)
                     and not same_statement(olds.sql, news.sql))
        pooled_anew = not equal(olds.compute_pool, news.compute_pool)
        kept: dict[str, Any] = {"upgrade": olds.upgrade, "compute_pool": olds.compute_pool}
        if rewritten:
            kept["sql"] = olds.sql
        result = super().diff(olds, dataclasses.replace(news, **kept), state)
        moved = ["sql"] * rewritten + ["computePool"] * pooled_anew
        drifted = result.replaces == ["state"]
        if resume and (moved or drifted) and (drifted or not result.replaces):
            result.changes = sorted(set(result.changes) | set(moved))
            result.replaces, result.warnings = [], []  # in place when the limits hold: the Diff reads them
        elif moved:
            if not result.replaces:
                result.warnings.append(self.restart_warning(state, "its computePool changed"))
            result.changes = sorted(set(result.changes) | set(moved))
            result.replaces = sorted(set(result.replaces) | set(moved))
        return result

    def detailed_diff(self, olds: dict[str, Any], news: dict[str, Any], state: dict[str, Any]) -> DetailedDiff:
        """An upgrade candidate (``upgrade: resume``, see :meth:`diff`) is settled before the Diff answers, by the
        check the answer runs at preview (``refusal``, awaited before the answer is built): DeltaStream's plan of the
        new SQL says whether the query may resume; if so it stays an update in place, told as a warning, else it is
        a replacement, with the reason."""
        answer = super().detailed_diff(olds, news, state)
        typed = QueryInputs.from_props(news)
        upgraded = {"sql", "computePool", "state"} & set(answer.changes)
        if typed.upgrade != "resume" or answer.replaces or not upgraded:
            return answer
        stored = self.stored_state(state, olds)
        old_sql = stored.sql if isinstance(stored.sql, str) else ""

        async def decide(ctx: Context, resource_id: str) -> None:
            old_id = self.read_id(resource_id, stored)
            session = session_of(typed.database, typed.namespace, typed.owner)
            path = await upgrades.upgrade_path(ctx, old_id, old_sql, stored.sources, stored.sink,
                                               self.statement(typed), session, typed.sql)
            answer.warnings.append(path.message)
            if not path.resume:
                answer.replaces = sorted(upgraded)
                answer.properties = {key: PropertyChange(change.kind, key.split(".")[0].split("[")[0] in upgraded,
                                                         change.input)
                                     for key, change in answer.properties.items()}

        if isinstance(typed.sql, str):
            answer.refusal = decide
        return answer

    async def read(self, ctx: Context, resource_id: str,
                   inputs: QueryInputs | None,
                   state: QueryState | None) -> tuple[QueryInputs, QueryState] | None:
        found = await self.current(ctx, resource_id, inputs, state)
        if found is None:
            return None
        current, row = found
        refs = {"sink": state.sink, "sources": state.sources} if state is not None else {}
        if inputs is None:  # import: the plan of the running SQL says what it reads and writes
            with contextlib.suppress(NotFoundError, InvalidInputError):  # names only its own session resolved
                refs = relations(await plan(ctx, self.statement(current), session_of(None, None, None)))
        return current, self._state(current, row, refs)

    async def update(self, ctx: Context, resource_id: str, olds: QueryState, news: QueryInputs) -> QueryState:
        if self.upgrading(olds, news):
            return await self.resumed(ctx, resource_id, olds, news)
        await self.session_moved(ctx, resource_id, olds, news)
        row = await self.owner_changed(ctx, resource_id, olds, news)
        return self._state(news, row, {"sink": olds.sink, "sources": olds.sources})

    @staticmethod
    def upgrading(olds: QueryState, news: QueryInputs) -> bool:
        """An update that upgrades the query (the Diff found it may resume): a new body or pool, or one found
        stopped, with ``upgrade: resume``."""
        return news.upgrade == "resume" and (
            not same_statement(str(olds.sql), str(news.sql)) or not equal(olds.compute_pool, news.compute_pool)
            or olds.state in RESTARTABLE)

    async def resumed(self, ctx: Context, resource_id: str, olds: QueryState, news: QueryInputs) -> QueryState:
        """The upgrade in place: the old query terminated, the new one started resuming from it (its plan read
        first, for the outputs ``sink`` and ``sources``)."""
        session = session_of(news.database, news.namespace, news.owner)
        old_id = self.read_id(resource_id, olds)
        refs = relations(await plan(ctx, self.statement(news), session))
        row = await upgrades.resume(ctx, old_id, news.sql, pooled(session, news))
        return self._state(news, row, refs)

    async def delete(self, ctx: Context, resource_id: str, state: QueryState) -> None:
        """Terminate the query. One found already terminated may have a continuation an upgrade started but never
        recorded (its answer lost, or the update cut short, whose state may not even record ``upgrade: resume`` when
        it was set in that update): that one is terminated too, nothing left running."""
        query_id = await self.located(ctx, resource_id, state, state)
        if query_id is None:
            return
        was = await continuous.terminate_until_stopped(ctx, query_id)
        if was == "terminated":
            for continuation in await upgrades.continuations(ctx, query_id):
                await continuous.terminate_until_stopped(ctx, continuation)


def pooled(session: Session, inputs: QueryInputs) -> Session:
    """The session a query starts in: in its compute pool, when it names one."""
    return dataclasses.replace(session, compute_pool=inputs.compute_pool) if inputs.compute_pool else session


_INSERT = 'INSERT INTO "db"."public"."dst" SELECT id FROM "db"."public"."src"'
_ID = "6a1c0d2e-2a4f-4c5e-9f55-3c0b5c0f1a77"
SAMPLE = Sample(
    inputs={"sql": _INSERT, "upgrade": "resume"}, changed={"sql": _INSERT + " WHERE id > 1", "upgrade": "resume"},
    # create: DESCRIBE, INSERT, SELECT; update (resume): DESCRIBE, SELECT, TERMINATE, SELECT, INSERT ... QUERY WITH,
    # SELECT; delete: SELECT, TERMINATE, SELECT
    budget={"create": 3, "read": 1, "update": 6, "delete": 3},
    settle=({"sql": _INSERT}, {"sql": _INSERT + " WHERE id > 1"}),
    built=(built(continuous.terminate_statement, "TERMINATE QUERY", _ID),
           built(grant_statement, "GRANT OWNERSHIP ON QUERY", "QUERY", _ID, "r"),
           built(continuous.list_statement, "LIST QUERIES"),
           built(continuous.describe_statement, "DESCRIBE QUERY", _ID),
           built(upgrades.resume_statement, "QUERY WITH resume.from.query", _INSERT, _ID)))
