"""What a continuous query reads and writes, read from its tokens (a query body is kept as tokens, not parsed).

Reads: the relations after FROM and JOIN of a SELECT, or a window function's relation (``FROM HOP(rel, ...)``).
A FROM inside a function call (``TRIM(LEADING 'x' FROM c)``, ``EXTRACT(YEAR FROM t)``) names no relation: a FROM
counts only in a parenthesised group (or the whole query) that has a SELECT of its own.
Writes: the columns of the outermost select list, each named by its alias or by the column it copies.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import pairwise

from lark import Token

from . import statements as s

IDENTIFIERS = ("NAME", "QUOTED_IDENT", "BACKTICK_IDENT")
#: Words that may follow a select item without being its alias.
_NOT_ALIASES = frozenset({"from", "as", "distinct", "all"})


def _word(token: Token) -> str:
    """A keyword's lower-cased text ('' for anything that cannot be one)."""
    return token.lower() if token.type in ("NAME", "SELECT") else ""


def _name_at(tokens: list[Token], i: int, identifier: Callable[[Token], str]) -> s.Name | None:
    """The dotted name starting at ``tokens[i]``, if one does."""
    parts: list[str] = []
    while i < len(tokens) and tokens[i].type in IDENTIFIERS:
        parts.append(identifier(tokens[i]))
        if i + 1 < len(tokens) and tokens[i + 1] == ".":
            i += 2
        else:
            break
    return s.Name(tuple(parts)) if parts else None


def _is_call(tokens: list[Token], i: int) -> bool:
    """``name(`` not followed by SELECT: a function call (after FROM, a window function such as HOP or TUMBLE)."""
    return (i + 2 < len(tokens) and tokens[i].type == "NAME" and tokens[i + 1] == "("
            and _word(tokens[i + 2]) != "select")


def sources(tokens: list[Token], identifier: Callable[[Token], str]) -> tuple[s.Name, ...]:
    """Relations a query reads, in order of appearance, each once."""
    found: list[s.Name] = []
    selecting = [False]  # per open parenthesis: whether its group is a SELECT
    for i, token in enumerate(tokens):
        if token == "(":
            selecting.append(False)
        elif token == ")":
            if len(selecting) > 1:
                selecting.pop()
        elif _word(token) == "select":
            selecting[-1] = True
        elif _word(token) in ("from", "join") and selecting[-1]:
            start = i + 3 if _is_call(tokens, i + 1) else i + 1
            name = _name_at(tokens, start, identifier)
            if name is not None and name not in found:
                found.append(name)
    return tuple(found)


def _select_items(tokens: list[Token]) -> list[list[Token]]:
    """The outermost select list, split at its top-level commas."""
    items: list[list[Token]] = [[]]
    depth = 0
    for token in tokens[1:]:
        if depth == 0 and _word(token) == "from":
            break
        if token in ("(", "["):
            depth += 1
        elif token in (")", "]"):
            depth -= 1
        if depth == 0 and token == ",":
            items.append([])
        else:
            items[-1].append(token)
    if items[0] and _word(items[0][0]) in ("distinct", "all"):
        items[0] = items[0][1:]
    return [item for item in items if item]


def _is_chain(item: list[Token]) -> bool:
    """``a``, ``t.a``, ``*`` or ``t.*``: a bare reference, no expression."""
    return all((t == ".") if i % 2 else (t.type in IDENTIFIERS or t == "*") for i, t in enumerate(item))


def _output(item: list[Token], position: int, identifier: Callable[[Token], str]) -> s.SelectOutput:
    if _is_chain(item):
        column = "*" if item[-1] == "*" else identifier(item[-1])
        return s.SelectOutput(column, column)
    function = next((t.lower() for t, after in pairwise(item) if t.type == "NAME" and after == "("), None)
    last = item[-1]
    aliased = len(item) > 1 and last.type in IDENTIFIERS and _word(last) not in _NOT_ALIASES and item[-2] != "."
    if aliased and (_word(item[-2]) == "as" or item[-2] in (")", "]") or item[-2].type in IDENTIFIERS):
        body = item[:-2] if _word(item[-2]) == "as" else item[:-1]
        copied = identifier(body[-1]) if _is_chain(body) else None
        return s.SelectOutput(identifier(last), copied, None if copied else function)
    return s.SelectOutput(f"expr_{position}", None, function)  # an expression without a name


def outputs(tokens: list[Token], identifier: Callable[[Token], str]) -> tuple[s.SelectOutput, ...]:
    """The columns the outermost SELECT writes, in order."""
    return tuple(_output(item, i, identifier) for i, item in enumerate(_select_items(tokens)))
