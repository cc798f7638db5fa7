"""WITH property values as the engine reads them, and as the catalog keeps them (credentials masked)."""

from __future__ import annotations

import re
from typing import Any

from . import statements as s
from .catalog import dumps

_SECRET_KEY = re.compile(r"password|passphrase|secret|key_file|token|credential|access_key_id|account\.id|\.key$",
                         re.IGNORECASE)
MASK = "****"  # what the catalog shows for a credential that was set


def word(value: Any) -> str:
    if isinstance(value, s.Keyword):
        return value.word.upper()
    if isinstance(value, s.Identifier):
        return value.name.upper()
    return str(value).upper() if isinstance(value, str) else ""


def public(props: dict[str, Any]) -> str:
    """Properties as stored: a credential is kept only as the fact that it was set."""
    def plain(value: Any) -> Any:
        if isinstance(value, s.Keyword):
            return value.word
        if isinstance(value, s.Identifier):
            return value.name
        return value if value is not s.FLAG else True
    return dumps({k: MASK if is_credential(k) else plain(v) for k, v in props.items()})


def is_credential(key: str) -> bool:
    return bool(_SECRET_KEY.search(key)) and not key.endswith("_file")
