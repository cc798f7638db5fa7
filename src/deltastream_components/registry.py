"""The components the provider constructs, with their typed inputs and outputs (the schema's source).

Nothing here needs the Pulumi SDK: the schema is built from it in a provider process that has not loaded the SDK;
:meth:`Component.build` loads the component resources (:mod:`.resources`) when one is constructed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from deltastream_provider.model.docs import examples
from deltastream_provider.model.fields import Model

from . import environment, pipeline

PIPELINE_EXAMPLE = examples("Clicks in, cleaned clicks out",
    typescript='''const clicks = new deltastream.Pipeline("clicks", {
    database: "shop", namespace: "raw", store: "events",
    sources: [{ name: "clicks_raw", columns: [{ name: "id", type: "BIGINT" }, { name: "url", type: "VARCHAR" }] }],
    sink: { name: "clicks_clean", columns: [{ name: "id", type: "BIGINT" }, { name: "url", type: "VARCHAR" }] },
    transform: "SELECT id, LOWER(url) AS url FROM clicks_raw",
    version: 1,
});''',
    python='''columns = [deltastream.ColumnArgs(name="id", type="BIGINT"), deltastream.ColumnArgs(name="url", type="VARCHAR")]
clicks = deltastream.Pipeline("clicks", database="shop", namespace="raw", store="events",
    sources=[deltastream.PipelineObjectArgs(name="clicks_raw", columns=columns)],
    sink=deltastream.PipelineObjectArgs(name="clicks_clean", columns=columns),
    transform="SELECT id, LOWER(url) AS url FROM clicks_raw", version=1)''',
    go='''columns := deltastream.ColumnArray{
	&deltastream.ColumnArgs{Name: pulumi.String("id"), Type: pulumi.String("BIGINT")},
	&deltastream.ColumnArgs{Name: pulumi.String("url"), Type: pulumi.String("VARCHAR")},
}
clicks, err := deltastream.NewPipeline(ctx, "clicks", &deltastream.PipelineArgs{
	Database: pulumi.String("shop"), Namespace: pulumi.String("raw"), Store: pulumi.String("events"),
	Sources:  deltastream.PipelineObjectArray{&deltastream.PipelineObjectArgs{Name: pulumi.String("clicks_raw"), Columns: columns}},
	Sink:     &deltastream.PipelineObjectArgs{Name: pulumi.String("clicks_clean"), Columns: columns},
	Transform: pulumi.String("SELECT id, LOWER(url) AS url FROM clicks_raw"),
	Version:   pulumi.Int(1),
})''',
    yaml='''resources:
  clicks:
    type: deltastream:index:Pipeline
    properties:
      database: shop
      namespace: raw
      store: events
      sources:
        - name: clicks_raw
          columns: [ { name: id, type: BIGINT }, { name: url, type: VARCHAR } ]
      sink:
        name: clicks_clean
        columns: [ { name: id, type: BIGINT }, { name: url, type: VARCHAR } ]
      transform: SELECT id, LOWER(url) AS url FROM clicks_raw
      version: 1''')


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
query starts before the old one is terminated, and the objects stay.

""" + PIPELINE_EXAMPLE,
              pipeline.PipelineInputs, pipeline.PipelineOutputs, pipeline.check, "Pipeline",
              pipeline.RESOURCE_OUTPUTS),
    Component(environment.TOKEN, """A DeltaStream environment laid out the same way in every stage:
a database `<project>_<environment>`, the same namespaces everywhere, and optionally a Kafka store
`<project>_<environment>_kafka`. Use one per stack (dev, staging, prod) so the stages cannot drift apart.""",
              environment.EnvironmentInputs, environment.EnvironmentOutputs, environment.check,
              "Environment"),
]
COMPONENTS_BY_TOKEN = {c.token: c for c in COMPONENTS}
