"""Statement families: each module of this package is one family of the local server's statements, whole.

A family module defines ``FAMILY = Family(...)``. The modules are found by name (every module of this package whose
name does not start with ``_``, in name order), so a new family is one new module and no list to extend. A family
holds, and the parser, the engine and the catalog take from it:

- ``grammar``: its rules and keywords, a lark fragment appended to ``grammar.lark``. Each rule it defines is named
  after the module (``secrets_create`` in ``secrets.py``; a helper rule ``_secrets_...`` is inlined); a keyword is a
  terminal of the whole grammar, so one the grammar or another family already defines fails the build.
- ``statements``: each of its statement rules and the builder of that rule's statement, called with the rule's
  values in order, keywords left out (an ``ident`` is a ``str``, a ``with_clause`` a ``dict``, a ``name`` a
  :class:`~deltastream_local.statements.Name`): a statement dataclass is its own builder. These rules become
  alternatives of ``statement`` in ``grammar.lark`` (the parser adds ``%extend statement: rule | ...``).
  A builder wrapped in :class:`Sourced` is given the statement's text first (a query keeps the SQL it runs).
- ``parts``: its rules that build a value inside its statements rather than a statement (an entity's
  ``path [IN STORE s]``), each with its builder, called as a statement's is.
- ``handlers``: each of its statement types and what runs it, ``handler(call, statement) -> Outcome`` (see
  :class:`Call`); the engine dispatches on the statement's type, and the type's name is the statement's kind in the
  server's counters.
- ``lists``: each ``LIST <TARGET>`` it answers, ``lister(call, listing) -> Outcome`` (``listing`` is the
  :class:`~deltastream_local.statements.ListObjects` statement: its schema and ``WITH ('all')``).
- ``schema``: its SQLite tables (``IF NOT EXISTS``: a kept catalog opens again) and the ``sys_<table>`` view of each
  system table, which system-table SELECTs read; the catalog runs it when it opens.
- ``system_tables``: each system table's columns in ``SELECT *`` order with their types. Which of them a strict
  SELECT may read is the contract register's to say (``contract.yaml``, by table name), as for every system table.
- ``settle``: SQL the catalog runs before every statement, with ``:now`` (the clock) and ``:stamp`` (that time as a
  timestamp): the state transitions whose time has come (``settle_status(table)`` for the usual status column).
- ``guard``: what it runs outside the statement's transaction, made once per engine as ``guard(catalog, knobs)``:
  ``await check(statement)`` before it (a store's connection check, which can take seconds; what it finds is
  ``Call.check``) and ``after(statement)`` once it has run (what it keeps in memory between statements).
- ``choices``: where the family is more liberal than DeltaStream or guesses, each topic with the choice it makes;
  ``python -m deltastream_local.contract`` writes them into ``CHOICES.md``.

Shared here as well: :class:`Named` (a table of things known by name: the row of a name, or the refusal of a name
that is taken, with DeltaStream's SQLSTATEs) and ``status_now`` (the ``registry_ready_s`` delay).
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
import re
import sqlite3
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from ..knobs import Knobs
from ..results import Outcome, SessionState, SqlFailure
from ..statements import ListObjects

if TYPE_CHECKING:  # the catalog reads the families' schema
    from ..catalog import Catalog

Columns = list[tuple[str, str]]


@dataclass(frozen=True)
class Call:
    """What a handler is given beside its statement: the statement's transaction, session, time (the server's
    clock), the knobs, the request's attachments by name and the organization's id; ``check`` is what a family's
    guard found before the transaction (a store's connection check), ``dry_run`` says that DESCRIBE
    plans the statement (nothing changes)."""

    db: sqlite3.Connection
    session: SessionState
    now: float
    knobs: Knobs
    attachments: dict[str, bytes]
    organization: str = ""
    check: str | None = None
    dry_run: bool = False

    def done(self, columns: Iterable[tuple[str, str]] = (), rows: Iterable[Iterable[Any]] = ()) -> Outcome:
        """The statement's answer: no result set (DDL), or these columns and rows; the session unchanged."""
        return Outcome(list(columns), [list(row) for row in rows], self.session)


@dataclass(frozen=True)
class Sourced:
    """A builder that is given the statement's text before the rule's values."""

    build: Callable[..., object]


class Guard(Protocol):
    async def check(self, statement: object) -> str | None: ...

    def after(self, statement: object) -> None: ...


Builder = Callable[..., object] | Sourced
Handler = Callable[[Call, Any], Outcome]
Lister = Callable[[Call, ListObjects], Outcome]


@dataclass(frozen=True)
class Family:
    grammar: str
    statements: dict[str, Builder]
    handlers: dict[type, Handler]
    parts: dict[str, Builder] = field(default_factory=dict)
    lists: dict[str, Lister] = field(default_factory=dict)
    schema: str = ""
    system_tables: dict[str, Columns] = field(default_factory=dict)
    settle: tuple[str, ...] = ()
    guard: Callable[[Catalog, Knobs], Guard] | None = None
    choices: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Families:
    """Every family's parts, joined: what the parser, the engine and the catalog read."""

    grammar: str
    builders: dict[str, Builder]
    parts: dict[str, Builder]
    handlers: dict[type, Handler]
    lists: dict[str, Lister]
    schema: str
    system_tables: dict[str, Columns]
    settle: tuple[str, ...]
    guards: tuple[Callable[[Catalog, Knobs], Guard], ...]


@functools.cache
def modules() -> list[tuple[str, Family]]:
    """Each family module's name and family, in name order, imported once per process."""
    return [(info.name, importlib.import_module(f"{__name__}.{info.name}").FAMILY)
            for info in sorted(pkgutil.iter_modules(__path__), key=lambda info: info.name)
            if not info.name.startswith("_")]


@functools.cache
def joined() -> Families:
    """The families of this package, joined."""
    found = modules()
    return Families(
        grammar="".join(_fragment(name, family) for name, family in found),
        builders=merged("statement rule", *(family.statements for _, family in found)),
        parts=merged("part rule", *(family.parts for _, family in found)),
        handlers=merged("statement type", *(family.handlers for _, family in found)),
        lists=merged("LIST target", *(family.lists for _, family in found)),
        schema="".join(family.schema for _, family in found),
        system_tables=merged("system table", *(family.system_tables for _, family in found)),
        settle=tuple(sql for _, family in found for sql in family.settle),
        guards=tuple(family.guard for _, family in found if family.guard is not None))


_RULE = re.compile(r"^[ \t]*[?!]*(\w+)(?:\.\d+)?[ \t]*:", re.MULTILINE)


def _fragment(name: str, family: Family) -> str:
    """A family's grammar with its statement rules hooked into ``statement``; its rule names are checked."""
    rules = [rule for rule in _RULE.findall(family.grammar) if not rule.isupper()]
    strays = [rule for rule in rules if not rule.lstrip("_").startswith(f"{name}_")]
    if strays:
        raise ValueError(f"family {name!r}: rule {strays[0]!r} is not named {name}_...")
    undefined = sorted((set(family.statements) | set(family.parts)) - set(rules))
    if undefined:
        what = "statement rule" if undefined[0] in family.statements else "rule"
        raise ValueError(f"family {name!r}: {what} {undefined[0]!r} is not in its grammar")
    return f"\n%extend statement: {' | '.join(family.statements)}\n{family.grammar}"


K = TypeVar("K")
V = TypeVar("V")


def merged(what: str, *parts: Mapping[K, V]) -> dict[K, V]:
    """One mapping of several, refusing a key that two of them define."""
    out: dict[K, V] = {}
    for part in parts:
        for key, value in part.items():
            if key in out:
                raise ValueError(f"{what} {key!r} is defined twice")
            out[key] = value
    return out


@dataclass(frozen=True)
class Named:
    """A table of things known by name, and the SQLSTATEs DeltaStream answers for a name missing or taken."""

    table: str
    label: str  # how messages name one: "secret", "schema registry"
    missing: str
    duplicate: str

    def row(self, call: Call, name: str) -> sqlite3.Row:
        row: sqlite3.Row | None = call.db.execute(f"SELECT * FROM {self.table} WHERE name = ?", (name,)).fetchone()
        if row is None:
            raise SqlFailure(self.missing, f"{self.label} {name!r} does not exist")
        return row

    def refuse_taken(self, call: Call, name: str) -> None:
        if call.db.execute(f"SELECT 1 FROM {self.table} WHERE name = ?", (name,)).fetchone():
            raise SqlFailure(self.duplicate, f"{self.label} {name!r} already exists")


def status_now(call: Call, final: str, transient: str) -> tuple[str, str | None, float | None]:
    """(status now, status later, when): the ``registry_ready_s`` knob holds a secret or a schema registry
    ``transient`` for that long first (``creating`` / ``updating``)."""
    delay = call.knobs.registry_ready_s
    return (transient, final, call.now + delay) if delay > 0 else (final, None, None)


def settle_status(table: str) -> str:
    """The settle of a table whose rows wait in ``status`` until ``transition_at``, then take ``next_status``."""
    return (f"UPDATE {table} SET status = next_status, updated_at = :stamp, next_status = NULL, "
            "transition_at = NULL WHERE next_status IS NOT NULL AND transition_at <= :now")
