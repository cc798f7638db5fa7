"""The typed tree of a DeltaStream SELECT: what the checks read and what an engine evaluates.

Every node that can be wrong carries its ``Pos`` (line and column in the statement as sent), so a refusal can say
where. Names are as DeltaStream reads them: bare identifiers lower-cased, quoted ones as written.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Pos:
    """1-based line and column in the text the client sent."""

    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}"


@dataclass(frozen=True)
class Column:
    """``c``, ``t.c`` or ``db.sc.t.c``: a column, qualified by a source's alias or name."""

    parts: tuple[str, ...]
    pos: Pos

    @property
    def name(self) -> str:
        return self.parts[-1]


@dataclass(frozen=True)
class Literal:
    """A constant; ``type`` is its SQL type (VARCHAR, INTEGER, DOUBLE, BOOLEAN, NULL, INTERVAL)."""

    value: object
    type: str
    pos: Pos


@dataclass(frozen=True)
class Star:
    """``*`` (every column) or ``t.*`` (every column of one source); inside ``COUNT(*)`` too."""

    qualifier: str | None
    pos: Pos


@dataclass(frozen=True)
class Call:
    """A function call. ``modifier`` is TRIM's side or EXTRACT's unit; TRIM's characters come first in ``args``."""

    name: str
    args: tuple[Expr, ...]
    pos: Pos
    distinct: bool = False
    modifier: str | None = None


@dataclass(frozen=True)
class Binary:
    """``op`` is one of ``+ - * / % || = <> != < <= > >= AND OR LIKE``."""

    op: str
    left: Expr
    right: Expr
    pos: Pos


@dataclass(frozen=True)
class Unary:
    """``NOT x``, ``-x``, ``x IS NULL`` / ``x IS NOT NULL`` (op ``IS NULL`` / ``IS NOT NULL``)."""

    op: str
    operand: Expr
    pos: Pos


@dataclass(frozen=True)
class Between:
    operand: Expr
    low: Expr
    high: Expr
    negated: bool
    pos: Pos


@dataclass(frozen=True)
class InList:
    operand: Expr
    values: tuple[Expr, ...]
    negated: bool
    pos: Pos


@dataclass(frozen=True)
class Case:
    """``CASE [operand] WHEN .. THEN .. [ELSE ..] END``."""

    operand: Expr | None
    whens: tuple[tuple[Expr, Expr], ...]
    otherwise: Expr | None
    pos: Pos


@dataclass(frozen=True)
class Cast:
    operand: Expr
    type: str
    pos: Pos


@dataclass(frozen=True)
class Subscript:
    """``x[i]``: an array element or a map value."""

    operand: Expr
    index: Expr
    pos: Pos


@dataclass(frozen=True)
class Field:
    """``x->f``: a struct's field."""

    operand: Expr
    name: str
    pos: Pos


Expr = Column | Literal | Star | Call | Binary | Unary | Between | InList | Case | Cast | Subscript | Field


@dataclass(frozen=True)
class Interval:
    """``SIZE 5 MINUTES``, ``WITHIN 10 SECONDS``: an amount of a unit, in milliseconds."""

    amount: float
    unit: str
    millis: float
    pos: Pos


@dataclass(frozen=True)
class Relation:
    """A named relation in FROM or JOIN; ``properties`` are its ``WITH (...)`` source properties."""

    name: tuple[str, ...]
    alias: str | None
    pos: Pos
    properties: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Window:
    """``TUMBLE(rel, SIZE ..)`` or ``HOP(rel, SIZE .., ADVANCE BY ..)``: the relation, with window_start and
    window_end columns added."""

    kind: str
    relation: Relation
    size: Interval
    advance: Interval | None
    alias: str | None
    pos: Pos
    properties: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Subquery:
    """``( SELECT ... ) [alias]`` in FROM (documented on the FROM page)."""

    select: Select
    alias: str | None
    pos: Pos


Source = Relation | Window | Subquery


@dataclass(frozen=True)
class Join:
    """``kind`` is INNER, LEFT, FULL, RIGHT or CROSS (the last two are parsed to be refused by name)."""

    kind: str
    source: Source
    within: Interval | None
    on: Expr | None
    pos: Pos


@dataclass(frozen=True)
class Item:
    """A select item: an expression and its alias (a ``Star`` for ``*`` and ``t.*``)."""

    expr: Expr
    alias: str | None
    pos: Pos


@dataclass(frozen=True)
class Select:
    items: tuple[Item, ...]
    source: Source
    joins: tuple[Join, ...]
    pos: Pos
    distinct: bool = False
    where: Expr | None = None
    group_by: tuple[Expr, ...] = ()
    having: Expr | None = None
    partition_by: tuple[Expr, ...] = ()
    limit: int | None = None

    def relations(self) -> tuple[Relation, ...]:
        """Every named relation read, in order of appearance (windows' and sub-queries' included)."""
        found: list[Relation] = []
        for source in (self.source, *(j.source for j in self.joins)):
            if isinstance(source, Relation):
                found.append(source)
            elif isinstance(source, Window):
                found.append(source.relation)
            else:
                found.extend(source.select.relations())
        return tuple(found)
