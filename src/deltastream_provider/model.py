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
from typing import Any, Literal, TypeVar, Union, get_args, get_origin

from .properties import UNKNOWN

T = TypeVar("T", bound="Model")
PACKAGE = "deltastream"


def prop(description: str, *, secret: bool = False, replaces: bool = False, default: Any = dataclasses.MISSING,
         default_factory: Any = dataclasses.MISSING, name: str | None = None) -> Any:
    """A property: ``replaces`` means a change replaces the resource (Diff and schema agree)."""
    metadata = {"description": description, "secret": secret, "replaces": replaces, "name": name}
    if default_factory is not dataclasses.MISSING:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


@functools.cache
def wire_name(field: dataclasses.Field[Any]) -> str:
    return field.metadata.get("name") or camel(field.name)


def type_hints(cls: type) -> dict[str, Any]:
    """The class's resolved annotations, once per class: resolving them compiles each one (the annotations are
    strings), which dominated the CPU of every Check and Diff before it was cached."""
    hints = _HINTS.get(cls)
    if hints is None:
        hints = _HINTS[cls] = typing.get_type_hints(cls)
    return hints


_HINTS: dict[type, dict[str, Any]] = {}


def unwrap_optional(tp: Any) -> tuple[Any, bool]:
    """``X | None`` -> (X, True)."""
    if get_origin(tp) in (Union, types.UnionType):
        args = [a for a in get_args(tp) if a is not type(None)]
        if len(args) == 1 and len(get_args(tp)) == 2:
            return args[0], True
    return tp, False


def is_model(tp: Any) -> bool:
    return isinstance(tp, type) and dataclasses.is_dataclass(tp) and issubclass(tp, Model)


def _fields(cls: type) -> tuple[dataclasses.Field[Any], ...]:
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = dataclasses.fields(cls)
    return found


_FIELDS: dict[type, tuple[dataclasses.Field[Any], ...]] = {}


class Model:
    """Base of every input/output dataclass."""

    @classmethod
    def fields(cls) -> tuple[dataclasses.Field[Any], ...]:
        return _fields(cls)

    @classmethod
    def from_props(cls: type[T], props: dict[str, Any] | None) -> T:
        props = props or {}
        hints = type_hints(cls)
        values: dict[str, Any] = {}
        for field in cls.fields():
            key = wire_name(field)
            if key in props and props[key] is not None:
                values[field.name] = _coerce(hints[field.name], props[key])
        return cls(**values)

    def to_props(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for field in self.fields():
            value = getattr(self, field.name)
            if value is not None:
                out[wire_name(field)] = _plain(value)
        return out

    @classmethod
    def validate(cls, props: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
        """(property path, reason) for each missing required or mistyped property."""
        failures = []
        hints = type_hints(cls)
        known = {wire_name(f) for f in cls.fields()}
        for key in props:
            if key not in known and not key.startswith("__"):
                failures.append((prefix + key, f"unknown property {key!r}; known: {', '.join(sorted(known))}"))
        for field in cls.fields():
            key = wire_name(field)
            tp, optional = unwrap_optional(hints[field.name])
            required = not optional and field.default is dataclasses.MISSING \
                and field.default_factory is dataclasses.MISSING
            value = props.get(key)
            if value is None:
                if required:
                    failures.append((prefix + key, f"{prefix + key} is required"))
                continue
            failures += _check_type(tp, value, prefix + key)
        return failures


def _coerce(tp: Any, value: Any) -> Any:
    if value is UNKNOWN:
        return UNKNOWN
    tp, _ = unwrap_optional(tp)
    if tp is int and isinstance(value, float) and value.is_integer():
        return int(value)  # numbers travel as doubles
    if is_model(tp) and isinstance(value, dict):
        return tp.from_props(value)
    origin = get_origin(tp)
    if origin in (list, tuple) and isinstance(value, list):
        (item,) = get_args(tp)[:1]
        return [_coerce(item, v) for v in value]
    if origin is dict and isinstance(value, dict):
        return {k: _coerce(get_args(tp)[1], v) for k, v in value.items()}
    return value


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
    scalars: dict[Any, type | tuple[type, ...]] = {str: str, bool: bool, int: int, float: (int, float)}
    expected = scalars.get(tp)
    if expected is not None and (not isinstance(value, expected) or (tp is not bool and isinstance(value, bool))):
        return [(path, f"{path} must be a {tp.__name__}, not {type(value).__name__}")]
    return []
