"""Every resource and function the provider serves, by token.

A resource's module is imported by the first call for its token, and the lookups by the first Invoke: a
preview of a stack of objects and queries imports those two resources, not the other seven and the lookups.
"""

from __future__ import annotations

import functools
import importlib
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..functions.base import Function
    from ..model.sample import Sample
    from ..resources.base import Resource

#: token -> (module in .resources, class)
_RESOURCES = {
    "deltastream:index:Database": ("database", "Database"),
    "deltastream:index:Namespace": ("namespace", "Namespace"),
    "deltastream:index:Store": ("store", "Store"),
    "deltastream:index:DeltaStreamObject": ("object", "DeltaStreamObject"),
    "deltastream:index:Query": ("query", "Query"),
    "deltastream:index:Application": ("application", "Application"),
    "deltastream:index:Entity": ("entity", "Entity"),
    "deltastream:index:Secret": ("secret", "Secret"),
    "deltastream:index:SchemaRegistry": ("schema_registry", "SchemaRegistry"),
    "deltastream:index:ComputePool": ("compute_pool", "ComputePool"),
    "deltastream:index:FunctionSource": ("function_source", "FunctionSource"),
    "deltastream:index:DescriptorSource": ("descriptor_source", "DescriptorSource"),
    "deltastream:index:Function": ("function", "Function"),
    "deltastream:index:MaterializedView": ("materialized_view", "MaterializedView"),
    "deltastream:index:Role": ("role", "Role"),
    "deltastream:index:RoleGrant": ("role_grant", "RoleGrant"),
    "deltastream:index:OrganizationGrant": ("organization_grant", "OrganizationGrant"),
    "deltastream:index:ApiToken": ("api_token", "ApiToken"),
}


@functools.cache
def resource(token: str) -> Resource[Any, Any] | None:
    """The resource served under ``token`` (one instance per process), or None for an unknown token."""
    found = _RESOURCES.get(token)
    if found is None:
        return None
    module, name = found
    served: Resource[Any, Any] = getattr(importlib.import_module(f"deltastream_provider.resources.{module}"), name)()
    return served


def resources() -> list[Resource[Any, Any]]:
    """Every resource, in the schema's order."""
    return [r for r in map(resource, _RESOURCES) if r is not None]


def samples() -> list[tuple[str, Sample]]:
    """Each kind's name and the ``SAMPLE`` its module declares, in the schema's order."""
    found = [(r.token.rsplit(":", 1)[-1], getattr(sys.modules[type(r).__module__], "SAMPLE", None))
             for r in resources()]
    missing = [kind for kind, sample in found if sample is None]
    if missing:
        raise LookupError(f"{', '.join(missing)}: no SAMPLE in the kind's module (model/sample.py says what it holds)")
    return [(kind, sample) for kind, sample in found if sample is not None]


def functions() -> list[Function[Any, Any]]:
    from ..functions.lookups import FUNCTIONS

    return FUNCTIONS


@functools.cache
def function(token: str) -> Function[Any, Any] | None:
    return next((f for f in functions() if f.token == token), None)
