"""Column types read by a grammar, so that a type is one whole type and nothing else:

    type   := ARRAY '<' type '>' | MAP '<' type ',' type '>' | STRUCT '<' field (',' field)* '>' | scalar
    scalar := word+ ['(' number (',' number)* ')']
    field  := name type [NOT NULL]          name := word | "quoted" | `quoted`
"""

from __future__ import annotations

import functools

from sqlparse import tokens as T

from ..errors import SqlTextError
from .query_text import tokens

NESTED = ("ARRAY", "MAP", "STRUCT")


@functools.lru_cache(maxsize=4096)
def check(text: str) -> str:
    """``text`` stripped, when it is exactly one column type; else :class:`SqlTextError` saying where it breaks.

    Remembered: a program names the same few types on every column of every object, at Check and at create."""
    parser = _Parser(text)
    parser.type()
    if parser.peek() is not None:
        raise SqlTextError(f"{text!r} is not one column type: {parser.peek()!r} follows the type")
    return text.strip()


def _significant(text: str) -> list[str]:
    """Token texts, with runs of angle brackets (lexed as one operator, e.g. '>>') split into single ones."""
    found: list[str] = []
    for token in tokens(text):
        if token.kind in T.Comment:  # it would swallow the rest of the statement the type is written into
            raise SqlTextError(f"{text!r} is not a column type: remove the comment {token.text.strip()!r}")
        if token.insignificant:
            continue
        if set(token.text) <= {"<", ">"}:
            found.extend(token.text)
        elif token.text[:1] not in ("'", '"', "`"):  # the lexer reads NOT NULL, DOUBLE PRECISION as one token
            found.extend(token.text.split())
        else:
            found.append(token.text)
    return found


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.items = _significant(text)
        self.at = 0

    def peek(self) -> str | None:
        return self.items[self.at] if self.at < len(self.items) else None

    def take(self, expected: str | None = None) -> str:
        item = self.peek()
        if item is None or (expected is not None and item.upper() != expected):
            wanted = repr(expected) if expected else "more"
            raise SqlTextError(f"{self.text!r} is not a column type: expected {wanted} "
                               f"{'at the end' if item is None else f'before {item!r}'}")
        self.at += 1
        return item

    def type(self) -> None:
        word = self.take()
        if not _is_word(word):
            raise SqlTextError(f"{self.text!r} is not a column type: {word!r} is not a type name")
        if word.upper() in NESTED:
            self.take("<")
            if word.upper() == "ARRAY":
                self.type()
            elif word.upper() == "MAP":
                self.type()
                self.take(",")
                self.type()
            else:
                self.field()
                while self.peek() == ",":
                    self.take(",")
                    self.field()
            self.take(">")
            return
        while self.peek() is not None and _is_word(self.peek() or "") and (self.peek() or "").upper() != "NOT":
            self.take()
        if self.peek() == "(":
            self.take("(")
            self.number()
            while self.peek() == ",":
                self.take(",")
                self.number()
            self.take(")")

    def field(self) -> None:
        name = self.take()
        if not (_is_word(name) or name[:1] in ('"', "`")):
            raise SqlTextError(f"{self.text!r} is not a column type: {name!r} is not a field name")
        self.type()
        if (self.peek() or "").upper() == "NOT":
            self.take("NOT")
            self.take("NULL")

    def number(self) -> None:
        item = self.take()
        if not item.isdigit():
            raise SqlTextError(f"{self.text!r} is not a column type: {item!r} is not a number")


def _is_word(item: str) -> bool:
    return item[:1].isalpha() and item.replace("_", "a").isalnum()

