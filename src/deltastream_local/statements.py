"""The statements the local server executes, as typed values produced by :mod:`parser` (a family's own are in its
module, ``families/``)."""

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
class CreateDatabase:
    name: str


@dataclass(frozen=True)
class DropDatabase:
    name: str


@dataclass(frozen=True)
class CreateSchema:
    name: Name
    database: str | None


@dataclass(frozen=True)
class DropSchema:
    name: Name


@dataclass(frozen=True)
class CreateStore:
    name: str
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class UpdateStore:
    name: str
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class DropStore:
    name: str


@dataclass(frozen=True)
class DescribeStore:
    name: str


@dataclass(frozen=True)
class EntityRef:
    """``path [IN STORE store]``; without a store, the session's."""

    path: tuple[str, ...]
    store: str | None = None


@dataclass(frozen=True)
class CreateEntity:
    entity: EntityRef
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class UpdateEntity:
    entity: EntityRef
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class DropEntity:
    entity: EntityRef


@dataclass(frozen=True)
class DescribeEntity:
    entity: EntityRef


@dataclass(frozen=True)
class InsertIntoEntity:
    """``INSERT INTO ENTITY e [IN STORE s] VALUE('<json>') [WITH (...)]``: one record written to a topic."""

    entity: EntityRef
    value: str
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class PrintEntity:
    entity: EntityRef
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class ListEntities:
    """``LIST ENTITIES [IN parent] [IN STORE store]``: the children of ``parent`` (the top level without one)."""

    parent: tuple[str, ...] = ()
    store: str | None = None


@dataclass(frozen=True)
class CreateRelation:
    kind: str
    name: Name
    columns: tuple[ColumnSpec, ...]
    primary_key: tuple[str, ...]
    properties: dict[str, PropertyValue]
    text: str


@dataclass(frozen=True)
class CreateRelationAs:
    """``CREATE STREAM|... x AS SELECT``; ``virtual`` (``CREATE VIRTUAL ...``, inside an application only) means the
    relation exists only inside its application."""

    kind: str
    name: Name
    properties: dict[str, PropertyValue]
    query: QueryBody
    text: str
    virtual: bool = False


@dataclass(frozen=True)
class InsertInto:
    sink: Name
    query: QueryBody
    text: str


ApplicationStatement = CreateRelationAs | InsertInto


@dataclass(frozen=True)
class BeginApplication:
    """``BEGIN APPLICATION name stmt; ... END APPLICATION``: launched as one query."""

    name: str
    statements: tuple[ApplicationStatement, ...]
    text: str


@dataclass(frozen=True)
class DropRelation:
    kind: str | None
    name: Name


@dataclass(frozen=True)
class AlterRelationOwner:
    kind: str | None
    name: Name
    owner: str


@dataclass(frozen=True)
class AlterRelationSet:
    """``ALTER RELATION x SET description = '..'``."""

    kind: str | None
    name: Name
    key: str
    value: str


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


@dataclass(frozen=True)
class DescribeRelation:
    name: Name


@dataclass(frozen=True)
class DescribeRelationColumns:
    name: Name


@dataclass(frozen=True)
class DescribePlan:
    statement: CreateRelation | CreateRelationAs | InsertInto | BeginApplication


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


Statement = (
    CreateDatabase | DropDatabase | CreateSchema | DropSchema | CreateStore | UpdateStore | DropStore | DescribeStore
    | CreateEntity | UpdateEntity | DropEntity | DescribeEntity | ListEntities | InsertIntoEntity | PrintEntity
    | AlterRelationSet
    | CreateRelation | CreateRelationAs | InsertInto | BeginApplication | DropRelation | AlterRelationOwner
    | AlterQueryOwner | TerminateQuery | RestartQuery | DescribeQuery | DescribeRelation | DescribeRelationColumns
    | DescribePlan | ListObjects | Show | Use | CanI | Select
)


@dataclass(frozen=True)
class Parsed:
    """One statement and its source text; the statement is a :data:`Statement` or one of a family's (``families/``)."""

    statement: object
    text: str
    kind: str = field(default="")
