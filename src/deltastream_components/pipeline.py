"""Pipeline: source objects, a sink object and the query between them, in one declaration.

Its typed inputs and outputs and their checks; the component resource itself is in :mod:`.resources`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated, Literal

from deltastream_provider.deltastream.query_text import one_statement
from deltastream_provider.errors import SqlTextError
from deltastream_provider.model.fields import Enum, Model, prop
from deltastream_provider.resources.base import check_identifier
from deltastream_provider.resources.object import ColumnInputs
from deltastream_provider.resources.query import Upgrade

QUERY_NAME_IGNORED = ("`queryName` is deprecated and ignored: DeltaStream documents no way for a client to name a "
                      "query, so none is sent. Remove `queryName` from the program; that changes nothing (no update, "
                      "no restart). The query is the output `query`, with the name DeltaStream records as its `name`.")

TOKEN = "deltastream:index:Pipeline"
_SELECT = re.compile(r"^\s*select\b", re.IGNORECASE)
VIEW = "materialized_view"
#: What a pipeline's object is: an object's kind, or, for the sink only, a materialized view.
ObjectKind = Annotated[Literal["stream", "changelog", "table", "materialized_view"], Enum(
    "PipelineObjectKind", "What a pipeline's object is: a stream, changelog or table, or (the sink only) a "
                          "materialized view.")]
#: The sink settings a materialized view takes from its transform, not from the program.
_NOT_FOR_VIEWS = (("columns", "columns"), ("primary_key", "primaryKey"), ("timestamp_column", "timestampColumn"),
                  ("entity", "entity"), ("value_format", "valueFormat"), ("key_format", "keyFormat"))


@dataclass
class PipelineObject(Model):
    """An object the pipeline creates: a source it reads or the sink it writes."""

    name: str = prop("Name of the object in the pipeline's namespace.")
    kind: ObjectKind = prop("What the object is. A sink of kind `materialized_view` is a MaterializedView made from "
                            "the transform (`CREATE MATERIALIZED VIEW <sink> AS <transform>`): it takes no columns "
                            "or entity settings, `properties` are the view's `WITH` parameters, and a changed "
                            "transform replaces the view. Changing the sink between a view and an object replaces "
                            "it in one `pulumi up`: the old sink (and the query writing into it) is deleted first, "
                            "as its name is taken until then. Like any replacement of the sink, it fails at preview "
                            "naming the running queries the old sink's replacement takes down (a stream sink's: the "
                            "pipeline's own query, and any other reading it) unless the sink sets "
                            "`acceptReplacement`.", default="stream")
    columns: list[ColumnInputs] = prop("Columns, in order.", default_factory=list)
    primary_key: list[str] | None = prop("Primary key columns; required for a changelog.", default=None)
    timestamp_column: str | None = prop("Column that carries event time.", default=None)
    entity: str | None = prop("The store entity (topic or table); default: the object's name for Kafka.",
                              default=None)
    value_format: str | None = prop("Value format, e.g. `json`.", default=None)
    key_format: str | None = prop("Key format.", default=None)
    properties: dict[str, str] | None = prop("Further `WITH` properties.", default=None)
    accept_replacement: bool | None = prop(
        "Let a change that replaces this object (or the sink's view) go ahead although it takes down what depends on "
        "it: the `acceptReplacement` of its resource. Without it such a change fails at preview naming the running "
        "queries it would take down (the pipeline's own query among them where it reads or writes the object). Set "
        "it for the `pulumi up` that replaces, then remove it.", default=None)


@dataclass
class PipelineInputs(Model):
    database: str = prop("Database of the pipeline (created when createDatabase is true).")
    store: str = prop("Store holding the entities of the sources and the sink.")
    sources: list[PipelineObject] = prop("Objects the transformation reads.")
    sink: PipelineObject = prop("Object the transformation writes.")
    transform: str = prop("The transformation: a `SELECT ... FROM <source name> ...`. Unqualified names resolve "
                          "in the pipeline's namespace. Immutable per version: to change it, raise version, or set "
                          "upgrade: resume to upgrade the running query in place where DeltaStream allows it.")
    namespace: str = prop("Namespace of the pipeline (created when createNamespace is true).", default="public")
    create_database: bool = prop("Create the database instead of using an existing one.", default=False)
    create_namespace: bool = prop("Create the namespace instead of using an existing one.", default=False)
    query_name: str | None = prop("Deprecated: DeltaStream documents no way for a client to name a query, so a "
                                  "value here is ignored (with a warning).", default=None,
                                  deprecated=QUERY_NAME_IGNORED)
    version: int = prop("Version of the transformation. Raising it starts a query with the new transform and "
                        "then terminates the old one (create-before-delete); the objects stay. (A materialized view "
                        "sink is its own query: the version does not apply to it.)", default=1)
    create_topics: bool = prop("Create each object's topic (an Entity named after the object's entity, or the "
                               "object) in the store before the object, so one component takes a Kafka store from "
                               "empty to a running query.", default=False)
    topic_partitions: int | None = prop("Partitions of the topics createTopics makes (default 1).", default=None)
    topic_replicas: int | None = prop("Replication factor of the topics createTopics makes (default 1).",
                                      default=None)
    compute_pool: str | None = prop("Compute pool the pipeline's query runs in (the Query's `computePool`: sent "
                                    "with the statement that starts it; DeltaStream does not document whether a "
                                    "running query stays bound to it). A new pool starts a new query, as a changed "
                                    "transform does.", default=None)
    upgrade: Upgrade | None = prop("How a changed transform or pool reaches the running query (the Query's "
                                   "`upgrade`): `replace` (default: a changed transform needs a new version), or "
                                   "`resume`: the old query is terminated and the new one continues where it "
                                   "stopped, in place, when DeltaStream's limits hold (one Kafka source with the "
                                   "same topic and store, no join, aggregation or pattern recognition); the preview "
                                   "says which way it goes. Raising version still starts a new query from the "
                                   "beginning.", default=None)


@dataclass
class PipelineOutputs(Model):
    database_name: str = prop("Database of the pipeline.")
    namespace_name: str = prop("Namespace of the pipeline.")
    source_fqns: list[str] = prop("fqns of the source objects.")
    sink_fqn: str = prop("fqn of the sink: its object, or the view of a `materialized_view` sink.")
    query_id: str = prop("Id of the running query: the pipeline's, or the view's own with a `materialized_view` sink "
                         "(the id of the output `query` either way).")
    query_state: str = prop("State of that query, e.g. `running`.")
    query_version: int = prop("The pipeline version the running query belongs to (with a `materialized_view` sink, "
                              "the version input, which does not apply to the view's query).")


QUERY_OUTPUT_DOC = ("The Query resource: the pipeline's query (`INSERT INTO <sink> <transform>`). With a "
                    "`materialized_view` sink it is the view's own query (`CREATE MATERIALIZED VIEW ... AS "
                    "<transform>`, id `queryId`), read as `Query.get` reads one, not managed: the view starts and "
                    "terminates it.")
SINK_OBJECT_DOC = ("The sink's object resource. Null with a `materialized_view` sink, which is no object (stream, "
                   "changelog or table): that sink is the MaterializedView in sinkViews.")
#: Outputs that are the child resources themselves: name -> (resource token, is a list, description).
RESOURCE_OUTPUTS = {"query": ("deltastream:index:Query", False, QUERY_OUTPUT_DOC),
                    "sinkObject": ("deltastream:index:DeltaStreamObject", False, SINK_OBJECT_DOC),
                    "sinkViews": ("deltastream:index:MaterializedView", True, "The MaterializedView a "
                                                                              "`materialized_view` sink made; empty "
                                                                              "with any other sink."),
                    "sourceObjects": ("deltastream:index:DeltaStreamObject", True, "The sources' object resources."),
                    "topics": ("deltastream:index:Entity", True, "The topics createTopics made (sources, then the "
                                                                 "sink); empty without it.")}


def check(inputs: PipelineInputs) -> list[tuple[str, str]]:
    failures = check_identifier("computePool", inputs.compute_pool)
    if isinstance(inputs.transform, str):
        if not _SELECT.match(inputs.transform):
            failures.append(("transform", "transform must be a SELECT (the pipeline writes INSERT INTO the sink "
                                          "itself)"))
        else:
            try:
                one_statement(inputs.transform)
            except SqlTextError as exc:
                failures.append(("transform", f"transform {exc}"))
    if isinstance(inputs.version, int) and inputs.version < 1:
        failures.append(("version", "version starts at 1"))
    for key, value in (("topicPartitions", inputs.topic_partitions), ("topicReplicas", inputs.topic_replicas)):
        if isinstance(value, int) and value < 1:
            failures.append((key, f"{key} must be at least 1, not {value}"))
        if value is not None and inputs.create_topics is False:
            failures.append((key, f"{key} applies to the topics createTopics makes: set createTopics: true"))
    if isinstance(inputs.sources, list):
        if not inputs.sources:
            failures.append(("sources", "a pipeline needs at least one source"))
        names = [s.name for s in inputs.sources]
        for index, name in enumerate(names):
            if name in names[:index]:
                failures.append((f"sources[{index}].name", f"source {name!r} is declared twice"))
        if isinstance(inputs.sink, PipelineObject) and inputs.sink.name in names:
            failures.append(("sink.name", f"{inputs.sink.name!r} is both a source and the sink"))
    for index, source in enumerate(inputs.sources or []):
        if isinstance(source, PipelineObject) and source.kind == VIEW:
            failures.append((f"sources[{index}].kind", "a source cannot be a materialized_view: only the sink can "
                                                       "(a pipeline reads streams, changelogs and tables)"))
    view = isinstance(inputs.sink, PipelineObject) and inputs.sink.kind == VIEW
    specs = [("sink", inputs.sink)] * (not view) + [(f"sources[{i}]", s) for i, s in enumerate(inputs.sources or [])]
    for path, spec in specs:
        if isinstance(spec, PipelineObject) and isinstance(spec.columns, list) and not spec.columns:
            failures.append((f"{path}.columns", f"{path}.columns needs at least one column"))
    if view:
        failures += _view_sink(inputs)
    return failures


def _view_sink(inputs: PipelineInputs) -> list[tuple[str, str]]:
    """A ``materialized_view`` sink: the view takes its columns from the transform and keeps its rows itself."""
    failures = [(f"sink.{key}", f"sink.{key}: a materialized_view sink takes no {key}: the view's columns come from "
                                "the transform, and it keeps its rows itself (remove it)")
                for name, key in _NOT_FOR_VIEWS if getattr(inputs.sink, name) not in (None, [])]
    if inputs.upgrade == "resume":
        failures.append(("upgrade", "upgrade: resume applies to the query of a stream, changelog or table sink; a "
                                    "materialized view's query cannot be changed in place (a changed transform "
                                    "replaces the view): remove upgrade"))
    return failures
