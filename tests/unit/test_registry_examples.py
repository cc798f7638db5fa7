"""The registry examples tell one story: what one example names, any other names the same way, and the four
languages of an example export the same outputs. (Each example runs end to end in
tests/e2e/test_registry_examples.py; these are the checks that need no CLI.)"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from deltastream_provider import __version__
from deltastream_provider.model import docs, story
from deltastream_provider.model.docs import Part

EXAMPLES = {name: part for name, part in vars(story).items() if isinstance(part, Part) and name.isupper()}
EXPORTS = {
    "typescript": re.compile(r"^export const (\w+) =", re.M),
    "python": re.compile(r'^pulumi\.export\("(\w+)"', re.M),
    "go": re.compile(r'^\t\tctx\.Export\("(\w+)"', re.M),
}


def yaml_program(part: Part) -> dict[str, Any]:
    program: dict[str, Any] = yaml.safe_load(docs.programs(part)["yaml"])
    return program


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_each_language_exports_the_same_outputs(name: str) -> None:
    programs = docs.programs(EXAMPLES[name])
    expected = set(yaml_program(EXAMPLES[name]).get("outputs", {}))
    for language, pattern in EXPORTS.items():
        assert set(pattern.findall(programs[language])) == expected, f"{name} in {language}"


@pytest.mark.parametrize("lookups", [False, True], ids=["resources", "lookups"])
def test_a_name_means_the_same_thing_in_every_example(lookups: bool) -> None:
    """Assembled into one YAML program (config, variables and resources share its names), no two resource
    examples would define a name differently: the shared parts are shared, and nothing else reuses their names.
    The lookups' examples, which read what those create, are one such set of their own."""
    seen: dict[str, tuple[str, Any]] = {}
    for name, part in EXAMPLES.items():
        if name.endswith("_LOOKUPS") != lookups:
            continue
        for section in ("config", "variables", "resources"):
            for key, value in (yaml_program(part).get(section) or {}).items():
                first = seen.setdefault(key, (name, (section, value)))
                assert first[1] == (section, value), f"{key}: {first[0]} and {name} define it differently"


def test_programs_are_complete() -> None:
    for name, part in EXAMPLES.items():
        programs = docs.programs(part)
        assert programs["python"].startswith("import pulumi\nimport pulumi_deltastream_community as deltastream\n")
        assert 'import * as deltastream from "@pulumi-deltastream/deltastream";' in programs["typescript"]
        assert programs["go"].startswith("package main\n") and "pulumi.Run(func(ctx *pulumi.Context) error {" in \
            programs["go"]
        assert yaml_program(part)["packages"] == {"deltastream": f"deltastream@{__version__}"}, name


def test_a_part_comes_after_what_it_needs() -> None:
    order = docs.ordered(story.APPLICATION)
    assert order.index(story.SHOP) < order.index(story.RAW) < order.index(story.PAGEVIEWS) < \
        order.index(story.APPLICATION)
    assert order.count(story.PAGEVIEWS) == 1 and order[-1] is story.APPLICATION
