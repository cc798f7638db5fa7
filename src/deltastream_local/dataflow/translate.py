"""A continuous query's SELECT, as ``dsql`` parsed it, written in DuckDB's SQL.

Each named relation read becomes a table ``<prefix>src_<i>`` (one per occurrence, so a self-join reads two), a
TUMBLE or HOP a view ``<prefix>win_<k>`` over its relation's table with ``window_start`` and ``window_end``, and a
join's ``WITHIN`` a bound on the two sides' event times. Sources keep their alias or name, so qualified columns
resolve as written. Every SELECT but a DISTINCT one also gives its rows' event time and order (the hidden columns,
the newest of what they come from), so a relation an application defines from it can be windowed or joined in turn.
Functions are DeltaStream's (its function reference, Flink's names); where DuckDB names or orders them otherwise
they are rewritten here, and one DuckDB lacks fails the evaluation with DuckDB's message. A Java UDF (a function
made with CREATE FUNCTION) is not evaluated: no Java runs here, so its query's rows are left unevaluated.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..dsql import tree as t

#: The hidden columns every loaded table has: event time in epoch milliseconds and arrival order.
TIME, ORDER = "__ts", "__seq"
HIDDEN = f'EXCLUDE ("{TIME}", "{ORDER}")'
#: DeltaStream's (Flink's) functions under another DuckDB name, same arguments.
RENAMED = {"char_length": "length", "character_length": "length", "listagg": "string_agg", "regexp": "regexp_matches",
           "ceiling": "ceil", "first_value": "first", "last_value": "last", "var_pop": "var_pop",
           "hash_code": "hash", "stddev_pop": "stddev_pop", "stddev_samp": "stddev_samp", "var_samp": "var_samp"}
TRIM_SIDES = {"LEADING": "ltrim", "TRAILING": "rtrim", "BOTH": "trim"}


class TranslationError(Exception):
    """A query the local engine cannot evaluate, with the reason."""


@dataclass(frozen=True)
class Loaded:
    """A relation occurrence the query reads: its name as written and its ``WITH ('timestamp' = ..)`` column."""

    name: tuple[str, ...]
    time_column: str | None


@dataclass(frozen=True)
class WindowView:
    source: int  # index of its relation in ``Translated.relations``
    size_ms: int
    advance_ms: int | None  # HOP only


@dataclass
class Translated:
    """The query for DuckDB over ``<prefix>src_<i>`` (``relations[i]``) and ``<prefix>win_<k>`` (``windows[k]``)."""

    prefix: str = ""
    sql: str = ""
    relations: list[Loaded] = field(default_factory=list)
    windows: list[WindowView] = field(default_factory=list)
    sort_result: bool = False  # aggregates, joins, DISTINCT: rows in value order (DuckDB gives no order)
    hidden: bool = True  # its rows carry their event time and order (not a DISTINCT)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def translate(select: t.Select, prefix: str = "") -> Translated:
    out = Translated(prefix, hidden=not select.distinct)
    out.sql = _Writer(out).select(select)
    return out


def _hidden(sides: list[str], aggregated: bool) -> list[str]:
    """A row's event time and order: the newest of the rows it comes from (of a group's rows when aggregated)."""
    columns = []
    for hidden in (TIME, ORDER):
        values = [f"{_quote(side)}.\"{hidden}\"" for side in sides]
        value = values[0] if len(values) == 1 else f"GREATEST({', '.join(values)})"
        columns.append(f'{f"MAX({value})" if aggregated else value} AS "{hidden}"')
    return columns


class _Writer:
    def __init__(self, out: Translated) -> None:
        self.out = out

    def select(self, node: t.Select) -> str:
        aggregated = bool(node.group_by) or any(self._aggregates(i.expr) for i in node.items)
        if aggregated or node.joins or node.distinct:
            self.out.sort_result = True
        left, text = self.source(node.source)
        sides = [left]
        joins = ""
        for join in node.joins:
            right, joined = self.join(join, left)
            sides.append(right)
            joins += joined
        items = [self.item(i) for i in node.items]
        if not node.distinct:
            items += _hidden(sides, aggregated)
        sql = "SELECT " + ("DISTINCT " if node.distinct else "") + ", ".join(items) + f" FROM {text}{joins}"
        if node.where is not None:
            sql += f" WHERE {self.expr(node.where)}"
        if node.group_by:
            sql += " GROUP BY " + ", ".join(self.expr(e) for e in node.group_by)
        if node.having is not None:
            sql += f" HAVING {self.expr(node.having)}"
        if node.limit is not None:
            sql += f" LIMIT {node.limit}"
        return sql

    def _aggregates(self, expr: t.Expr) -> bool:
        from ..dsql.functions import FUNCTIONS

        if isinstance(expr, t.Call):
            known = FUNCTIONS.get(expr.name.lower())
            return bool(known and known.aggregate) or any(self._aggregates(a) for a in expr.args)
        return False

    def item(self, node: t.Item) -> str:
        text = self.expr(node.expr)
        return f"{text} AS {_quote(node.alias)}" if node.alias else text

    def _relation(self, node: t.Relation) -> int:
        column = node.properties.get("timestamp")
        self.out.relations.append(Loaded(node.name, str(column) if column is not None else None))
        return len(self.out.relations) - 1

    def source(self, node: t.Source) -> tuple[str, str]:
        """The source's alias in the SQL and its FROM text."""
        if isinstance(node, t.Relation):
            alias = node.alias or node.name[-1]
            return alias, f"{self.out.prefix}src_{self._relation(node)} AS {_quote(alias)}"
        if isinstance(node, t.Window):
            index = self._relation(node.relation)
            self.out.windows.append(WindowView(index, int(node.size.millis),
                                               int(node.advance.millis) if node.advance else None))
            alias = node.alias or node.relation.alias or node.relation.name[-1]
            return alias, f"{self.out.prefix}win_{len(self.out.windows) - 1} AS {_quote(alias)}"
        alias = node.alias or f"subquery_{len(self.out.relations)}"
        return alias, f"({self.select(node.select)}) AS {_quote(alias)}"

    def join(self, node: t.Join, left: str) -> tuple[str, str]:
        """The joined source's alias and the JOIN text."""
        if node.kind not in ("INNER", "LEFT"):  # dsql parses a plain JOIN as INNER
            raise TranslationError(f"{node.kind} JOIN is not supported by DeltaStream ({node.pos})")
        right, text = self.source(node.source)
        conditions = [self.expr(node.on)] if node.on is not None else []
        if node.within is not None:
            conditions.append(f'ABS({_quote(left)}."{TIME}" - {_quote(right)}."{TIME}") <= {int(node.within.millis)}')
        keyword = "LEFT JOIN" if node.kind == "LEFT" else "JOIN"
        return right, f" {keyword} {text} ON {' AND '.join(conditions) or 'TRUE'}"

    def expr(self, node: t.Expr) -> str:
        if isinstance(node, t.Column):
            return ".".join(_quote(p) for p in node.parts[-2:])
        if isinstance(node, t.Literal):
            return self.literal(node)
        if isinstance(node, t.Star):
            return f"{_quote(node.qualifier)}.* {HIDDEN}" if node.qualifier else f"* {HIDDEN}"
        if isinstance(node, t.Call):
            return self.call(node)
        if isinstance(node, t.Binary):
            op = "<>" if node.op == "!=" else node.op
            return f"({self.expr(node.left)} {op} {self.expr(node.right)})"
        if isinstance(node, t.Unary):
            if node.op in ("IS NULL", "IS NOT NULL"):
                return f"({self.expr(node.operand)} {node.op})"
            return f"({node.op} {self.expr(node.operand)})"
        if isinstance(node, t.Between):
            negated = "NOT " if node.negated else ""
            return f"({self.expr(node.operand)} {negated}BETWEEN {self.expr(node.low)} AND {self.expr(node.high)})"
        if isinstance(node, t.InList):
            values = ", ".join(self.expr(v) for v in node.values)
            return f"({self.expr(node.operand)} {'NOT ' if node.negated else ''}IN ({values}))"
        if isinstance(node, t.Case):
            return self.case(node)
        if isinstance(node, t.Cast):
            from .evaluate import duckdb_type

            return f"CAST({self.expr(node.operand)} AS {duckdb_type(node.type)})"
        return self.path(node)

    def literal(self, node: t.Literal) -> str:
        if node.value is None or node.type == "NULL":
            return "NULL"
        if node.type == "BOOLEAN":
            return "TRUE" if node.value else "FALSE"
        if node.type == "VARCHAR":
            return _string(str(node.value))
        return str(node.value)

    def case(self, node: t.Case) -> str:
        text = "CASE" + (f" {self.expr(node.operand)}" if node.operand is not None else "")
        for when, then in node.whens:
            text += f" WHEN {self.expr(when)} THEN {self.expr(then)}"
        if node.otherwise is not None:
            text += f" ELSE {self.expr(node.otherwise)}"
        return text + " END"

    def path(self, node: t.Subscript | t.Field) -> str:
        """A struct's field or an array's element, read from the JSON the value is kept as."""
        steps: list[str] = []
        current: t.Expr = node
        while isinstance(current, t.Subscript | t.Field):
            if isinstance(current, t.Field):
                steps.insert(0, "." + _quote(current.name))
            elif isinstance(current.index, t.Literal) and current.index.type == "INTEGER":
                steps.insert(0, f"[{int(str(current.index.value)) - 1}]")  # DeltaStream counts from 1
            else:
                steps.insert(0, f"[{_string(str(getattr(current.index, 'value', '')))}]")
            current = current.operand
        return f"json_extract_string({self.expr(current)}, {_string('$' + ''.join(steps))})"

    def call(self, node: t.Call) -> str:
        from ..dsql.functions import FUNCTIONS

        name = node.name.lower()
        if name not in FUNCTIONS:  # dsql refused every unknown name: this one was made with CREATE FUNCTION
            raise TranslationError(f"function {node.name.upper()} is a Java UDF ({node.pos}): the local server runs "
                                   "no Java, so what calls it is not evaluated")
        args = [self.expr(a) for a in node.args]
        if name == "trim" and node.modifier:
            chars, value = (args[0], args[1]) if len(args) == 2 else (None, args[0])
            return f"{TRIM_SIDES[node.modifier.upper()]}({value}{', ' + chars if chars else ''})"
        if name == "extract":
            return f"extract({node.modifier} FROM {args[0]})"
        if name in ("position", "locate"):
            return f"strpos({args[1]}, {args[0]})"
        if name == "if":
            return f"(CASE WHEN {args[0]} THEN {args[1]} ELSE {args[2]} END)"
        if name == "split_index":
            return f"split_part({args[0]}, {args[1]}, ({args[2]}) + 1)"
        if name == "to_timestamp_ltz":  # epoch seconds, or milliseconds with precision 3
            return f"epoch_ms({args[0]})" if args[1:] == ["3"] else f"to_timestamp({args[0]})"
        if name == "from_unixtime" and len(args) == 1:
            return f"strftime(to_timestamp({args[0]}), '%Y-%m-%d %H:%M:%S')"
        if name == "to_timestamp" and len(args) == 1:
            return f"CAST({args[0]} AS TIMESTAMP)"
        if name == "json_value":
            return f"json_extract_string({args[0]}, {args[1]})"
        if name == "unix_timestamp" and not args:
            return "epoch(now())::BIGINT"
        star = "*" if node.args and isinstance(node.args[0], t.Star) else None
        inner = star or ", ".join(args)
        return f"{RENAMED.get(name, name)}({'DISTINCT ' if node.distinct else ''}{inner})"
