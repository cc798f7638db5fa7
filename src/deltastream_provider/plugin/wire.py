"""Pulumi property values <-> Python values: secrets, unknowns, resource references, output values.

Decoded values are plain JSON-like Python values in which a secret is a :class:`Secret` wrapper
(kept at the exact nesting level the engine sent it) and an unknown is :data:`UNKNOWN`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from google.protobuf import struct_pb2

from ..model.unknown import UNKNOWN

SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"
ARCHIVE_SIG = "0def7320c3a5731c473e5ecbe6d01bc7"

#: The engine's unknown sentinels, one per element type; all seven mean "not known yet".
UNKNOWN_SENTINELS = frozenset({
    "04da6b54-80e4-46f7-96ec-b56ff0331ba9", "1c4a061d-8072-4f0a-a4cb-0ff528b18fe7",
    "3eeb2bf0-c639-47a8-9e75-3b44932eb421", "6a19a0b0-7e62-4c92-b797-7f8e31da9cc2",
    "dd056dcd-154b-4c76-9bd3-c8f88648b5ff", "030794c1-ac77-496b-92df-f27374a8bd58",
    "e48ece36-62e2-4504-bad9-02848725956a",
})
UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

Path = tuple[str | int, ...]


@dataclass(frozen=True)
class Secret:
    value: Any

    def __repr__(self) -> str:
        return "Secret(****)"


def _from_value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        text = value.string_value
        return UNKNOWN if text in UNKNOWN_SENTINELS else text
    if kind == "number_value":
        number = value.number_value
        return int(number) if number.is_integer() and abs(number) < 2 ** 53 else number
    if kind == "bool_value":
        return value.bool_value
    if kind == "struct_value":
        return _from_struct(value.struct_value)
    if kind == "list_value":
        return [_from_value(item) for item in value.list_value.values]
    return None


def _from_struct(struct: struct_pb2.Struct) -> Any:
    """An object, or the secret, output or resource reference its signature key says it is."""
    fields = struct.fields
    sig = fields[SIG].string_value if SIG in fields else None
    if sig == SECRET_SIG:
        return Secret(_from_value(fields["value"]) if "value" in fields else None)
    if sig == OUTPUT_SIG:
        inner = _from_value(fields["value"]) if "value" in fields else UNKNOWN
        return Secret(inner) if "secret" in fields and fields["secret"].bool_value else inner
    if sig == RESOURCE_SIG:
        if "id" not in fields:
            return fields["urn"].string_value if "urn" in fields else UNKNOWN
        ref_id = fields["id"].string_value
        return UNKNOWN if ref_id in ("", *UNKNOWN_SENTINELS) else ref_id
    return {key: _from_value(item) for key, item in fields.items()}


def decode(struct: struct_pb2.Struct | None) -> dict[str, Any]:
    """A request's property map as Python values, in one walk over the message."""
    if struct is None:
        return {}
    plain: dict[str, Any] = _from_struct(struct)
    return plain


def _to_proto(value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN_STRING
    if isinstance(value, Secret):
        return {SIG: SECRET_SIG, "value": _to_proto(value.value)}
    if isinstance(value, dict):
        return {k: _to_proto(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_to_proto(v) for v in value]
    return value


def encode(properties: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(_to_proto(properties))
    return struct


def reveal(value: Any, path: Path = ()) -> tuple[Any, set[Path]]:
    """The value without secret wrappers, and the paths at which secrets were."""
    if isinstance(value, Secret):
        inner, paths = reveal(value.value, path)
        return inner, paths | {path}
    if isinstance(value, dict):
        plain, paths = {}, set()
        for key, item in value.items():
            plain[key], found = reveal(item, (*path, key))
            paths |= found
        return plain, paths
    if isinstance(value, list):
        items, paths = [], set()
        for index, item in enumerate(value):
            revealed, found = reveal(item, (*path, index))
            items.append(revealed)
            paths |= found
        return items, paths
    return value, set()


def conceal(value: Any, paths: Iterable[Path]) -> Any:
    """Wrap the value at each path (that exists) in :class:`Secret`."""
    for path in sorted(set(paths), key=len, reverse=True):
        value = _wrap_at(value, path)
    return value


def _wrap_at(value: Any, path: Path) -> Any:
    if not path:
        return value if isinstance(value, Secret) or value is None else Secret(value)
    head, rest = path[0], path[1:]
    if isinstance(value, dict) and head in value:
        return {**value, head: _wrap_at(value[head], rest)}
    if isinstance(value, list) and isinstance(head, int) and 0 <= head < len(value):
        return [*value[:head], _wrap_at(value[head], rest), *value[head + 1:]]
    if isinstance(value, Secret):
        return Secret(_wrap_at(value.value, path))
    return value


def has_unknowns(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, Secret):
        return has_unknowns(value.value)
    if isinstance(value, dict):
        return any(has_unknowns(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknowns(v) for v in value)
    return False
