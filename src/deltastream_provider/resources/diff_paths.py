"""Where two inputs differ, as the property paths of Pulumi's detailed diff (``kinesis.secretAccessKey``,
``columns[2].type``), so the engine shows the field that changed rather than the whole block around it."""

from __future__ import annotations

import json
import re
from typing import Any

from .base import Change, equal

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def child(path: str, key: str | int) -> str:
    """The path of ``key`` under ``path``: ``a.b``, ``a[0]``, or ``a["x.y"]`` for a key that is not a plain name."""
    if isinstance(key, int):
        return f"{path}[{key}]"
    if _NAME.match(key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


def changed_paths(old: Any, new: Any, path: str) -> list[tuple[str, Change]]:
    """Each innermost value that differs: objects key by key, lists of one length item by item (a list that grew
    or shrank is one change); a side that is missing makes an ADD or a DELETE."""
    if isinstance(old, dict) and isinstance(new, dict):
        keys: list[str | int] = sorted(k for k in set(old) | set(new) if not equal(old.get(k), new.get(k)))
        pairs = [(old.get(k), new.get(k), k) for k in keys]
    elif isinstance(old, list) and isinstance(new, list) and len(old) == len(new):
        pairs = [(a, b, i) for i, (a, b) in enumerate(zip(old, new, strict=True)) if not equal(a, b)]
    else:
        return [(path, "ADD" if old is None else "DELETE" if new is None else "UPDATE")]
    return [found for a, b, key in pairs for found in changed_paths(a, b, child(path, key))]
