"""The local server's statement families (``deltastream_local/families/``): each is whole, and they stay apart."""

from __future__ import annotations

import importlib
import pkgutil
import re

import pytest

from deltastream_local import families
from deltastream_local import statements as s
from deltastream_local.catalog import Catalog
from deltastream_local.engine import Engine
from deltastream_local.families import Family, entities, relations
from deltastream_local.knobs import Knobs
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


def test_every_statement_but_the_shared_ones_is_a_family_s() -> None:
    """The engine runs a family's handler for each of its statements; only LIST's dispatch, SHOW, USE, CAN I and
    SELECT are its own, and every table and system table is a family's (the catalog adds the organization)."""
    catalog = Catalog(None)
    engine = Engine(catalog, Knobs())
    own = set(engine._handlers) - set(families.joined().handlers)
    assert own == {s.ListObjects, s.Show, s.Use, s.CanI, s.Select, s.QuerySelect}
    assert catalog.system_tables == families.joined().system_tables
    with catalog.transaction() as db:
        tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    declared = set(re.findall(r"CREATE TABLE IF NOT EXISTS (\w+)", families.joined().schema))
    assert tables == declared | {"organizations"}
    core = {"databases", "schemas", "stores", "relations", "queries", "entities"}
    assert core <= {name for name, _ in families.modules()}


def test_a_part_builds_a_value_and_a_sourced_builder_is_given_the_statement_s_text() -> None:
    (parsed,) = parse("  insert into ENTITY t in store k value ('{}') ;")
    assert parsed.statement == entities.InsertIntoEntity(entities.EntityRef(("t",), "k"), "{}", {})
    sql = "BEGIN APPLICATION a INSERT INTO s2 SELECT * FROM s1; END APPLICATION"
    (parsed,) = parse(f"DESCRIBE {sql}")
    plan = parsed.statement
    assert isinstance(plan, relations.DescribePlan) and isinstance(plan.statement, relations.BeginApplication)
    assert plan.statement.text == sql and plan.statement.statements[0].text == "INSERT INTO s2 SELECT * FROM s1"


def test_a_part_rule_outside_its_grammar_is_refused() -> None:
    family = Family(grammar="", statements={}, handlers={}, parts={"secrets_ref": str})
    with pytest.raises(ValueError, match="rule 'secrets_ref' is not in its grammar"):
        families._fragment("secrets", family)
