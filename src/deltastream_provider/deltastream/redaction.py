"""Redaction of SQL written by users, for traces and error messages, and of a call's known secret values.

Statements built by :mod:`sql` carry an exact redacted twin; this pattern-based pass covers SQL
the provider did not build (query bodies), where a ``WITH`` property whose key names a credential
may still appear.

DeltaStream's error text is free text that may echo any value a statement sent (a password in a refused login).
So every call keeps the secret values it touches (its secret inputs, its statements' secret literals, the API
key) in a scope of its own, and both ways out, the engine log (:mod:`logs`) and the error returned to the engine
(:mod:`server`), remove them with :func:`redact_known`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_SECRET_KEY = re.compile(
    r"(password|passphrase|secret|token|credential|private[._]?key|access[._]key|key_file|api[._]?key"
    r"|client\.key|\.key$)",
    re.IGNORECASE,
)
_PROPERTY = re.compile(r"'((?:[^']|'')*)'(\s*=\s*)('(?:[^']|'')*')")
MASK = "****"
SHORTEST = 4  # shorter values would mask ordinary words; no credential is that short

# The secret values of the call running in this context (a gRPC call's task, and the tasks it starts).
_KNOWN: ContextVar[set[str] | None] = ContextVar("deltastream_known_secrets", default=None)


def redact_sql(sql: str) -> str:
    """Replace the value of every ``'key' = 'value'`` pair whose key names a secret."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        if _SECRET_KEY.search(key):
            return f"'{key}'{match.group(2)}'****'"
        return match.group(0)

    return _PROPERTY.sub(replace, sql)


def _spellings(secret: str) -> set[str]:
    """A value as it may be echoed: as sent, as quoted in SQL (quotes doubled), as escaped in JSON."""
    return {secret, secret.replace("'", "''"), json.dumps(secret)[1:-1]}


def redact_values(text: str, secrets: Iterable[str]) -> str:
    """Remove known secret values from free text, such as a server's error message."""
    spelled = {s for secret in secrets if len(secret) >= SHORTEST for s in _spellings(secret)}
    for secret in sorted(spelled, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return text


@contextmanager
def secrets_known(*groups: Iterable[str | None]) -> Iterator[set[str]]:
    """Make values known secrets: they join the scope open in this context until it closes (a call's whole run),
    or, with none open, a scope for this block alone. Yields the scope's values, which grow as the call goes on."""
    values = {v for group in groups for v in group if isinstance(v, str) and v}
    known = _KNOWN.get()
    if known is not None:
        known |= values
        yield known
        return
    token = _KNOWN.set(values)
    try:
        yield values
    finally:
        _KNOWN.reset(token)


def redact_known(text: str) -> str:
    """``text`` without any secret value known in this context."""
    known = _KNOWN.get()
    return redact_values(text, known) if known else text
