"""Resource IDs: names joined by ``/``, or the quoted form when a name contains ``/`` or ``"``.

``db/ns/name`` and ``"db"."ns"."name"`` both parse; the quoted form is what DeltaStream prints as
a relation's fqn, so an fqn can be pasted into ``pulumi import`` as is.
"""

from __future__ import annotations

import re

from ..errors import InputError
from .sql import qualified

_QUOTED_PART = re.compile(r'"((?:[^"]|"")*)"')


def format_id(*parts: str) -> str:
    if any("/" in p or '"' in p for p in parts):
        return qualified(*parts)
    return "/".join(parts)


def parse_id(value: str, count: int | range, example: str) -> tuple[str, ...]:
    """The ``count`` names (or a number of names in the range) in an ID; InputError naming the accepted forms
    otherwise."""
    counts = range(count, count + 1) if isinstance(count, int) else count
    text = value.strip()
    if text.startswith('"'):
        parts, position = [], 0
        while position < len(text):
            match = _QUOTED_PART.match(text, position)
            if match is None:
                break
            parts.append(match.group(1).replace('""', '"'))
            position = match.end()
            if position < len(text):
                if text[position] != ".":
                    break
                position += 1
        else:
            if len(parts) in counts:
                return tuple(parts)
    else:
        parts = text.split("/")
        if len(parts) in counts and all(parts):
            return tuple(parts)
    raise InputError(f"{value!r} is not a valid ID: expected {example}")
