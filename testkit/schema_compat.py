"""Breaking changes between two package schemas: what a program written against the older one would trip on.

A release's users keep their programs, so each of these must be declared (with its reason) before it ships: a
resource, function, type or config key removed; an input, argument or output removed; a property's type changed
(a string that became a string-or-enum is no change); an input or argument that became required, or a new required
one; an output that was always set and may now be missing; an enum value removed.
"""

from __future__ import annotations

from typing import Any

Spec = dict[str, Any]


def signature(spec: Spec) -> Any:
    """A property's type, comparable: its reference, its scalar, or the shape of its items or values."""
    if "oneOf" in spec:
        return ("oneOf", tuple(sorted(repr(signature(s)) for s in spec["oneOf"])))
    if "$ref" in spec:
        return spec["$ref"]
    kind = spec.get("type")
    if kind == "array":
        return ("array", signature(spec.get("items", {})))
    if kind == "object" and "additionalProperties" in spec:
        return ("map", signature(spec["additionalProperties"]))
    return kind


def same_type(old: Spec, new: Spec) -> bool:
    """The new type takes every value the old one took, in every SDK: the same type, or one of its alternatives."""
    if signature(old) == signature(new):
        return True
    return "oneOf" in new and any(signature(old) == signature(s) for s in new["oneOf"])


def _properties(where: str, old: dict[str, Spec], new: dict[str, Spec], what: str) -> list[str]:
    found = []
    for name, spec in old.items():
        if name not in new:
            found.append(f"{where}: {what} `{name}` removed")
        elif not same_type(spec, new[name]):
            found.append(f"{where}: {what} `{name}` changed type from {signature(spec)} to {signature(new[name])}")
    return found


def _inputs(where: str, old: dict[str, Spec], new: dict[str, Spec], old_required: list[str],
            new_required: list[str], what: str) -> list[str]:
    found = _properties(where, old, new, what)
    for name in sorted(set(new_required) - set(old_required)):
        found.append(f"{where}: {what} `{name}` " + ("became required" if name in old else "is new and required"))
    return found


def _outputs(where: str, old: dict[str, Spec], new: dict[str, Spec], old_required: list[str],
             new_required: list[str]) -> list[str]:
    found = _properties(where, old, new, "output")
    for name in sorted(set(old_required) - set(new_required)):
        if name in new:
            found.append(f"{where}: output `{name}` is no longer always set")
    return found


def breaking_changes(old: Spec, new: Spec) -> list[str]:
    """Every breaking change from ``old`` to ``new`` (package schemas as loaded from YAML or JSON), one line each."""
    found: list[str] = []
    for token, resource in old.get("resources", {}).items():
        now = new.get("resources", {}).get(token)
        if now is None:
            found.append(f"{token}: resource removed")
            continue
        found += _inputs(token, resource.get("inputProperties", {}), now.get("inputProperties", {}),
                         resource.get("requiredInputs", []), now.get("requiredInputs", []), "input")
        found += _outputs(token, resource.get("properties", {}), now.get("properties", {}),
                          resource.get("required", []), now.get("required", []))
    for token, function in old.get("functions", {}).items():
        now = new.get("functions", {}).get(token)
        if now is None:
            found.append(f"{token}: function removed")
            continue
        args, new_args = function.get("inputs", {}), now.get("inputs", {})
        found += _inputs(token, args.get("properties", {}), new_args.get("properties", {}),
                         args.get("required", []), new_args.get("required", []), "argument")
        result, new_result = function.get("outputs", {}), now.get("outputs", {})
        found += _outputs(token, result.get("properties", {}), new_result.get("properties", {}),
                          result.get("required", []), new_result.get("required", []))
    for token, type_ in old.get("types", {}).items():
        now = new.get("types", {}).get(token)
        if now is None:
            found.append(f"{token}: type removed")
            continue
        if "enum" in type_:
            values = {e["value"] for e in now.get("enum", [])}
            found += [f"{token}: enum value {e['value']!r} removed" for e in type_["enum"] if e["value"] not in values]
            continue
        found += _inputs(token, type_.get("properties", {}), now.get("properties", {}), type_.get("required", []),
                         now.get("required", []), "property")
    old_config = old.get("config", {}).get("variables", {})
    new_config = new.get("config", {}).get("variables", {})
    found += [f"config: `{key}` removed" for key in old_config if key not in new_config]
    return found


def undeclared(old: Spec, new: Spec, accepted: list[dict[str, str]]) -> tuple[list[str], list[str]]:
    """The breaking changes not declared in ``accepted`` (entries ``{change, reason}``), and the declarations that
    match no change (stale: the change was undone, or its text moved)."""
    found = breaking_changes(old, new)
    declared = {entry["change"] for entry in accepted}
    return [c for c in found if c not in declared], sorted(declared - set(found))
