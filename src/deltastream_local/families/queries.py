"""Queries: what INSERT INTO, CREATE ... AS SELECT and applications launch (:func:`launch`), known by id; a query
waits ``query_running_s`` in ``starting`` and ``query_terminated_s`` in ``terminate_requested`` (knobs).
``dataflow`` runs a query that starts over the records its sources hold; one launched with
``QUERY WITH ('resume.from.query.id' = ..)`` continues where the terminated query it names stopped (:func:`resumed`)."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from dataclasses import dataclass

from lark import Token

from .. import dataflow
from ..catalog import TS, timestamp
from ..dsql import tree
from ..dsql.resolve import _has_aggregate
from ..results import VARCHAR, Outcome, SqlFailure
from ..statements import ListObjects, QueryBody
from . import Call, Family

GRAMMAR = """
queries_alter_owner: ALTER QUERY queries_ref OWNER TO ident
queries_terminate: TERMINATE QUERY queries_ref
queries_restart: RESTART QUERY queries_ref
queries_describe: DESCRIBE QUERY queries_ref
queries_ref: UUID | STRING
RESTART: "RESTART"i
TERMINATE: "TERMINATE"i
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS queries (
    id TEXT PRIMARY KEY, name TEXT, version INTEGER, intended_state TEXT NOT NULL,
    current_state TEXT NOT NULL, sql TEXT NOT NULL, owner TEXT NOT NULL, created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL, sink TEXT, sources TEXT NOT NULL DEFAULT '[]', error TEXT,
    next_state TEXT, next_error TEXT, transition_at REAL);
CREATE TEMP VIEW sys_queries AS
    SELECT id, name, version, intended_state, current_state, sql, owner, created_at, updated_at,
           (SELECT id FROM organizations) AS organization_id
    FROM queries;
"""

SETTLE = ("UPDATE queries SET current_state = next_state, error = next_error, updated_at = :stamp, "
          "next_state = NULL, next_error = NULL, transition_at = NULL "
          "WHERE next_state IS NOT NULL AND transition_at <= :now",)

#: The query properties DeltaStream documents (docs: RESUME QUERY): the query a new one resumes from.
QUERY_PROPERTIES = ("resume.from.query.id", "resume.from.query.name", "resume.from.query.version")
#: The store types whose relations a query may resume over (docs: "Source Relations must be using a Kafka Store").
KAFKA_STORES = ("Kafka", "ConfluentKafka")


@dataclass(frozen=True)
class AlterQueryOwner:
    query_id: str
    owner: str


@dataclass(frozen=True)
class TerminateQuery:
    query_id: str


@dataclass(frozen=True)
class RestartQuery:
    query_id: str


@dataclass(frozen=True)
class DescribeQuery:
    query_id: str


def _query_id(token: Token) -> str:
    return str(token)[1:-1].replace("''", "'") if token.type == "STRING" else str(token).lower()


def check_properties(body: QueryBody) -> None:
    """``QUERY WITH (...)`` takes only the documented properties (3D008 for any other, ``query.name`` too): a query
    started by INSERT INTO or CREATE ... AS SELECT has no name, as no public record shows a client naming one."""
    unknown = sorted(set(body.properties) - set(QUERY_PROPERTIES))
    if unknown:
        raise SqlFailure("3D008", f"unknown query property {unknown[0]!r}: QUERY WITH takes "
                                  f"{', '.join(QUERY_PROPERTIES)}")


def resumed(call: Call, sql: str, sources: list[sqlite3.Row]) -> str | None:
    """The id of the query a launch resumes from (``QUERY WITH ('resume.from.query.id' = ..)``, or by name and
    version), refused as docs.deltastream.io's RESUME QUERY page states its limits: the query must exist (3D019) and
    be terminated (3D008); no aggregation, join or pattern recognition (0A000); one source relation, in a Kafka
    store (0A000), with the same topic and store as the terminated query's (3D008). None: it resumes nothing. The
    SQLSTATEs are guesses (DeltaStream shows none), named after go-deltastream's ``sqlcode.go``."""
    from ..parser import parse  # the statement's own parse, which launch is not given

    body: QueryBody | None = getattr(parse(sql)[0].statement, "query", None)
    props = body.properties if body is not None else {}
    if not props:
        return None
    old = _resume_target(call.db, props)
    if old["current_state"] != "terminated":
        raise SqlFailure("3D008", f"query {old['id']} is {old['current_state']}: a query resumes from a terminated "
                                  f"query; TERMINATE QUERY {old['id']} first")
    assert body is not None
    why = _not_resumable(body.select)
    if why:
        raise SqlFailure("0A000", f"a query that {why} cannot resume from another query")
    before = json.loads(old["sources"])
    if len(sources) != 1 or len(before) != 1:
        raise SqlFailure("0A000", f"a query resumes only with one source relation (this one reads {len(sources)}, "
                                  f"query {old['id']} read {len(before)})")
    source = sources[0]
    store = call.db.execute("SELECT type FROM stores WHERE name = ?", (source["store_name"],)).fetchone()
    if store is None or store[0] not in KAFKA_STORES:
        raise SqlFailure("0A000", f"a query resumes only over a Kafka store: {source['store_name']!r} is a "
                                  f"{store[0] if store else 'missing'} store")
    earlier = call.db.execute("SELECT * FROM relations WHERE database_name = ? AND schema_name = ? AND name = ?",
                              tuple(before[0])).fetchone()
    if earlier is None or (earlier["store_name"], _topic(earlier)) != (source["store_name"], _topic(source)):
        raise SqlFailure("3D008", f"query {old['id']} read another topic or store: a query resumes only over the "
                                  "same topic and store")
    return str(old["id"])


def _resume_target(db: sqlite3.Connection, props: dict[str, object]) -> sqlite3.Row:
    """The query ``resume.from.query.id`` (or ``.name`` and ``.version``) names (3D019 when there is none)."""
    if "resume.from.query.id" in props:
        key = str(props["resume.from.query.id"]).lower()
        row: sqlite3.Row | None = db.execute("SELECT * FROM queries WHERE id = ?", (key,)).fetchone()
    else:
        key = f"{props.get('resume.from.query.name')}:{props.get('resume.from.query.version')}"
        row = db.execute("SELECT * FROM queries WHERE name = ? AND version = ?",
                         (str(props.get("resume.from.query.name")), props.get("resume.from.query.version"))
                         ).fetchone()
    if row is None:
        raise SqlFailure("3D019", f"query {key} does not exist: nothing to resume from")
    return row


def _not_resumable(select: tree.Select) -> str | None:
    """What of a query's SELECT the resume limits exclude (dsql has no MATCH_RECOGNIZE to find)."""
    if select.joins:
        return "joins relations"
    if (select.group_by or select.having is not None or isinstance(select.source, tree.Window)
            or any(_has_aggregate(item.expr) for item in select.items)):
        return "aggregates"
    return None


def _topic(relation: sqlite3.Row) -> str:
    return str(json.loads(relation["properties"]).get("topic", relation["name"]))


def launch(call: Call, sql: str, sinks: list[list[str]], sources: list[sqlite3.Row], name: str | None) -> list[str]:
    """Start a query; a named one gets the next version of that name (name:version). Its artifact row. One that
    resumes takes over what the terminated query wrote into its sink (the dataflow's record of it), so that the
    records the sink already has are not written again: it continues with the records written since."""
    db, now = call.db, call.now
    resumes = resumed(call, sql, sources) if name is None else None
    query_id = str(uuid.uuid4())
    version = None
    if name is not None:
        version = 1 + (db.execute("SELECT COALESCE(MAX(version), 0) FROM queries WHERE name = ?",
                                  (name,)).fetchone()[0])
    stamp = timestamp(now)
    final, error = "running", None
    if call.knobs.errored_queries and re.search(call.knobs.errored_queries, sql, re.IGNORECASE | re.DOTALL):
        final, error = "errored", "injected failure: the query could not start"
    delay = call.knobs.query_running_s
    source_paths = [[r["database_name"], r["schema_name"], r["name"]] for r in sources]
    db.execute("INSERT INTO queries VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
               (query_id, name, version, "starting" if delay else final, sql, call.session.owner, stamp, stamp,
                json.dumps(sinks), json.dumps(source_paths), None if delay else error,
                final if delay else None, error if delay else None,
                now + max(delay, 0.0) if delay else None))
    if resumes is not None:
        db.execute("UPDATE dataflow_outputs SET query_id = ? WHERE query_id = ?", (query_id, resumes))
    if final == "running":
        dataflow.query_started(db, query_id, now)
    return ["query", query_id, "QUERY", f"query {query_id} launched", "[]"]


def sinks_of(stored: str | None) -> list[list[str]]:
    """A query's sinks as stored: a list of paths (one path alone in catalogs written before applications)."""
    value = json.loads(stored or "[]")
    return [value] if value and isinstance(value[0], str) else value


def _row(db: sqlite3.Connection, query_id: str) -> sqlite3.Row:
    row: sqlite3.Row | None = db.execute("SELECT * FROM queries WHERE id = ?", (query_id,)).fetchone()
    if row is None:
        raise SqlFailure("3D019", f"query {query_id} does not exist")
    return row


def terminate(call: Call, st: TerminateQuery) -> Outcome:
    row = _row(call.db, st.query_id)
    if row["current_state"] in ("terminated", "terminate_requested"):
        return call.done()
    delay = call.knobs.query_terminated_s
    call.db.execute("""UPDATE queries SET intended_state = 'terminated', current_state = ?, updated_at = ?,
                       next_state = ?, next_error = NULL, transition_at = ? WHERE id = ?""",
                    ("terminate_requested" if delay else "terminated", timestamp(call.now),
                     "terminated" if delay else None, call.now + max(delay, 0.0) if delay else None, st.query_id))
    return call.done()


def restart(call: Call, st: RestartQuery) -> Outcome:
    row = _row(call.db, st.query_id)
    if row["current_state"] not in ("terminated", "errored"):
        raise SqlFailure("3D008", f"query {st.query_id} is {row['current_state']}; only errored or "
                                  "terminated queries can be restarted")
    delay = call.knobs.query_running_s
    call.db.execute("""UPDATE queries SET intended_state = 'running', current_state = ?, error = NULL,
                       updated_at = ?, next_state = ?, transition_at = ? WHERE id = ?""",
                    ("starting" if delay else "running", timestamp(call.now), "running" if delay else None,
                     call.now + max(delay, 0.0) if delay else None, st.query_id))
    dataflow.query_started(call.db, st.query_id, call.now)
    return call.done()


def describe(call: Call, st: DescribeQuery) -> Outcome:
    row = _row(call.db, st.query_id)
    pairs = [("id", row["id"]), ("name", row["name"]), ("version", row["version"]),
             ("state", row["current_state"]), ("intended_state", row["intended_state"]),
             ("error", row["error"]), ("sql", row["sql"]), ("owner", row["owner"]),
             ("created_at", row["created_at"]), ("updated_at", row["updated_at"])]
    return call.done([("Property", VARCHAR), ("Value", VARCHAR)], [[k, v] for k, v in pairs])


def alter_owner(call: Call, st: AlterQueryOwner) -> Outcome:
    _row(call.db, st.query_id)
    call.db.execute("UPDATE queries SET owner = ?, updated_at = ? WHERE id = ?",
                    (st.owner, timestamp(call.now), st.query_id))
    return call.done()


def listed(call: Call, st: ListObjects) -> Outcome:
    """``LIST QUERIES``: those not terminated; ``WITH ('all')`` every one."""
    where = "" if st.all else " WHERE current_state <> 'terminated'"
    rows = call.db.execute("SELECT id, name, version, intended_state, current_state, sql, owner, created_at, "
                           f"updated_at FROM queries{where} ORDER BY created_at, id").fetchall()
    return call.done([("ID", VARCHAR), ("Name", VARCHAR), ("Version", "INTEGER"), ("IntendedState", VARCHAR),
                      ("ActualState", VARCHAR), ("Query", VARCHAR), ("Owner", VARCHAR), ("CreatedAt", TS),
                      ("UpdatedAt", TS)], rows)


#: Where the family is more liberal than DeltaStream or guesses (``python -m deltastream_local.contract`` writes
#: them into CHOICES.md).
CHOICES = {
    "Query start state": (
        "`starting` for `query_running_s` seconds, then `running`; TERMINATE gives `terminate_requested` "
        "for `query_terminated_s` seconds; terminated rows stay"),
    "TERMINATE of a terminated query": (
        "success, nothing changes"),
    "Query names": (
        "a query started by `INSERT INTO` or `CREATE ... AS SELECT` has no name (`name` and `version` "
        "NULL): nothing public shows a client naming one (Terraform's "
        "`deltastream/query/resource_deltastream_query.go` and DeltaStream's Pulumi provider read the name "
        "as a computed output). An application's query is named after the application, each one under a "
        "name getting the next `version`. `QUERY WITH (...)` takes only the keys docs.deltastream.io's "
        "RESUME QUERY page shows (`resume.from.query.id`, `.name`, `.version`); any other key, `query.name` "
        "too, is `3D008`"),
    "Resuming a query": (
        "`INSERT INTO` or `CREATE ... AS SELECT` with `QUERY WITH ('resume.from.query.id' = ..)` (or `.name` "
        "and `.version`) is refused as the RESUME QUERY page states its limits: a query that does not exist "
        "`3D019`, one not terminated `3D008`, a join or an aggregation (GROUP BY, HAVING, an aggregate "
        "function, a window) `0A000`, more than one source relation or a source outside a Kafka store "
        "`0A000`, another topic or store than the terminated query's `3D008` (the SQLSTATEs are guesses "
        "named after go-deltastream's `sqlcode.go`; pattern recognition is not parsed, so not refused); the "
        "check runs when the query starts, not in `DESCRIBE`. The new query takes over the records the "
        "terminated one wrote into its sink: where its result over the earlier records is the same, only "
        "the records written since are added (it continues); where it differs, the dataflow's usual "
        "rewrite of the sink applies (see Dataflow), which a Kafka topic could not do"),
    "`DESCRIBE QUERY`": (
        "`Property, Value` rows: id, name, version, state, intended_state, error, sql, owner, created_at, "
        "updated_at"),
}


FAMILY = Family(
    grammar=GRAMMAR,
    statements={"queries_alter_owner": AlterQueryOwner, "queries_terminate": TerminateQuery,
                "queries_restart": RestartQuery, "queries_describe": DescribeQuery},
    parts={"queries_ref": _query_id},
    handlers={AlterQueryOwner: alter_owner, TerminateQuery: terminate, RestartQuery: restart,
              DescribeQuery: describe},
    lists={"QUERIES": listed},
    schema=SCHEMA,
    system_tables={"queries": [("id", "VARCHAR"), ("name", "VARCHAR"), ("version", "INTEGER"),
                               ("intended_state", "VARCHAR"), ("current_state", "VARCHAR"), ("sql", "VARCHAR"),
                               ("owner", "VARCHAR"), ("created_at", TS), ("updated_at", TS),
                               ("organization_id", "VARCHAR")]},
    settle=SETTLE,
    choices=CHOICES,
)
