"""The contract register (``contract.yaml``): what DeltaStream is known to accept and return, each with its public
evidence. The local server holds the provider to it (system-table columns and joins it does not confirm are
refused unless the ``lenient_system_tables`` knob is set); tests hold the provider's statements to it."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from importlib import resources
from typing import Any

import yaml

CONFIRMED = "confirmed"


@dataclass(frozen=True)
class Register:
    evidence: dict[str, dict[str, Any]]
    statements: dict[str, dict[str, Any]]
    system_tables: dict[str, dict[str, Any]]
    results: dict[str, dict[str, Any]]
    with_keys: dict[str, dict[str, Any]]

    def confirmed_statement(self, kind: str) -> bool:
        return self.statements.get(kind, {}).get("status") == CONFIRMED

    def confirmed_columns(self, table: str) -> frozenset[str]:
        columns = self.system_tables.get(table, {}).get("columns", {})
        return frozenset(name for name, entry in columns.items() if entry.get("status") == CONFIRMED)


@functools.cache
def register() -> Register:
    text = resources.files(__package__).joinpath("contract.yaml").read_text()
    data = yaml.safe_load(text)
    return Register(**{key: data.get(key) or {} for key in Register.__dataclass_fields__})
