"""The Function kind's reading of ``LIST FUNCTIONS``: its ``Signature`` and id forms, and the further settings a
refresh reports (what the ``Properties`` column holds is not documented, so a key it does not show is kept)."""

from __future__ import annotations

import pytest

from deltastream_provider.errors import InvalidInputError
from deltastream_provider.resources.function import FunctionInfo, parse_id, parse_signature, properties_as_read


def test_a_signature_is_read_with_quoted_names_and_nested_types() -> None:
    assert parse_signature('"To Title"("a ""b""" MAP<VARCHAR, ARRAY<INTEGER>>, c DECIMAL(10, 2)) RETURNS x') == (
        "To Title", [('a "b"', "MAP<VARCHAR, ARRAY<INTEGER>>"), ("c", "DECIMAL(10, 2)")])
    assert parse_signature("test_func()") == ("test_func", [])


def test_an_id_is_a_name_and_its_argument_types() -> None:
    assert parse_id("weighted(DOUBLE, MAP<VARCHAR, DOUBLE>)") == ("weighted", ["DOUBLE", "MAP<VARCHAR, DOUBLE>"])
    assert parse_id("now()") == ("now", [])
    with pytest.raises(InvalidInputError, match=r"name\(\) for none"):
        parse_id("to_title")


def test_the_keys_the_statement_sends_are_not_further_settings() -> None:
    info = FunctionInfo.of({"Signature": "f(a VARCHAR)", "SourceName": "udfs", "ClassName": "x.F",
                            "Properties": '{"source.name": "udfs", "class.name": "x.F", "egress.allow.uris": "h:443"}'})
    assert (info.name, info.id, info.properties) == ("f", "f(VARCHAR)", {"egress.allow.uris": "h:443"})


@pytest.mark.parametrize(("shown", "given", "read"), [
    (None, {"egress.allow.uris": "h:443"}, {"egress.allow.uris": "h:443"}),  # not shown: the program's kept
    ({"egress.allow.uris": "other:443"}, {"egress.allow.uris": "h:443"}, {"egress.allow.uris": "other:443"}),  # drift
    ({"k": "v"}, None, {"k": "v"}),  # a key set outside Pulumi shows
    (None, None, None),
    (None, {}, {}),
])
def test_a_refresh_reports_what_properties_shows_and_keeps_what_it_does_not(
        shown: dict[str, str] | None, given: dict[str, str] | None, read: dict[str, str] | None) -> None:
    assert properties_as_read(shown, given) == read
