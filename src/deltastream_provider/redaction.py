"""Redaction of SQL written by users, for traces and error messages.

Statements built by :mod:`sql` carry an exact redacted twin; this pattern-based pass covers SQL
the provider did not build (query bodies), where a ``WITH`` property whose key names a credential
may still appear.
"""

from __future__ import annotations

import re

_SECRET_KEY = re.compile(
    r"(password|passphrase|secret|token|credential|private[._]?key|access[._]key|key_file|api[._]?key"
    r"|client\.key|\.key$)",
    re.IGNORECASE,
)
_PROPERTY = re.compile(r"'((?:[^']|'')*)'(\s*=\s*)('(?:[^']|'')*')")


def redact_sql(sql: str) -> str:
    """Replace the value of every ``'key' = 'value'`` pair whose key names a secret."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if _SECRET_KEY.search(key):
            return f"'{key}'{match.group(2)}'****'"
        return match.group(0)

    return _PROPERTY.sub(replace, sql)


def redact_values(text: str, secrets: list[str]) -> str:
    """Remove known secret values from free text, such as a server's error message."""
    for secret in sorted((s for s in secrets if len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "****")
    return text
