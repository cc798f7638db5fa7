"""Relations: what DeltaStream refuses to create, what a query reads and the columns it writes (``dsql``),
``ALTER RELATION ... SET``, and ``SELECT`` from a materialized view (mixed into the engine)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from . import dsql
from . import statements as s
from .catalog import dumps, timestamp
from .dataflow.views import relation_rows, select_rows
from .dataplane import Streamed
from .entities import KAFKA_DEFAULTS, KAFKA_TYPES
from .results import Outcome, SessionState, SqlFailure

#: Stores that hold topics or streams, not tables: a TABLE needs a SQL store.
STREAMING_STORES = ("Kafka", "ConfluentKafka")
#: Virtual relations (applications only) are named virtual.<schema>.<name>.
VIRTUAL_DATABASE = "virtual"
ALTERABLE = ("description",)
#: Relations an interactive SELECT reads through the dataplane (a materialized view's is a snapshot).
STREAMED = ("stream", "changelog")


class RelationRules:
    """Mixed into the engine, which provides ``_relation_row`` and ``_columns_of``."""

    def _relation_row(self, db: sqlite3.Connection, name: s.Name, session: SessionState) -> sqlite3.Row:
        raise NotImplementedError

    def _columns_of(self, db: sqlite3.Connection, relation_id: str) -> list[s.ColumnSpec]:
        raise NotImplementedError

    def _refuse_unsupported(self, db: sqlite3.Connection, kind: str, store: str, sources: list[sqlite3.Row]) -> None:
        """A TABLE in a Kafka store, a materialized view over a materialized view: DeltaStream has neither."""
        if kind == "table":
            row = db.execute("SELECT type FROM stores WHERE name = ?", (store,)).fetchone()
            if row is not None and row[0] in STREAMING_STORES:
                raise SqlFailure("0A000", f"a TABLE needs a SQL store (PostgreSQL, Snowflake, ...): store {store!r} "
                                          f"is a {row[0]} store, which holds streams and changelogs")
        if kind == "materialized_view":
            for source in sources:
                if source["relation_type"] == "materialized_view":
                    path = s.Name((source["database_name"], source["schema_name"], source["name"]))
                    raise SqlFailure("0A000", f"a materialized view cannot read the materialized view {path}: "
                                              "materialized views do not cascade")

    def _relation_of(self, name: s.Name, session: SessionState) -> tuple[str, str, str]:
        raise NotImplementedError

    def _ensure_topic(self, db: sqlite3.Connection, kind: str, store: str, name: str, props: dict[str, Any],
                      now: float) -> None:
        """A stream or changelog in a Kafka store whose topic (``'topic'``, else its name) does not exist creates it,
        as the CREATE STREAM docs say, with ``'topic.partitions'`` / ``'topic.replicas'`` if given: DESCRIBE ENTITY,
        LIST ENTITIES and PRINT ENTITY then see it."""
        row = db.execute("SELECT type FROM stores WHERE name = ?", (store,)).fetchone()
        if kind not in ("stream", "changelog") or row is None or row[0] not in KAFKA_TYPES:
            return
        topic = str(props.get("topic") or name)
        path = json.dumps([topic])
        if db.execute("SELECT 1 FROM entities WHERE store_name = ? AND path = ?", (store, path)).fetchone():
            return
        counts = {key: props.get(key.replace("kafka.", "topic."), default) for key, default in KAFKA_DEFAULTS.items()}
        db.execute("INSERT INTO entities VALUES (?, ?, ?, ?, ?, ?, ?)",
                   (store, path, "[]", topic, 1, dumps(counts), timestamp(now)))

    def _resolve_query(self, db: sqlite3.Connection, query: s.QueryBody, session: SessionState,
                       virtual: dict[tuple[str, ...], dsql.SourceInfo] | None = None,
                       ) -> tuple[list[sqlite3.Row], list[s.ColumnSpec]]:
        """Check a query body against the catalog as DeltaStream does (``dsql.resolve``): the relations it reads
        (rows, each once, in order) and the columns it writes. In an application, ``virtual`` holds the virtual
        relations defined so far; one not yet defined is refused."""
        rows: dict[tuple[str, ...], sqlite3.Row] = {}

        def lookup(parts: tuple[str, ...], pos: dsql.tree.Pos) -> dsql.SourceInfo:
            try:
                path = self._relation_of(s.Name(parts), session)
                if virtual is not None and path in virtual:
                    return virtual[path]
                if virtual is not None and path[0] == VIRTUAL_DATABASE:
                    raise SqlFailure("3D020", f"virtual relation {s.Name(path)} is read before it is defined")
                row = self._relation_row(db, s.Name(parts), session)
            except SqlFailure as failure:
                raise SqlFailure(failure.code, f"{failure.message} ({pos})") from None
            rows.setdefault(path, row)
            return dsql.SourceInfo(path, row["relation_type"], tuple(self._columns_of(db, row["id"])))

        resolved = dsql.resolve(query.select, lookup)
        return list(rows.values()), list(resolved.columns)

    def _alter_relation_set(self, db: sqlite3.Connection, st: s.AlterRelationSet, session: SessionState,
                            **kw: Any) -> Outcome:
        """``ALTER RELATION x SET description = '..'``: kept in the relation's properties."""
        if st.key not in ALTERABLE:
            raise SqlFailure("3D008", f"{st.key!r} cannot be set on a relation; one of: {', '.join(ALTERABLE)}")
        row = self._relation_row(db, st.name, session)
        properties = {**json.loads(row["properties"]), st.key: st.value}
        db.execute("UPDATE relations SET properties = ?, updated_at = ? WHERE id = ?",
                   (dumps(properties), timestamp(kw["now"]), row["id"]))
        return Outcome([], [], session)

    def _query_select(self, db: sqlite3.Connection, st: s.QuerySelect, session: SessionState,
                      **kw: Any) -> Outcome:
        """An interactive SELECT with functions or expressions, checked by ``dsql``, evaluated over the rows of the
        streams, changelogs and materialized views it reads (``dataflow.views``); a stream's or changelog's rows
        go through the dataplane (``Streamed``), a materialized view's are a plain result set."""
        def lookup(parts: tuple[str, ...], pos: dsql.tree.Pos) -> dsql.SourceInfo:
            try:
                row = self._relation_row(db, s.Name(parts), session)
            except SqlFailure as failure:
                raise SqlFailure(failure.code, f"{failure.message} ({pos})") from None
            if row["relation_type"] not in ("materialized_view", "stream", "changelog"):
                raise SqlFailure("0A000", f"{s.Name(parts)} is a {row['relation_type']}: a SELECT reads a stream, a "
                                          f"changelog or a materialized view ({pos})")
            path = (row["database_name"], row["schema_name"], row["name"])
            return dsql.SourceInfo(path, row["relation_type"], tuple(self._columns_of(db, row["id"])))

        resolved = dsql.resolve(st.select, lookup)
        rows = select_rows(db, st.select, [list(source.path) for source in resolved.sources],
                           [c.name for c in resolved.columns])
        answer = Streamed if any(source.kind in STREAMED for source in resolved.sources) else Outcome
        return answer([(c.name, c.type) for c in resolved.columns], rows, session)

    def _select_view(self, db: sqlite3.Connection, st: s.Select, session: SessionState) -> Outcome:
        """``SELECT cols FROM <relation>``: its columns and its rows (``dataflow.views``): a stream's records, a
        changelog's newest per key (both through the dataplane), a materialized view's query result over the records its
        sources hold now."""
        row = self._relation_row(db, st.table.name, session)
        if row["relation_type"] not in ("materialized_view", "stream", "changelog"):
            raise SqlFailure("0A000", f"{s.Name((row['database_name'], row['schema_name'], row['name']))} is a "
                                      f"{row['relation_type']}: a SELECT reads a stream, a changelog or a "
                                      "materialized view")
        declared = {c.name: c.type for c in self._columns_of(db, row["id"])}
        rows = relation_rows(db, [row["database_name"], row["schema_name"], row["name"]], st)
        answer = Streamed if row["relation_type"] in STREAMED else Outcome
        if st.columns is None:
            return answer(list(declared.items()), [[r.get(c) for c in declared] for r in rows], session)
        outputs: list[tuple[str, str]] = []
        for item in st.columns:
            if isinstance(item.value, int) or item.value.column not in declared:
                raise SqlFailure("42601", f"{item.value!r} is not a column of {st.table.name}")
            outputs.append((item.alias or item.value.column, declared[item.value.column]))
        picked = [i.value.column for i in st.columns if not isinstance(i.value, int)]
        return answer(outputs, [[r.get(c) for c in picked] for r in rows], session)
