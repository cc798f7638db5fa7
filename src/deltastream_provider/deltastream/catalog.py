"""Typed reads of DeltaStream's system tables (every lookup exactly one SELECT), and the reads a command shares:
a group of a table's rows, the answer of a LIST statement.

Each row type names, field by field, the system-table column it comes from (:func:`column`), and each
:class:`Table` is the one definition of what is selected from a table and in which order. Both are defined beside
the code that reads the kind (a resource's own module); :class:`SystemTables` reads any of them.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Generic, TypeVar

from . import sql
from .values import rfc3339

if TYPE_CHECKING:
    from .client import DeltaStreamClient, Result

Row = TypeVar("Row")
T = TypeVar("T")


def column(name: str) -> Any:
    """A row field read from the system-table column ``name``."""
    return field(metadata={"column": name})


@dataclass(frozen=True)
class Table(Generic[Row]):
    """A system table: its name, the row type read from it, and the order lookups list it in. DeltaStream documents
    ``ORDER BY`` of one column, so the SELECT orders by ``sorted_by`` (chosen to be unique, or nearly) and the rows
    are then put in ``order_by`` order here."""

    name: str
    row: type[Row]
    order_by: tuple[str, ...]
    sorted_by: str

    @functools.cached_property
    def field_columns(self) -> tuple[tuple[str, str], ...]:
        """(row field, column) pairs, worked out once per table: every system-table read uses them."""
        return tuple((f.name, f.metadata["column"]) for f in fields(self.row))  # type: ignore[arg-type]

    @property
    def columns(self) -> list[str]:
        return [column for _, column in self.field_columns]

    def in_order(self, rows: list[Row]) -> list[Row]:
        columns = dict((column, name) for name, column in self.field_columns)
        return sorted(rows, key=lambda row: tuple(str(getattr(row, columns[c]) or "") for c in self.order_by))

    def rows(self, records: list[dict[str, Any]]) -> list[Row]:
        """Typed rows, each field from its named column; timestamps become RFC 3339 text."""
        return [self.row(**{name: text_time(record[column]) for name, column in self.field_columns})
                for record in records]


def text_time(value: Any) -> Any:
    """A cell as text: a timestamp as RFC 3339, anything else as it is."""
    return rfc3339(value) if isinstance(value, dt.datetime) else value


class SystemTables:
    """The provider's view of the system tables (one per configured client)."""

    def __init__(self, client: DeltaStreamClient) -> None:
        self.client = client
        # What stays true for the process once read (a store's type: a new type replaces the store), each read by one
        # request however many ask at once; what changes one says so (remember).
        self._kept: dict[Hashable, asyncio.Future[Any]] = {}
        self._groups: dict[Hashable, asyncio.Future[Any]] = {}  # group's and listed's, good while no change is sent
        self._group_changes = 0

    async def kept(self, key: Hashable, read: Callable[[], Awaitable[T | None]]) -> T | None:
        """What ``read`` answers, read once per process under ``key`` (None, nothing found, is not kept)."""
        known = self._kept.get(key)
        if known is None:
            known = self._kept[key] = asyncio.ensure_future(read())
        try:
            found: T | None = await asyncio.shield(known)
        except BaseException:
            self._kept.pop(key, None)
            raise
        if found is None:
            self._kept.pop(key, None)
        return found

    def remember(self, key: Hashable, value: Any) -> None:
        """What a change made known under ``key`` (None: what it removed)."""
        self._kept.pop(key, None)
        if value is not None:
            future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
            future.set_result(value)
            self._kept[key] = future

    async def in_group(self, table: Table[Row], group: dict[str, str], match: dict[str, str]) -> Row | None:
        """The row of ``table`` in ``group`` matching ``match``, from one SELECT of the whole group.

        A refresh reads every resource of a stack at once, and most of them are rows of a few groups (the relations
        of a database, the namespaces of a database): one request per group, however many reads ask and whenever
        they come, instead of one per resource, so the count is exact whatever the engine's order. The group's rows
        are what DeltaStream held at the first read of the command (the engine starts a provider process per
        command) and serve its later reads until this process sends a mutating statement; a change made meanwhile
        by someone else, or by DeltaStream itself (a query or store turning errored), is seen by the next command,
        as it would be had it come a moment after the read."""
        found = await self.group(table, group)
        fields_of = dict((column, name) for name, column in table.field_columns)
        return next((row for row in found
                     if all(getattr(row, fields_of[column]) == value for column, value in match.items())), None)

    async def group(self, table: Table[Row], group: dict[str, str]) -> list[Row]:
        """Every row of ``table`` in ``group``, from the SELECT that :meth:`in_group` shares (adopt lists a kind with
        the very request its reads then use)."""
        key = (table.name, tuple(sorted(group.items())))
        return await self._shared(key, lambda: self.select(table, dict(group)))

    async def listed(self, statement: sql.Statement, rows: Callable[[Result], list[Row]]) -> list[Row]:
        """What a whole-listing statement answers (``LIST COMPUTE_POOLS``, ``LIST FUNCTIONS``: kinds no system table
        shows), as the kind's ``rows`` reads it, shared as :meth:`group` shares a SELECT: one request however many
        reads, lists and adopt ask, until this process sends a mutating statement. A wait on a change sends its own
        (each look must see what moved since the last)."""
        async def read() -> list[Row]:
            return rows(await self.client.execute(statement))
        return await self._shared(statement.sql, read)

    async def listing(self, statement: sql.Statement, rows: Callable[[Result], list[Row]], *, shared: bool
                      ) -> list[Row]:
        """What a whole-listing statement answers: with ``shared``, the command's one (:meth:`listed`), as reads,
        lists and adopt take it; else a LIST of its own, as a wait on a change or a guard needs."""
        if shared:
            return await self.listed(statement, rows)
        return rows(await self.client.execute(statement))

    async def _shared(self, key: Hashable, read: Callable[[], Awaitable[list[Row]]]) -> list[Row]:
        """What ``read`` answers, read once under ``key`` while this process sends no mutating statement (one in
        flight ends the read's use as it ends: the read may have been answered before it landed; a read that failed
        is not kept: the next one asks again)."""
        if self._group_changes != self.client.changes:
            self._groups.clear()
            self._group_changes = self.client.changes
        rows = self._groups.get(key)
        if rows is None:
            rows = self._groups[key] = asyncio.ensure_future(read())
        try:
            found: list[Row] = await asyncio.shield(rows)
        except BaseException:
            if self._groups.get(key) is rows:
                self._groups.pop(key)
            raise
        return found

    async def select(self, table: Table[Row], where: dict[str, sql.Filter], limit: int | None = None) -> list[Row]:
        statement = sql.select(table.name, table.columns, where, table.sorted_by, limit)
        return table.in_order(table.rows((await self.client.execute(statement)).records()))

    async def one(self, table: Table[Row], where: dict[str, sql.Filter]) -> Row | None:
        rows = await self.select(table, where)
        return rows[0] if rows else None
