"""What runs as a DeltaStream query (Query, Application): how it starts without ever running twice, why its SQL
is immutable, how one found stopped is started again, and how it stops; the statements, the system-table row and the
``LIST QUERIES`` rows both kinds read."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
import difflib
import json
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass
from operator import attrgetter
from typing import TYPE_CHECKING, Any, ClassVar, cast

from ..deltastream import sql
from ..deltastream.catalog import SystemTables, Table, column, text_time
from ..deltastream.query_text import same_statement
from ..deltastream.reads import ARTIFACTS, PLAN
from ..deltastream.session import Session
from ..deltastream.values import parse_timestamp, rfc3339
from ..deltastream.waiting import wait_for
from ..errors import (
    CreateFailed,
    DeltaStreamError,
    InvalidInputError,
    NotFoundError,
    OutcomeUnknownError,
    PermissionDeniedError,
    PlanError,
    QueryErrored,
    SessionError,
    SQLError,
)
from ..model.unknown import UNKNOWN
from .base import CLOCK_SKEW, SETTLE_ON_CANCEL, Context, Diff, Existing, InputsT, Resource, StateT, send_until_settled
from .lifecycle import gone, owner_as_read, ready_row
from .ownership import transfer

if TYPE_CHECKING:
    from ..deltastream.client import Result  # the schema is built without the HTTP client

#: How the database and namespace of a query or application change (their inputs' descriptions).
SESSION = ("Changed in place (nothing restarts) when the SQL resolves to the same relations there, as DeltaStream's "
           "plans show; resolving to others is refused, as a changed body is.")
PENDING = "pending:"  # the id of a start that could not be settled: its SQL, sent at the time that follows, finds it
RESTARTABLE = ("terminated", "errored")  # states of a query found stopped, which a Diff starts again as new
SQL, STATE = attrgetter("sql"), attrgetter("state")  # the inputs' body and the state's query state, in every kind


def terminate_statement(id_: str) -> sql.Statement:
    return sql.statement([f"TERMINATE QUERY {sql.query_id(id_)}"])


def describe_statement(id_: str) -> sql.Statement:
    return sql.statement([f"DESCRIBE QUERY {sql.query_id(id_)}"], mutating=False)


def list_statement() -> sql.Statement:
    """``LIST QUERIES``: the one documented read of a query's SQL (column ``Query``)."""
    return sql.statement(["LIST QUERIES"], mutating=False)


@dataclass(frozen=True)
class QueryRow:
    """A row of ``deltastream.sys."queries"``: a query's or an application's."""

    id: str = column("id")
    name: str | None = column("name")
    version: int | None = column("version")
    intended_state: str | None = column("intended_state")
    state: str = column("current_state")
    owner: str = column("owner")
    created_at: str | None = column("created_at")
    updated_at: str | None = column("updated_at")


QUERIES = Table("queries", QueryRow, ("created_at", "id"), "created_at")


async def query_row(catalog: SystemTables, query_id: str) -> QueryRow | None:
    return await catalog.one(QUERIES, {"id": query_id})


async def query_read(catalog: SystemTables, query_id: str) -> QueryRow | None:
    """A query's row for a read. A refresh reads every query of a stack at once and most of them run: the running
    queries are the rows of one SELECT that every read shares; a query not among them is read by its id."""
    row = await catalog.in_group(QUERIES, {"current_state": "running"}, {"id": query_id})
    return row if row is not None else await query_row(catalog, query_id)


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
                   sql=record.get("Query"), created_at=text_time(record.get("CreatedAt")))


async def listed_queries(catalog: SystemTables, *, shared: bool = False) -> list[ListedQuery]:
    """``LIST QUERIES``: every query with its SQL (the only documented read of it), oldest first. With ``shared``,
    the one LIST every import read and adopt of the command share (:meth:`SystemTables.listed`); else one of its
    own, as a wait on a change or a guard needs."""
    return await catalog.listing(list_statement(), _queries, shared=shared)


def _queries(result: Result) -> list[ListedQuery]:
    return sorted((ListedQuery.of(record) for record in result.records()), key=lambda q: (q.created_at or "", q.id))


async def query_sql(catalog: SystemTables, query_id: str) -> str | None:
    """A query's SQL as the command's shared ``LIST QUERIES`` shows it (None when it is not listed)."""
    return next((q.sql for q in await listed_queries(catalog, shared=True) if q.id == query_id), None)


class Continuous(Resource[InputsT, StateT]):
    """A resource whose inputs (``sql`` and those in :attr:`immutable`) start a query: a changed body fails the
    preview with the difference, whitespace, comments and keyword case are no change, SQL naming something being
    replaced is replaced with it, and one found stopped by a refresh is started again."""

    kind: ClassVar[str]            # "query", "application": how messages name it
    immutable: ClassVar[tuple[str, ...]]
    advice: ClassVar[str]          # what to do instead of changing it
    id_field: ClassVar[str]        # the state's field holding DeltaStream's id of the query
    ownership = "QUERY"            # an application is a query too (its id is one)

    def statement(self, inputs: InputsT) -> sql.Statement:
        """The statement that starts it."""
        raise NotImplementedError

    def planned(self, found: dict[str, Any]) -> dict[str, Any]:
        """The relations a plan of its SQL reads and writes, as the state records them (fqns)."""
        raise NotImplementedError

    def recorded(self, state: StateT) -> dict[str, Any] | None:
        """The relations the state records it reads and writes (None: not known, as after some imports)."""
        raise NotImplementedError

    async def session_moved(self, ctx: Context, resource_id: str, olds: StateT, news: InputsT) -> None:
        """A new ``database`` or ``namespace`` (where the SQL's unqualified names resolve) changes nothing running
        when the SQL resolves to the same relations there: read from DeltaStream's plans, the recorded one and the
        new one. Resolving to others is another query, refused as a changed body is."""
        old_session = session_of(getattr(olds, "database", None), getattr(olds, "namespace", None), None)
        new_session = session_of(getattr(news, "database", None), getattr(news, "namespace", None), None)
        if (old_session.database, old_session.schema) == (new_session.database, new_session.schema):
            return
        statement = self.statement(news)
        before = self.recorded(olds) or self.planned(await plan(ctx, statement, old_session))
        after = self.planned(await plan(ctx, statement, new_session))
        if after != before:
            raise PlanError(f"{self.kind} {self.label(olds)}: with database {new_session.database!r} and namespace "
                            f"{new_session.schema!r} its SQL resolves to other relations ({after}, not {before}): "
                            f"that is another {self.kind}. Keep database and namespace as they are, or: {self.advice}")

    async def check_at_preview(self, ctx: Context, inputs: InputsT) -> None:
        """DeltaStream's plan of the statement (``DESCRIBE``, read-only), so that SQL it refuses (a syntax error, an
        unknown column or function) fails the preview, on ``sql``, with its message, position and line. A relation
        not there yet (made by this update) or not readable by the role is found by ``up``'s own plan instead. A
        session DeltaStream refuses (an ``owner`` role the token's user lacks, a wrong organization) fails the preview,
        as it would fail ``up``."""
        text = SQL(inputs)
        database, namespace, owner = (getattr(inputs, key, None) for key in ("database", "namespace", "owner"))
        if not isinstance(text, str) or UNKNOWN in (database, namespace, owner):
            return  # it names something not known until the update (an output of a resource being made)
        try:
            await plan(ctx, self.statement(inputs), session_of(database, namespace, owner))
        except PermissionDeniedError:
            return
        except SessionError as refused:
            if owner is None or refused.code != "3D001":
                raise
            raise PlanError(f"owner: DeltaStream refuses role {owner!r} as this {self.kind}'s session (SQLSTATE "
                            f"{refused.code}): {refused.message}. Set owner to a role granted to the token's user, "
                            "or leave it unset to run as deltastream:role") from None
        except SQLError as refused:
            if isinstance(refused, NotFoundError) and refused.code in NOT_MADE_YET:
                return
            raise PlanError(refused_at("sql", text, refused)) from None

    def read_id(self, resource_id: str, state: StateT) -> str:
        return getattr(state, self.id_field, None) or resource_id

    async def located(self, ctx: Context, resource_id: str, inputs: InputsT | None, state: StateT | None) -> str | None:
        """DeltaStream's id of the query: the state's, the resource's, or, for a start that was never settled
        (:data:`PENDING`), the query with this SQL started since it was sent (None: it never started)."""
        known = getattr(state, self.id_field, None) if state is not None else None
        if known:
            return str(known)
        if not resource_id.startswith(PENDING):
            return resource_id
        if inputs is None:
            return None
        since = parse_timestamp(resource_id.removeprefix(PENDING))
        found = await started_query(ctx.catalog, self.statement(inputs), since=since)
        return found.id if found is not None else None

    def label(self, state: StateT) -> str:
        """How the preview's message names the running one."""
        raise NotImplementedError

    async def existing(self, catalog: SystemTables, inputs: InputsT, excluded: Collection[str]) -> Existing:
        found = await started_query(catalog, self.statement(inputs), excluded=excluded)
        return (found.id, found.created_at) if found else None

    async def current(self, ctx: Context, resource_id: str, inputs: InputsT | None,
                      state: StateT | None) -> tuple[InputsT, QueryRow] | None:
        """What a read finds: the inputs as DeltaStream has them (on import, the SQL ``LIST QUERIES`` shows) and the
        query's row; None when it is gone or never started."""
        query_id = await self.located(ctx, resource_id, inputs, state)
        row = await query_read(ctx.catalog, sql.query_id(query_id)) if query_id is not None else None
        if row is None:
            return None
        make: Callable[..., Any] = self.inputs
        if inputs is None:
            current = make(sql=await listed_sql(ctx, row.id, self.kind))
        else:
            current = make(**{**vars(inputs), "owner": owner_as_read(inputs, row)})  # type: ignore[arg-type]
        return cast(InputsT, current), row

    async def owner_changed(self, ctx: Context, resource_id: str, olds: StateT, news: InputsT) -> QueryRow:
        """The owner, changed in place (``GRANT OWNERSHIP ON QUERY``, as the current owner), then the query's row."""
        query_id = self.read_id(resource_id, olds)
        await transfer(ctx, "QUERY", sql.query_id(query_id), getattr(olds, "owner", None), getattr(news, "owner", None))
        row = await query_row(ctx.catalog, query_id)
        if row is None:
            raise gone(f"{self.kind} {resource_id}")
        return row

    def diff(self, olds: InputsT, news: InputsT, state: StateT) -> Diff:
        old_sql, written = SQL(olds), SQL(news)
        new_sql = written
        if isinstance(old_sql, str) and isinstance(new_sql, str) and same_statement(old_sql, new_sql):
            new_sql = old_sql  # only whitespace, comments or keyword case changed (FR-023)
        kept = {"sql": new_sql, **unchanged_meaning(olds, news)}
        result = super().diff(olds, dataclasses.replace(news, **kept), state)  # type: ignore[type-var]
        if new_sql is UNKNOWN:
            # The SQL names something being replaced (its outputs are not known yet): it cannot keep running against
            # a dropped relation, so it is replaced with it. Only SQL changed in text is refused.
            result.replaces = sorted(set(result.replaces) | {"sql"})
            result.changes = sorted(set(result.changes) | {"sql"})
        frozen = [key for key in result.changes if key in self.immutable and not (key == "sql" and new_sql is UNKNOWN)]
        if frozen:
            message = [f"{self.kind} {self.label(state)} is immutable and its {', '.join(frozen)} changed."]
            if "sql" in frozen and isinstance(written, str):
                message.append(change_summary(str(old_sql or ""), written))
            message.append(self.advice)
            raise PlanError("\n".join(message))
        if STATE(state) in RESTARTABLE and not result.changes:
            # Drift: it stopped outside Pulumi (seen by a refresh); `pulumi up` starts it again.
            result.changes, result.replaces = ["state"], ["state"]
        if result.replaces:
            result.warnings.append(self.restart_warning(state))
        return result

    def restart_warning(self, state: StateT, why: str | None = None) -> str:
        """What a replacement means for the data: a new query, which does not resume where the old one stopped. The
        engine asks the Diff of a query whose SQL names a relation being replaced the same whether the program still
        declares it (replaced) or not (only deleted, as a Pipeline's query when its sink becomes a view), so that
        warning says both."""
        old = getattr(state, self.id_field, None)
        dependent = why is None and STATE(state) not in RESTARTABLE
        why = why or (f"it was found {STATE(state)} outside Pulumi" if STATE(state) in RESTARTABLE
                      else "its SQL names a relation that is being replaced")
        return (f"this {self.kind} will be replaced ({why}): the new {self.kind} is a new DeltaStream query that runs "
                f"from the beginning of its sources (it does not resume where the old one stopped, so its sinks may "
                f"receive records again), and the old {self.kind}" + (f" {old}" if old else "")
                + " is terminated first." + (f" Where the program no longer declares this {self.kind} (a Pipeline's "
                                             "query once its sink is a materialized view), it is only terminated and "
                                             f"deleted: no new {self.kind} follows." if dependent else ""))

    async def delete(self, ctx: Context, resource_id: str, state: StateT) -> None:
        query_id = await self.located(ctx, resource_id, state, state)  # type: ignore[arg-type]
        if query_id is not None:
            await terminate_until_stopped(ctx, query_id)


#: What an update may make before the query starts: a database (3D002), namespace (3D003), store (3D006) or relation
#: (3D020) the SQL names. Any other refusal (an unknown function, 3D017, too) is the SQL's own.
NOT_MADE_YET = ("3D002", "3D003", "3D006", "3D020")
_POSITION = re.compile(r"\(line (\d+), column (\d+)(?:, position \d+)?\)")


def refused_at(prop: str, text: str, refused: SQLError) -> str:
    """DeltaStream's refusal of ``DESCRIBE <text>`` as a preview states it: the property, the message with the
    position in ``text`` (the plan's first line has ``DESCRIBE `` before it), that line and a caret under it."""
    found = _POSITION.search(refused.message)
    message = f"{prop}: DeltaStream refuses this {prop} (SQLSTATE {refused.code}): "
    if found is None:
        return message + refused.message
    line, column = int(found.group(1)), int(found.group(2))
    column -= len("DESCRIBE ") if line == 1 else 0
    lines = text.splitlines() or [""]
    shown = lines[line - 1] if 0 < line <= len(lines) else ""
    where = f"(line {line}, column {column})"
    return (message + refused.message[:found.start()] + where + refused.message[found.end():]
            + f"\n  {line} | {shown}\n  {' ' * len(str(line))} | {' ' * max(column - 1, 0)}^"
            + "\nFix the SQL, or set deltastream:checkQueriesAtPreview false where the preview's role cannot "
              "read the query's sources")


def unchanged_meaning(olds: Any, news: Any) -> dict[str, Any]:
    """The new inputs that change nothing, as their old values: a deprecated input (ignored), and a namespace
    written out as the default it already was (``public`` in the same database, see :func:`session_of`)."""
    kept = {f.name: getattr(olds, f.name) for f in type(news).wire_fields() if f.field.metadata.get("deprecated")}
    database, old_ns, new_ns = getattr(news, "database", None), getattr(olds, "namespace", None), news.namespace
    if database is not None and database == olds.database and {old_ns, new_ns} <= {None, "public"}:
        kept["namespace"] = old_ns
    return kept


def session_of(database: str | None, namespace: str | None, owner: str | None) -> Session:
    """Where unqualified names resolve (``public`` when only the database is given), as whom."""
    return Session(role=owner, database=database, schema=namespace or ("public" if database else None))


async def plan(ctx: Context, statement: sql.Statement, session: Session) -> dict[str, Any]:
    """DeltaStream's plan of ``statement`` (``DESCRIBE``): what it reads and writes, checked before it runs."""
    rows = (await ctx.client.execute(sql.describe(statement), session=session)).rows
    text = PLAN.get(rows[0], "plan") if rows else None
    found: dict[str, Any] = json.loads(text) if text else {}
    return found


def fqn(ref: dict[str, Any]) -> str:
    """A plan's relation as ``"db"."schema"."name"``."""
    return sql.qualified(ref["db_name"], ref["schema_name"], ref["name"])


async def start(ctx: Context, statement: sql.Statement, session: Session, what: str) -> QueryRow:
    """Start the query and wait until it runs. When the answer is lost, the query it started is found and adopted,
    or, when none did, it is started again: never two copies, never a guess. One that fails to run is terminated.
    The id is the ``name`` of the answer's ``query`` row, as DeltaStream's own providers read it."""
    sent_at = dt.datetime.now(dt.UTC)
    pending = PENDING + (rfc3339(sent_at) or "")
    try:
        outcome = await send_until_settled(ctx, statement,
                                           lambda: started_query(ctx.catalog, statement, since=sent_at), session)
    except OutcomeUnknownError as unknown:
        raise CreateFailed(f"{what} start not settled: {unknown}; it may be running, so it is kept in state as "
                           f"{pending} for `pulumi refresh`, `up` or `destroy` to find by its SQL", pending) from None
    except asyncio.CancelledError:
        found = await _settle_cancelled(ctx, statement, sent_at)
        raise CreateFailed(f"cancelled while starting the {what}; kept in state as {found or pending} for the next "
                           "`pulumi up` or `pulumi destroy` to finish or remove", found or pending) from None
    if isinstance(outcome, ListedQuery):
        query_id: str | None = outcome.id
    else:
        rows = outcome.rows if outcome is not None else ()
        query_id = next((ARTIFACTS.get(r, "name") for r in rows if ARTIFACTS.get(r, "type") == "query"), None)
    if query_id is None:
        raise InvalidInputError(f"DeltaStream started no {what} for this SQL (no query artifact in the answer)")
    started = query_id
    try:
        return await ctx.wait_until(lambda: started_running(ctx, started), f"{what} {started} to run")
    except asyncio.CancelledError:
        raise CreateFailed(f"cancelled while waiting for {what} {started} to run; it is kept in state for the next "
                           "`pulumi up` or `pulumi destroy` to finish or remove", started) from None
    except Exception:
        await terminate(ctx, started)
        raise


async def _settle_cancelled(ctx: Context, statement: sql.Statement, sent_at: dt.datetime) -> str | None:
    """After a cancellation (Ctrl-C) while a start was being sent: the query it started, if one did, read in a
    shielded, bounded read so that it is recorded in state rather than left running unknown."""
    try:
        async with asyncio.timeout(SETTLE_ON_CANCEL):
            found = await asyncio.shield(started_query(ctx.catalog, statement, since=sent_at))
    except (TimeoutError, DeltaStreamError, asyncio.CancelledError):
        return None
    return found.id if found is not None else None


async def started_query(catalog: SystemTables, statement: sql.Statement, *, since: dt.datetime | None = None,
                        excluded: Collection[str] = ()) -> ListedQuery | None:
    """How a started query is found without its id, from ``LIST QUERIES`` (the one documented read of a query's
    SQL): the newest one not terminated whose SQL is this statement's (compared as tokens), created since ``since``
    less a clock-skew allowance, and not among ``excluded``."""
    found = [q for q in await listed_queries(catalog)
             if q.state != "terminated" and q.id not in excluded and q.sql is not None
             and same_statement(q.sql, statement.sql)
             and (since is None or (q.created_at is not None and parse_timestamp(q.created_at) >= since - CLOCK_SKEW))]
    return found[-1] if found else None


async def listed_sql(ctx: Context, query_id: str, what: str) -> str:
    """The SQL of an imported query or application, from ``LIST QUERIES``; without it there is nothing to import."""
    found = await query_sql(ctx.catalog, query_id)
    if found is None:
        raise NotFoundError(f"{what} {query_id} exists, but LIST QUERIES does not show its SQL (the only place "
                            "DeltaStream documents it)", hint=f"declare the {what} in the program with its sql and "
                            "import it with the `import` resource option")
    return str(normalize_sql(found))


def change_summary(old: str, new: str) -> str:
    """The difference between two versions of a body, for the preview's message."""
    lines = difflib.unified_diff(normalize_sql(old).splitlines(), normalize_sql(new).splitlines(),
                                 "current", "new", lineterm="", n=1)
    return "\n".join(lines)



async def started_running(ctx: Context, query_id: str) -> QueryRow | None:
    """The query's row once it runs; QueryErrored with DeltaStream's reason when it failed to start."""
    async def failed(row: QueryRow) -> Exception:
        return QueryErrored(f"query {query_id} failed to start: {await _error(ctx, query_id)}")

    return await ready_row(lambda: query_row(ctx.catalog, query_id), field="state", ready="running", errored=failed)


async def _error(ctx: Context, query_id: str) -> str:
    records = (await ctx.client.execute(describe_statement(query_id))).records()
    values = {str(r.get("Property", "")).lower(): r.get("Value") for r in records}
    return values.get("error") or "DeltaStream gave no reason"


async def terminate(ctx: Context, query_id: str) -> None:
    with contextlib.suppress(NotFoundError):
        await ctx.client.execute(terminate_statement(query_id), timeout=ctx.timeout)


async def terminate_until_stopped(ctx: Context, query_id: str, timeout: float | None = None) -> str | None:
    """TERMINATE while the catalog shows the query running (so a TERMINATE whose answer was lost is sent again only
    if it did not land), until it shows it terminated, within ``timeout`` (default: the resource's whole timeout, as
    cleanup takes). Its state at the first read (None: it does not exist), which tells an upgrade whether it stopped
    before."""
    first: list[str | None] = []

    async def terminated() -> bool | None:
        row = await query_row(ctx.catalog, query_id)
        if not first:
            first.append(row.state if row is not None else None)
        if row is None or row.state == "terminated":
            return True
        if row.state != "terminate_requested":
            with contextlib.suppress(OutcomeUnknownError):
                await terminate(ctx, query_id)
        return None

    await wait_for(terminated, timeout=ctx.timeout if timeout is None else timeout,
                   what=f"query {query_id} to terminate", progress=ctx.progress)
    return first[0]


def normalize_sql(text: Any) -> Any:
    return text.strip().rstrip(";").strip() if isinstance(text, str) else text
