"""A lookup as a kind declares it beside its Resource class: what it reads (:class:`Source`), each argument with the
filter it gives (:class:`Arg`), and its result. The functions layer turns each declaration into the function it
serves (``functions/base.py``), so a kind's lookups are part of the kind's module and no list of lookups grows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..deltastream.catalog import SystemTables, Table
from .fields import Model


@dataclass(frozen=True)
class Filter:
    """How one argument narrows the SELECT: the column it compares, and its value in the catalog's spelling."""

    column: str
    spelling: Callable[[Any], Any] = lambda value: value


Fetch = Callable[[SystemTables, dict[str, Any], int], Awaitable[list[Any]]]


@dataclass(frozen=True)
class Arg:
    """One argument of a lookup: its description, the filter it gives, its type and whether it must be given (the
    others are optional)."""

    description: str
    filter: Filter
    type: Any = str
    required: bool = False


@dataclass(frozen=True)
class Source:
    """A kind of thing the lookups find: what it is called, how it is read and how a row becomes a result."""

    singular: str
    plural: str
    fetch: Fetch
    info: Callable[[Any], Model]
    order: str = "by name"

    @staticmethod
    def table(table: Table[Any]) -> Fetch:
        async def fetch(catalog: SystemTables, where: dict[str, Any], limit: int) -> list[Any]:
            return await catalog.select(table, where, limit=limit)
        return fetch


@dataclass(frozen=True)
class One:
    """``get<Thing>`` (``name``): exactly one match, its result the kind's row ``result``."""

    name: str
    description: str
    source: Source
    args: Mapping[str, Arg]
    result: type[Model]


@dataclass(frozen=True)
class Many:
    """``get<Things>`` (``name``): every match, in the result's one list field ``field_name`` of ``item`` rows."""

    name: str
    description: str
    source: Source
    args: Mapping[str, Arg]
    field_name: str
    item: type[Model]
    field_description: str
