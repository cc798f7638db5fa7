"""The one place that quotes identifiers and literals and renders DeltaStream statements (FR-035).

Every statement is a :class:`Statement`: the text sent to DeltaStream plus a redacted twin for logs
and errors, in which every value marked :class:`SecretLiteral` reads ``'****'``. Nothing else in the
provider quotes a name or a value: a resource kind's statements are thin wrappers, in its own module, over
:func:`statement`, :func:`ident`, :func:`qualified` and :func:`with_clause`. The statements here are no kind's
own: SQL as the user wrote it (a query, an application, and the plan of either), the system-table ``SELECT``
every read shares, and the organization checks of ``deltastream-provider doctor``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from ..errors import QuotingError, SqlTextError
from .query_text import ends_in_line_comment, one_statement
from .redaction import redact_sql

REDACTED = "'****'"
_BAREWORD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def ident(name: str) -> str:
    """Quote an identifier: case and Unicode are kept, embedded double quotes are doubled."""
    if not isinstance(name, str) or name == "":
        raise QuotingError("an identifier must be a non-empty string")
    if "\x00" in name:
        raise QuotingError("an identifier cannot contain a NUL character")
    return '"' + name.replace('"', '""') + '"'


def qualified(*parts: str) -> str:
    """``"db"."schema"."name"``: each part quoted on its own."""
    return ".".join(ident(part) for part in parts)


def literal(value: str) -> str:
    """Quote a string literal: single quotes are doubled; backslashes are ordinary characters."""
    if not isinstance(value, str):
        raise QuotingError(f"a string literal must be a string, not {type(value).__name__}")
    if "\x00" in value:
        raise QuotingError("a string literal cannot contain a NUL character")
    return "'" + value.replace("'", "''") + "'"


def query_id(value: str) -> str:
    """A query id is sent bare, so it must be a canonical UUID and nothing else."""
    try:
        return str(uuid.UUID(value))
    except (ValueError, AttributeError, TypeError) as exc:
        raise QuotingError(f"{value!r} is not a query id (a UUID)") from exc


@dataclass(frozen=True)
class SecretLiteral:
    """A string literal that must never appear in logs, errors or traces."""

    value: str

    def __repr__(self) -> str:
        return "SecretLiteral('****')"


@dataclass(frozen=True)
class Bare:
    """An enum keyword sent unquoted, such as ``KAFKA`` or ``SHA512``."""

    word: str

    def __post_init__(self) -> None:
        if not _BAREWORD.match(self.word):
            raise QuotingError(f"{self.word!r} is not a keyword")


@dataclass(frozen=True)
class Ident:
    """A double-quoted identifier used as a property value, such as a schema registry name."""

    name: str


PropertyValue = str | SecretLiteral | Bare | Ident | bool | int


def _render_value(value: PropertyValue, redact: bool) -> str:
    if isinstance(value, SecretLiteral):
        return REDACTED if redact else literal(value.value)
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Bare):
        return value.word
    if isinstance(value, Ident):
        return ident(value.name)
    return literal(value)


@dataclass(frozen=True)
class Statement:
    """A statement and its redacted twin; attachments travel with it as multipart files. ``secrets`` are the values
    the twin hides and the attachments' text: DeltaStream's error text may echo them, so they are redacted from it."""

    sql: str
    redacted: str
    attachments: dict[str, bytes] = field(default_factory=dict)
    mutating: bool = True
    secrets: tuple[str, ...] = ()

    def __str__(self) -> str:
        return self.redacted


class Rendered(NamedTuple):
    """A piece of a statement that differs between the two renderings, with the secret values it hides."""

    plain: str
    redacted: str
    secrets: tuple[str, ...] = ()


def statement(parts: Sequence[str | Rendered], *, mutating: bool = True,
               attachments: dict[str, bytes] | None = None) -> Statement:
    """Join text pieces; a :class:`Rendered` piece differs between the two renderings."""
    plain = "".join(p if isinstance(p, str) else p.plain for p in parts)
    redacted = "".join(p if isinstance(p, str) else p.redacted for p in parts)
    files = dict(attachments or {})
    secrets = [s for p in parts if not isinstance(p, str) for s in p.secrets]
    secrets += [data.decode("utf-8", "replace") for data in files.values()]
    return Statement(plain + ";", redacted + ";", files, mutating, tuple(secrets))


def with_clause(properties: Iterable[tuple[str, PropertyValue]]) -> Rendered:
    """``WITH ('k' = v, ...)`` in the given order, plain and redacted."""
    items = list(properties)
    if not items:
        return Rendered("", "")
    plain = ", ".join(f"{literal(k)} = {_render_value(v, False)}" for k, v in items)
    redacted = ", ".join(f"{literal(k)} = {_render_value(v, True)}" for k, v in items)
    secrets = tuple(v.value for _, v in items if isinstance(v, SecretLiteral))
    return Rendered(f" WITH ({plain})", f" WITH ({redacted})", secrets)


# --- column types ----------------------------------------------------------------------------

def column_type(type_: str) -> str:
    """Column types are written as given, so each must be exactly one type by the type grammar."""
    from .column_types import check

    try:
        return check(type_)
    except SqlTextError as exc:
        raise QuotingError(str(exc)) from None


# --- organizations ----------------------------------------------------------------------------

def can_i(privilege: str) -> Statement:
    """``CAN I <privilege>``: DeltaStream answers a row saying yes or no (not an error)."""
    if not _BAREWORD.match(privilege):
        raise QuotingError(f"{privilege!r} is not a privilege name")
    return statement([f"CAN I {privilege}"], mutating=False)


def list_organizations() -> Statement:
    return statement(["LIST ORGANIZATIONS"], mutating=False)


# --- system tables ----------------------------------------------------------------------------

Filter = str | Sequence[str]


def select(table: str, columns: Sequence[str], where: dict[str, Filter] | None = None,
           order_by: str | None = None, limit: int | None = None) -> Statement:
    """``SELECT cols FROM deltastream.sys."table" WHERE col = 'v' AND col IN (...) ...``.

    Column names are always double-quoted (``owner``, ``state`` and friends are keywords) and
    every value is a quoted literal.
    """
    parts = [f"SELECT {', '.join(ident(c) for c in columns)} FROM deltastream.sys.{ident(table)}"]
    conditions = []
    for column, value in (where or {}).items():
        if isinstance(value, str):
            conditions.append(f"{ident(column)} = {literal(value)}")
        else:
            conditions.append(f"{ident(column)} IN ({', '.join(literal(v) for v in value)})")
    if conditions:
        parts.append(" WHERE " + " AND ".join(conditions))
    if order_by is not None:  # one column: what DeltaStream documents
        parts.append(f" ORDER BY {ident(order_by)}")
    if limit is not None:
        parts.append(f" LIMIT {int(limit)}")
    return statement(parts, mutating=False)


# --- SQL as the user wrote it ----------------------------------------------------------------

def query(body: str) -> Statement:
    """A continuous query exactly as written by the user (one statement, else :class:`SqlTextError`): DeltaStream's
    own clients send the user's SQL unchanged, and no public record shows a way to name a query from a client. The
    final ``;`` goes on a line of its own after a ``--`` comment, which would swallow it."""
    text = one_statement(body).text
    end = "\n;" if ends_in_line_comment(text) else ";"
    return Statement(text + end, redact_sql(text) + end)


def describe(statement: Statement) -> Statement:
    """Plan a statement without running it."""
    body = statement.sql.rstrip(";")
    return Statement("DESCRIBE " + body + ";", "DESCRIBE " + statement.redacted.rstrip(";") + ";",
                     statement.attachments, mutating=False, secrets=statement.secrets)


def raw(sql: str, *, mutating: bool = True) -> Statement:
    """SQL sent as written (a query body, already checked to be one statement), redacted by pattern in traces."""
    text = sql.strip().rstrip(";").strip()
    return Statement(text + ";", redact_sql(text) + ";", mutating=mutating)
