"""A user's SQL read as tokens (sqlparse's lexer: strings, quoted identifiers and comments are single tokens),
so that a query body is exactly one statement, the provider's own clauses never land inside a user's comment,
column types are whole types, and a change of whitespace, comments or keyword case is no change."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from sqlparse import lexer
from sqlparse import tokens as T

from ..errors import SqlTextError


@dataclass(frozen=True)
class Token:
    kind: object  # a sqlparse token type
    text: str
    position: int

    @property
    def insignificant(self) -> bool:
        return self.kind in T.Whitespace or self.kind in T.Comment or self.kind in T.Newline

    @property
    def comparable(self) -> str:
        """Literals and quoted names exactly; everything else (keywords, bare names) in lower case."""
        quoted = self.kind in T.String or self.text[:1] in ('"', "`")
        return self.text if quoted else self.text.lower()


def tokens(text: str) -> list[Token]:
    """Every token of ``text``; an unterminated string, quoted name or block comment is an error."""
    found: list[Token] = []
    position = 0
    for kind, value in lexer.tokenize(text):
        if kind in T.Error:
            raise SqlTextError(f"unterminated {_what(value)} at {_where(text, position)}: close it")
        found.append(Token(kind, value, position))
        position += len(value)
    for first, second in itertools.pairwise(found):
        if first.text == "/" and second.text.startswith("*") and second.position == first.position + 1:
            raise SqlTextError(f"unterminated /* comment at {_where(text, first.position)}: close it with */")
    return found


def ends_in_line_comment(text: str) -> bool:
    """Whether a ``;`` written right after ``text`` would be inside a ``--`` comment."""
    found = [t for t in tokens(text) if not (t.kind in T.Whitespace or t.kind in T.Newline)]
    return bool(found) and found[-1].kind in T.Comment.Single


@dataclass(frozen=True)
class StatementText:
    text: str                   # the statement as written, without the final ';' or anything after it
    signature: tuple[str, ...]  # its significant tokens, for comparing two versions of it


def one_statement(text: str) -> StatementText:
    """``text`` as exactly one statement: only whitespace and comments may follow its ';'."""
    found = tokens(text)
    end = next((i for i, t in enumerate(found) if t.kind in T.Punctuation and t.text == ";"), len(found))
    extra = next((t for t in found[end + 1:] if not t.insignificant and t.text != ";"), None)
    if extra is not None:
        raise SqlTextError(f"must be exactly one statement, but more SQL follows the ';' "
                           f"({extra.text[:20]!r} at {_where(text, extra.position)}): put each query in its own "
                           "resource")
    body = found[:end]
    return StatementText("".join(t.text for t in body).rstrip(),
                     tuple(t.comparable for t in body if not t.insignificant))


@dataclass(frozen=True)
class ApplicationText(StatementText):
    name: str  # the application's name, as DeltaStream records it (a bare name in lower case)


def application(text: str) -> ApplicationText:
    """``text`` as exactly one ``BEGIN APPLICATION <name> ...; END APPLICATION`` block: only whitespace, comments
    and a ';' may follow it."""
    found = tokens(text)
    significant = [(i, t) for i, t in enumerate(found) if not t.insignificant]
    words = [t.comparable for _, t in significant]
    if words[:2] != ["begin", "application"] or len(words) < 3 or words[2] == ";":
        raise SqlTextError("must start with BEGIN APPLICATION <name>")
    end = next((k for k in range(3, len(words) - 1) if words[k:k + 2] == ["end", "application"]), None)
    if end is None:
        raise SqlTextError("must end with END APPLICATION")
    extra = next((t for _, t in significant[end + 2:] if t.text != ";"), None)
    if extra is not None:
        raise SqlTextError(f"must be exactly one application, but more SQL follows END APPLICATION "
                           f"({extra.text[:20]!r} at {_where(text, extra.position)}): put it in its own resource")
    last = significant[end + 1][0]
    name = significant[2][1].text
    name = name[1:-1].replace('""', '"') if name.startswith('"') else name.lower()
    return ApplicationText("".join(t.text for t in found[:last + 1]), tuple(words[:end + 2]), name)


def same_statement(old: str, new: str) -> bool:
    """Whether two texts are the same statement (or application): equal once whitespace, comments and keyword case
    are set aside."""
    for read in (one_statement, application):
        try:
            return read(old).signature == read(new).signature
        except SqlTextError:
            continue
    return old.strip() == new.strip()


def _what(value: str) -> str:
    return {"'": "string", '"': "quoted identifier", "`": "quoted identifier"}.get(value[:1], "token")


def _where(text: str, position: int) -> str:
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    return f"line {line}, column {column}"
