"""`deltastream-provider settle` finds what a killed `pulumi up` created, for every resource kind: each kind's
``existing`` hook, read from DeltaStream (the registry is the one list of kinds)."""

from __future__ import annotations

from typing import Any

import pytest
from testkit.provider import Harness

from deltastream_provider.deltastream.client import DeltaStreamClient
from deltastream_provider.errors import InputError
from deltastream_provider.kinds import registry
from deltastream_provider.operator.settle import PREFIX, PendingCreate, settle
from deltastream_provider.resources.base import Resource

KAFKA = {"name": "events", "kafka": {"uris": "b:9092", "saslHashFunction": "NONE"}}
STREAM = {"database": "db", "namespace": "public", "kind": "stream", "store": "events",
          "columns": [{"name": "id", "type": "BIGINT"}]}
INSERT = 'INSERT INTO "db"."public"."dst" SELECT id FROM "db"."public"."src"'

#: Inputs of a create of each kind, and of one that never happened (what settle must clear): each kind's
#: ``SAMPLE.settle``.
CREATES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    kind: (dict(sample.settle[0]), dict(sample.settle[1])) for kind, sample in registry.samples()}


def test_every_registered_kind_can_be_settled() -> None:
    kinds = {r.token.removeprefix(PREFIX): r for r in registry.resources()}
    for kind, served in kinds.items():
        made, never = CREATES[kind]
        assert made != never, f"{kind}'s settle sample clears what it made"
        assert type(served).existing is not Resource.existing, f"{kind} has no settle support (existing)"


async def test_settle_imports_what_exists_and_clears_what_does_not(provider: Harness,
                                                                   client: DeltaStreamClient) -> None:
    await provider.create(PREFIX + "Database", {"name": "db"})
    await provider.create(PREFIX + "Store", KAFKA)
    for name in ("src", "dst"):
        await provider.create(PREFIX + "DeltaStreamObject", {**STREAM, "name": name})
    made: dict[str, str] = {}
    for kind, (inputs, _) in CREATES.items():
        made[kind], _ = await provider.create(PREFIX + kind, inputs)
    pending = [PendingCreate(f"urn:{kind}:made", kind, inputs) for kind, (inputs, _) in CREATES.items()]
    never = [PendingCreate(f"urn:{kind}:never", kind, inputs) for kind, (_, inputs) in CREATES.items()]
    result = await settle(client, pending + never, [], set(), None)
    assert {create.type: id_ for create, id_ in result.imports} == made
    assert sorted(c.type for c in result.cleared) == sorted(CREATES)


async def test_a_query_already_in_the_stack_is_not_imported_twice(provider: Harness, client: DeltaStreamClient) -> None:
    await provider.create(PREFIX + "Database", {"name": "db"})
    await provider.create(PREFIX + "Store", KAFKA)
    for name in ("src", "dst"):
        await provider.create(PREFIX + "DeltaStreamObject", {**STREAM, "name": name})
    owned, _ = await provider.create(PREFIX + "Query", {"sql": INSERT})
    result = await settle(client, [PendingCreate("urn:q", "Query", {"sql": INSERT})], [], {owned}, None)
    assert result.imports == [] and [c.urn for c in result.cleared] == ["urn:q"]


async def test_an_unknown_kind_is_an_error_naming_it(client: DeltaStreamClient) -> None:
    with pytest.raises(InputError, match="unknown type 'Nonsense'"):
        await settle(client, [PendingCreate("urn:x", "Nonsense", {})], [], set(), None)
