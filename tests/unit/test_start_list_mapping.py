"""The startup rule for List and GetMapping(s): the handshake imports neither, GetMapping's answer needs only its
table, and a List imports the module of the kind it lists (with the helpers every kind shares), no other."""

from __future__ import annotations

from tests.unit.test_start import in_a_fresh_process

_PROCESS = ("import sys; from deltastream_provider.plugin.protocol import stand_in_for_the_sdk; "
            "stand_in_for_the_sdk(); import deltastream_provider.plugin.servicer; ")


def test_the_handshake_imports_neither_the_listing_nor_the_terraform_mapping() -> None:
    code = _PROCESS + ("print(' '.join(m for m in sys.modules if m.startswith(("
                       "'deltastream_provider.kinds.listing', 'deltastream_provider.kinds.terraform'))))")
    assert in_a_fresh_process(code).split() == []


def test_get_mapping_imports_its_table_alone() -> None:
    code = _PROCESS + ("before = set(sys.modules); from deltastream_provider.kinds.terraform import mapping_json; "
                       "mapping_json(); print(' '.join(sorted(set(sys.modules) - before)))")
    assert in_a_fresh_process(code).split() == ["deltastream_provider.kinds", "deltastream_provider.kinds.terraform"]


def test_a_list_imports_only_the_kind_it_lists() -> None:
    code = _PROCESS + ("from deltastream_provider.kinds import listing; "
                       "found = listing.lister('deltastream:index:Namespace'); "
                       "listing.query_of('deltastream:index:Namespace', found, {'database': 'db'}); "
                       "print(' '.join(sorted(m.rsplit('.', 1)[1] for m in sys.modules "
                       "                      if m.startswith('deltastream_provider.resources.')))); "
                       "assert 'httpx' not in sys.modules, 'the HTTP client comes with the first call'")
    loaded = in_a_fresh_process(code).split()
    assert loaded == ["base", "dependents", "lifecycle", "namespace", "ownership"], loaded
