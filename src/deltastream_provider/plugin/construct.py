"""Hands Construct requests to the component classes in ``deltastream_components``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.provider import ConstructResult, Provider

from .. import __version__
from ..errors import NotConfiguredError


class ComponentHost(Provider):
    def __init__(self) -> None:
        super().__init__(__version__)

    def construct(self, name: str, resource_type: str, inputs: Mapping[str, Any],
                  options: pulumi.ResourceOptions | None = None) -> ConstructResult:
        from deltastream_components.registry import COMPONENTS_BY_TOKEN

        component = COMPONENTS_BY_TOKEN.get(resource_type)
        if component is None:
            raise NotConfiguredError(f"unknown component type {resource_type!r}")
        resource = component.build(name, dict(inputs), options)
        return ConstructResult(urn=resource.urn, state=resource.outputs)
