"""Pulumi property values <-> Python values: secrets, unknowns, resource references, output values.

Decoded values are plain JSON-like Python values in which a secret is a :class:`SecretValue` wrapper
(kept at the exact nesting level the engine sent it) and an unknown is :data:`UNKNOWN`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from google.protobuf import struct_pb2

from ..model.fields import Asset, Model, WireField
from ..model.unknown import UNKNOWN

SIG = "4dabf18193072939515e22adb298388d"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
ASSET_SIG = "c44067f5952c0a294b673a41bacd8c17"

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
class SecretValue:
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
        return SecretValue(_from_value(fields["value"]) if "value" in fields else None)
    if sig == OUTPUT_SIG:
        inner = _from_value(fields["value"]) if "value" in fields else UNKNOWN
        return SecretValue(inner) if "secret" in fields and fields["secret"].bool_value else inner
    if sig == ASSET_SIG:
        return Asset(**{key: fields[key].string_value for key in ("path", "text", "uri", "hash") if key in fields})
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
    if isinstance(value, SecretValue):
        return {SIG: SECRET_SIG, "value": _to_proto(value.value)}
    if isinstance(value, Asset):
        return {SIG: ASSET_SIG, **{k: v for k, v in vars(value).items() if v is not None}}
    if isinstance(value, dict):
        return {k: _to_proto(v) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_to_proto(v) for v in value]
    return value


def encode(properties: dict[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(_to_proto(properties))
    return struct


class Revealed(NamedTuple):
    """A decoded value taken apart in one walk (:func:`reveal`)."""

    plain: Any             # the value without secret wrappers
    paths: set[Path]       # where secrets were
    secrets: list[str]     # each secret's value as text, for redaction (one inside another is in the outer's text)


def reveal(value: Any) -> Revealed:
    """The value without secret wrappers, the paths at which secrets were, and the secrets' values, in one walk: a
    string as it is, anything else as JSON; a secret not known yet has no text (a part not known yet is null)."""
    paths: set[Path] = set()
    secrets: list[str] = []

    def walk(value: Any, path: Path, outermost: bool) -> Any:
        if isinstance(value, SecretValue):
            paths.add(path)
            plain = walk(value.value, path, False)
            if outermost and plain is not UNKNOWN:
                secrets.append(plain if isinstance(plain, str) else json.dumps(plain, default=lambda unknown: None))
            return plain
        if isinstance(value, dict):
            return {key: walk(item, (*path, key), outermost) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item, (*path, index), outermost) for index, item in enumerate(value)]
        return value

    return Revealed(walk(value, (), True), paths, secrets)


_SECRET_FIELDS: dict[type[Model], dict[str, WireField]] = {}


def secret_fields(model: type[Model]) -> dict[str, WireField]:
    """The fields of ``model`` (by wire key) where a declared secret can be: those marked secret, and the objects or
    lists of objects with one inside. Resolved once per model, so concealing a value visits only these."""
    found = _SECRET_FIELDS.get(model)
    if found is None:
        found = _SECRET_FIELDS[model] = {f.key: f for f in model.wire_fields()
                                         if f.secret or (f.model is not None and secret_fields(f.model))}
    return found


@dataclass
class _Paths:
    """Paths as a tree: whether one ends here, and those that go on below, by key or index."""

    end: bool = False
    below: dict[str | int, _Paths] = field(default_factory=dict)


_NO_PATHS = _Paths()


def conceal(value: Any, paths: Iterable[Path] = (), model: type[Model] | None = None) -> Any:
    """``value`` with a :class:`SecretValue` wrapper at each of ``paths`` that exists (where the engine sent secrets)
    and at each property ``model`` declares secret, wherever it occurs (in objects, lists of objects, and inside values
    that are secret already), in one walk that visits only those paths and the fields :func:`secret_fields` names.
    A value already secret, or None, is not wrapped again."""
    tree = _Paths()
    for path in paths:
        node = tree
        for key in path:
            node = node.below.setdefault(key, _Paths())
        node.end = True
    return _conceal(value, tree, model, False)


def _conceal(value: Any, paths: _Paths, model: type[Model] | None, listed: bool) -> Any:
    """``value`` concealed at ``paths`` below it and where ``model`` (of its items when ``listed``) declares secrets;
    wrapped itself when a path ends here."""
    if isinstance(value, SecretValue):
        inner = _conceal(value.value, _Paths(below=paths.below), model, listed)
        return value if inner is value.value else SecretValue(inner)
    changed: dict[Any, Any] = {}
    if isinstance(value, dict):
        for key, found in (secret_fields(model) if model is not None and not listed else {}).items():
            if key in value:
                below = paths.below.get(key, _NO_PATHS)
                changed[key] = (_conceal(value[key], _Paths(True, below.below), None, False) if found.secret
                                else _conceal(value[key], below, found.model, found.listed))
        for step, rest in paths.below.items():
            if step in value and step not in changed:
                changed[step] = _conceal(value[step], rest, None, False)
    elif isinstance(value, list):
        items = model if listed else None
        for index in range(len(value)) if items is not None else [i for i in paths.below if isinstance(i, int)]:
            if 0 <= index < len(value):
                changed[index] = _conceal(value[index], paths.below.get(index, _NO_PATHS), items, False)
    changed = {key: new for key, new in changed.items() if new is not value[key]}
    if changed:
        value = {**value, **changed} if isinstance(value, dict) else [changed.get(i, v) for i, v in enumerate(value)]
    return SecretValue(value) if paths.end and value is not None else value


def has_unknowns(value: Any) -> bool:
    if value is UNKNOWN:
        return True
    if isinstance(value, SecretValue):
        return has_unknowns(value.value)
    if isinstance(value, dict):
        return any(has_unknowns(v) for v in value.values())
    if isinstance(value, list):
        return any(has_unknowns(v) for v in value)
    return False
