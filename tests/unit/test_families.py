"""The local server's statement families (``deltastream_local/families/``): each is whole, and they stay apart."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

from deltastream_local import families
from deltastream_local import statements as s
from deltastream_local.families import Family
from deltastream_local.parser import parse


def test_every_statement_a_family_builds_has_its_handler_and_a_kind_of_its_own() -> None:
    kinds = {name for name, value in vars(s).items() if isinstance(value, type)}
    for info in pkgutil.iter_modules(families.__path__):
        family: Family = importlib.import_module(f"{families.__name__}.{info.name}").FAMILY
        built = [builder for builder in family.statements.values() if isinstance(builder, type)]
        assert set(built) <= set(family.handlers), info.name
        for kind in family.handlers:
            assert kind.__name__ not in kinds, f"{info.name}: {kind.__name__} is the name of another statement"
            kinds.add(kind.__name__)


def test_a_family_statement_parses_to_its_dataclass_with_its_kind() -> None:
    (parsed,) = parse("create secret \"S\" with ('type' = generic_string, 'secret_string' = 'v');")
    assert parsed.kind == "CreateSecret" and parsed.text.startswith("create secret")
    assert type(parsed.statement) in families.joined().handlers


def test_a_rule_not_named_after_its_family_is_refused() -> None:
    family = Family(grammar="other_create: CREATE ident\n", statements={"other_create": tuple}, handlers={})
    with pytest.raises(ValueError, match="rule 'other_create' is not named secrets_"):
        families._fragment("secrets", family)
    with pytest.raises(ValueError, match="statement rule 'secrets_gone' is not in its grammar"):
        families._fragment("secrets", Family(grammar="", statements={"secrets_gone": tuple}, handlers={}))


def test_what_two_families_both_define_is_refused() -> None:
    with pytest.raises(ValueError, match="system table 'secrets' is defined twice"):
        families.merged("system table", {"secrets": []}, {"secrets": []})
