"""The components the provider constructs, with their typed inputs and outputs (the schema's source).

Nothing here needs the Pulumi SDK: the schema is built from it in a provider process that has not loaded the SDK;
:meth:`Component.build` loads the component resources (:mod:`.resources`) when one is constructed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from deltastream_provider.model import story
from deltastream_provider.model.docs import examples
from deltastream_provider.model.fields import Model

from . import environment, pipeline

PIPELINE_EXAMPLE = examples("Clicks in, cleaned clicks out", story.PIPELINE)
ENVIRONMENT_EXAMPLE = examples("A dev stage of the shop", story.ENVIRONMENT)


@dataclass(frozen=True)
class Component:
    token: str
    description: str
    inputs: type[Model]
    outputs: type[Model]
    check: Callable[[Any], list[tuple[str, str]]]
    resource: str  # the class in .resources
    resource_outputs: dict[str, tuple[str, bool, str]] = field(default_factory=dict)

    def build(self, name: str, inputs: dict[str, Any], options: Any) -> Any:
        """Construct the component resource (a ``pulumi.ComponentResource``) with ``options``."""
        from . import resources

        return getattr(resources, self.resource)(name, inputs, options)


COMPONENTS = [
    Component(pipeline.TOKEN, """A stream-processing pipeline in one declaration: source objects, a sink object
and the continuous query between them (`INSERT INTO <sink> <transform>`), created in dependency order as
children of the component, optionally with the database and namespace.

The transformation is immutable per version, like any Query: to change it, raise `version`; the new
query starts before the old one is terminated, and the objects stay. A sink of kind `materialized_view` is
a MaterializedView made from the transform instead (`sinkViews`), whose own query is the output `query`.

""" + PIPELINE_EXAMPLE,
              pipeline.PipelineInputs, pipeline.PipelineOutputs, pipeline.check, "Pipeline",
              pipeline.RESOURCE_OUTPUTS),
    Component(environment.TOKEN, """A DeltaStream environment laid out the same way in every stage:
a database `<project>_<environment>`, the same namespaces everywhere, and optionally a Kafka store
`<project>_<environment>_kafka`. Use one per stack (dev, staging, prod) so the stages cannot drift apart.

""" + ENVIRONMENT_EXAMPLE,
              environment.EnvironmentInputs, environment.EnvironmentOutputs, environment.check,
              "Environment"),
]
COMPONENTS_BY_TOKEN = {c.token: c for c in COMPONENTS}
