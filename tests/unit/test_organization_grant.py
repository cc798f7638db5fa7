"""OrganizationGrant's pure parts: how privileges compare (case, spacing, ALL PRIVILEGES), what a read reports of the
declared privileges, and the statements' text."""

from __future__ import annotations

from deltastream_provider.resources.organization_grant import (
    PRIVILEGES,
    _option,
    _present,
    expand,
    grant_statement,
    revoke_statement,
)


def test_case_spacing_and_all_privileges_compare_equal() -> None:
    assert expand(["all  Privileges"]) == expand(list(PRIVILEGES)) == frozenset(PRIVILEGES)
    assert expand(["create_database", "CREATE_DATABASE"]) == {"CREATE_DATABASE"}


def test_a_read_reports_the_declared_items_held_in_the_programs_spelling() -> None:
    held = {p: False for p in PRIVILEGES}
    assert _present(["all privileges", "create_store"], held) == ["all privileges", "create_store"]
    del held["MANAGE_GRANTS"]
    assert _present(["all privileges", "create_store"], held) == ["create_store"]
    assert _present(["CREATE_QUERY"], {}) == []


def test_the_grant_option_read_is_the_programs_unless_a_declared_privilege_lacks_it() -> None:
    assert _option(["CREATE_STORE"], {"CREATE_STORE": True}, None) is None  # an option beyond the program's
    assert _option(["CREATE_STORE"], {"CREATE_STORE": True}, True) is True
    assert _option(["CREATE_STORE", "CREATE_QUERY"], {"CREATE_STORE": True, "CREATE_QUERY": False}, True) is False


def test_statements_in_the_documented_forms_and_order() -> None:
    assert grant_statement('a"b', ["create_query", "CREATE_DATABASE"], False).sql == \
        'GRANT CREATE_DATABASE, CREATE_QUERY ON ORGANIZATION TO ROLE "a""b";'
    assert grant_statement("r", list(PRIVILEGES), True).sql == \
        'GRANT ALL PRIVILEGES ON ORGANIZATION TO ROLE "r" WITH GRANT OPTION;'
    assert revoke_statement("r", ["MANAGE_GRANTS"]).sql == 'REVOKE MANAGE_GRANTS FROM ROLE "r";'
