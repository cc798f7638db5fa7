"""A ``CREATE STREAM | CHANGELOG | TABLE`` statement read back into its parts, for a program another tool wrote as
raw DDL (DeltaStream's own Pulumi provider, its Terraform provider) to become typed inputs:

    create  := CREATE (STREAM | CHANGELOG | TABLE) name ['(' element (',' element)* ')']
               [WITH '(' prop (',' prop)* ')'] [';']
    element := PRIMARY KEY '(' name (',' name)* ')' | name type [NOT NULL]
    prop    := 'key' '=' ('value' | number | TRUE | FALSE)          name := word | "quoted" (dotted: the last part)

Anything else (``AS SELECT``, comments inside, a type :mod:`.column_types` refuses) is :class:`SqlTextError`
saying where it breaks: the caller then leaves the statement to the reader rather than guessing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlparse import tokens as T

from ..errors import SqlTextError
from . import column_types
from .query_text import Token, tokens

KINDS = ("stream", "changelog", "table")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    nullable: bool = True


@dataclass(frozen=True)
class ObjectDdl:
    """What the statement declares: ``name`` is its last (unqualified) part, ``qualifier`` the parts before it."""

    kind: str
    name: str
    qualifier: tuple[str, ...] = ()
    columns: tuple[Column, ...] = ()
    primary_key: tuple[str, ...] = ()
    properties: dict[str, str] = field(default_factory=dict)


def parse(text: str) -> ObjectDdl:
    """``text`` read as one CREATE STREAM, CHANGELOG or TABLE statement; :class:`SqlTextError` where it is not."""
    return _Reader(text).statement()


def _words(token: Token) -> str:
    """A keyword token's words in upper case, single-spaced (sqlparse lexes ``NOT  NULL`` as one token)."""
    return " ".join(token.text.upper().split())


class _Reader:
    def __init__(self, text: str) -> None:
        found = tokens(text)
        comments = [t for t in found if t.kind in T.Comment]
        if comments:
            raise SqlTextError(f"a comment ({comments[0].text.strip()!r}) inside the statement: not read as DDL")
        self.text = text
        self.tokens = [t for t in found if not t.insignificant]
        self.at = 0

    def peek(self) -> Token | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self) -> Token:
        token = self.peek()
        if token is None:
            raise SqlTextError("the statement ends early")
        self.at += 1
        return token

    def expect(self, *words: str) -> Token:
        token = self.take()
        if _words(token) not in words:
            raise SqlTextError(f"expected {' or '.join(words)} at {token.position}, found {token.text!r}")
        return token

    def accept(self, word: str) -> bool:
        token = self.peek()
        if token is not None and _words(token) == word:
            self.at += 1
            return True
        return False

    def statement(self) -> ObjectDdl:
        self.expect("CREATE")
        kind = self.expect(*(k.upper() for k in KINDS)).text.lower()
        path = [self.name()]
        while self.accept("."):
            path.append(self.name())
        columns: list[Column] = []
        key: tuple[str, ...] = ()
        if self.accept("("):
            while True:
                if self.accept("PRIMARY KEY"):
                    key = self.names()
                else:
                    columns.append(self.column())
                if not self.accept(","):
                    break
            self.expect(")")
        properties = self.properties() if self.accept("WITH") else {}
        self.accept(";")
        extra = self.peek()
        if extra is not None:
            raise SqlTextError(f"{extra.text!r} at {extra.position} follows the statement: not read as DDL")
        return ObjectDdl(kind, path[-1], tuple(path[:-1]), tuple(columns), key, properties)

    def name(self) -> str:
        token = self.take()
        if token.text.startswith('"') and token.text.endswith('"') and len(token.text) > 1:
            return token.text[1:-1].replace('""', '"')
        if token.kind in T.Name or token.kind in T.Keyword:
            return token.text
        raise SqlTextError(f"expected a name at {token.position}, found {token.text!r}")

    def names(self) -> tuple[str, ...]:
        self.expect("(")
        found = [self.name()]
        while self.accept(","):
            found.append(self.name())
        self.expect(")")
        return tuple(found)

    def column(self) -> Column:
        name = self.name()
        start, depth = self.at, 0
        while (token := self.peek()) is not None:
            if depth == 0 and (token.text in (",", ")") or _words(token) == "NOT NULL"):
                break
            depth += token.text.count("(") + token.text.count("<") - token.text.count(")") - token.text.count(">")
            self.at += 1
        if self.at == start:
            raise SqlTextError(f"column {name!r} has no type")
        end = self.tokens[self.at].position if self.at < len(self.tokens) else len(self.text)
        type_ = column_types.check(self.text[self.tokens[start].position:end])
        return Column(name, type_, nullable=not self.accept("NOT NULL"))

    def properties(self) -> dict[str, str]:
        self.expect("(")
        found: dict[str, str] = {}
        while True:
            key = self.take()
            if key.kind not in T.String.Single:
                raise SqlTextError(f"expected a quoted property name at {key.position}, found {key.text!r}")
            self.expect("=")
            value = self.take()
            if value.kind in T.String.Single:
                found[_unquote(key)] = _unquote(value)
            elif value.kind in T.Number or _words(value) in ("TRUE", "FALSE"):
                found[_unquote(key)] = value.text.lower()
            else:
                raise SqlTextError(f"property {_unquote(key)!r}: {value.text!r} is not a literal")
            if not self.accept(","):
                break
        self.expect(")")
        return found


def _unquote(token: Token) -> str:
    return token.text[1:-1].replace("''", "'")
