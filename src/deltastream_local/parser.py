"""Parses DeltaStream SQL into typed statements with the grammar in ``grammar.lark`` and the families' (LALR)."""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Any, NamedTuple

from lark import Lark, Token, Transformer, Tree, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import dsql, families
from . import statements as s
from .dsql.parse import identifier, string


class SqlSyntaxError(Exception):
    """Malformed SQL; ``position`` is the 0-based character offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


@lru_cache(maxsize=1)
def _parser() -> Lark:
    """``grammar.lark`` with the families' grammars appended, built once per process."""
    grammar = resources.files(__package__).joinpath("grammar.lark").read_text() + families.joined().grammar
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=False)


def parse(sql: str) -> list[s.Parsed]:
    """Every statement in ``sql`` (statements are separated by top-level semicolons)."""
    try:
        tree = _parser().parse(sql)
    except UnexpectedInput as exc:
        interactive = _interactive_select(sql)
        if interactive is not None:
            return [interactive]
        raise _syntax_error(sql, exc) from None
    try:
        return _Build(sql).transform(tree)
    except VisitError as exc:
        if isinstance(exc.orig_exc, SqlSyntaxError):
            raise exc.orig_exc from None
        raise


def _interactive_select(sql: str) -> s.Parsed | None:
    """One SELECT the system tables' subset does not cover (functions, expressions: ``SELECT TRIM(LEADING 'x'
    FROM c), COUNT(*) FROM mv``), parsed by ``dsql``; None when it is not one, so the first error stands."""
    text = sql.strip().removesuffix(";").rstrip()
    if not re.match(r"select\b", text, re.IGNORECASE):
        return None
    start = len(sql) - len(sql.lstrip())
    try:
        select = dsql.parse_select(sql, start, start + len(text))
    except dsql.SelectSyntaxError:
        return None
    if any([p.lower() for p in r.name[:2]] == ["deltastream", "sys"] for r in select.relations()):
        return None  # a system table's SELECT is the subset's: its own error stands
    return s.Parsed(s.QuerySelect(select), text, "QuerySelect")


def _syntax_error(sql: str, exc: UnexpectedInput) -> SqlSyntaxError:
    position = getattr(exc, "pos_in_stream", None)
    if isinstance(exc, UnexpectedEOF) or position is None:
        position = len(sql)
    if isinstance(exc, UnexpectedToken) and exc.token.type == "$END":
        near = "end of input"
    elif isinstance(exc, UnexpectedCharacters):
        near = repr(sql[position:position + 1])
    else:
        near = repr(sql[position:position + 20].split()[0]) if sql[position:].strip() else "end of input"
    line = sql.count("\n", 0, position) + 1
    column = position - (sql.rfind("\n", 0, position) + 1) + 1
    return SqlSyntaxError(f"syntax error at or near {near} (line {line}, column {column}, position {position})",
                          position)


def _number(token: Token) -> int | float:
    text = str(token)
    return int(text) if text.lstrip("-").isdigit() else float(text)


@v_args(inline=True)
class _Build(Transformer[Token, list[s.Parsed]]):
    """Turns the parse tree into :mod:`statements` values."""

    def __init__(self, sql: str) -> None:
        super().__init__()
        self.sql = sql
        self.family_builders = families.joined().builders
        self.family_parts = families.joined().parts

    def _text(self, meta: Any) -> str:
        return self.sql[meta.start_pos:meta.end_pos]

    def start(self, *items: Any) -> list[s.Parsed]:
        return [item for item in items if isinstance(item, s.Parsed)]

    def __default__(self, data: str, children: list[Any], meta: Any) -> Any:
        build = self.family_builders.get(data)
        if build is not None:  # a family's statement (families/): its builder takes the rule's values
            return self._wrap(meta, self._built(build, meta, children))
        part = self.family_parts.get(data)
        if part is not None:  # a value inside a family's statements
            return self._built(part, meta, children)
        return Tree(data, children, meta)

    def _built(self, build: families.Builder, meta: Any, children: list[Any]) -> object:
        if isinstance(build, families.Sourced):
            return build.build(self._text(meta), *_values(children))
        return build(*_values(children))

    # statements get wrapped with their text
    def _wrap(self, meta: Any, statement: object) -> s.Parsed:
        return s.Parsed(statement, self._text(meta), type(statement).__name__)

    @v_args(meta=True, inline=False)
    def list_objects(self, meta: Any, c: list[Any]) -> s.Parsed:
        what, *rest = _values(c)
        schema = next((x for x in rest if isinstance(x, s.Name)), None)
        flag = next((string(x) for x in rest if isinstance(x, Token) and x.type == "STRING"), "")
        return self._wrap(meta, s.ListObjects(str(what).upper(), schema, flag.lower() == "all"))

    @v_args(meta=True, inline=False)
    def show(self, meta: Any, c: list[Any]) -> s.Parsed:
        what, name = _values(c)
        return self._wrap(meta, s.Show(str(what).upper(), _keyword(c, "DATABASE", "SCHEMA"), name))

    @v_args(meta=True, inline=False)
    def use(self, meta: Any, c: list[Any]) -> s.Parsed:
        (name,) = _values(c)
        return self._wrap(meta, s.Use(_keyword(c, "DATABASE", "SCHEMA", "STORE"), name))

    @v_args(meta=True, inline=False)
    def can_i(self, meta: Any, c: list[Any]) -> s.Parsed:
        return self._wrap(meta, s.CanI(tuple(str(x) for x in _values(c))))

    @v_args(meta=True, inline=False)
    def select(self, meta: Any, c: list[Any]) -> s.Parsed:
        columns, table, *clauses = _values(c)
        join = next((x for x in clauses if isinstance(x, s.Join)), None)
        where = next((x.predicates for x in clauses if isinstance(x, Where)), ())
        order = next((x.items for x in clauses if isinstance(x, OrderBy)), ())
        limit = next((x.rows for x in clauses if isinstance(x, Limit)), None)
        return self._wrap(meta, s.Select(columns, table, join, where, order, limit))

    def table_ref(self, name: s.Name, *alias: Token) -> s.TableRef:
        names = [a for a in alias if a.type == "NAME"]
        return s.TableRef(name, identifier(names[0]) if names else None)

    def join(self, *parts: Any) -> s.Join:
        left = any(isinstance(p, Token) and p.type == "LEFT" for p in parts)
        table = next(p for p in parts if isinstance(p, s.TableRef))
        on = tuple(p for p in parts if isinstance(p, tuple))
        return s.Join(table, on, left)

    def join_condition(self, left: s.ColumnRef, right: s.ColumnRef) -> tuple[s.ColumnRef, s.ColumnRef]:
        return left, right

    def column_ref(self, first: str, second: str | None = None) -> s.ColumnRef:
        return s.ColumnRef(second, first) if second is not None else s.ColumnRef(first)

    def select_item(self, value: Any, *alias: Any) -> s.SelectItem:
        names = [a for a in alias if isinstance(a, str) and not isinstance(a, Token)]
        if isinstance(value, Token):
            return s.SelectItem(_number(value))  # type: ignore[arg-type]
        return s.SelectItem(value, names[0] if names else None)

    # pieces
    def relation_kind(self, token: Token) -> str:
        return str(token).lower()

    def materialized_view(self, *_: Any) -> str:
        return "materialized_view"

    def not_null(self, *_: Any) -> bool:
        return False

    def primary_key(self, *c: Any) -> s.PrimaryKey:
        return s.PrimaryKey(tuple(x for x in c if isinstance(x, str) and not isinstance(x, Token)))

    def column_def(self, name: str, type_: str, nullable: bool = True) -> s.ColumnSpec:
        return s.ColumnSpec(name, type_, nullable)

    def column_type(self, name: str, args: str = "") -> str:
        return name + args

    def type_name(self, *words: Token) -> str:
        return " ".join(str(w).upper() for w in words)

    def type_args(self, *numbers: Token) -> str:
        return "(" + ", ".join(str(n) for n in numbers) + ")"

    def array_type(self, _kw: Token, inner: str) -> str:
        return f"ARRAY<{inner}>"

    def map_type(self, _kw: Token, key: str, value: str) -> str:
        return f"MAP<{key}, {value}>"

    def struct_type(self, _kw: Token, *fields: str) -> str:
        return "STRUCT<" + ", ".join(fields) + ">"

    def struct_field(self, name: str, type_: str) -> str:
        return '"' + name.replace('"', '""') + '" ' + type_

    @v_args(meta=True, inline=False)
    def query_body(self, meta: Any, c: list[Any]) -> s.QueryBody:
        """The SELECT parsed where it stands in the text sent (``dsql``), so its errors name that line and column."""
        try:
            select = dsql.parse_select(self.sql, meta.start_pos, meta.end_pos)
        except dsql.SelectSyntaxError as exc:
            raise SqlSyntaxError(str(exc), exc.position) from None
        sources = tuple(dict.fromkeys(s.Name(r.name) for r in select.relations()))
        return s.QueryBody(self._text(meta), sources, select)

    def select_list(self, *items: s.SelectItem) -> tuple[s.SelectItem, ...] | None:
        return tuple(items) or None

    def eq(self, column: s.ColumnRef, value: Token) -> s.Eq:
        return s.Eq(column, string(value))

    def in_list(self, column: s.ColumnRef, _kw: Token, *values: Token) -> s.In:
        return s.In(column, tuple(string(v) for v in values))

    def concat_eq(self, *parts: Any) -> s.ConcatEq:
        columns = tuple(p for p in parts[:-1] if not isinstance(p, Token))
        separators = tuple(string(p) for p in parts[:-1] if isinstance(p, Token))
        return s.ConcatEq(columns, separators, string(parts[-1]))

    def where(self, _kw: Token, *predicates: Any) -> Where:
        return Where(tuple(p for p in predicates if not isinstance(p, Token)))

    def order_by(self, _order: Token, _by: Token, *items: tuple[s.ColumnRef, bool]) -> OrderBy:
        return OrderBy(items)

    def order_item(self, column: s.ColumnRef, direction: Token | None = None) -> tuple[s.ColumnRef, bool]:
        return column, direction is not None and direction.upper() == "DESC"

    def limit(self, _kw: Token, number: Token) -> Limit:
        return Limit(int(number))

    def with_clause(self, _kw: Token, *props: tuple[str, Any]) -> dict[str, Any]:
        return dict(props)

    def property(self, key: Token, value: Any = s.FLAG) -> tuple[str, Any]:
        return string(key).lower(), value if value is s.FLAG else _property_value(value)

    def name(self, *parts: str) -> s.Name:
        return s.Name(tuple(parts))

    def ident(self, token: Token) -> str:
        return identifier(token)



def _values(children: list[Any]) -> list[Any]:
    """A rule's children without its keywords: what the statement names, in order (destructured by name)."""
    return [x for x in children if not (isinstance(x, Token) and x.type not in _DATA_TOKENS)]


_DATA_TOKENS = {"NAME", "STRING", "NUMBER", "UUID"}


def _keyword(children: list[Any], *choices: str) -> str:
    """Which of ``choices`` the statement says (``SHOW ... IN DATABASE`` or ``IN SCHEMA``, say)."""
    return next(str(x.type) for x in children if isinstance(x, Token) and x.type in choices)


class Where(NamedTuple):
    predicates: tuple[s.Predicate, ...]


class OrderBy(NamedTuple):
    items: tuple[tuple[s.ColumnRef, bool], ...]


class Limit(NamedTuple):
    rows: int


def _property_value(token: Token) -> Any:
    kind = token.type
    if kind == "STRING":
        return string(token)
    if kind == "NUMBER":
        return _number(token)
    if kind == "QUOTED_IDENT":
        return s.Identifier(identifier(token))
    if kind == "TRUE":
        return True
    if kind == "FALSE":
        return False
    if kind == "NULL":
        return None
    return s.Keyword(str(token).upper())
