"""Runs parsed statements against the catalog: each in a transaction after the clock's settled transitions,
dispatched by its type to its family's handler (``families/``). The statements no family owns are here: LIST's
dispatch, SHOW, USE, CAN I and SELECT of the system tables (a SELECT of a relation is the relations family's)."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from . import families
from . import statements as s
from .catalog import Catalog, quote_column
from .contract import register
from .families import privileges, relations
from .families.compute_pools import require_session_pool
from .families.databases import require_database
from .families.schemas import require_schema, schema_of, schemas_in
from .knobs import Knobs
from .results import BOOLEAN, VARCHAR, Outcome, SessionState, SqlFailure, encode


class Engine:
    def __init__(self, catalog: Catalog, knobs: Knobs, clock: Callable[[], float] = time.time) -> None:
        self.catalog = catalog
        self.knobs = knobs
        self.clock = clock
        self.org = catalog.organization
        joined = families.joined()
        self._guards = [guard(catalog, knobs) for guard in joined.guards]
        self._handlers: dict[type, families.Handler] = families.merged("statement type", joined.handlers, {
            s.ListObjects: self._list, s.Show: self._show, s.Use: self._use, s.CanI: self._can_i,
            s.Select: self._select_any, s.QuerySelect: relations.query_select})
        self._lists = joined.lists

    async def run(self, parsed: s.Parsed, session: SessionState, attachments: dict[str, bytes]) -> Outcome:
        rule = self.knobs.failure_for(parsed.text)
        if rule is not None:
            raise SqlFailure(rule.code, rule.message)
        statement = parsed.statement
        check = None
        for guard in self._guards:
            check = await guard.check(statement) or check
        with self.catalog.transaction() as db:
            now = self.clock()
            self.catalog.settle(db, now)
            call = families.Call(db, session, now, self.knobs, attachments, self.org.id, check)
            require_session_pool(call)
            privileges.require(call, statement)
            result = self._handlers[type(statement)](call, statement)
            for guard in self._guards:
                guard.after(statement)
        result.rows = [[encode(t, v) for (_, t), v in zip(result.columns, row, strict=False)] for row in result.rows]
        return result

    def _list(self, call: families.Call, st: s.ListObjects) -> Outcome:
        """``LIST <TARGET>``: the organization here, every other target its family's."""
        if st.target == "ORGANIZATIONS":
            return call.done([("id", VARCHAR), ("name", VARCHAR), ("description", VARCHAR),
                              ("profileImageURI", VARCHAR), ("createdAt", "TIMESTAMP_LTZ")],
                             [[self.org.id, self.org.name, None, None, self.org.created_at]])
        if st.target in self._lists:
            return self._lists[st.target](call, st)
        raise SqlFailure("0A000", f"LIST {st.target} is not supported by the local server")

    def _show(self, call: families.Call, st: s.Show) -> Outcome:
        if st.target == "SCHEMAS" and st.scope == "DATABASE" and len(st.name.parts) == 1:
            return schemas_in(call, st.name.parts[0])
        if st.target == "RELATIONS" and st.scope == "SCHEMA":
            return relations.relations_in(call, *schema_of(st.name, call.session))
        raise SqlFailure("0A000", f"SHOW {st.target} IN {st.scope} is not supported by the local server")

    def _use(self, call: families.Call, st: s.Use) -> Outcome:
        if st.kind == "DATABASE":
            require_database(call.db, st.name.parts[-1])
            return Outcome([], [], replace(call.session, database=st.name.parts[-1], schema="public"))
        if st.kind == "SCHEMA":
            d, sc = schema_of(st.name, call.session)
            require_schema(call.db, d, sc)
            return Outcome([], [], replace(call.session, database=d, schema=sc))
        name = st.name.parts[-1]
        if call.db.execute("SELECT 1 FROM stores WHERE name = ?", (name,)).fetchone() is None:
            raise SqlFailure("3D006", f"store {name!r} does not exist")
        return Outcome([], [], replace(call.session, store=name))

    def _can_i(self, call: families.Call, st: s.CanI) -> Outcome:
        """An organization privilege is answered from the session's grants (the privileges family), anything else
        yes; the ``denied_privileges`` knob answers no to what it names. DeltaStream's answer is one row ``Can I``
        (docs: CAN I)."""
        denied = self.knobs.denied_privileges and re.search(self.knobs.denied_privileges, " ".join(st.words))
        asked = st.words[1].upper() if len(st.words) > 1 else ""
        granted = privileges.may(call, asked) if asked in privileges.ORGANIZATION_PRIVILEGES else True
        return call.done([("Can I", BOOLEAN)], [[granted and not denied]])

    def _select(self, db: sqlite3.Connection, st: s.Select, session: SessionState) -> Outcome:
        """A system-table SELECT, rebuilt for SQLite over the views with every value bound."""
        tables: dict[str, str] = {}  # alias -> system table
        system_tables = self.catalog.system_tables
        for table_ref in [st.table] + ([st.join.table] if st.join else []):
            table = self._system_table(table_ref.name)
            tables[table_ref.alias or table] = table
        strict = not self.knobs.lenient_system_tables
        if strict and st.join is not None:
            raise SqlFailure("0A000", "a JOIN of system tables is not in the contract register: no public DeltaStream "
                                      "client or document joins them; read each table on its own "
                                      "(the lenient_system_tables knob accepts it for exploration)")
        aliases = {item.alias for item in st.columns or () if item.alias}

        def column(ref: s.ColumnRef, allow_alias: bool = False) -> tuple[str, str]:
            if ref.table is not None:
                if ref.table not in tables:
                    raise SqlFailure("42601", f"{ref.table!r} is not a table of this query")
                candidates = [ref.table]
            else:
                if allow_alias and ref.column in aliases:
                    return quote_column(ref.column), VARCHAR
                candidates = [a for a, t in tables.items() if ref.column in dict(system_tables[t])]
                if len(candidates) > 1:
                    raise SqlFailure("42601", f"column {ref.column!r} is ambiguous; qualify it")
            declared = dict(system_tables[tables[candidates[0]]]) if candidates else {}
            if ref.column not in declared:
                where = " or ".join(f"deltastream.sys.{tables[a]}" for a in (candidates or tables))
                raise SqlFailure("42601", f"column {ref.column!r} does not exist in {where}")
            if strict:
                unconfirmed(tables[candidates[0]], ref.column)
            return f"{quote_column(candidates[0])}.{quote_column(ref.column)}", declared[ref.column]

        outputs: list[tuple[str, str]] = []
        expressions: list[str] = []
        if st.columns is None:
            for alias, table in tables.items():
                for name, type_ in system_tables[table]:
                    if strict and name not in register().confirmed_columns(table):
                        continue
                    outputs.append((name, type_))
                    expressions.append(f"{quote_column(alias)}.{quote_column(name)}")
        for item in st.columns or ():
            if isinstance(item.value, int):
                outputs.append((str(item.value), "INTEGER"))
                expressions.append(str(item.value))
            else:
                text, type_ = column(item.value)
                outputs.append((item.alias or item.value.column, type_))
                expressions.append(text)
        params: list[Any] = []
        sql = "SELECT " + ", ".join(expressions) + " FROM "
        first = next(iter(tables.items()))
        sql += f"sys_{first[1]} AS {quote_column(first[0])}"
        if st.join is not None:
            alias = st.join.table.alias or self._system_table(st.join.table.name)
            conditions = " AND ".join(f"{column(a)[0]} = {column(b)[0]}" for a, b in st.join.on)
            join = "LEFT JOIN" if st.join.left else "JOIN"
            sql += f" {join} sys_{tables[alias]} AS {quote_column(alias)} ON {conditions}"
        filters: list[str] = []
        for predicate in st.where:
            if isinstance(predicate, s.Eq):
                filters.append(f"{column(predicate.column)[0]} = ?")
                params.append(predicate.value)
            elif isinstance(predicate, s.In):
                filters.append(f"{column(predicate.column)[0]} IN ({', '.join('?' * len(predicate.values))})")
                params.extend(predicate.values)
            else:
                pieces = [column(predicate.columns[0])[0]]
                for separator, part in zip(predicate.separators, predicate.columns[1:], strict=False):
                    pieces += ["?", column(part)[0]]
                    params.append(separator)
                filters.append(" || ".join(pieces) + " = ?")
                params.append(predicate.value)
        if filters:
            sql += " WHERE " + " AND ".join(filters)
        if st.order_by:
            sql += " ORDER BY " + ", ".join(f"{column(c, allow_alias=True)[0]}{' DESC' if desc else ''}"
                                            for c, desc in st.order_by)
        if st.limit is not None:
            sql += " LIMIT ?"
            params.append(st.limit)
        return Outcome(outputs, self.catalog.rows(db, sql, params), session)

    def _select_any(self, call: families.Call, st: s.Select) -> Outcome:
        """A system table's SELECT, or a relation's (any name outside ``deltastream.sys``: the relations family's)."""
        parts = st.table.name.parts
        if st.join is None and not (len(parts) == 3 and [p.lower() for p in parts[:2]] == ["deltastream", "sys"]):
            return relations.select_view(call, st)
        return self._select(call.db, st, call.session)

    def _system_table(self, name: s.Name) -> str:
        parts = name.parts
        if len(parts) != 3 or parts[0].lower() != "deltastream" or parts[1].lower() != "sys":
            raise SqlFailure("0A000", "the local server answers SELECT only on the system tables "
                                      "deltastream.sys.\"<table>\"")
        if parts[2] not in self.catalog.system_tables:
            raise SqlFailure("3D020", f"relation deltastream.sys.{parts[2]} does not exist")
        return parts[2]


def unconfirmed(table: str, column: str) -> None:
    """Refuse a system-table column that the contract register does not confirm (0A000, naming it)."""
    if column not in register().confirmed_columns(table):
        raise SqlFailure("0A000", f"column {column!r} of deltastream.sys.\"{table}\" is not in the contract register: "
                                  "no public DeltaStream client or document reads it "
                                  "(the lenient_system_tables knob accepts it for exploration)")
