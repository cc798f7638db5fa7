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


SECTION_START = "<!-- generated from contract.yaml by `python -m deltastream_local.contract`: do not edit -->"
SECTION_END = "<!-- end of the generated section -->"
FAMILIES_START = "<!-- generated from the family modules' choices by `python -m deltastream_local.contract` -->"
FAMILIES_END = "<!-- end of the families' choices -->"


def _cite(ids: list[str]) -> str:
    entries = register().evidence
    return "; ".join(f"{entries[i]['source']} `{entries[i]['path']}`" for i in ids) or "none"


def relied_on() -> str:
    """The section of CHOICES.md that says what the provider relies on, one row per statement, column and result."""
    contract = register()
    lines = [SECTION_START, "", "## What the provider relies on", "",
             "Every statement kind, system-table column and result the contract register lists, with its status and "
             "evidence. The provider sends and reads only confirmed ones (`tests/unit/test_contract_register.py`); "
             "the local server refuses unconfirmed system-table columns and joins unless `lenient_system_tables` "
             "is set.", "", "| What | Status | Evidence |", "| --- | --- | --- |"]
    for kind, entry in contract.statements.items():
        lines.append(f"| statement `{kind}` | {entry['status']} | {_cite(entry.get('evidence') or [])} |")
    for table, entry in contract.system_tables.items():
        for column, found in entry["columns"].items():
            lines.append(f"| `sys.\"{table}\".{column}` | {found['status']} | {_cite(found.get('evidence') or [])} |")
    for kind, entry in contract.results.items():
        lines.append(f"| result of `{kind}` | {entry['status']} | {_cite(entry.get('evidence') or [])} |")
    return "\n".join([*lines, "", SECTION_END]) + "\n"


def family_choices() -> str:
    """The section of CHOICES.md that the family modules declare (``Family.choices``), one row per choice."""
    from .families import modules

    lines = [FAMILIES_START, "", "| Topic | Choice | Where |", "| --- | --- | --- |"]
    lines += [f"| {topic} | {choice} | `families/{name}.py` |"
              for name, family in modules() for topic, choice in family.choices.items()]
    return "\n".join([*lines, "", FAMILIES_END]) + "\n"


def _put(text: str, start: str, end: str, section: str, before: str) -> str:
    """``text`` with ``section`` (from ``start`` to ``end``) replaced, or put in just before ``before``."""
    if start in text:
        return text.split(start)[0] + section.rstrip("\n") + text.split(end, 1)[1]
    head, found, tail = text.partition(before)
    return head + section + "\n" + found + tail if found else text.rstrip("\n") + "\n\n" + section


def with_section(choices: str) -> str:
    """CHOICES.md with the generated sections put in (or replaced): the families' choices, then what the provider
    relies on."""
    head = choices.split(SECTION_START)[0].rstrip("\n")
    tail = choices.split(SECTION_END, 1)[1].lstrip("\n") if SECTION_END in choices else ""
    text = head + "\n\n" + relied_on() + ("\n" + tail if tail else "")
    return _put(text, FAMILIES_START, FAMILIES_END, family_choices(), SECTION_START)


if __name__ == "__main__":
    path = resources.files(__package__).joinpath("CHOICES.md")
    path.write_text(with_section(path.read_text()))  # type: ignore[attr-defined]
