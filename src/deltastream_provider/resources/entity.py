"""Entity: what a store holds, by path: a Kafka topic, a Kinesis stream, a database or schema of a SQL store. The
whole kind is here: inputs and state, its statements, the rows its lookup lists, and how settle finds one."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from ..deltastream import sql
from ..deltastream.catalog import SystemTables
from ..deltastream.ids import format_id, parse_id
from ..deltastream.reads import DESCRIBE_ENTITY
from ..errors import NotFoundError
from ..model import story
from ..model.docs import examples
from ..model.fields import Model, prop
from ..model.sample import Sample, built
from .base import Context, Diff, Existing, Resource, check_identifier, create_then_wait, drop_then_wait
from .dependents import ACCEPT_DOC, BlastRadius, on_relations
from .lifecycle import dropping, gone

ID_FORMAT = 'STORE/PATH/..., e.g. events/orders, or the quoted form "STORE"."PATH"'
MAX_DEPTH = 3


def _entity(path: Sequence[str], store: str) -> str:
    return f"{sql.qualified(*path)} IN STORE {sql.ident(store)}"


def create_statement(path: Sequence[str], store: str,
                     properties: Sequence[tuple[str, sql.PropertyValue]]) -> sql.Statement:
    return sql.statement([f"CREATE ENTITY {_entity(path, store)}", sql.with_clause(properties)])


def update_statement(path: Sequence[str], store: str,
                     properties: Sequence[tuple[str, sql.PropertyValue]]) -> sql.Statement:
    return sql.statement([f"UPDATE ENTITY {_entity(path, store)}", sql.with_clause(properties)])


def drop_statement(path: Sequence[str], store: str) -> sql.Statement:
    return sql.statement([f"DROP ENTITY {_entity(path, store)}"])


def describe_statement(path: Sequence[str], store: str) -> sql.Statement:
    return sql.statement([f"DESCRIBE ENTITY {_entity(path, store)}"], mutating=False)


def list_statement(store: str, parent: Sequence[str] = ()) -> sql.Statement:
    within = f" IN {sql.qualified(*parent)}" if parent else ""
    return sql.statement([f"LIST ENTITIES{within} IN STORE {sql.ident(store)}"], mutating=False)


@dataclass
class EntityInfo(Model):
    """An entity of a store."""

    name: str = prop("Name.")
    path: list[str] = prop("Full path in the store (the parent's path and the name).")
    is_leaf: bool = prop("Whether it holds data (a topic, a stream, a table) rather than other entities.")


async def listed_entities(catalog: SystemTables, store: str, parent: Sequence[str] = ()) -> list[EntityInfo]:
    """One LIST ENTITIES: the children of ``parent`` (the store's top level without one), ordered by name."""
    records = (await catalog.client.execute(list_statement(store, parent))).records()
    found = [EntityInfo(name=str(r.get("Name")), path=[*parent, str(r.get("Name"))], is_leaf=r.get("IsLeaf") is True)
             for r in records]
    return sorted(found, key=lambda e: e.name)


@dataclass
class KafkaTopicInputs(Model):
    """Settings of a Kafka topic."""

    partitions: int | None = prop("Number of partitions (default 1). Raised in place; lowering it replaces the "
                                  "topic (Kafka cannot remove partitions).", default=None)
    replicas: int | None = prop("Replication factor (default 1). A change replaces the topic.", default=None)
    configs: dict[str, str] | None = prop("Topic configs, e.g. `{\"retention.ms\": \"86400000\"}`; values change in "
                                          "place, a removed key replaces the topic.", default=None)


@dataclass
class KinesisStreamInputs(Model):
    """Settings of a Kinesis data stream."""

    shards: int | None = prop("Number of shards (default 1); changed in place.", default=None)


@dataclass
class EntityInputs(Model):
    store: str = prop("Store that holds the entity.", replaces=True)
    path: list[str] = prop("Path of the entity in the store: `[topic]` in Kafka, `[stream]` in Kinesis, `[schema]` "
                           "in PostgreSQL, `[DATABASE]` or `[DATABASE, SCHEMA]` in Snowflake.", replaces=True)
    kafka: KafkaTopicInputs | None = prop("Topic settings, for an entity of a Kafka store.", default=None)
    kinesis: KinesisStreamInputs | None = prop("Stream settings, for an entity of a Kinesis store.", default=None)
    accept_replacement: bool | None = prop(ACCEPT_DOC, default=None)


@dataclass
class EntityState(EntityInputs):
    name: str | None = prop("The entity's own name: the last part of its path.", default=None)
    partitions: int | None = prop("A Kafka topic's partitions, as DeltaStream reports them.", default=None)
    replicas: int | None = prop("A Kafka topic's replication factor, as DeltaStream reports it.", default=None)
    shards: int | None = prop("A Kinesis stream's shards as given (no public DeltaStream client reads them back, so "
                              "their drift is not seen).", default=None)
    configs: dict[str, str] | None = prop("A Kafka topic's configs, as DeltaStream reports them.", default=None)


KAFKA_STORE_TYPES = ("Kafka", "ConfluentKafka")


@dataclass(frozen=True)
class Described:
    """DESCRIBE ENTITY of a Kafka topic."""

    partitions: int | None = None
    replicas: int | None = None
    configs: dict[str, str] | None = None


def _properties(inputs: EntityInputs, *, create: bool) -> list[tuple[str, sql.PropertyValue]]:
    props: list[tuple[str, sql.PropertyValue]] = []
    if inputs.kafka is not None:
        k = inputs.kafka
        if k.partitions is not None:
            props.append(("kafka.partitions", k.partitions))
        if k.replicas is not None and create:
            props.append(("kafka.replicas", k.replicas))
        props += [(f"kafka.topic.{key}", value) for key, value in sorted((k.configs or {}).items())]
    if inputs.kinesis is not None and inputs.kinesis.shards is not None:
        props.append(("kinesis.shards", inputs.kinesis.shards))
    return props


def _int(value: Any) -> int | None:
    return int(value) if value not in (None, "") else None


def _described(row: Sequence[Any]) -> Described:
    """A Kafka topic's DESCRIBE ENTITY row, by position as DeltaStream's Terraform provider reads it. No public
    client reads a Kinesis stream's row, so its shards are not read back (their drift is not seen)."""
    configs = DESCRIBE_ENTITY.get(row, "configs")
    parsed = json.loads(configs) if isinstance(configs, str) and configs else None
    return Described(partitions=_int(DESCRIBE_ENTITY.get(row, "partitions")),
                     replicas=_int(DESCRIBE_ENTITY.get(row, "replicas")),
                     configs={k: str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else None)


def _state(inputs: EntityInputs, found: Described) -> EntityState:
    return EntityState(store=inputs.store, path=inputs.path, kafka=inputs.kafka, kinesis=inputs.kinesis,
                       accept_replacement=inputs.accept_replacement, name=inputs.path[-1],
                       partitions=found.partitions, replicas=found.replicas,
                       shards=inputs.kinesis.shards if inputs.kinesis else None, configs=found.configs)


_EXAMPLES = examples("A Kafka topic with six partitions and a week of retention", story.ENTITY)


class Entity(Resource[EntityInputs, EntityState]):
    token = "deltastream:index:Entity"
    description = f"""An entity of a store: a Kafka topic, a Kinesis data stream, or a database or schema of a
SQL store. Objects (streams, changelogs, tables) read and write entities.

A Kafka topic's partitions are raised and its configs changed in place (`UPDATE ENTITY`); fewer partitions, another
replication factor or a removed config replace it. A Kinesis stream's shards change in place. Deleting an entity
deletes its data; DeltaStream refuses while an object still uses it.

{_EXAMPLES}

## Import

The ID is the store name and the entity's path, joined by `/` (or quoted, `"events"."orders"`, when a name holds
`/` or `"`):

```sh
pulumi import deltastream:index:Entity orders events/orders
```"""
    inputs = EntityInputs
    state = EntityState
    always_set = ("name",)

    def check(self, inputs: EntityInputs) -> list[tuple[str, str]]:
        failures = check_identifier("store", inputs.store)
        if isinstance(inputs.path, list):
            if not 1 <= len(inputs.path) <= MAX_DEPTH:
                failures.append(("path", f"path has {len(inputs.path)} parts; give 1 to {MAX_DEPTH}, "
                                         'e.g. ["orders"]'))
            for index, part in enumerate(inputs.path):
                failures += check_identifier(f"path[{index}]", part)
        if inputs.kafka is not None and inputs.kinesis is not None:
            failures.append(("kinesis", "give kafka or kinesis, not both: an entity belongs to one kind of store"))
        numbers = [("kafka.partitions", inputs.kafka and inputs.kafka.partitions),
                   ("kafka.replicas", inputs.kafka and inputs.kafka.replicas),
                   ("kinesis.shards", inputs.kinesis and inputs.kinesis.shards)]
        for path, value in numbers:
            if isinstance(value, int) and value < 1:
                failures.append((path, f"{path} must be at least 1, not {value}"))
        return failures

    def diff(self, olds: EntityInputs, news: EntityInputs, state: EntityState) -> Diff:
        result = super().diff(olds, news, state)
        old, new = olds.kafka or KafkaTopicInputs(), news.kafka or KafkaTopicInputs()
        fewer = isinstance(new.partitions, int) and new.partitions < (old.partitions or state.partitions or 1)
        other_replicas = isinstance(new.replicas, int) and new.replicas != (old.replicas or state.replicas or 1)
        removed = news.kafka is not None and bool(set(old.configs or {}) - set(new.configs or {}))
        kind_changed = (olds.kafka is None) != (news.kafka is None) or (olds.kinesis is None) != (news.kinesis is None)
        if (fewer or other_replicas or removed or kind_changed) and "kafka" in result.changes:
            result.replaces.append("kafka")
        if kind_changed and "kinesis" in result.changes:
            result.replaces.append("kinesis")
        return result

    async def _describe(self, ctx: Context, store: str, path: list[str]) -> Described | None:
        from .store import store_type  # the Store resource's module, imported by the first read that needs it

        try:
            rows = (await ctx.client.execute(describe_statement(path, store))).rows
        except NotFoundError:
            return None
        if not rows:
            return None
        # Only a Kafka topic's row has a documented layout; the store's type is known once per process.
        return _described(rows[0]) if await store_type(ctx.catalog, store) in KAFKA_STORE_TYPES else Described()

    async def existing(self, catalog: SystemTables, inputs: EntityInputs, excluded: Collection[str]) -> Existing:
        """An entity has no creation time DeltaStream shows: one found is this stack's only if it was pending."""
        try:
            await catalog.client.execute(describe_statement(inputs.path, inputs.store))
        except NotFoundError:
            return None
        return format_id(inputs.store, *inputs.path), None

    async def create(self, ctx: Context, inputs: EntityInputs) -> tuple[str, EntityState]:
        resource_id = format_id(inputs.store, *inputs.path)

        def described() -> Any:
            return self._describe(ctx, inputs.store, inputs.path)

        found = await create_then_wait(ctx, create_statement(inputs.path, inputs.store,
                                                             _properties(inputs, create=True)),
                                       described, what=f"entity {'.'.join(inputs.path)!r} in store {inputs.store!r}",
                                       resource_id=resource_id,
                                       undo=dropping(ctx, drop_statement(inputs.path, inputs.store)), exists=described)
        return resource_id, _state(inputs, found)

    async def read(self, ctx: Context, resource_id: str, inputs: EntityInputs | None,
                   state: EntityState | None) -> tuple[EntityInputs, EntityState] | None:
        store, *path = parse_id(resource_id, range(2, MAX_DEPTH + 2), ID_FORMAT)
        found = await self._describe(ctx, store, path)
        if found is None:
            return None
        current = EntityInputs(store=store, path=path, kafka=_kafka_as_read(found, inputs),
                               kinesis=inputs.kinesis if inputs is not None else None,
                               accept_replacement=inputs.accept_replacement if inputs is not None else None)
        return current, _state(current, found)

    async def update(self, ctx: Context, resource_id: str, olds: EntityState, news: EntityInputs) -> EntityState:
        props = _properties(news, create=False)
        if props:
            await ctx.client.execute(update_statement(news.path, news.store, props), timeout=ctx.remaining())
        found = await self._describe(ctx, news.store, news.path)
        if found is None:
            raise gone(f"entity {resource_id}")
        return _state(news, found)

    async def blast_radius(self, ctx: Context, resource_id: str, state: EntityState) -> BlastRadius:
        """The relations on the entity's store (DeltaStream shows no column saying which entity a relation reads) and
        the running queries reading them; with any, the entity's own data is named too."""
        store, *path = parse_id(resource_id, range(2, MAX_DEPTH + 2), ID_FORMAT)
        radius = await on_relations(ctx.catalog, {"store_name": store})
        if radius:
            radius.other.append(f"entity {'.'.join(path)} of store {store!r} and everything in it (DROP ENTITY "
                                "deletes the topic or stream); the relations below are on its store, and DeltaStream "
                                "does not say which of them read this entity")
        return radius

    def replacement_advice(self, why: list[str]) -> str:
        return (f"keep {', '.join(why)} as it is (more partitions, topic configs and shards change in place), "
                "or create a second entity and move the relations to it")

    async def delete(self, ctx: Context, resource_id: str, state: EntityState) -> None:
        store, *path = parse_id(resource_id, range(2, MAX_DEPTH + 2), ID_FORMAT)
        await drop_then_wait(ctx, drop_statement(path, store), lambda: self._describe(ctx, store, path),
                             what=f"entity {resource_id!r}")


def _kafka_as_read(found: Described, inputs: EntityInputs | None) -> KafkaTopicInputs | None:
    """The topic settings DeltaStream reports, for those the program sets (every one on import, ``inputs`` None)."""
    if (found.partitions is None and found.replicas is None) or (inputs is not None and inputs.kafka is None):
        return None
    given = inputs.kafka if inputs is not None else None
    if given is None:
        return KafkaTopicInputs(partitions=found.partitions, replicas=found.replicas, configs=found.configs or None)
    configs = {k: v for k, v in (found.configs or {}).items() if k in (given.configs or {})}
    return KafkaTopicInputs(partitions=found.partitions if given.partitions is not None else None,
                            replicas=found.replicas if given.replicas is not None else None, configs=configs or None)


_TOPIC = {"store": "events", "path": ["orders"], "kafka": {"partitions": 1}}
SAMPLE = Sample(
    inputs=_TOPIC, changed={**_TOPIC, "kafka": {"partitions": 2}},
    budget={"create": 2, "read": 1, "update": 2, "delete": 2},  # the statement, a DESCRIBE ENTITY
    settle=({"store": "events", "path": ["made_topic"]}, {"store": "events", "path": ["never_topic"]}),
    built=(built(create_statement, "CREATE ENTITY", ["t"], "k", [("kafka.partitions", 1)]),
           built(update_statement, "UPDATE ENTITY", ["t"], "k", [("kafka.partitions", 2)]),
           built(drop_statement, "DROP ENTITY", ["t"], "k"), built(describe_statement, "DESCRIBE ENTITY", ["t"], "k"),
           built(list_statement, "LIST ENTITIES", "k", ["a"])))
