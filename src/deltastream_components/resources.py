"""The component resources: Pulumi SDK components whose children are this package's own resources.

Loaded on the first Construct only (the provider process starts without the Pulumi SDK); the inputs, outputs and
checks they are built from are in :mod:`.pipeline` and :mod:`.environment`.
"""

from __future__ import annotations

from typing import Any

import pulumi

from deltastream_provider.resources.database import DatabaseState
from deltastream_provider.resources.entity import EntityState
from deltastream_provider.resources.materialized_view import MaterializedViewInputs, MaterializedViewState
from deltastream_provider.resources.materialized_view import statement_of as view_statement
from deltastream_provider.resources.namespace import NamespaceState
from deltastream_provider.resources.object import ObjectState
from deltastream_provider.resources.query import QueryState
from deltastream_provider.resources.store import StoreState

from . import environment, pipeline
from .children import Child, typed_inputs
from .environment import EnvironmentInputs
from .pipeline import PipelineInputs, PipelineObject

OBJECT, VIEW = "deltastream:index:DeltaStreamObject", "deltastream:index:MaterializedView"


def sink_options(token: str) -> pulumi.ResourceOptions:
    """The sink is one child whether it is an object or a view, so that changing its kind replaces it, the old one
    (and the query writing into it) deleted first: its name is taken in DeltaStream until then. As two children of
    different types, the new one would be created before the old one is deleted (the engine deletes what a program
    no longer declares last), and DeltaStream refuses the name. The alias makes the other type's child this one:
    the new kind's Diff answers the change from the old kind's record (each kind names the other in
    ``aliased_from``), behind the old sink's replacement guard, so it needs no replacement trigger (a stack of the
    last release records none)."""
    other = VIEW if token == OBJECT else OBJECT
    return pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=other)], delete_before_replace=True)


def view_sql(database: Any, namespace: Any, sink: PipelineObject, transform: Any) -> pulumi.Output[str]:
    """The statement the view's query runs, as the view sends it: the read Query of a view sink (output ``query``)
    records it as its ``sql``, so its read needs no ``LIST QUERIES`` to recover it. Built from the pipeline's
    inputs (known in a preview), not the view's outputs (an output the view leaves unset is unknown there)."""
    return pulumi.Output.all(database, namespace, transform).apply(lambda p: view_statement(MaterializedViewInputs(
        database=p[0], namespace=p[1], name=sink.name, properties=sink.properties, query=p[2])).sql.removesuffix(";"))


class Pipeline(pulumi.ComponentResource):
    token = pipeline.TOKEN

    def __init__(self, name: str, inputs: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(self.token, name, {}, opts)
        args = typed_inputs(PipelineInputs, inputs, ("sources", "sink", "version", "createDatabase",
                                                     "createNamespace", "createTopics"))
        child = pulumi.ResourceOptions(parent=self)
        database: Any = inputs["database"]
        if args.create_database:
            database = Child("deltastream:index:Database", f"{name}-database", {"name": database},
                             DatabaseState, child).output("name")
        namespace: Any = inputs.get("namespace", "public")
        if args.create_namespace:
            namespace = Child("deltastream:index:Namespace", f"{name}-namespace",
                              {"database": database, "name": namespace}, NamespaceState, child).output("name")

        topics: list[Child] = []

        def topic(spec: PipelineObject) -> Any:
            """The object's topic, created first when asked: the object then names it (and so depends on it)."""
            if not args.create_topics:
                return spec.entity
            kafka = {"partitions": inputs.get("topicPartitions") or 1, "replicas": inputs.get("topicReplicas") or 1}
            entity = Child("deltastream:index:Entity", f"{name}-{spec.name}-topic",
                           {"store": inputs["store"], "path": [spec.entity or spec.name], "kafka": kafka},
                           EntityState, child)
            topics.append(entity)
            return entity.output("name")

        def relation(spec: PipelineObject, opts: pulumi.ResourceOptions = child) -> Child:
            props = {"database": database, "namespace": namespace, "store": inputs["store"], **spec.to_props(),
                     "entity": topic(spec)}
            return Child(OBJECT, f"{name}-{spec.name}", props, ObjectState, opts)

        sources = [relation(spec) for spec in args.sources]
        transform = inputs["transform"]
        after_sources = pulumi.ResourceOptions(parent=self, depends_on=list(sources))
        sink: Child | None = None
        query: Child | None = None
        views: list[Child] = []
        if args.sink.kind == pipeline.VIEW:  # the view's own query reads the sources: no Query of the pipeline's
            view = Child(VIEW, f"{name}-{args.sink.name}",
                         {"database": database, "namespace": namespace, "name": args.sink.name, "query": transform,
                          "properties": args.sink.properties, "computePool": inputs.get("computePool"),
                          "acceptReplacement": args.sink.accept_replacement},
                         MaterializedViewState, pulumi.ResourceOptions.merge(after_sources, sink_options(VIEW)))
            views.append(view)
            sink_fqn, query_id, query_state = view.output("fqn"), view.output("queryId"), view.output("queryState")
            read = {"sql": view_sql(database, namespace, args.sink, transform), "database": database,
                    "namespace": namespace}
            query = Child("deltastream:index:Query", f"{name}-view-query", read, QueryState,
                          pulumi.ResourceOptions(parent=self, id=query_id))
        else:
            sink = relation(args.sink, pulumi.ResourceOptions.merge(child, sink_options(OBJECT)))
            sql = pulumi.Output.all(sink.output("fqn"), transform).apply(
                lambda parts: f"INSERT INTO {parts[0]} {str(parts[1]).strip().rstrip(';')}")
            query = Child("deltastream:index:Query", f"{name}-query-v{args.version}",
                          {"sql": sql, "database": database, "namespace": namespace,
                           "computePool": inputs.get("computePool"), "upgrade": inputs.get("upgrade")}, QueryState,
                          pulumi.ResourceOptions(parent=self, depends_on=[*sources, sink]))
            sink_fqn, query_id, query_state = sink.output("fqn"), query.output("queryId"), query.output("state")
        self.outputs = {
            "databaseName": database, "namespaceName": namespace,
            "sourceFqns": pulumi.Output.all(*[s.output("fqn") for s in sources]),
            "sinkFqn": sink_fqn, "queryId": query_id, "queryState": query_state,
            "queryVersion": args.version, "query": query, "sinkObject": sink, "sinkViews": views,
            "sourceObjects": sources, "topics": topics,
        }
        self.register_outputs(self.outputs)


class Environment(pulumi.ComponentResource):
    token = environment.TOKEN

    def __init__(self, name: str, inputs: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(self.token, name, {}, opts)
        args = typed_inputs(EnvironmentInputs, inputs, ("project", "environment", "namespaces"))
        child = pulumi.ResourceOptions(parent=self)
        base = f"{args.project}_{args.environment}"
        database = Child("deltastream:index:Database", f"{name}-database", {"name": base}, DatabaseState, child)
        namespaces = [Child("deltastream:index:Namespace", f"{name}-{ns}", {"database": database.output("name"),
                                                                            "name": ns}, NamespaceState, child)
                      for ns in args.namespaces]
        store_name: Any = None
        if inputs.get("kafka") is not None:
            store_name = Child("deltastream:index:Store", f"{name}-kafka", {"name": f"{base}_kafka",
                                                                          "kafka": inputs["kafka"]},
                               StoreState, child).output("name")
        self.outputs = {"databaseName": database.output("name"),
                        "namespaceNames": pulumi.Output.all(*[n.output("name") for n in namespaces]),
                        "storeName": store_name}
        self.register_outputs(self.outputs)
