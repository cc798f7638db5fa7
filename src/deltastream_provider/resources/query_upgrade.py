"""A query upgraded without reprocessing (``upgrade: resume``): whether DeltaStream's documented limits allow it, read
from DeltaStream's plan and catalog, and the upgrade itself: the old query terminated, the new one started with
``QUERY WITH ('resume.from.query.id' = '<old id>')`` so that it continues where the old one stopped (docs:
RESUME QUERY). Every step is settled by reading, so an upgrade cut short converges on the next ``pulumi up``: never
two queries, never a restart from the beginning."""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass

from ..deltastream import sql
from ..deltastream.query_text import one_statement, same_statement
from ..deltastream.redaction import redact_sql
from ..deltastream.session import Session
from ..errors import (
    NotFoundError,
    PermissionDeniedError,
    PlanError,
    ProviderError,
    SQLError,
    SqlTextError,
)
from .base import Context
from .continuous import (
    NOT_MADE_YET,
    ListedQuery,
    QueryRow,
    fqn,
    listed_queries,
    plan,
    refused_at,
    start,
    started_running,
    terminate_until_stopped,
)
from .object import relation_properties, relation_row
from .store import store_type

RESUME_KEY = "resume.from.query.id"
#: The store types whose relations a query may resume over ("Source Relations must be using a Kafka Store").
KAFKA = ("kafka", "confluentkafka", "confluent_kafka")
#: Aggregate functions (DeltaStream's function reference) and windows: a query using one aggregates.
AGGREGATES = ("count", "sum", "avg", "min", "max", "listagg", "collect", "stddev_pop", "stddev_samp", "var_pop",
              "var_samp", "first_value", "last_value", "top_n", "tumble", "hop", "cumulate")
DOCS = "docs.deltastream.io: RESUME QUERY"


def resume_statement(body: str, from_query: str) -> sql.Statement:
    """The query as written, then ``QUERY WITH ('resume.from.query.id' = '<uuid>')`` on a line of its own (a final
    ``--`` comment in the body cannot swallow it)."""
    text = one_statement(body).text
    clause = sql.with_clause([(RESUME_KEY, sql.query_id(from_query))])
    return sql.statement([sql.Rendered(text, redact_sql(text)), "\nQUERY", clause])


def resumed_from(text: str | None, query_id: str) -> bool:
    """Whether a query's SQL (as ``LIST QUERIES`` shows it) resumes from ``query_id``."""
    if not text:
        return False
    try:
        words = one_statement(text).signature
    except SqlTextError:
        return False
    wanted = (sql.literal(RESUME_KEY), "=", sql.literal(query_id))
    return any(words[i:i + 3] == wanted for i in range(len(words) - 2))


def unsupported(text: str) -> str | None:
    """What in a query's text DeltaStream's limits exclude (a join, an aggregation, pattern recognition), read
    from its tokens; None when it has none of them."""
    words = [" ".join(w.split()) for w in one_statement(text).signature]
    for word, after in zip(words, [*words[1:], ""], strict=True):
        if word == "join" or word.endswith(" join"):
            return "it joins relations"
        if word == "match_recognize":
            return "it uses pattern recognition (MATCH_RECOGNIZE)"
        if word == "group by" or (word in AGGREGATES and after == "("):
            return "it aggregates"
    return None


def fqn_parts(text: str) -> tuple[str, ...]:
    """``"db"."schema"."name"`` as its parts."""
    return tuple(part.replace('""', '"') for part in re.findall(r'"((?:[^"]|"")*)"', text))


@dataclass(frozen=True)
class Path:
    """Which way an upgrade goes, and why, as the preview tells it."""

    resume: bool
    message: str


def replaced(why: str) -> Path:
    return Path(False, f"upgrade: resume not possible: {why}; the query will be replaced and reprocess from the "
                       "start (the new query runs from the beginning of its source, so its sink may receive records "
                       f"again). The limits are DeltaStream's ({DOCS})")


async def upgrade_path(ctx: Context, old_id: str, old_sql: str, old_sources: list[str] | None, old_sink: str | None,
                       new: sql.Statement, session: Session, new_sql: str) -> Path:
    """Whether the query may resume from ``old_id``: both texts free of joins, aggregation and pattern
    recognition, then, from DeltaStream (the new statement's plan, the store's type, and, where the source relation
    changed, both relations' topic and store), one Kafka source with the same topic and store before and after, and
    the same sink: DeltaStream would resume into another sink too, but that sink would never get what the old query
    had processed, where a replacement gives it everything once (and writes nothing again into the old one)."""
    for which, text in (("the new query", new_sql), ("the running query", old_sql)):
        found = unsupported(text)
        if found is not None:
            return replaced(f"{which} {found.removeprefix('it ')}")
    try:
        planned = await plan(ctx, new, session)
    except (PermissionDeniedError, NotFoundError) as refused:
        if isinstance(refused, NotFoundError) and refused.code not in NOT_MADE_YET:
            raise PlanError(refused_at("sql", new_sql, refused)) from None
        return Path(True, f"upgrade: resume from query {old_id}, if DeltaStream's plan of the new SQL allows it: "
                          f"it cannot be read now ({refused.message}), so `pulumi up` reads it before it upgrades "
                          "(and replaces the query, saying why, if the limits do not hold)")
    except SQLError as refused:
        raise PlanError(refused_at("sql", new_sql, refused)) from None
    sources = [fqn(ref) for ref in planned.get("sources") or []]
    if len(sources) != 1:
        return replaced(f"the new query reads {len(sources)} relations, not one")
    if old_sources is None or len(old_sources) != 1:
        return replaced("the running query does not read exactly one relation (as its state records)")
    planned_sink = planned.get("sink") or planned.get("ddl")
    if old_sink is not None and planned_sink and fqn(planned_sink) != old_sink:
        return replaced(f"its sink changed from {old_sink} to {fqn(planned_sink)}: resumed, the new sink would never "
                        "get the records the running query processed before (a rule of this provider's, not one of "
                        "DeltaStream's limits)")
    store = next(iter(planned["sources"]))["store_name"]
    kind = await store_type(ctx.catalog, store) if store else None
    if (kind or "").lower() not in KAFKA:
        return replaced(f"its source is in store {store!r}, a {kind or 'unknown'} store, not a Kafka store")
    if sources[0] != old_sources[0]:
        why = await _other_source(ctx, old_sources[0], sources[0], store)
        if why is not None:
            return replaced(why)
    return Path(True, f"upgrade: resume from query {old_id}: one Kafka source ({sources[0]}), the same topic and "
                      f"store as before; {old_id} is terminated, then the new query starts with "
                      f"'{RESUME_KEY}' = '{old_id}' and continues where it stopped (nothing is reprocessed)")


async def _other_source(ctx: Context, old: str, new: str, store: str) -> str | None:
    """Why a query now reading another relation cannot resume: another topic or store (None: the same)."""
    old_parts, new_parts = fqn_parts(old), fqn_parts(new)
    row, old_props, new_props = await asyncio.gather(relation_row(ctx.catalog, *old_parts),
                                                     relation_properties(ctx.catalog, *old_parts),
                                                     relation_properties(ctx.catalog, *new_parts))
    if row is None or old_props is None or new_props is None:
        return f"the running query's source {old} is gone"
    if row.store != store:
        return f"its source moved from store {row.store!r} to {store!r}"
    old_topic, new_topic = old_props.get("topic", old_parts[-1]), new_props.get("topic", new_parts[-1])
    if old_topic != new_topic:
        return f"its source's topic changed from {old_topic!r} to {new_topic!r}"
    return None


async def resume(ctx: Context, old_id: str, body: str, session: Session) -> QueryRow:
    """The upgrade: ``old_id`` terminated, then ``body`` started resuming from it. Where ``old_id`` was terminated
    already (an upgrade cut short, or stopped outside Pulumi), what earlier attempts started and never recorded is
    read first (``LIST QUERIES``): the last query of the chain resuming from ``old_id`` is adopted when it is this
    very statement, else it is terminated and the new query resumes from it, so that what it processed is neither
    lost nor processed again (resuming from ``old_id`` beside it would write its records twice)."""
    was = await terminate_until_stopped(ctx, old_id, ctx.remaining())
    if was is None:
        raise ProviderError(f"query {old_id} no longer exists, so there is nothing to resume from; set upgrade: "
                            "replace to start the new query from the beginning of its source")
    source = old_id
    if was == "terminated":
        found = chain(await listed_queries(ctx.catalog), old_id)
        if found:
            last = found[-1]
            parent = found[-2].id if len(found) > 1 else old_id
            if last.state != "terminated" and last.sql and same_statement(last.sql, resume_statement(body, parent).sql):
                adopted = last.id
                return await ctx.wait_until(lambda: started_running(ctx, adopted), f"query {adopted} to run")
            for query in found:
                if query.state != "terminated":
                    await terminate_until_stopped(ctx, query.id, ctx.remaining())
            source = last.id
    return await start(ctx, resume_statement(body, source), session, "query")


def chain(listed: list[ListedQuery], query_id: str) -> list[ListedQuery]:
    """The queries resuming from ``query_id``, then from each of them in turn (upgrades started and never recorded),
    oldest first: the newest query resuming from each link is the next link. A terminated link is followed only
    where ``LIST QUERIES`` shows terminated queries (not confirmed; the local server shows them only WITH ('all'))."""
    found: list[ListedQuery] = []
    current = query_id
    while (later := [q for q in listed if resumed_from(q.sql, current) and q not in found]):
        found.append(later[-1])
        current = later[-1].id
    return found


async def continuations(ctx: Context, query_id: str) -> list[str]:
    """The queries not terminated that resume from ``query_id``, directly or through other such queries (upgrades
    whose start was never recorded)."""
    return [q.id for q in chain(await listed_queries(ctx.catalog), query_id) if q.state != "terminated"]
