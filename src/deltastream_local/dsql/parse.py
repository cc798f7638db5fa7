"""Parses the text of a SELECT into the typed tree (``tree.py``) with ``select.lark`` (LALR, built once).

Positions are those of the whole text the client sent: the SELECT is parsed where it stands in it, so a refusal
names the line and column the user sees.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from importlib import resources
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from . import tree as t

#: Units of a window's SIZE and ADVANCE BY and a join's WITHIN, in milliseconds (docs: FROM, JOIN).
UNITS = {"millisecond": 1.0, "second": 1000.0, "minute": 60_000.0, "hour": 3_600_000.0, "day": 86_400_000.0}


class SelectSyntaxError(Exception):
    """Malformed SELECT; ``position`` is the 0-based offset in the whole text."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


#: Words that end or join clauses: never a bare name (quote them to use them as one), so ``SELECT a, FROM s``
#: fails at FROM rather than reading FROM as a column.
RESERVED = frozenset({"select", "from", "where", "group", "having", "join", "on", "and", "or", "as", "by", "case",
                      "when", "then", "else", "end", "within", "left", "right", "inner", "full", "cross", "union",
                      "in", "is", "not", "null", "between", "like", "distinct", "partition", "limit", "query"})


def _reserved(token: Token) -> Token:
    """Lexer callback: a reserved word where the grammar expects none is an error at that word."""
    if token.lower() in RESERVED:
        raise _Reserved(token)
    return token


class _Reserved(Exception):
    def __init__(self, token: Token) -> None:
        super().__init__(str(token))
        self.token = token


@lru_cache(maxsize=1)
def _parser() -> Lark:
    grammar = resources.files(__package__).joinpath("select.lark").read_text()
    return Lark(grammar, parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=False,
                lexer_callbacks={"NAME": _reserved})


def position(sql: str, offset: int) -> t.Pos:
    """The line and column of ``offset`` in ``sql``."""
    return t.Pos(sql.count("\n", 0, offset) + 1, offset - (sql.rfind("\n", 0, offset) + 1) + 1)


def parse_select(sql: str, start: int = 0, end: int | None = None) -> t.Select:
    """The SELECT in ``sql[start:end]``, its positions counted in ``sql``; raises ``SelectSyntaxError``."""
    end = len(sql) if end is None else end
    try:
        parsed = _parser().parse(sql[start:end])
    except UnexpectedInput as exc:
        raise _syntax_error(sql, start, end, exc) from None
    except _Reserved as exc:
        where = start + (exc.token.start_pos or 0)
        raise SelectSyntaxError(f"syntax error at or near {str(exc.token)!r} ({position(sql, where)})"
                                + _SUBQUERY * (exc.token.lower() == "select"), where) from None
    try:
        select: t.Select = _Build(sql, start).transform(parsed)
    except VisitError as exc:
        if isinstance(exc.orig_exc, SelectSyntaxError):
            raise exc.orig_exc from None
        raise
    return select


_SUBQUERY = (": a sub-query is only allowed as a source in FROM "
             "(DeltaStream's SQL parser has no sub-queries in expressions)")


def _syntax_error(sql: str, start: int, end: int, exc: UnexpectedInput) -> SelectSyntaxError:
    offset = getattr(exc, "pos_in_stream", None)
    at_end = isinstance(exc, UnexpectedEOF) or offset is None or (
        isinstance(exc, UnexpectedToken) and exc.token.type == "$END")
    where = end if at_end or offset is None else start + offset
    if at_end:
        near = "end of input"
    elif isinstance(exc, UnexpectedCharacters):
        near = repr(sql[where:where + 1])
    else:
        near = repr(str(exc.token)) if isinstance(exc, UnexpectedToken) else repr(sql[where:where + 1])
    return SelectSyntaxError(f"syntax error at or near {near} ({position(sql, where)})", where)


def identifier(token: Token) -> str:
    """Bare identifiers are lower-cased; quoted ones keep case, with doubled quotes undone (the statement parser's
    rule too)."""
    text = str(token)
    if token.type == "QUOTED_IDENT":
        return text[1:-1].replace('""', '"')
    if token.type == "BACKTICK_IDENT":
        return text[1:-1].replace("``", "`")
    return text.lower()


def string(token: Token) -> str:
    """A string literal's text, doubled quotes undone."""
    return str(token)[1:-1].replace("''", "'")


def _number(token: Token) -> t.Literal:
    text = str(token)
    return t.Literal(int(text), "INTEGER", _NO_POS) if text.isdigit() else t.Literal(float(text), "DOUBLE", _NO_POS)


_NO_POS = t.Pos(0, 0)


def _data(children: tuple[Any, ...]) -> list[Any]:
    """A rule's children without its keyword tokens."""
    return [c for c in children if not (isinstance(c, Token) and c.type not in _DATA)]


_DATA = {"NAME", "QUOTED_IDENT", "BACKTICK_IDENT", "STRING", "NUMBER", "COMPARE", "ADD_OP", "MUL_OP", "SUB_OP"}


@v_args(meta=True, inline=True)
class _Build(Transformer[Token, t.Select]):
    def __init__(self, sql: str, start: int) -> None:
        super().__init__()
        self.sql, self.start_at = sql, start

    def _pos(self, meta: Any) -> t.Pos:
        return position(self.sql, self.start_at + meta.start_pos)

    def _token_pos(self, token: Token) -> t.Pos:
        return position(self.sql, self.start_at + (token.start_pos or 0))

    def start(self, _meta: Any, select: t.Select) -> t.Select:
        return select

    def select(self, meta: Any, *c: Any) -> t.Select:
        distinct = any(isinstance(x, Token) and x.type == "DISTINCT" for x in c)
        items, (source, joins), *clauses = _data(c)
        parts = dict(clauses)
        return t.Select(items, source, joins, self._pos(meta), distinct, parts.get("where"),
                        parts.get("group_by", ()), parts.get("having"), parts.get("partition_by", ()),
                        parts.get("limit"))

    def select_items(self, _meta: Any, *items: t.Item) -> tuple[t.Item, ...]:
        return items

    def star(self, meta: Any) -> t.Item:
        return t.Item(t.Star(None, self._pos(meta)), None, self._pos(meta))

    def qualified_star(self, meta: Any, qualifier: str) -> t.Item:
        return t.Item(t.Star(qualifier, self._pos(meta)), None, self._pos(meta))

    def item(self, meta: Any, *c: Any) -> t.Item:
        expr, *alias = _data(c)
        return t.Item(expr, alias[0] if alias else None, self._pos(meta))

    def from_clause(self, _meta: Any, source: t.Source, *joins: t.Join) -> tuple[t.Source, tuple[t.Join, ...]]:
        return source, joins

    def relation(self, meta: Any, name: tuple[str, ...], *c: Any) -> t.Relation:
        alias, properties = _alias_and_properties(c)
        return t.Relation(name, alias, self._pos(meta), properties)

    def windowed(self, meta: Any, window: t.Window, *c: Any) -> t.Window:
        alias, properties = _alias_and_properties(c)
        return t.Window(window.kind, window.relation, window.size, window.advance, alias, self._pos(meta),
                        properties)

    def subquery(self, meta: Any, select: t.Select, *c: Any) -> t.Subquery:
        alias = next((x for x in c if _plain(x)), None)
        return t.Subquery(select, alias, self._pos(meta))

    def window(self, meta: Any, kind: Token, *c: Any) -> t.Window:
        name, size, *advance = _data(c)
        relation = t.Relation(name, None, self._pos(meta))
        return t.Window(kind.upper(), relation, size, advance[0] if advance else None, None, self._pos(meta))

    def source_with(self, _meta: Any, _kw: Token, *props: tuple[str, object]) -> dict[str, object]:
        return dict(props)

    def property(self, _meta: Any, key: Token, value: Token) -> tuple[str, object]:
        kinds: dict[str, Callable[[Token], object]] = {
            "STRING": string, "NUMBER": lambda v: _number(v).value, "NAME": str,
            "TRUE": lambda _: True, "FALSE": lambda _: False}
        return string(key).lower(), kinds[value.type](value)

    def join(self, meta: Any, *c: Any) -> t.Join:
        kind = next((x for x in c if _plain(x) and x.isupper()), "INNER")
        source = next(x for x in c if isinstance(x, (t.Relation, t.Window, t.Subquery)))
        within = next((x for x in c if isinstance(x, t.Interval)), None)
        on = c[-1] if not isinstance(c[-1], (Token, t.Relation, t.Window, t.Subquery, t.Interval)) else None
        return t.Join(kind, source, within, on, self._pos(meta))

    def join_kind(self, _meta: Any, kind: Token, *_outer: Token) -> str:
        return kind.upper()

    def interval(self, meta: Any, amount: Token, unit: Token) -> t.Interval:
        name = unit.lower().removesuffix("s")
        if name not in UNITS:
            raise SelectSyntaxError(f"unknown time unit {str(unit)!r} ({self._token_pos(unit)}): one of "
                                    f"{', '.join(u.upper() for u in UNITS)} (or their plurals)",
                                    self.start_at + (unit.start_pos or 0))
        value = float(str(amount))
        return t.Interval(value, name.upper(), value * UNITS[name], self._pos(meta))

    def where(self, _meta: Any, _kw: Token, expr: t.Expr) -> tuple[str, t.Expr]:
        return "where", expr

    def group_by(self, _meta: Any, *c: Any) -> tuple[str, tuple[t.Expr, ...]]:
        return "group_by", tuple(_data(c))

    def having(self, _meta: Any, _kw: Token, expr: t.Expr) -> tuple[str, t.Expr]:
        return "having", expr

    def partition_by(self, _meta: Any, *c: Any) -> tuple[str, tuple[t.Expr, ...]]:
        return "partition_by", tuple(_data(c))

    def limit(self, _meta: Any, _kw: Token, rows: Token) -> tuple[str, int]:
        return "limit", int(str(rows))

    def or_(self, meta: Any, left: t.Expr, _op: Token, right: t.Expr) -> t.Binary:
        return t.Binary("OR", left, right, self._pos(meta))

    def and_(self, meta: Any, left: t.Expr, _op: Token, right: t.Expr) -> t.Binary:
        return t.Binary("AND", left, right, self._pos(meta))

    def not_(self, meta: Any, _op: Token, operand: t.Expr) -> t.Unary:
        return t.Unary("NOT", operand, self._pos(meta))

    def compare(self, meta: Any, left: t.Expr, op: Token, right: t.Expr) -> t.Binary:
        return t.Binary(str(op), left, right, self._token_pos(op))

    def equals(self, meta: Any, left: t.Expr, right: t.Expr) -> t.Binary:
        return t.Binary("=", left, right, self._pos(meta))

    def is_null(self, meta: Any, operand: t.Expr, *c: Token) -> t.Unary:
        negated = any(x.type == "NOT" for x in c)
        return t.Unary("IS NOT NULL" if negated else "IS NULL", operand, self._pos(meta))

    def between(self, meta: Any, operand: t.Expr, *c: Any) -> t.Between:
        low, high = _data(c)
        return t.Between(operand, low, high, _negated(c), self._pos(meta))

    def in_list(self, meta: Any, operand: t.Expr, *c: Any) -> t.InList:
        return t.InList(operand, tuple(_data(c)), _negated(c), self._pos(meta))

    def like(self, meta: Any, operand: t.Expr, *c: Any) -> t.Expr:
        (pattern,) = _data(c)
        like = t.Binary("LIKE", operand, pattern, self._pos(meta))
        return t.Unary("NOT", like, self._pos(meta)) if _negated(c) else like

    def binary(self, meta: Any, left: t.Expr, op: Token, right: t.Expr) -> t.Binary:
        return t.Binary(str(op), left, right, self._token_pos(op))

    def times(self, meta: Any, left: t.Expr, right: t.Expr) -> t.Binary:
        return t.Binary("*", left, right, self._pos(meta))

    def negate(self, meta: Any, _op: Token, operand: t.Expr) -> t.Expr:
        if isinstance(operand, t.Literal) and operand.type in ("INTEGER", "DOUBLE"):
            return t.Literal(-operand.value, operand.type, self._pos(meta))  # type: ignore[operator]
        return t.Unary("-", operand, self._pos(meta))

    def subscript(self, meta: Any, operand: t.Expr, index: t.Expr) -> t.Subscript:
        return t.Subscript(operand, index, self._pos(meta))

    def field(self, meta: Any, operand: t.Expr, name: str) -> t.Field:
        return t.Field(operand, name, self._pos(meta))

    def case(self, meta: Any, _kw: Token, *c: Any) -> t.Case:
        parts = _data(c)
        whens = tuple(p for p in parts if isinstance(p, tuple))
        rest = [p for p in parts if not isinstance(p, tuple)]
        first_when = next(i for i, p in enumerate(parts) if isinstance(p, tuple))
        operand = parts[0] if first_when == 1 else None
        otherwise = rest[-1] if len(rest) > (1 if operand is not None else 0) else None
        return t.Case(operand, whens, otherwise, self._pos(meta))

    def when(self, _meta: Any, _when: Token, condition: t.Expr, _then: Token, value: t.Expr) -> tuple[t.Expr, t.Expr]:
        return condition, value

    def cast(self, meta: Any, _kw: Token, operand: t.Expr, _as: Token, type_: str) -> t.Cast:
        return t.Cast(operand, type_, self._pos(meta))

    def column(self, meta: Any, *parts: str) -> t.Column:
        return t.Column(parts, self._pos(meta))

    def call(self, meta: Any, name: str, *c: Any) -> t.Call:
        distinct = any(isinstance(x, Token) and x.type == "DISTINCT" for x in c)
        args = next((x for x in c if isinstance(x, tuple)), ())
        return t.Call(name, args, self._pos(meta), distinct)

    def count_star(self, meta: Any, name: str) -> t.Call:
        return t.Call(name, (t.Star(None, self._pos(meta)),), self._pos(meta))

    def trim_from(self, meta: Any, _kw: Token, *c: Any) -> t.Call:
        side = next((x for x in c if _plain(x)), "BOTH")
        exprs = tuple(x for x in c if not isinstance(x, str))
        return t.Call("trim", exprs, self._pos(meta), modifier=side)

    def trim_side(self, _meta: Any, token: Token) -> str:
        return token.upper()

    def trim_plain(self, meta: Any, _kw: Token, operand: t.Expr) -> t.Call:
        return t.Call("trim", (operand,), self._pos(meta), modifier="BOTH")

    def extract(self, meta: Any, _kw: Token, unit: Token, _from: Token, operand: t.Expr) -> t.Call:
        return t.Call("extract", (operand,), self._pos(meta), modifier=unit.upper())

    def arguments(self, _meta: Any, *args: t.Expr) -> tuple[t.Expr, ...]:
        return args

    def string(self, meta: Any, token: Token) -> t.Literal:
        return t.Literal(string(token), "VARCHAR", self._pos(meta))

    def number(self, meta: Any, token: Token) -> t.Literal:
        literal = _number(token)
        return t.Literal(literal.value, literal.type, self._pos(meta))

    def true(self, meta: Any, _token: Token) -> t.Literal:
        return t.Literal(True, "BOOLEAN", self._pos(meta))

    def false(self, meta: Any, _token: Token) -> t.Literal:
        return t.Literal(False, "BOOLEAN", self._pos(meta))

    def null(self, meta: Any, _token: Token) -> t.Literal:
        return t.Literal(None, "NULL", self._pos(meta))

    def interval_literal(self, meta: Any, _kw: Token, amount: Token, unit: Token) -> t.Literal:
        return t.Literal(f"{string(amount)} {unit.upper()}", "INTERVAL", self._pos(meta))

    def column_type(self, _meta: Any, name: str, args: str = "") -> str:
        return name + args

    def type_name(self, _meta: Any, *words: Token) -> str:
        return " ".join(w.upper() for w in words)

    def type_args(self, _meta: Any, *numbers: Token) -> str:
        return "(" + ", ".join(numbers) + ")"

    def array_type(self, _meta: Any, _kw: Token, inner: str) -> str:
        return f"ARRAY<{inner}>"

    def map_type(self, _meta: Any, _kw: Token, key: str, value: str) -> str:
        return f"MAP<{key}, {value}>"

    def struct_type(self, _meta: Any, _kw: Token, *fields: str) -> str:
        return f"STRUCT<{', '.join(fields)}>"

    def struct_field(self, _meta: Any, name: str, type_: str) -> str:
        return f"{name} {type_}"

    def relation_name(self, _meta: Any, *parts: str) -> tuple[str, ...]:
        return parts

    def ident(self, _meta: Any, token: Token) -> str:
        return identifier(token)


def _plain(value: object) -> bool:
    """A string a rule built (a name, a join kind), not a keyword token (``Token`` is a ``str`` too)."""
    return isinstance(value, str) and not isinstance(value, Token)


def _alias_and_properties(c: tuple[Any, ...]) -> tuple[str | None, dict[str, object]]:
    alias = next((x for x in c if _plain(x)), None)
    properties = next((x for x in c if isinstance(x, dict)), {})
    return alias, properties


def _negated(c: tuple[Any, ...]) -> bool:
    return any(isinstance(x, Token) and x.type == "NOT" for x in c)
