"""The schema against the last release's: every breaking change is declared, with its reason."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from testkit.schema_compat import breaking_changes, undeclared

from deltastream_provider.kinds.schema import build

RELEASE = Path(__file__).resolve().parents[1] / "fixtures" / "release-0.1.0"
QUERY, OBJECT = "deltastream:index:Query", "deltastream:index:DeltaStreamObject"


@pytest.fixture(scope="module")
def released() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((RELEASE / "schema.yaml").read_text())
    return loaded


@pytest.fixture(scope="module")
def current() -> dict[str, Any]:
    return build()


def test_no_undeclared_breaking_change_since_the_last_release(released: dict[str, Any],
                                                              current: dict[str, Any]) -> None:
    accepted = yaml.safe_load((RELEASE / "accepted-breaking-changes.yaml").read_text())["accepted"]
    assert all(entry.get("reason") for entry in accepted), "every accepted breaking change says why"
    found, stale = undeclared(released, current, accepted)
    assert found == [], "breaking changes since 0.1.0; undo them or declare each in accepted-breaking-changes.yaml"
    assert stale == [], "declared breaking changes that no longer happen: remove them"


def test_the_last_release_schema_is_compatible_with_itself(released: dict[str, Any]) -> None:
    assert breaking_changes(released, copy.deepcopy(released)) == []


def altered(schema: dict[str, Any], change: str) -> dict[str, Any]:
    """``schema`` with one breaking change of the kind named."""
    new = copy.deepcopy(schema)
    query, obj = new["resources"][QUERY], new["resources"][OBJECT]
    if change == "removed input":
        del query["inputProperties"]["owner"]
    elif change == "required input":
        query["requiredInputs"].append("database")
    elif change == "new required input":
        obj["inputProperties"]["retention"] = {"type": "string"}
        obj["requiredInputs"].append("retention")
    elif change == "type changed":
        obj["inputProperties"]["primaryKey"] = {"type": "string"}
    elif change == "removed output":
        del query["properties"]["queryId"]
    elif change == "optional output":
        query["required"].remove("queryId")
    elif change == "removed resource":
        del new["resources"][QUERY]
    elif change == "removed function":
        del new["functions"]["deltastream:index:getQuery"]
    elif change == "removed type property":
        del new["types"]["deltastream:index:Column"]["properties"]["nullable"]
    elif change == "removed config":
        del new["config"]["variables"]["role"]
    return new


@pytest.mark.parametrize("change, message", [
    ("removed input", f"{QUERY}: input `owner` removed"),
    ("required input", f"{QUERY}: input `database` became required"),
    ("new required input", f"{OBJECT}: input `retention` is new and required"),
    ("type changed", f"{OBJECT}: input `primaryKey` changed type from ('array', 'string') to string"),
    ("removed output", f"{QUERY}: output `queryId` removed"),
    ("optional output", f"{QUERY}: output `queryId` is no longer always set"),
    ("removed resource", f"{QUERY}: resource removed"),
    ("removed function", "deltastream:index:getQuery: function removed"),
    ("removed type property", "deltastream:index:Column: property `nullable` removed"),
    ("removed config", "config: `role` removed"),
])
def test_a_breaking_change_fails_naming_it(current: dict[str, Any], change: str, message: str) -> None:
    found, _ = undeclared(current, altered(current, change), [])
    assert message in found, found
    declared = [{"change": message, "reason": "test"}]
    assert undeclared(current, altered(current, change), declared)[0] == [c for c in found if c != message]


def test_a_removed_enum_value_fails_and_a_string_becoming_an_enum_does_not() -> None:
    old = {"types": {"p:index:Kind": {"type": "string", "enum": [{"value": "a"}, {"value": "b"}]}},
           "resources": {"p:index:R": {"inputProperties": {"kind": {"type": "string"}}}}}
    new = copy.deepcopy(old)
    new["types"]["p:index:Kind"]["enum"] = [{"value": "a"}]
    new["resources"]["p:index:R"]["inputProperties"]["kind"] = {
        "type": "string", "oneOf": [{"type": "string"}, {"type": "string", "$ref": "#/types/p:index:Kind"}]}
    assert breaking_changes(old, new) == ["p:index:Kind: enum value 'b' removed"]
