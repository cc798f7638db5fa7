"""SchemaRegistry: a Confluent or Confluent Cloud schema registry that Kafka stores decode Avro and Protobuf with.
The whole kind is here: inputs and state, its statements, its system-table row and the row its lookups return, and
how settle finds one."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from ..deltastream import sql
from ..deltastream.catalog import SystemTables, Table, column
from ..errors import RegistryErrored
from ..model import story
from ..model.docs import examples
from ..model.fields import Model, prop
from ..model.sample import Sample, built
from .base import Context, Diff, Existing, Resource, check_identifier, create_then_wait, drop_then_wait, half_a_pair
from .dependents import ACCEPT_DOC, BlastRadius, on_stores
from .lifecycle import OWNER_DOC, existing_row, gone, owner_as_read, owner_session, ready_row, update_then_wait
from .ownership import grant_statement, transfer


def create_statement(name: str, properties: Sequence[tuple[str, sql.PropertyValue]]) -> sql.Statement:
    return sql.statement([f"CREATE SCHEMA_REGISTRY {sql.ident(name)}", sql.with_clause(properties)])


def update_statement(name: str, properties: Sequence[tuple[str, sql.PropertyValue]]) -> sql.Statement:
    return sql.statement([f"UPDATE SCHEMA_REGISTRY {sql.ident(name)}", sql.with_clause(properties)])


def drop_statement(name: str) -> sql.Statement:
    return sql.statement([f"DROP SCHEMA_REGISTRY {sql.ident(name)}"])


@dataclass(frozen=True)
class SchemaRegistryRow:
    """A row of ``deltastream.sys."schema_registries"``."""

    name: str = column("name")
    type: str = column("type")
    status: str = column("status")
    owner: str = column("owner")
    created_at: str | None = column("created_at")
    updated_at: str | None = column("updated_at")


SCHEMA_REGISTRIES = Table("schema_registries", SchemaRegistryRow, ("name",), "name")


async def registry_row(catalog: SystemTables, name: str) -> SchemaRegistryRow | None:
    return await catalog.one(SCHEMA_REGISTRIES, {"name": name})


@dataclass
class SchemaRegistryInfo(Model):
    """A schema registry. Credentials are never returned."""

    name: str = prop("Name.")
    type: str = prop("`Confluent` or `ConfluentCloud`.")
    status: str = prop("`ready` or `errored`.")
    owner: str = prop("Owning role.")
    created_at: str | None = prop("When it was created (RFC 3339).", default=None)
    updated_at: str | None = prop("When it last changed (RFC 3339).", default=None)

    @classmethod
    def of(cls, row: SchemaRegistryRow) -> SchemaRegistryInfo:
        return cls(name=row.name, type=row.type, status=row.status, owner=row.owner, created_at=row.created_at,
                   updated_at=row.updated_at)


@dataclass
class ConfluentRegistryInputs(Model):
    """A self-managed Confluent Schema Registry."""

    uris: str = prop("URL of the registry, e.g. `https://registry.example.com:8081`.")
    username: str | None = prop("User name (basic auth; an identifier, not secret); give it with password.",
                                default=None)
    password: str | None = prop("Password (basic auth); give it with username.", secret=True, default=None)


@dataclass
class ConfluentCloudRegistryInputs(Model):
    """A Confluent Cloud Schema Registry."""

    uris: str = prop("URL of the registry, e.g. `https://psrc-xxxxx.us-east-2.aws.confluent.cloud`.")
    key: str = prop("API key: its identifier, not secret (the API secret is `secret`).")
    secret: str = prop("API secret.", secret=True)


@dataclass
class SchemaRegistryInputs(Model):
    name: str = prop("Name of the schema registry. Case-sensitive; quoted for you.", replaces=True)
    confluent: ConfluentRegistryInputs | None = prop("Confluent settings; give exactly one of confluent and "
                                                     "confluentCloud.", default=None)
    confluent_cloud: ConfluentCloudRegistryInputs | None = prop("Confluent Cloud settings; give exactly one of "
                                                                "confluent and confluentCloud.", default=None)
    owner: str | None = prop(OWNER_DOC, default=None)
    accept_replacement: bool | None = prop(ACCEPT_DOC, default=None)


@dataclass
class SchemaRegistryState(SchemaRegistryInputs):
    type: str | None = prop("Type as DeltaStream reports it: `Confluent` or `ConfluentCloud`.", default=None)
    status: str | None = prop("Status: `ready`, or `errored`.", default=None)
    created_at: str | None = prop("When the registry was created (RFC 3339).", default=None)
    updated_at: str | None = prop("When the registry last changed (RFC 3339).", default=None)


BLOCKS = {"confluent": "Confluent", "confluent_cloud": "ConfluentCloud"}


def block_of(inputs: SchemaRegistryInputs) -> str | None:
    given = [b for b in BLOCKS if getattr(inputs, b) is not None]
    return given[0] if len(given) == 1 else None


def registry_statement(inputs: SchemaRegistryInputs, *, update: bool) -> sql.Statement:
    """CREATE, or UPDATE re-sending the URL and the whole credential pair."""
    props: list[tuple[str, sql.PropertyValue]] = []
    if inputs.confluent is not None:
        c = inputs.confluent
        props += [("type", sql.Bare("CONFLUENT")), ("uris", c.uris)]
        if c.username is not None and c.password is not None:
            props += [("confluent.username", c.username),
                      ("confluent.password", sql.SecretLiteral(c.password))]
    elif inputs.confluent_cloud is not None:
        cc = inputs.confluent_cloud
        props += [("type", sql.Bare("CONFLUENT_CLOUD")), ("uris", cc.uris),
                  ("confluent_cloud.key", cc.key),
                  ("confluent_cloud.secret", sql.SecretLiteral(cc.secret))]
    if update:
        return update_statement(inputs.name, [p for p in props if p[0] != "type"])
    return create_statement(inputs.name, props)


def _state(inputs: SchemaRegistryInputs, row: SchemaRegistryRow) -> SchemaRegistryState:
    return SchemaRegistryState(name=inputs.name, confluent=inputs.confluent, confluent_cloud=inputs.confluent_cloud,
                               owner=row.owner, accept_replacement=inputs.accept_replacement, type=row.type,
                               status=row.status, created_at=row.created_at,
                               updated_at=row.updated_at)


_EXAMPLES = examples("A Confluent Cloud registry, used by a Confluent Cloud Kafka store", story.SCHEMA_REGISTRY)


class SchemaRegistry(Resource[SchemaRegistryInputs, SchemaRegistryState]):
    token = "deltastream:index:SchemaRegistry"
    create_privilege = "CREATE_SCHEMA_REGISTRY"
    description = f"""A schema registry (Confluent or Confluent Cloud) that Kafka stores use for Avro and Protobuf;
a Kafka store names it in `schemaRegistryName`.

Passwords and API secrets are secret inputs and outputs (user names and API keys, identifiers, are plain).
Changing the URL or rotating credentials updates the registry in
place (`UPDATE SCHEMA_REGISTRY`); changing the name or the kind of registry, or removing credentials, replaces it.

{_EXAMPLES}

## Import

The ID is the registry name. Its URL and credentials cannot be read back, so after importing set them in the
program (the next `pulumi up` writes them):

```sh
pulumi import deltastream:index:SchemaRegistry registry orders_registry
```"""
    inputs = SchemaRegistryInputs
    state = SchemaRegistryState
    ownership = "SCHEMA_REGISTRY"
    always_set = ("owner", "type", "status", "createdAt", "updatedAt")

    def check(self, inputs: SchemaRegistryInputs) -> list[tuple[str, str]]:
        failures = check_identifier("name", inputs.name) + check_identifier("owner", inputs.owner)
        given = [b for b in BLOCKS if getattr(inputs, b) is not None]
        if len(given) != 1:
            got = f" (got {', '.join(given)})" if given else ""
            return [*failures, ("confluent", "give exactly one of confluent or confluentCloud" + got)]
        if inputs.confluent is not None:
            failures += half_a_pair("confluent", ("username", inputs.confluent.username),
                                    ("password", inputs.confluent.password))
        return failures

    def diff(self, olds: SchemaRegistryInputs, news: SchemaRegistryInputs, state: SchemaRegistryState) -> Diff:
        result = super().diff(olds, news, state)
        credentials_removed = (olds.confluent is not None and news.confluent is not None
                               and olds.confluent.username is not None and news.confluent.username is None)
        if block_of(olds) != block_of(news) or credentials_removed:
            result.replaces += [b for b in ("confluent", "confluentCloud") if b in result.changes]
        return result

    async def _ready(self, ctx: Context, name: str) -> SchemaRegistryRow | None:
        return await ready_row(lambda: registry_row(ctx.catalog, name), errored=lambda row: RegistryErrored(
            f"schema registry {name!r} is errored: DeltaStream could not use its settings"))

    async def existing(self, catalog: SystemTables, inputs: SchemaRegistryInputs,
                       excluded: Collection[str]) -> Existing:
        return existing_row(await registry_row(catalog, inputs.name), inputs.name)

    async def create(self, ctx: Context, inputs: SchemaRegistryInputs) -> tuple[str, SchemaRegistryState]:
        row = await create_then_wait(ctx, registry_statement(inputs, update=False),
                                     lambda: self._ready(ctx, inputs.name),
                                     what=f"schema registry {inputs.name!r} to be ready", resource_id=inputs.name,
                                     undo=lambda: self.delete(ctx, inputs.name, SchemaRegistryState(name=inputs.name)),
                                     session=owner_session(inputs.owner),
                                     exists=lambda: registry_row(ctx.catalog, inputs.name))
        return inputs.name, _state(inputs, row)

    async def read(self, ctx: Context, resource_id: str, inputs: SchemaRegistryInputs | None,
                   state: SchemaRegistryState | None) -> tuple[SchemaRegistryInputs, SchemaRegistryState] | None:
        row = await ctx.catalog.in_group(SCHEMA_REGISTRIES, {}, {"name": resource_id})  # one SELECT serves a refresh
        if row is None:
            return None
        current = SchemaRegistryInputs(name=row.name, owner=owner_as_read(inputs, row),
                                       accept_replacement=inputs.accept_replacement if inputs is not None else None)
        if row.type == "ConfluentCloud":  # settings are not readable: kept from state, or empty on import
            current.confluent_cloud = (inputs.confluent_cloud if inputs is not None and inputs.confluent_cloud
                                       else ConfluentCloudRegistryInputs(uris="", key="", secret=""))
        else:
            current.confluent = (inputs.confluent if inputs is not None and inputs.confluent
                                 else ConfluentRegistryInputs(uris=""))
        return current, _state(current, row)

    async def update(self, ctx: Context, resource_id: str, olds: SchemaRegistryState,
                     news: SchemaRegistryInputs) -> SchemaRegistryState:
        """The settings (``UPDATE SCHEMA_REGISTRY``, then the wait for ready) and the owner (``GRANT OWNERSHIP``,
        after them: the update runs as the owner), each only when it changed."""
        if [change for change in self.diff(olds, news, olds).changes if change != "owner"]:
            row = await update_then_wait(ctx, registry_statement(news, update=True),
                                         lambda: self._ready(ctx, resource_id), f"schema registry {resource_id!r}")
            if news.owner in (None, row.owner):
                return _state(news, row)
        await transfer(ctx, "SCHEMA_REGISTRY", sql.ident(resource_id), olds.owner, news.owner)
        found = await registry_row(ctx.catalog, resource_id)
        if found is None:
            raise gone(f"schema registry {resource_id!r}")
        return _state(news, found)

    async def blast_radius(self, ctx: Context, resource_id: str, state: SchemaRegistryState) -> BlastRadius:
        """The stores naming the registry, the relations on them and the running queries reading those."""
        return await on_stores(ctx.catalog, resource_id)

    def replacement_advice(self, why: list[str]) -> str:
        return (f"keep {', '.join(why)} as it is (URL and credentials change in place), or create a second "
                "registry and point the stores at it")

    async def delete(self, ctx: Context, resource_id: str, state: SchemaRegistryState) -> None:
        await drop_then_wait(ctx, drop_statement(resource_id), lambda: registry_row(ctx.catalog, resource_id),
                             what=f"schema registry {resource_id!r}")


_REGISTRY = {"name": "registry", "confluent": {"uris": "https://r1"}}
SAMPLE = Sample(
    inputs=_REGISTRY, changed={**_REGISTRY, "confluent": {"uris": "https://r2"}},
    budget={"create": 2, "read": 1, "update": 2, "delete": 2},
    settle=({"name": "made", "confluent": {"uris": "https://r"}}, {"name": "never", "confluent": {"uris": "https://r"}}),
    built=(built(create_statement, "CREATE SCHEMA_REGISTRY", "r", [("uris", "u")]),
           built(update_statement, "UPDATE SCHEMA_REGISTRY", "r", [("uris", "u")]),
           built(drop_statement, "DROP SCHEMA_REGISTRY", "r"),
           built(grant_statement, "GRANT OWNERSHIP ON SCHEMA REGISTRY", "SCHEMA_REGISTRY", '"r"', "r")))
