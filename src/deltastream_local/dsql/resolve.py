"""Checks a parsed SELECT against the catalog as DeltaStream does, and answers what it reads and writes.

``resolve(select, lookup)`` resolves every relation (``lookup`` answers a name's kind and columns, or raises the
catalog's refusal), every column and function, checks the documented join, window and grouping rules and the
types DeltaStream documents (conditions are BOOLEAN, arithmetic takes numbers, SUM and AVG too), and returns the
relations read and the output columns with their types. Refusals are ``SqlFailure`` with one of DeltaStream's
codes (42601, 3D017, 0A000, 3D020) and the line and column of what is wrong (CHOICES.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, fields

from ..results import SqlFailure
from ..statements import ColumnSpec
from . import functions as fn
from . import tree as t

#: The columns a window function adds to its relation (docs: FROM, window functions).
WINDOW_COLUMNS = (ColumnSpec("window_start", "TIMESTAMP(3)", False), ColumnSpec("window_end", "TIMESTAMP(3)", False))
BOOLEAN, NULL = "BOOLEAN", "NULL"
#: DeltaStream's codes (deltastreaminc/go-deltastream ``sqlcode.go`` declares the set it returns): a statement it
#: cannot plan is a SyntaxError, an unknown function InvalidFunction; the message says which check failed.
SYNTAX, INVALID_FUNCTION = "42601", "3D017"


@dataclass(frozen=True)
class SourceInfo:
    """A relation a query reads: its path (database, schema, name), kind and columns."""

    path: tuple[str, ...]
    kind: str
    columns: tuple[ColumnSpec, ...]


#: Resolves a relation name as written, or raises the catalog's SqlFailure.
Lookup = Callable[[tuple[str, ...], t.Pos], SourceInfo]


@dataclass(frozen=True)
class Resolved:
    """The relations read (each once, in order of appearance) and the columns written."""

    sources: tuple[SourceInfo, ...]
    columns: tuple[ColumnSpec, ...]


@dataclass
class _Scope:
    qualifiers: frozenset[str]
    columns: dict[str, ColumnSpec]
    kind: str


def resolve(select: t.Select, lookup: Lookup, user: fn.UserFunctions | None = None) -> Resolved:
    """Check ``select`` and answer what it reads and writes (raises SqlFailure); ``user`` are the functions created
    with CREATE FUNCTION, known beside the built-in ones."""
    return _Resolver(lookup, user or {}).select(select)


class _Resolver:
    def __init__(self, lookup: Lookup, user: fn.UserFunctions) -> None:
        self.lookup = lookup
        self.user = user
        self.sources: dict[tuple[str, ...], SourceInfo] = {}

    def _relation(self, relation: t.Relation) -> SourceInfo:
        info = self.lookup(relation.name, relation.pos)
        self.sources.setdefault(info.path, info)
        return info

    def select(self, select: t.Select) -> Resolved:
        scopes = [self._scope(select.source)]
        for join in select.joins:
            right = self._scope(join.source)
            self._check_join(join, scopes, right)
            scopes.append(right)
            if join.on is not None:
                self._expect_boolean(join.on, scopes, "JOIN ... ON", aggregates=False)
        if select.where is not None:
            self._expect_boolean(select.where, scopes, "WHERE", aggregates=False)
        for key in (*select.group_by, *select.partition_by):
            self._type(key, scopes, aggregates=False)
        if select.having is not None:
            self._expect_boolean(select.having, scopes, "HAVING", aggregates=True)
        columns = self._outputs(select, scopes)
        grouped = bool(select.group_by) or any(_has_aggregate(i.expr) for i in select.items) or (
            select.having is not None)
        if grouped:
            keys = {_key(k, scopes) for k in select.group_by}
            for item in select.items:
                self._check_grouped(item.expr, keys, scopes)
            if select.having is not None:
                self._check_grouped(select.having, keys, scopes)
        return Resolved(tuple(self.sources.values()), tuple(columns))

    # --- sources ------------------------------------------------------------------------------------------

    def _scope(self, source: t.Source) -> _Scope:
        if isinstance(source, t.Relation):
            info = self._relation(source)
            return _Scope(_qualifiers(source.name, source.alias), {c.name: c for c in info.columns}, info.kind)
        if isinstance(source, t.Window):
            info = self._relation(source.relation)
            _check_window(source)
            columns = {c.name: c for c in (*info.columns, *WINDOW_COLUMNS)}
            return _Scope(_qualifiers(source.relation.name, source.alias), columns, info.kind)
        inner = _Resolver(self.lookup, self.user)
        resolved = inner.select(source.select)
        for path, info in inner.sources.items():
            self.sources.setdefault(path, info)
        kind = "changelog" if any(s.kind == "changelog" for s in resolved.sources) else "stream"
        return _Scope(frozenset({source.alias} if source.alias else set()),
                      {c.name: c for c in resolved.columns}, kind)

    def _check_join(self, join: t.Join, left: list[_Scope], right: _Scope) -> None:
        """The rules of the JOIN page: INNER, LEFT and FULL (RIGHT "Not supported"), an equality of columns as ON,
        WITHIN for two streams (an interval join) and only for them (a stream and a changelog: a temporal join)."""
        if join.kind in ("RIGHT", "CROSS"):
            raise SqlFailure("0A000", f"{join.kind} JOIN is not supported ({join.pos}): DeltaStream joins with "
                                      "JOIN (INNER), LEFT JOIN or FULL JOIN")
        if join.on is None:
            raise SqlFailure("42601", f"JOIN needs an ON condition ({join.pos})")
        if not _is_equality(join.on):
            raise SqlFailure("0A000", f"the JOIN condition must be an equality of columns ({_pos(join.on)}), "
                                      "optionally several joined with AND")
        streams = left[0].kind == "stream" and right.kind == "stream"
        if streams and join.within is None:
            raise SqlFailure("42601", f"a stream/stream JOIN needs WITHIN ({join.pos}): "
                                      "JOIN s2 WITHIN 5 MINUTES ON s1.k = s2.k")
        if not streams and join.within is not None:
            raise SqlFailure("42601", f"WITHIN is for stream/stream joins only ({join.within.pos})")

    # --- outputs ------------------------------------------------------------------------------------------

    def _outputs(self, select: t.Select, scopes: list[_Scope]) -> list[ColumnSpec]:
        columns: list[ColumnSpec] = []
        for index, item in enumerate(select.items):
            if isinstance(item.expr, t.Star):
                chosen = scopes if item.expr.qualifier is None else [self._qualified(item.expr.qualifier, scopes,
                                                                                      item.pos)]
                columns.extend(c for scope in chosen for c in scope.columns.values())
                continue
            type_ = self._type(item.expr, scopes, aggregates=True)
            name = item.alias or _natural_name(item.expr) or f"expr_{index}"
            nullable = self._column(item.expr, scopes).nullable if isinstance(item.expr, t.Column) else True
            columns.append(ColumnSpec(name, "VARCHAR" if type_ == NULL else type_, nullable))
        seen: set[str] = set()
        for column, item in zip(columns, select.items, strict=False):
            if column.name in seen:
                raise SqlFailure(SYNTAX, f"column {column.name!r} is written more than once ({item.pos}): give "
                                          "one of them another name with AS")
            seen.add(column.name)
        return columns

    # --- expressions --------------------------------------------------------------------------------------

    def _qualified(self, qualifier: str, scopes: list[_Scope], pos: t.Pos) -> _Scope:
        for scope in scopes:
            if qualifier in scope.qualifiers:
                return scope
        raise SqlFailure(SYNTAX, f"{qualifier!r} names no relation of the FROM clause ({pos})")

    def _column(self, column: t.Column, scopes: list[_Scope]) -> ColumnSpec:
        if len(column.parts) == 1:
            found = [s.columns[column.name] for s in scopes if column.name in s.columns]
            if len(found) > 1:
                raise SqlFailure(SYNTAX, f"column reference {column.name!r} is ambiguous ({column.pos}): "
                                          "qualify it with its relation")
            if found:
                return found[0]
            raise SqlFailure(SYNTAX, f"column {column.name!r} does not exist ({column.pos})")
        scope = self._qualified(".".join(column.parts[:-1]), scopes, column.pos)
        if column.name not in scope.columns:
            raise SqlFailure(SYNTAX, f"column {'.'.join(column.parts)!r} does not exist ({column.pos})")
        return scope.columns[column.name]

    def _expect_boolean(self, expr: t.Expr, scopes: list[_Scope], clause: str, aggregates: bool) -> None:
        type_ = self._type(expr, scopes, aggregates)
        if type_ not in (BOOLEAN, NULL):
            raise SqlFailure(SYNTAX, f"argument of {clause} must be type BOOLEAN, not type {type_} ({_pos(expr)})")

    def _type(self, expr: t.Expr, scopes: list[_Scope], aggregates: bool) -> str:
        """The expression's type; refuses unknown columns and functions, misplaced aggregates, wrong types."""
        if isinstance(expr, t.Column):
            return self._column(expr, scopes).type
        if isinstance(expr, t.Literal):
            return expr.type
        if isinstance(expr, t.Star):
            raise SqlFailure("42601", f"'*' is only a select item or COUNT(*)'s argument ({expr.pos})")
        if isinstance(expr, t.Call):
            return self._call(expr, scopes, aggregates)
        if isinstance(expr, t.Binary):
            return self._binary(expr, scopes, aggregates)
        if isinstance(expr, t.Unary):
            operand = self._type(expr.operand, scopes, aggregates)
            if expr.op == "NOT" and operand not in (BOOLEAN, NULL):
                raise SqlFailure(SYNTAX, f"argument of NOT must be type BOOLEAN, not type {operand} ({expr.pos})")
            if expr.op == "-" and not (fn.is_numeric(operand) or operand == NULL):
                raise SqlFailure(SYNTAX, f"operator does not exist: -{operand} ({expr.pos})")
            return operand if expr.op == "-" else BOOLEAN
        if isinstance(expr, t.Between):
            for part in (expr.operand, expr.low, expr.high):
                self._type(part, scopes, aggregates)
            return BOOLEAN
        if isinstance(expr, t.InList):
            for part in (expr.operand, *expr.values):
                self._type(part, scopes, aggregates)
            return BOOLEAN
        if isinstance(expr, t.Case):
            return self._case(expr, scopes, aggregates)
        if isinstance(expr, t.Cast):
            self._type(expr.operand, scopes, aggregates)
            return expr.type
        if isinstance(expr, t.Subscript):
            container = self._type(expr.operand, scopes, aggregates)
            self._type(expr.index, scopes, aggregates)
            return _element_type(container)
        operand = self._type(expr.operand, scopes, aggregates)
        return _field_type(operand, expr)

    def _call(self, call: t.Call, scopes: list[_Scope], aggregates: bool) -> str:
        function = fn.FUNCTIONS.get(call.name)
        if function is None and call.name.lower() in self.user:
            return self._user_call(call, self.user[call.name.lower()], scopes, aggregates)
        if function is None:
            raise SqlFailure(INVALID_FUNCTION, f"function {call.name.upper()} does not exist ({call.pos})")
        count = len(call.args)
        if count < function.low or (function.high is not None and count > function.high):
            wanted = str(function.low) if function.high == function.low else (
                f"{function.low} or more" if function.high is None else f"{function.low} to {function.high}")
            raise SqlFailure(SYNTAX, f"function {call.name.upper()} takes {wanted} argument"
                                      f"{'' if wanted == '1' else 's'}, not {count} ({call.pos})")
        if function.aggregate and not aggregates:
            raise SqlFailure(SYNTAX, f"aggregate function {call.name.upper()} is not allowed here ({call.pos}): "
                                      "aggregates go in the select list or HAVING")
        types = [NULL if isinstance(a, t.Star) else self._type(a, scopes, aggregates and not function.aggregate)
                 for a in call.args]
        if isinstance(call.args[0] if call.args else None, t.Star) and call.name != "count":
            raise SqlFailure("42601", f"'*' is only COUNT's argument ({call.pos})")
        if function.numeric:
            for arg, type_ in zip(call.args, types, strict=True):
                if not (fn.is_numeric(type_) or type_ == NULL):
                    raise SqlFailure(SYNTAX, f"function {call.name.upper()}({type_}) does not exist "
                                              f"({_pos(arg)}): it takes a number")
        if function.result == fn.SAME:
            return next((x for x in types if x != NULL), NULL)
        if function.result == "ARG1":
            return types[1]
        return function.result

    def _user_call(self, call: t.Call, overloads: Sequence[fn.UserFunction], scopes: list[_Scope],
                   aggregates: bool) -> str:
        """A created function's result type: the overload of the arity called; among several, the one whose argument
        types match exactly (CHOICES.md)."""
        types = [self._type(a, scopes, aggregates) for a in call.args]
        fitting = [o for o in overloads if len(o.arguments) == len(types)]
        exact = [o for o in fitting if all(x in (NULL, a.upper()) or x.upper() == a.upper()
                                           for x, a in zip(types, o.arguments, strict=True))]
        chosen = exact[0] if exact else (fitting[0] if len(fitting) == 1 else None)
        if chosen is None:
            shown = ", ".join(types)
            raise SqlFailure(SYNTAX, f"function {call.name.upper()}({shown}) does not exist ({call.pos}): no "
                                      "overload created with CREATE FUNCTION takes these arguments")
        return chosen.result

    def _binary(self, expr: t.Binary, scopes: list[_Scope], aggregates: bool) -> str:
        left, right = self._type(expr.left, scopes, aggregates), self._type(expr.right, scopes, aggregates)
        if expr.op in ("AND", "OR"):
            for side, type_ in ((expr.left, left), (expr.right, right)):
                if type_ not in (BOOLEAN, NULL):
                    raise SqlFailure(SYNTAX, f"argument of {expr.op} must be type BOOLEAN, not type {type_} "
                                              f"({_pos(side)})")
            return BOOLEAN
        if expr.op == "||":
            return "VARCHAR"
        if expr.op in ("+", "-", "*", "/", "%"):
            return _arithmetic(expr, left, right)
        return BOOLEAN

    def _case(self, expr: t.Case, scopes: list[_Scope], aggregates: bool) -> str:
        if expr.operand is not None:
            self._type(expr.operand, scopes, aggregates)
        results: list[str] = []
        for condition, value in expr.whens:
            if expr.operand is None:
                self._expect_boolean(condition, scopes, "CASE WHEN", aggregates)
            else:
                self._type(condition, scopes, aggregates)
            results.append(self._type(value, scopes, aggregates))
        if expr.otherwise is not None:
            results.append(self._type(expr.otherwise, scopes, aggregates))
        return next((r for r in results if r != NULL), NULL)

    def _check_grouped(self, expr: t.Expr, keys: set[str], scopes: list[_Scope]) -> None:
        """In a grouped SELECT, a column outside an aggregate must be a GROUP BY key (or inside one)."""
        if isinstance(expr, t.Star):
            raise SqlFailure(SYNTAX, f"'*' cannot be selected with GROUP BY or an aggregate ({expr.pos})")
        if _key(expr, scopes) in keys or isinstance(expr, t.Literal):
            return
        if isinstance(expr, t.Call) and expr.name in fn.FUNCTIONS and fn.FUNCTIONS[expr.name].aggregate:
            return
        if isinstance(expr, t.Column):
            raise SqlFailure(SYNTAX, f"column {'.'.join(expr.parts)!r} must appear in the GROUP BY clause or be "
                                      f"used in an aggregate function ({expr.pos})")
        for child in _children(expr):
            self._check_grouped(child, keys, scopes)


def _qualifiers(name: tuple[str, ...], alias: str | None) -> frozenset[str]:
    if alias is not None:
        return frozenset({alias})
    return frozenset({".".join(name[i:]) for i in range(len(name))})


def _check_window(window: t.Window) -> None:
    if window.size.millis <= 0:
        raise SqlFailure(SYNTAX, f"a window's SIZE must be positive ({window.size.pos})")
    if window.advance is not None:
        if window.advance.millis <= 0:
            raise SqlFailure(SYNTAX, f"a HOP window's ADVANCE BY must be positive ({window.advance.pos})")
        if window.advance.millis > window.size.millis:
            raise SqlFailure(SYNTAX, f"a HOP window's ADVANCE BY cannot exceed its SIZE ({window.advance.pos})")


def _is_equality(expr: t.Expr) -> bool:
    if isinstance(expr, t.Binary) and expr.op == "AND":
        return _is_equality(expr.left) and _is_equality(expr.right)
    return isinstance(expr, t.Binary) and expr.op == "=" and not isinstance(expr.left, t.Literal) and not isinstance(
        expr.right, t.Literal)


def _arithmetic(expr: t.Binary, left: str, right: str) -> str:
    temporal = ("TIMESTAMP", "DATE", "TIME")
    if NULL in (left, right):
        return right if left == NULL else left
    if expr.op in ("+", "-") and (left.startswith(temporal) and right == "INTERVAL"):
        return left
    for side, type_ in ((expr.left, left), (expr.right, right)):
        if not fn.is_numeric(type_):
            raise SqlFailure(SYNTAX, f"operator does not exist: {left} {expr.op} {right} ({_pos(side)}): "
                                      "arithmetic takes numbers (CAST the operand)")
    if all(x.startswith(("TINYINT", "SMALLINT", "INT", "BIGINT")) for x in (left, right)):
        return "BIGINT" if "BIGINT" in (left, right) else "INTEGER"
    if any(x.startswith("DECIMAL") for x in (left, right)) and not any(
            x.startswith(("DOUBLE", "FLOAT", "REAL")) for x in (left, right)):
        return next(x for x in (left, right) if x.startswith("DECIMAL"))
    return "DOUBLE"


def _split_top(text: str) -> list[str]:
    """``a INT, b MAP<K, V>`` split at its top-level commas."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += 1 if char in "<(" else (-1 if char in ">)" else 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    parts.append(current.strip())
    return parts


def _element_type(container: str) -> str:
    upper = container.upper()
    if upper.startswith("ARRAY<"):
        return container[6:-1]
    if upper.startswith("MAP<"):
        return _split_top(container[4:-1])[-1]
    return "VARCHAR"


def _field_type(struct: str, field: t.Field) -> str:
    if not struct.upper().startswith("STRUCT<"):
        raise SqlFailure(SYNTAX, f"'->' reads a field of a STRUCT, not of a {struct} ({field.pos})")
    for part in _split_top(struct[7:-1]):
        name, _, type_ = part.partition(" ")
        if name.strip('"').lower() == field.name.lower():
            return type_.strip()
    raise SqlFailure(SYNTAX, f"field {field.name!r} does not exist in {struct} ({field.pos})")


def _natural_name(expr: t.Expr) -> str | None:
    if isinstance(expr, t.Column):
        return expr.name
    if isinstance(expr, t.Field):
        return expr.name
    return None


def _pos(expr: t.Expr) -> t.Pos:
    return expr.pos


def _children(expr: t.Expr) -> Iterator[t.Expr]:
    """The expressions directly inside ``expr``."""
    for f in fields(expr):
        value = getattr(expr, f.name)
        items = value if isinstance(value, tuple) else (value,)
        for item in items:
            if isinstance(item, tuple):
                yield from (x for x in item if not isinstance(x, (str, t.Pos)))
            elif item is not None and not isinstance(item, (str, bool, int, float, t.Pos)) and f.name != "value":
                yield item


def _has_aggregate(expr: t.Expr) -> bool:
    if isinstance(expr, t.Call) and expr.name in fn.FUNCTIONS and fn.FUNCTIONS[expr.name].aggregate:
        return True
    return any(_has_aggregate(child) for child in _children(expr))


def _key(expr: t.Expr, scopes: list[_Scope]) -> str:
    """An expression's shape without positions, columns by their resolved name: GROUP BY keys compare by it."""
    if isinstance(expr, t.Column):
        name = expr.name
        owners = [i for i, s in enumerate(scopes) if name in s.columns]
        if len(expr.parts) > 1:
            owners = [i for i, s in enumerate(scopes) if ".".join(expr.parts[:-1]) in s.qualifiers] or owners
        return f"col:{owners[0] if owners else '?'}:{name}"
    if isinstance(expr, t.Literal):
        return f"lit:{expr.value!r}"
    parts = [type(expr).__name__]
    for f in fields(expr):
        value = getattr(expr, f.name)
        if isinstance(value, t.Pos):
            continue
        if isinstance(value, (str, bool)) or value is None:
            parts.append(repr(value))
        elif isinstance(value, tuple):
            parts.append("[" + ",".join(_key(v, scopes) if not isinstance(v, tuple) else
                                        "(" + ",".join(_key(x, scopes) for x in v) + ")" for v in value) + "]")
        else:
            parts.append(_key(value, scopes))
    return "(" + " ".join(parts) + ")"
