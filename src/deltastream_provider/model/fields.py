"""Typed resource inputs and outputs: dataclasses that are also the schema's single source.

A field made with :func:`prop` carries its user-facing description and its secret / replace
flags; :mod:`schema` turns the dataclasses into the package schema, and the helpers here turn
Pulumi property maps into instances (keeping :data:`UNKNOWN` where a preview has no value yet)
and validate them, naming the property in every failure.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar, Union, get_args, get_origin

from .unknown import UNKNOWN

T = TypeVar("T", bound="Model")
PACKAGE = "deltastream"


def prop(description: str, *, secret: bool = False, replaces: bool = False, default: Any = dataclasses.MISSING,
         default_factory: Any = dataclasses.MISSING, name: str | None = None, deprecated: str | None = None) -> Any:
    """A property: ``replaces`` means a change replaces the resource (Diff and schema agree); ``deprecated`` is the
    message for an input an earlier release took and this one ignores: SDKs show it, Check warns with it (never
    fails), and Diff never sees the input change (:meth:`Model.deprecations`)."""
    metadata = {"description": description, "secret": secret, "replaces": replaces, "name": name,
                "deprecated": deprecated}
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


@dataclasses.dataclass(frozen=True)
class Enum:
    """Names a closed set of strings for the schema: ``Annotated[Literal[...], Enum("Name", "why")]`` gives every SDK
    typed constants for it, while Check still validates the ``Literal``. ``Annotated[str, Enum(..., values)]`` gives
    constants for a string taken in other spellings too (not validated)."""

    name: str
    description: str
    values: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class Asset:
    """A Pulumi asset as the engine sends it (schema ``pulumi.json#/Asset``): a file's ``path`` (relative to the
    program's directory, the provider's working directory), inline ``text`` or a ``uri``, and ``hash``, the engine's
    SHA-256 of its bytes (hex). The wire codec (``plugin/wire.py``) reads and writes its signature. ``text`` is kept
    out of its repr: a StringAsset's content must not reach a log or a traceback through the inputs holding it."""

    path: str | None = None
    text: str | None = dataclasses.field(default=None, repr=False)
    uri: str | None = None
    hash: str | None = None

    @classmethod
    def of(cls, value: dict[str, Any]) -> Asset:
        """An asset as the engine's checkpoint writes it (a settle's pending inputs): a dict with these keys."""
        return cls(**{k: v for k, v in value.items() if k in ("path", "text", "uri", "hash") and isinstance(v, str)})


def enum_of(tp: Any) -> tuple[Any, Enum | None]:
    """``Annotated[X, Enum(...)]`` -> (X, the Enum); anything else -> (it, None)."""
    if get_origin(tp) is Annotated:
        found = [m for m in tp.__metadata__ if isinstance(m, Enum)]
        return tp.__origin__, found[0] if found else None
    return tp, None


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@functools.cache
def wire_name(field: dataclasses.Field[Any]) -> str:
    return field.metadata.get("name") or camel(field.name)


def unwrap_optional(tp: Any) -> tuple[Any, bool]:
    """``X | None`` -> (X, True)."""
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(get_args(tp)) == 2:
            return args[0], True
    return tp, False


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp) and issubclass(tp, Model)


Coerce = Callable[[Any], Any]


@dataclasses.dataclass(frozen=True)
class WireField:
    """A field as the engine sees it, resolved once per class so that decoding a request does no type
    introspection: its wire key, its type without ``| None``, and how a wire value becomes the field's value."""

    field: dataclasses.Field[Any]  # its description and flags (``prop``) for the schema
    name: str
    key: str
    type: Any
    enum: Enum | None              # the schema's name for a ``Literal`` type
    optional: bool                 # declared ``X | None``
    has_default: bool
    secret: bool
    coerce: Coerce | None          # None: the wire value is the field's value
    model: type[Model] | None      # the model of the field, or of its list items
    listed: bool                   # the field is a list of ``model``

    @property
    def required(self) -> bool:
        return not self.optional and not self.has_default


def _wire_fields(cls: type) -> tuple[WireField, ...]:
    hints = typing.get_type_hints(cls, include_extras=True)
    found = []
    for field in dataclasses.fields(cls):
        tp, optional = unwrap_optional(hints[field.name])
        tp, enum = enum_of(tp)
        item = get_args(tp)[0] if get_origin(tp) in (list, tuple) else None
        model = tp if is_model(tp) else item if is_model(item) else None
        found.append(WireField(
            field=field, name=field.name, key=wire_name(field), type=tp, enum=enum, optional=optional,
            has_default=field.default is not dataclasses.MISSING or field.default_factory is not dataclasses.MISSING,
            secret=bool(field.metadata.get("secret")), coerce=_coercer(tp), model=model,
            listed=model is not None and model is item))
    return tuple(found)


def _coercer(tp: Any) -> Coerce | None:
    """A function from a wire value (never None or UNKNOWN) to a value of ``tp``; None when they are the same:
    numbers travel as doubles, objects as dicts."""
    tp, _ = unwrap_optional(tp)
    if tp is int:
        return _integer
    if tp is Asset:
        return lambda value: Asset.of(value) if isinstance(value, dict) else value
    if is_model(tp):
        model: type[Model] = tp
        return lambda value: model.from_props(value) if isinstance(value, dict) else value
    origin = get_origin(tp)
    if origin in (list, tuple):
        item = _coercer(get_args(tp)[0])
        if item is None:
            return None
        return lambda value: [_known(item, v) for v in value] if isinstance(value, list) else value
    if origin is dict:
        entry = _coercer(get_args(tp)[1])
        if entry is None:
            return None
        return lambda value: {k: _known(entry, v) for k, v in value.items()} if isinstance(value, dict) else value
    return None


def _integer(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _known(coerce: Coerce, value: Any) -> Any:
    return value if value is None or value is UNKNOWN else coerce(value)


_WIRE_FIELDS: dict[type, tuple[WireField, ...]] = {}


class Model:
    """Base of every input/output dataclass."""

    @classmethod
    def wire_fields(cls) -> tuple[WireField, ...]:
        """The fields, resolved on the class's first use and kept."""
        found = _WIRE_FIELDS.get(cls)
        if found is None:
            found = _WIRE_FIELDS[cls] = _wire_fields(cls)
        return found

    @classmethod
    def from_props(cls: type[T], props: dict[str, Any] | None) -> T:
        props = props or {}
        values: dict[str, Any] = {}
        for prop in cls.wire_fields():
            value = props.get(prop.key)
            if value is not None:
                values[prop.name] = value if prop.coerce is None or value is UNKNOWN else prop.coerce(value)
        return cls(**values)

    def deprecations(self) -> list[tuple[str, str]]:
        """(wire key, message) of each deprecated input given a value: what Check warns about."""
        return [(prop.key, prop.field.metadata["deprecated"]) for prop in self.wire_fields()
                if prop.field.metadata.get("deprecated") and getattr(self, prop.name) is not None]

    def to_props(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for prop in self.wire_fields():
            value = getattr(self, prop.name)
            if value is not None:
                out[prop.key] = _plain(value)
        return out

    @classmethod
    def validate(cls, props: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
        """(property path, reason) for each missing required or mistyped property."""
        failures = []
        known = {prop.key for prop in cls.wire_fields()}
        for key in props:
            if key not in known and not key.startswith("__"):
                failures.append((prefix + key, f"unknown property {key!r}; known: {', '.join(sorted(known))}"))
        for prop in cls.wire_fields():
            value = props.get(prop.key)
            if value is None:
                if prop.required:
                    failures.append((prefix + prop.key, f"{prefix + prop.key} is required"))
                continue
            failures += _check_type(prop.type, value, prefix + prop.key)
        return failures


def _plain(value: Any) -> Any:
    if isinstance(value, Model):
        return value.to_props()
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _check_type(tp: Any, value: Any, path: str) -> list[tuple[str, str]]:
    if value is UNKNOWN:
        return []
    tp, _ = unwrap_optional(tp)
    origin = get_origin(tp)
    if origin is Literal:
        allowed = get_args(tp)
        return [] if value in allowed else [(path, f"{path} must be one of {', '.join(map(repr, allowed))}, "
                                                  f"not {value!r}")]
    if is_model(tp):
        if not isinstance(value, dict):
            return [(path, f"{path} must be an object")]
        nested: list[tuple[str, str]] = tp.validate(value, prefix=path + ".")
        return nested
    if origin in (list, tuple):
        if not isinstance(value, list):
            return [(path, f"{path} must be a list")]
        item = get_args(tp)[0]
        return [f for i, v in enumerate(value) for f in _check_type(item, v, f"{path}[{i}]")]
    if origin is dict:
        if not isinstance(value, dict):
            return [(path, f"{path} must be a map")]
        return [f for k, v in value.items() for f in _check_type(get_args(tp)[1], v, f"{path}.{k}")]
    if tp is Asset:
        return [] if isinstance(value, Asset) else [(path, f"{path} must be an asset (a FileAsset or StringAsset; "
                                                           "in YAML `fn::fileAsset: <path>`), not "
                                                           f"{type(value).__name__}")]
    scalars: dict[Any, type | tuple[type, ...]] = {str: str, bool: bool, int: int, float: (int, float)}
    expected = scalars.get(tp)
    if expected is not None and (not isinstance(value, expected) or (tp is not bool and isinstance(value, bool))):
        return [(path, f"{path} must be a {tp.__name__}, not {type(value).__name__}")]
    return []
