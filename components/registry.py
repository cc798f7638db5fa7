"""The components the provider constructs, with their typed inputs and outputs (the schema's source)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import pulumi

from deltastream_provider.model import Model

from . import environment, pipeline


@dataclass(frozen=True)
class Component:
    token: str
    description: str
    inputs: type[Model]
    outputs: type[Model]
    check: Callable[[Any], list[tuple[str, str]]]
    build: Callable[[str, dict[str, Any], pulumi.ResourceOptions | None], pulumi.ComponentResource]
    resource_outputs: dict[str, tuple[str, bool, str]] = field(default_factory=dict)


COMPONENTS = [
    Component(pipeline.Pipeline.token, """A stream-processing pipeline in one declaration: source objects, a sink object
and the continuous query between them (`INSERT INTO <sink> <transform>`), created in dependency order as
children of the component, optionally with the database and namespace.

The transformation is immutable per version, like any Query: to change it, raise `version`; the new
query starts before the old one is terminated, and the objects stay.""",
              pipeline.PipelineInputs, pipeline.PipelineOutputs, pipeline.check, pipeline.Pipeline,
              pipeline.RESOURCE_OUTPUTS),
    Component(environment.Environment.token, """A DeltaStream environment laid out the same way in every stage:
a database `<project>_<environment>`, the same namespaces everywhere, and optionally a Kafka store
`<project>_<environment>_kafka`. Use one per stack (dev, staging, prod) so the stages cannot drift apart.""",
              environment.EnvironmentInputs, environment.EnvironmentOutputs, environment.check,
              environment.Environment),
]
COMPONENTS_BY_TOKEN = {c.token: c for c in COMPONENTS}
