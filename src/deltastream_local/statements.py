"""What every statement family shares: names, property values, column definitions, query bodies, and the
statements no family owns (LIST, SHOW, USE, CAN I, SELECT), as typed values produced by :mod:`parser`; a family's
own statements are in its module (``families/``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # dsql's checks import these statements' ColumnSpec
    from .dsql import tree as query_tree


@dataclass(frozen=True)
class Keyword:
    """An unquoted word used as a property value (``KAFKA``, ``SHA512``)."""

    word: str


@dataclass(frozen=True)
class Identifier:
    """A double-quoted identifier used as a property value."""

    name: str


FLAG = object()  # a property given without a value: WITH ('from_beginning')
PropertyValue = str | int | float | bool | None | Keyword | Identifier | object


@dataclass(frozen=True)
class Name:
    parts: tuple[str, ...]

    def __str__(self) -> str:
        return ".".join('"' + p.replace('"', '""') + '"' for p in self.parts)


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    type: str
    nullable: bool = True


@dataclass(frozen=True)
class QueryBody:
    """A query's SELECT: its text, the relations it names and its parse (``dsql``, checked by the engine)."""

    text: str
    sources: tuple[Name, ...]
    select: query_tree.Select
    properties: dict[str, PropertyValue] = field(default_factory=dict)  # QUERY WITH (...)


@dataclass(frozen=True)
class PrimaryKey:
    """A relation's ``PRIMARY KEY (a, b)`` among its column definitions."""

    columns: tuple[str, ...]


@dataclass(frozen=True)
class ListObjects:
    target: str
    schema: Name | None = None
    all: bool = False


@dataclass(frozen=True)
class Show:
    target: str
    scope: str
    name: Name


@dataclass(frozen=True)
class Use:
    kind: str
    name: Name


@dataclass(frozen=True)
class CanI:
    words: tuple[str, ...]


@dataclass(frozen=True)
class ColumnRef:
    """``column`` or ``alias.column``."""

    column: str
    table: str | None = None


@dataclass(frozen=True)
class SelectItem:
    value: ColumnRef | int
    alias: str | None = None


@dataclass(frozen=True)
class TableRef:
    name: Name
    alias: str | None = None


@dataclass(frozen=True)
class Join:
    table: TableRef
    on: tuple[tuple[ColumnRef, ColumnRef], ...]
    left: bool = False


@dataclass(frozen=True)
class Eq:
    column: ColumnRef
    value: str


@dataclass(frozen=True)
class In:
    column: ColumnRef
    values: tuple[str, ...]


@dataclass(frozen=True)
class ConcatEq:
    """``a || '.' || b = 'x.y'`` (the old Terraform lookup form)."""

    columns: tuple[ColumnRef, ...]
    separators: tuple[str, ...]
    value: str


Predicate = Eq | In | ConcatEq


@dataclass(frozen=True)
class Select:
    columns: tuple[SelectItem, ...] | None  # None means *
    table: TableRef
    join: Join | None = None
    where: tuple[Predicate, ...] = ()
    order_by: tuple[tuple[ColumnRef, bool], ...] = ()  # (column, descending)
    limit: int | None = None


@dataclass(frozen=True)
class QuerySelect:
    """An interactive SELECT beyond the system tables' subset (functions, expressions), parsed by ``dsql``."""

    select: query_tree.Select


@dataclass(frozen=True)
class Parsed:
    """One statement and its source text; the statement is one of this module's or of a family's (``families/``)."""

    statement: object
    text: str
    kind: str = field(default="")
