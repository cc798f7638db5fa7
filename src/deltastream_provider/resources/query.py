"""Query: a continuous DeltaStream query (``INSERT INTO ... SELECT ...``), immutable once created."""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import difflib
import json
import re
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from .. import sql
from ..catalog import QUERIES, QueryRow, SystemTables
from ..docs import examples
from ..errors import InvalidInputError, NotFoundError, OutcomeUnknownError, PlanError, QueryErrored, SqlTextError
from ..model import Model, prop
from ..properties import UNKNOWN
from ..query_text import one_statement, same_statement
from ..session import Session
from ..values import parse_timestamp
from ..waiting import wait_for
from .base import Context, Diff, Resource, check_identifier, send_until_settled

IMMUTABLE = ("sql", "name", "database", "namespace")
CLOCK_SKEW = dt.timedelta(seconds=60)  # between this machine and DeltaStream, when matching a query by its start
STOPPED = ("terminated", "errored")
_STARTS = re.compile(r"^\s*(insert\s+into|create\s+(stream|changelog|table|materialized\s+view)\b.*?\bas\s+select)\b",
                     re.IGNORECASE | re.DOTALL)


@dataclass
class QueryInputs(Model):
    sql: str = prop("The query, e.g. `INSERT INTO sink SELECT ... FROM source`. Immutable: to change it, create a "
                    "new Query (with another resource name) and remove this one.")
    name: str | None = prop("Name DeltaStream records for the query; each query created under a name gets the next "
                            "version of it. Immutable.", default=None)
    database: str | None = prop("Database that unqualified relation names in the SQL resolve in. Immutable.",
                                default=None)
    namespace: str | None = prop("Namespace that unqualified relation names resolve in (default `public`). "
                                 "Immutable.", default=None)
    owner: str | None = prop("Role that owns the query; changed in place. Default: the provider's role.",
                             default=None)


@dataclass
class QueryState(QueryInputs):
    query_id: str | None = prop("DeltaStream's id of the query (a UUID).", default=None)
    version: int | None = prop("Version of the query under its name.", default=None)
    state: str | None = prop("Current state: `running`, `errored`, `terminate_requested` or `terminated`.",
                             default=None)
    sink: str | None = prop("fqn of the relation the query writes, from DeltaStream's plan.", default=None)
    sources: list[str] | None = prop("fqns of the relations the query reads, from DeltaStream's plan.", default=None)
    created_at: str | None = prop("When the query was created (RFC 3339).", default=None)
    updated_at: str | None = prop("When the query last changed state (RFC 3339).", default=None)


def normalize_sql(text: Any) -> Any:
    return text.strip().rstrip(";").strip() if isinstance(text, str) else text


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


async def newest_live_query(catalog: SystemTables, statement: sql.Statement, name: str | None, *,
                            since: dt.datetime | None = None, excluded: Collection[str] = ()) -> QueryRow | None:
    """How a started query is found without its id: the newest one not terminated with this name and this SQL
    (compared as tokens), created since ``since`` less a clock-skew allowance, and not among ``excluded``."""
    rows = await catalog.select(QUERIES, {"name": name} if name is not None else {"intended_state": "running"})
    found = [r for r in rows if r.state != "terminated" and r.id not in excluded and r.sql is not None
             and same_statement(r.sql, statement.sql)
             and (since is None or (r.created_at is not None and parse_timestamp(r.created_at) >= since - CLOCK_SKEW))]
    return max(found, key=lambda r: (r.created_at or "", r.version or 0)) if found else None


def change_summary(old: str, new: str) -> str:
    lines = difflib.unified_diff(normalize_sql(old).splitlines(), normalize_sql(new).splitlines(),
                                 "current query", "new query", lineterm="", n=1)
    return "\n".join(lines)


def _fqn(ref: dict[str, Any]) -> str:
    return sql.qualified(ref["db_name"], ref["schema_name"], ref["name"])


_EXAMPLES = examples("A continuous query between two objects",
    typescript='''const copy = new deltastream.Query("copy", {
    name: "copy_pageviews",
    sql: pulumi.interpolate`INSERT INTO ${visits.fqn} SELECT viewtime, userid FROM ${pageviews.fqn}`,
});''',
    python='''copy = deltastream.Query("copy", name="copy_pageviews",
    sql=pulumi.Output.concat("INSERT INTO ", visits.fqn, " SELECT viewtime, userid FROM ", pageviews.fqn))''',
    go='''copy, err := deltastream.NewQuery(ctx, "copy", &deltastream.QueryArgs{
	Name: pulumi.String("copy_pageviews"),
	Sql:  pulumi.Sprintf("INSERT INTO %s SELECT viewtime, userid FROM %s", visits.Fqn, pageviews.Fqn),
})''',
    yaml='''resources:
  copy:
    type: deltastream:index:Query
    properties:
      name: copy_pageviews
      sql: INSERT INTO ${visits.fqn} SELECT viewtime, userid FROM ${pageviews.fqn}''')


class Query(Resource[QueryInputs, QueryState]):
    token = "deltastream:index:Query"
    description = f"""A continuous query: DeltaStream runs it until it is terminated.

The SQL is checked with `DESCRIBE` before the query starts, and the relations it reads and writes are
taken from DeltaStream's plan (outputs `sources` and `sink`). A query is immutable: a changed body fails
`pulumi preview` with a summary of the difference; create a new Query resource instead (the same body is
a no-op). A query found terminated or errored by a refresh is started again by the next `pulumi up`.
Deleting terminates the query and waits until it is terminated.

{_EXAMPLES}

## Import

The ID is the query id (a UUID):

```sh
pulumi import deltastream:index:Query enrich 6a1c0d2e-2a4f-4c5e-9f55-3c0b5c0f1a77
```"""
    inputs = QueryInputs
    state = QueryState
    always_set = ("owner", "queryId", "state", "sources", "createdAt", "updatedAt")

    def check(self, inputs: QueryInputs) -> list[tuple[str, str]]:
        failures = (check_identifier("name", inputs.name) + check_identifier("database", inputs.database)
                    + check_identifier("namespace", inputs.namespace) + check_identifier("owner", inputs.owner))
        if isinstance(inputs.sql, str):
            failures += check_query_sql("sql", inputs.sql)
        if inputs.namespace is not None and inputs.database is None and inputs.namespace is not UNKNOWN:
            failures.append(("database", "namespace needs database: set database too"))
        return failures

    def diff(self, olds: QueryInputs, news: QueryInputs, state: QueryState) -> Diff:
        new_sql = news.sql
        if isinstance(olds.sql, str) and isinstance(new_sql, str) and same_statement(olds.sql, new_sql):
            new_sql = olds.sql  # only whitespace, comments or keyword case changed (FR-023)
        result = super().diff(olds, dataclasses.replace(news, sql=new_sql), state)
        if new_sql is UNKNOWN:
            # The SQL names something being replaced (its outputs are not known yet): the query cannot keep running
            # against a dropped relation, so it is replaced with it. Only SQL changed in text is refused.
            result.replaces = sorted(set(result.replaces) | {"sql"})
            result.changes = sorted(set(result.changes) | {"sql"})
        frozen = [key for key in result.changes if key in IMMUTABLE and not (key == "sql" and new_sql is UNKNOWN)]
        if frozen:
            message = [f"query {state.query_id or ''} is immutable and its {', '.join(frozen)} changed."]
            if "sql" in frozen and isinstance(news.sql, str):
                message.append(change_summary(str(olds.sql or ""), news.sql))
            message.append("To run different SQL, declare a new Query resource (a new resource name) and remove "
                           "this one; Pulumi then starts the new query and terminates the old one. In a Pipeline, "
                           "raise its version to do the same.")
            raise PlanError("\n".join(message))
        if state.state in STOPPED and not result.changes:
            # Drift: the query stopped outside Pulumi (seen by a refresh); `pulumi up` starts it again.
            result.changes, result.replaces = ["state"], ["state"]
        return result

    def _session(self, inputs: QueryInputs) -> Session:
        return Session(role=inputs.owner, database=inputs.database,
                       schema=inputs.namespace or ("public" if inputs.database else None))

    async def create(self, ctx: Context, inputs: QueryInputs) -> tuple[str, QueryState]:
        session = self._session(inputs)
        statement = sql.query(inputs.sql, inputs.name)
        plan = await self._plan(ctx, statement, session)
        query_id = await self._start(ctx, statement, session, inputs.name)
        if query_id is None:
            raise InvalidInputError("DeltaStream started no query for this SQL (no query artifact in the answer)")
        try:
            row = await ctx.wait_until(lambda: running(ctx, query_id), f"query {query_id} to run")
        except Exception:
            await terminate(ctx, query_id)
            raise
        return query_id, self._state(inputs, row, plan)

    async def _start(self, ctx: Context, statement: sql.Statement, session: Session, name: str | None) -> str | None:
        """Start the query and return its id. When the answer is lost, the query it started is found and adopted,
        or, when none did, it is started again: never two copies, never a guess."""
        sent_at = dt.datetime.now(dt.UTC)
        outcome = await send_until_settled(ctx, statement,
                                           lambda: newest_live_query(ctx.catalog, statement, name, since=sent_at),
                                           session)
        if isinstance(outcome, QueryRow):
            return outcome.id
        records = outcome.records() if outcome is not None else []
        return next((r["name"] for r in records if r.get("type") == "query"), None)

    async def _plan(self, ctx: Context, statement: sql.Statement, session: Session) -> dict[str, Any]:
        records = (await ctx.client.execute(sql.describe(statement), session=session)).records()
        plan = json.loads(records[0]["plan"]) if records and records[0].get("plan") else {}
        sink = plan.get("sink") or plan.get("ddl")
        return {"sink": _fqn(sink) if sink else None, "sources": [_fqn(s) for s in plan.get("sources") or []]}

    def _state(self, inputs: QueryInputs, row: QueryRow, plan: dict[str, Any]) -> QueryState:
        return QueryState(sql=inputs.sql, name=inputs.name, database=inputs.database, namespace=inputs.namespace,
                          owner=row.owner, query_id=row.id, version=row.version, state=row.state,
                          sink=plan.get("sink"), sources=plan.get("sources"), created_at=row.created_at,
                          updated_at=row.updated_at)

    async def read(self, ctx: Context, resource_id: str,
                   inputs: QueryInputs | None,
                   state: QueryState | None) -> tuple[QueryInputs, QueryState] | None:
        row = await ctx.catalog.query(sql.query_id(resource_id))
        if row is None:
            return None
        plan = {"sink": state.sink, "sources": state.sources} if state is not None else {}
        if inputs is None:
            current = QueryInputs(sql=sql.user_query(row.sql or "", row.name), name=row.name)
        else:
            current = QueryInputs(**vars(inputs))
            if inputs.owner is not None:
                current.owner = row.owner
        return current, self._state(current, row, plan)

    async def update(self, ctx: Context, resource_id: str, olds: QueryState, news: QueryInputs) -> QueryState:
        if news.owner is not None and news.owner != olds.owner:
            await ctx.client.execute(sql.alter_query_owner(resource_id, news.owner), timeout=ctx.remaining())
        row = await ctx.catalog.query(resource_id)
        if row is None:
            raise NotFoundError(f"query {resource_id} no longer exists; run `pulumi refresh`")
        return self._state(news, row, {"sink": olds.sink, "sources": olds.sources})

    async def delete(self, ctx: Context, resource_id: str, state: QueryState) -> None:
        await terminate_until_stopped(ctx, resource_id)


async def running(ctx: Context, query_id: str) -> QueryRow | None:
    """The query's row once it runs; QueryErrored with DeltaStream's reason when it failed to start."""
    row = await ctx.catalog.query(query_id)
    if row is not None and row.state == "errored":
        raise QueryErrored(f"query {query_id} failed to start: {await _error(ctx, query_id)}")
    return row if row is not None and row.state == "running" else None


async def _error(ctx: Context, query_id: str) -> str:
    records = (await ctx.client.execute(sql.describe_query(query_id))).records()
    values = {str(r.get("Property", "")).lower(): r.get("Value") for r in records}
    return values.get("error") or "DeltaStream gave no reason"


async def terminate(ctx: Context, query_id: str) -> None:
    with contextlib.suppress(NotFoundError):
        await ctx.client.execute(sql.terminate_query(query_id), timeout=ctx.timeout)


async def terminate_until_stopped(ctx: Context, query_id: str) -> None:
    """TERMINATE while the catalog shows the query running (so a TERMINATE whose answer was lost is sent again only
    if it did not land), until it shows it terminated."""
    async def terminated() -> bool | None:
        row = await ctx.catalog.query(query_id)
        if row is None or row.state == "terminated":
            return True
        if row.state != "terminate_requested":
            with contextlib.suppress(OutcomeUnknownError):
                await terminate(ctx, query_id)
        return None

    await wait_for(terminated, timeout=ctx.timeout, what=f"query {query_id} to terminate", progress=ctx.progress)
