"""Property values on the wire (secrets, unknowns, references) and the typed model built on them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from google.protobuf import struct_pb2
from hypothesis import given, settings
from hypothesis import strategies as st

from deltastream_provider.deltastream.ids import format_id, parse_id
from deltastream_provider.errors import InputError
from deltastream_provider.model.fields import Model, prop
from deltastream_provider.model.unknown import UNKNOWN
from deltastream_provider.plugin.wire import (
    OUTPUT_SIG,
    RESOURCE_SIG,
    SECRET_SIG,
    SIG,
    UNKNOWN_SENTINELS,
    SecretValue,
    conceal,
    decode,
    encode,
    has_unknowns,
    reveal,
    secret_fields,
)
from deltastream_provider.resources.object import ObjectInputs
from deltastream_provider.resources.store import StoreInputs


def struct(value: dict) -> struct_pb2.Struct:
    s = struct_pb2.Struct()
    s.update(value)
    return s


def test_all_unknown_sentinels_decode_to_unknown() -> None:
    decoded = decode(struct({f"k{i}": s for i, s in enumerate(sorted(UNKNOWN_SENTINELS))}))
    assert all(v is UNKNOWN for v in decoded.values()) and len(decoded) == 7
    assert has_unknowns(decoded)


def test_nested_secrets_keep_their_place() -> None:
    wire = {"kafka": {"uris": "b:1", "saslPassword": {SIG: SECRET_SIG, "value": "pw"}}, "n": 3.0}
    decoded = decode(struct(wire))
    assert decoded["kafka"]["saslPassword"] == SecretValue("pw") and decoded["n"] == 3
    plain, paths, _ = reveal(decoded)
    assert plain["kafka"]["saslPassword"] == "pw" and paths == {("kafka", "saslPassword")}
    again = decode(encode(conceal(plain, paths)))
    assert again == decoded


def test_reveal_takes_a_value_apart_in_one_walk() -> None:
    value = {"a": SecretValue("pw"), "b": [SecretValue({"k": SecretValue("inner"), "n": 1})],
             "c": SecretValue(UNKNOWN), "d": "plain"}
    plain, paths, secrets = reveal(value)
    assert plain == {"a": "pw", "b": [{"k": "inner", "n": 1}], "c": UNKNOWN, "d": "plain"}
    assert paths == {("a",), ("b", 0), ("b", 0, "k"), ("c",)}
    assert secrets == ["pw", '{"k": "inner", "n": 1}']  # one inside another is in the outer's text; an unknown has none


@dataclass
class Login(Model):
    user: str = prop("User.")
    password: str | None = prop("Password.", secret=True, default=None)


@dataclass
class Service(Model):
    name: str = prop("Name.")
    note: str | None = prop("Note.", default=None)
    login: Login | None = prop("Login.", default=None)
    replicas: list[Login] | None = prop("Replicas.", default=None)


def test_conceal_wraps_the_engines_paths_and_the_declared_secrets_in_one_walk() -> None:
    assert set(secret_fields(Service)) == {"login", "replicas"} and set(secret_fields(Login)) == {"password"}
    assert secret_fields(Service) is secret_fields(Service) and secret_fields(ObjectInputs) == {}
    props = {"name": "s", "note": "n", "login": {"user": "u", "password": "p"},
             "replicas": [{"user": "r", "password": "q"}, {"user": "t"}]}
    assert conceal(props, {("note",), ("missing", 0), ("replicas", 5)}, Service) == {
        "name": "s", "note": SecretValue("n"), "login": {"user": "u", "password": SecretValue("p")},
        "replicas": [{"user": "r", "password": SecretValue("q")}, {"user": "t"}]}
    assert props["login"] == {"user": "u", "password": "p"}, "the value given is left as it was"
    program = {"name": "s", "login": SecretValue({"user": "u", "password": SecretValue("p")}),
               "replicas": SecretValue([{"user": "r", "password": "q"}])}  # as a program may send them
    assert conceal(program, model=Service) == {
        "name": "s", "login": SecretValue({"user": "u", "password": SecretValue("p")}),
        "replicas": SecretValue([{"user": "r", "password": SecretValue("q")}])}


def test_output_values_and_resource_references() -> None:
    wire = {"a": {SIG: OUTPUT_SIG, "secret": True, "value": "x"}, "b": {SIG: OUTPUT_SIG, "dependencies": []},
            "c": {SIG: RESOURCE_SIG, "urn": "urn:x", "id": "db1"}, "d": {SIG: RESOURCE_SIG, "urn": "urn:y", "id": ""}}
    decoded = decode(struct(wire))
    assert decoded == {"a": SecretValue("x"), "b": UNKNOWN, "c": "db1", "d": UNKNOWN}


SCALARS = (st.booleans() | st.integers(-(2 ** 53) + 1, 2 ** 53 - 1) | st.text()
           | st.floats(allow_nan=False, allow_infinity=False).filter(lambda f: not f.is_integer()))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner | st.none(), max_size=4)
                      | st.dictionaries(st.text().filter(lambda k: k != SIG), inner, max_size=4)
                      | st.builds(SecretValue, inner), max_leaves=20)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text().filter(lambda k: k != SIG), VALUES, max_size=6))
def test_values_survive_the_wire(props: dict[str, Any]) -> None:
    """Whatever the provider sends comes back as it was: numbers as ints where integral, secrets where they were."""
    assert decode(encode(props)) == props


def test_unknowns_encode_as_the_string_sentinel() -> None:
    assert decode(encode({"x": UNKNOWN})) == {"x": UNKNOWN}


def test_validation_names_every_property() -> None:
    failures = dict(ObjectInputs.validate({"database": "d", "namespace": 3, "kind": "view", "columns": [{"name": "a"}],
                                           "bogus": 1}))
    assert "name" in failures and "store" in failures
    assert "must be a str" in failures["namespace"]
    assert "one of" in failures["kind"]
    assert "columns[0].type" in failures
    assert "unknown property" in failures["bogus"]


def test_unknowns_pass_validation_and_survive_the_model() -> None:
    props = {"name": UNKNOWN, "kafka": {"uris": UNKNOWN, "saslHashFunction": "NONE"}}
    assert StoreInputs.validate(props) == []
    inputs = StoreInputs.from_props(props)
    assert inputs.name is UNKNOWN and inputs.kafka is not None and inputs.kafka.uris is UNKNOWN


def test_defaults_apply_when_omitted() -> None:
    props = {"database": "d", "namespace": "n", "name": "o", "kind": "stream", "store": "s",
             "columns": [{"name": "a", "type": "VARCHAR"}]}
    assert ObjectInputs.from_props(props).to_props()["columns"] == [{"name": "a", "type": "VARCHAR", "nullable": True}]
    assert isinstance(ObjectInputs.from_props(props), Model)


@pytest.mark.parametrize("parts", [("db", "ns", "obj"), ("a/b", "c", "d"), ('q"uote', "x", "y")])
def test_ids_round_trip(parts: tuple[str, ...]) -> None:
    assert parse_id(format_id(*parts), 3, "x") == parts


def test_fqn_is_accepted_as_an_id_and_bad_ids_are_explained() -> None:
    assert parse_id('"db"."ns"."obj"', 3, "x") == ("db", "ns", "obj")
    with pytest.raises(InputError, match="expected DB/NS"):
        parse_id("only-one", 2, "DB/NS")
