"""What every lookup function is: typed arguments, a typed result, and one SELECT."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, TypeVar

from ..catalog import Catalog
from ..errors import DeltaStreamError
from ..model import Model

A = TypeVar("A", bound=Model)
R = TypeVar("R", bound=Model)

ROW_CAP = 200  # D-INV-001: plural functions fetch ROW_CAP + 1 rows and say when they cut


class LookupFailed(DeltaStreamError):
    """Not found, or more than one found, for a singular lookup (FR-030, FR-031)."""


@dataclass
class Answer(Generic[R]):
    result: R
    warnings: list[str] = field(default_factory=list)


class Function(Generic[A, R]):
    token: ClassVar[str]
    description: ClassVar[str]
    args: ClassVar[type[Model]]
    result: ClassVar[type[Model]]

    async def invoke(self, catalog: Catalog, args: A) -> Answer[R]:
        raise NotImplementedError


def where(**filters: Any) -> dict[str, Any]:
    """The WHERE clause of a lookup: only the filters that were given."""
    return {column: value for column, value in filters.items() if value is not None}


def describe(what: str, filters: dict[str, Any]) -> str:
    given = ", ".join(f"{k} {v!r}" for k, v in filters.items() if v is not None)
    return f"{what} with {given}" if given else what


def single(rows: list[Any], what: str, filters: dict[str, Any]) -> Any:
    """The one row of a singular lookup, or an error naming what was looked for and where."""
    if not rows:
        raise LookupFailed(f"{describe(what, filters)} not found",
                          hint="Check the name and its database/namespace, and that the configured role can see it")
    if len(rows) > 1:
        plural = "queries" if what == "query" else what + "s"
        raise LookupFailed(f"{len(rows)} {plural} match {describe('', filters).removeprefix(' with ')}; "
                          "a singular lookup needs exactly one", hint="Narrow the filters, or use the plural function")
    return rows[0]


def capped(rows: list[Any], what: str, order: str = "by name") -> tuple[list[Any], list[str]]:
    if len(rows) <= ROW_CAP:
        return rows, []
    return rows[:ROW_CAP], [f"more than {ROW_CAP} {what} match; only the first {ROW_CAP} ({order}) are returned. "
                            "Narrow the filters to see the rest."]
