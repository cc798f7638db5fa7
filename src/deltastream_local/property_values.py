"""WITH property values as the engine reads them, and as the catalog keeps them (credentials masked)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from . import statements as s
from .catalog import dumps
from .results import SqlFailure

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


#: The keys that name a Kafka store's schema registry, as DeltaStream's clients spell them: Terraform's
#: `'schema_registry.name' = "sr"`, DeltaStream's Pulumi provider's `'kafka.schema_registry_name'` and the Python SDK's
#: `'schema_registry_name'`. The first one a store has is its registry.
STORE_REGISTRY_KEYS = ("schema_registry.name", "kafka.schema_registry_name", "schema_registry_name")


def store_registry(props: dict[str, Any]) -> str | None:
    """The schema registry a store's properties name, whichever client's key names it."""
    for key in STORE_REGISTRY_KEYS:
        value = props.get(key)
        if value is not None:
            return value.name if isinstance(value, s.Identifier) else str(value)
    return None


def type_word(props: dict[str, Any], types: Sequence[str], what: str) -> str:
    """The ``'type'`` parameter as a bare word in capitals: missing is ``3D021``, one not among ``types`` (as the
    message spells them) ``3D008``."""
    kind = word(props.get("type"))
    if not kind:
        raise SqlFailure("3D021", "missing parameter 'type'")
    if kind not in [t.upper() for t in types]:
        raise SqlFailure("3D008", f"invalid {what} type {kind!r}; expected one of {', '.join(types)}")
    return kind


def same_type(props: dict[str, Any], current: dict[str, Any], what: str) -> None:
    """An UPDATE may repeat the ``'type'`` parameter but not change it (``3D008``)."""
    if "type" in props and word(props["type"]) != word(current.get("type")):
        raise SqlFailure("3D008", f"a {what}'s 'type' cannot be changed")


def is_credential(key: str) -> bool:
    return bool(_SECRET_KEY.search(key)) and not key.endswith("_file")


def refuse_nulls(props: dict[str, Any]) -> None:
    for key, value in props.items():
        if value is None:
            raise SqlFailure("3D008", f"parameter {key!r} does not accept NULL; send its new value, or leave it out "
                                      "to keep the current one")


def check_group(keys: tuple[str, ...], props: dict[str, Any], required: bool, kind: str) -> None:
    """Credentials that only make sense together: all or none (all, when ``required``)."""
    given = [k for k in keys if props.get(k) not in (None, "")]
    if (given or required) and len(given) < len(keys):
        missing = next(k for k in keys if k not in given)
        raise SqlFailure("3D021", f"missing parameter {missing!r} for {kind}: "
                                  f"{', '.join(repr(k) for k in keys)} are given together")
