"""What every lookup function is: typed arguments, a typed result, and one SELECT.

A lookup is one declaration, not code: :class:`FindOne` (``get<Thing>``) and :class:`FindMany` (``get<Things>``)
are given the :class:`Source` of thing they read and each :class:`Arg` (what it means and how it filters); their
argument and result types are made from that declaration.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, make_dataclass
from typing import Any, Generic, TypeVar

from ..deltastream.catalog import SystemTables
from ..errors import LookupFailed
from ..model.fields import Model, prop
from ..model.lookup import Arg, Filter, Many, One, Source

A = TypeVar("A", bound=Model)
R = TypeVar("R", bound=Model)

ROW_CAP = 200  # D-INV-001: plural functions fetch ROW_CAP + 1 rows and say when they cut


@dataclass
class Answer(Generic[R]):
    result: R
    warnings: list[str] = field(default_factory=list)


class Function(Generic[A, R]):
    """A function of the schema: its token, description, argument and result types, and how it runs."""

    def __init__(self, token: str, description: str, args: type[A], result: type[R]) -> None:
        self.token, self.description, self.args, self.result = token, description, args, result

    async def invoke(self, catalog: SystemTables, args: A) -> Answer[R]:
        raise NotImplementedError


def _type_name(token: str, suffix: str) -> str:
    """``deltastream:index:getDatabase`` -> ``GetDatabaseArgs``: the made type's name, for messages and reprs."""
    name = token.rsplit(":", 1)[-1]
    return name[0].upper() + name[1:] + suffix


def arguments(token: str, args: Mapping[str, Arg]) -> type[Model]:
    """The arguments' type made from their declaration, in its order (the schema flattens it into the function's
    inputs, so it has no name of its own there)."""
    made = make_dataclass(_type_name(token, "Args"), [
        (key, arg.type, prop(arg.description)) if arg.required else
        (key, arg.type | None, prop(arg.description, default=None)) for key, arg in args.items()], bases=(Model,))
    return made


class Lookup(Function[A, R]):
    """The filters a lookup's arguments give (the ones that were set), keyed by argument."""

    def __init__(self, token: str, description: str, args: type[A], result: type[R], kind: Source,
                 filters: Mapping[str, Filter]) -> None:
        super().__init__(token, description, args, result)
        self.kind, self.filters = kind, filters

    def given(self, args: A) -> dict[str, Any]:
        """Each set argument in the catalog's spelling, by its schema name (for messages)."""
        names = {prop.name: prop.key for prop in self.args.wire_fields()}
        return {names[arg]: rule.spelling(getattr(args, arg)) for arg, rule in self.filters.items()
                if getattr(args, arg) is not None}

    def where(self, args: A) -> dict[str, Any]:
        names = {prop.name: prop.key for prop in self.args.wire_fields()}
        given = self.given(args)
        return {rule.column: given[names[arg]] for arg, rule in self.filters.items() if names[arg] in given}


class FindOne(Lookup[Model, R]):
    """``get<Thing>``: exactly one match, else an error naming what was looked for. Its result is the kind's row
    (``result``, e.g. ``DatabaseInfo``)."""

    def __init__(self, token: str, description: str, kind: Source, args: Mapping[str, Arg], result: type[R],
                 check: Callable[[Any], None] | None = None) -> None:
        super().__init__(token, description, arguments(token, args), result, kind,
                         {key: arg.filter for key, arg in args.items()})
        self.check = check

    async def invoke(self, catalog: SystemTables, args: Model) -> Answer[R]:
        if self.check is not None:
            self.check(args)
        rows = await self.kind.fetch(catalog, self.where(args), 2)
        row = single(rows, self.kind.singular, self.kind.plural, self.given(args))
        return Answer(self.result(**vars(self.kind.info(row))))


class FindMany(Lookup[Model, Model]):
    """``get<Things>``: every match in the kind's order, up to :data:`ROW_CAP` (a warning says when more match), in
    the result's one list field ``field_name`` of ``item`` rows."""

    def __init__(self, token: str, description: str, kind: Source, args: Mapping[str, Arg], field_name: str,
                 item: type[Model], field_description: str) -> None:
        rows = list.__class_getitem__(item)  # list[item], made at run time
        result = make_dataclass(_type_name(token, "Result"), [(field_name, rows, prop(field_description))],
                                bases=(Model,))
        super().__init__(token, description, arguments(token, args), result, kind,
                         {key: arg.filter for key, arg in args.items()})
        self.field_name = field_name

    async def invoke(self, catalog: SystemTables, args: Model) -> Answer[Model]:
        rows, warnings = capped(await self.kind.fetch(catalog, self.where(args), ROW_CAP + 1), self.kind.plural,
                                self.kind.order)
        return Answer(self.result(**{self.field_name: [self.kind.info(r) for r in rows]}), warnings)


def describe(what: str, filters: dict[str, Any]) -> str:
    given = ", ".join(f"{k} {v!r}" for k, v in filters.items() if v is not None)
    return f"{what} with {given}" if given else what


def single(rows: list[Any], what: str, plural: str, filters: dict[str, Any]) -> Any:
    """The one row of a singular lookup, or an error naming what was looked for and where."""
    if not rows:
        raise LookupFailed(f"{describe(what, filters)} not found",
                           hint="Check the name and its database/namespace, and that the configured role can see it")
    if len(rows) > 1:
        raise LookupFailed(f"{len(rows)} {plural} match {describe('', filters).removeprefix(' with ')}; "
                           "a singular lookup needs exactly one", hint="Narrow the filters, or use the plural function")
    return rows[0]


def capped(rows: list[Any], what: str, order: str = "by name") -> tuple[list[Any], list[str]]:
    """The first :data:`ROW_CAP` rows, and a warning saying how they were ordered when more matched."""
    if len(rows) <= ROW_CAP:
        return rows, []
    return rows[:ROW_CAP], [f"more than {ROW_CAP} {what} match; only the first {ROW_CAP} ({order}) are returned. "
                            "Narrow the filters to see the rest."]


def served(prefix: str, declared: One | Many) -> Function[Any, Any]:
    """The function a kind's declared lookup serves, under ``prefix`` + its name."""
    if isinstance(declared, One):
        return FindOne(prefix + declared.name, declared.description, declared.source, declared.args,
                       declared.result)
    return FindMany(prefix + declared.name, declared.description, declared.source, declared.args,
                    declared.field_name, declared.item, declared.field_description)
