"""Every registered resource kind is whole: in the schema, checked, settleable, importable, shown in every SDK
language, counted in the request budget and settled (its module's ``SAMPLE``). A kind added without one of these
fails here, not in a user's stack."""

from __future__ import annotations

import pytest

from deltastream_provider.kinds import registry
from deltastream_provider.kinds.schema import build
from deltastream_provider.resources.base import Resource

KINDS = registry.resources()
LANGUAGES = ("typescript", "python", "go", "yaml")
SAMPLES = dict(registry.samples())


@pytest.mark.parametrize("served", KINDS, ids=[r.token.rsplit(":", 1)[-1] for r in KINDS])
def test_a_registered_kind_is_whole(served: Resource) -> None:  # type: ignore[type-arg]
    kind = served.token.rsplit(":", 1)[-1]
    assert served.token in build()["resources"], f"{kind} has no schema entry"
    assert type(served).check is not Resource.check, f"{kind} has no Check of its own"
    assert type(served).existing is not Resource.existing, f"{kind} cannot be settled after a killed up"
    assert "## Import" in served.description and f"pulumi import {served.token} " in served.description, \
        f"{kind} documents no import id"
    missing = [lang for lang in LANGUAGES if f"```{lang}\n" not in served.description]
    assert not missing, f"{kind} has no example in {missing}"
    sample = SAMPLES[kind]
    assert {"create", "read", "delete"} <= set(sample.budget), f"{kind} lacks budget rows: {sample.budget}"
    assert ("update" in sample.budget) == (sample.changed is not None), f"{kind}: an update row needs changed inputs"
    assert sample.settle[0] != sample.settle[1], f"{kind}'s settle sample clears what it made"
