"""Store: a connection to Kafka, Confluent Cloud, Kinesis, PostgreSQL, Snowflake, S3, an Iceberg REST catalog,
ClickHouse or Databricks that objects and queries read and write. The kind is here: its inputs and state, its
statements, its system-table row, the row its lookups return, the type objects and entities ask for, how an import
reads it back and how settle finds one; each type's block (inputs, Check, WITH properties) is in ``store_types``."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Annotated, Any, TypeVar

from ..deltastream import sql
from ..deltastream.catalog import SystemTables, Table, column
from ..deltastream.reads import DESCRIBE_STORE
from ..errors import InputError, NotFoundError, StoreErrored
from ..model import story
from ..model.docs import examples
from ..model.fields import Enum, Model, prop
from ..model.sample import Sample, built
from .base import (
    Context,
    Diff,
    Existing,
    Resource,
    check_identifier,
    create_then_wait,
    drop_then_wait,
    equal,
)
from .dependents import ACCEPT_DOC, BlastRadius, on_relations
from .lifecycle import OWNER_DOC, existing_row, gone, owner_as_read, owner_session, ready_row, update_then_wait
from .ownership import grant_statement, transfer
from .store_types import (
    BY_BLOCK,
    KINDS,
    ClickHouseInputs,
    ConfluentKafkaInputs,
    DatabricksInputs,
    IcebergRestInputs,
    KinesisInputs,
    PostgresInputs,
    S3Inputs,
    SnowflakeInputs,
    normalize_postgres_uri,
    reported_kind,
)
from .store_types import (
    KafkaInputs as KafkaInputs,  # Environment's kafka block names it here
)


def create_statement(name: str, properties: Sequence[tuple[str, sql.PropertyValue]],
                     attachments: dict[str, bytes] | None = None) -> sql.Statement:
    return sql.statement([f"CREATE STORE {sql.ident(name)}", sql.with_clause(properties)], attachments=attachments)


def update_statement(name: str, properties: Sequence[tuple[str, sql.PropertyValue]],
                     attachments: dict[str, bytes] | None = None) -> sql.Statement:
    return sql.statement([f"UPDATE STORE {sql.ident(name)}", sql.with_clause(properties)], attachments=attachments)


def drop_statement(name: str) -> sql.Statement:
    return sql.statement([f"DROP STORE {sql.ident(name)}"])


def describe_statement(name: str) -> sql.Statement:
    return sql.statement([f"DESCRIBE STORE {sql.ident(name)}"], mutating=False)


@dataclass(frozen=True)
class StoreRow:
    """A row of ``deltastream.sys."stores"``."""

    name: str = column("name")
    type: str = column("type")
    status: str = column("status")
    status_message: str | None = column("status_message")
    owner: str = column("owner")
    created_at: str | None = column("created_at")
    updated_at: str | None = column("updated_at")


STORES = Table("stores", StoreRow, ("name",), "name")


async def store_row(catalog: SystemTables, name: str) -> StoreRow | None:
    return await catalog.one(STORES, {"name": name})


async def store_type(catalog: SystemTables, name: str) -> str | None:
    """The type of store ``name`` (None: there is no such store, which is not remembered). A store's type never
    changes in place (a new type replaces the store), so it is read once per process, by one request however many
    objects ask at once; Store create and delete keep it current (:func:`remember_type`)."""
    async def read() -> str | None:
        row = await store_row(catalog, name)
        return row.type if row is not None else None

    return await catalog.kept(("store type", name), read)


def remember_type(catalog: SystemTables, name: str, type_: str | None) -> None:
    """Store create (a type) and delete (None) tell what they changed."""
    catalog.remember(("store type", name), type_)


#: A type filter's spelling (any case, without ``_``) -> the catalog's: each block's, and POSTGRESQL, the type word
#: CREATE STORE takes.
TYPES = {**{k.reported.lower(): k.reported for k in KINDS}, "postgresql": "Postgres"}
#: A store's type as DeltaStream reports it, a constant in every SDK; a lookup's filter also takes other spellings.
StoreType = Annotated[str, Enum("StoreType", "A store's type, as DeltaStream and the Store resource report it.",
                                tuple(k.reported for k in KINDS))]
TYPE_NAMES = ("`Kafka`, `ConfluentKafka`, `Kinesis`, `Postgres`, `Snowflake`, `S3`, `IcebergRest`, `ClickHouse` or "
              "`Databricks` (the spelling of the last four is not shown by DeltaStream's clients but Databricks's)")


def type_spelling(value: str | None) -> str | None:
    """A ``type`` filter in the catalog's spelling."""
    if value is None:
        return None
    return TYPES.get(value.replace("_", "").lower(), value)


@dataclass
class StoreInfo(Model):
    """A store. Credentials are never returned."""

    name: str = prop("Name.")
    type: StoreType = prop(f"Store type as DeltaStream reports it (as the Store resource's `type`): {TYPE_NAMES}.")
    status: str = prop("`ready` or `errored`.")
    owner: str = prop("Owning role.")
    status_message: str | None = prop("DeltaStream's message when the store is not ready.", default=None)
    created_at: str | None = prop("When it was created (RFC 3339).", default=None)
    updated_at: str | None = prop("When it last changed (RFC 3339).", default=None)

    @classmethod
    def of(cls, row: StoreRow) -> StoreInfo:
        return cls(name=row.name, type=row.type, status=row.status, owner=row.owner,
                   status_message=row.status_message, created_at=row.created_at, updated_at=row.updated_at)


ONE_OF = f"give exactly one of {', '.join(k.wire for k in KINDS)}"
UNCONFIRMED = "its keys are shown only by DeltaStream's Python SDK (unconfirmed)"


@dataclass
class StoreInputs(Model):
    name: str = prop("Name of the store. Case-sensitive; quoted for you.", replaces=True)
    kafka: KafkaInputs | None = prop(f"Kafka settings; {ONE_OF}.", default=None, replaces=False)
    confluent_kafka: ConfluentKafkaInputs | None = prop(f"Confluent Cloud Kafka settings; {ONE_OF}.", default=None)
    kinesis: KinesisInputs | None = prop(f"Amazon Kinesis settings; {ONE_OF}.", default=None)
    postgres: PostgresInputs | None = prop(f"PostgreSQL settings; {ONE_OF}.", default=None)
    snowflake: SnowflakeInputs | None = prop(f"Snowflake settings; {ONE_OF}.", default=None)
    s3: S3Inputs | None = prop(f"Amazon S3 settings ({UNCONFIRMED}); {ONE_OF}.", default=None)
    iceberg_rest: IcebergRestInputs | None = prop(f"Iceberg REST catalog settings ({UNCONFIRMED}); {ONE_OF}.",
                                                  default=None)
    clickhouse: ClickHouseInputs | None = prop(f"ClickHouse settings ({UNCONFIRMED}); {ONE_OF}.", default=None)
    databricks: DatabricksInputs | None = prop(f"Databricks settings (DeltaStream's Terraform provider v0.0.9); "
                                               f"{ONE_OF}.", default=None)
    owner: str | None = prop(OWNER_DOC, default=None)
    accept_replacement: bool | None = prop(ACCEPT_DOC, default=None)


@dataclass
class StoreState(StoreInputs):
    type: StoreType | None = prop(f"Store type as DeltaStream reports it: {TYPE_NAMES}.", default=None)
    status: str | None = prop("Status: `ready`, or `errored` (see statusMessage).", default=None)
    status_message: str | None = prop("DeltaStream's message when the store is not ready.", default=None)
    created_at: str | None = prop("When the store was created (RFC 3339).", default=None)
    updated_at: str | None = prop("When the store last changed (RFC 3339).", default=None)


BLOCKS = tuple(k.block for k in KINDS)
WIRE_BLOCKS = {k.block: k.wire for k in KINDS}


def block_of(inputs: StoreInputs) -> str | None:
    given = [b for b in BLOCKS if getattr(inputs, b) is not None]
    return given[0] if len(given) == 1 else None


#: Settings an UPDATE STORE leaves out when they are unset, so removing one would change nothing in DeltaStream (only
#: DeltaStream's Pulumi provider sends `NULL` to unset, and a later revision of it says DeltaStream refuses a bare
#: NULL): removing it replaces the store. The SASL and TLS flags are re-sent whole instead.
CLEARED_BY_REPLACING = ("tls_ca_cert", "schema_registry_name", "access_key_id", "secret_access_key",
                        "client_key_passphrase", "iam_role_arn", "iam_external_id", "client_id", "client_secret",
                        "client_scope")


def _not_updatable_in_place(olds: StoreInputs, news: StoreInputs) -> bool:
    """A setting removed that UPDATE STORE cannot clear, or a Confluent Kafka store's schema registry changed (a
    Kafka store's is named anew with ``kafka.schema_registry_name``, as DeltaStream's Pulumi provider does; no
    client updates a Confluent Kafka store): the store is replaced rather than reported updated while nothing
    changed."""
    block = block_of(olds)
    if block is None or block != block_of(news):
        return False
    old, new = getattr(olds, block), getattr(news, block)
    removed = any(getattr(old, f, None) is not None and getattr(new, f, None) is None for f in CLEARED_BY_REPLACING)
    return removed or (block == "confluent_kafka" and old.schema_registry_name != new.schema_registry_name)


def store_statement(inputs: StoreInputs, *, update: bool) -> sql.Statement:
    """CREATE STORE, or UPDATE STORE re-sending the whole group (DeltaStream checks groups as a whole)."""
    props: list[tuple[str, sql.PropertyValue]] = []
    attachments: dict[str, bytes] = {}
    block = next((b for b in BLOCKS if getattr(inputs, b) is not None), None)
    if block is not None:
        props = BY_BLOCK[block].properties(getattr(inputs, block), update, attachments)
    if update:
        return update_statement(inputs.name, [p for p in props if p[0] != "type"], attachments)
    return create_statement(inputs.name, props, attachments)


def _state(inputs: StoreInputs, row: StoreRow) -> StoreState:
    return StoreState(name=inputs.name, **{b: getattr(inputs, b) for b in BLOCKS}, owner=row.owner,
                      accept_replacement=inputs.accept_replacement, type=row.type, status=row.status,
                      status_message=row.status_message,
                      created_at=row.created_at, updated_at=row.updated_at)


_EXAMPLES = examples("A Kafka store with SASL credentials from secret config", story.STORE)


class Store(Resource[StoreInputs, StoreState]):
    token = "deltastream:index:Store"
    create_privilege = "CREATE_STORE"
    description = f"""A store: DeltaStream's connection to Kafka, Confluent Cloud Kafka, Amazon Kinesis, PostgreSQL,
Snowflake, Amazon S3, an Apache Iceberg REST catalog, ClickHouse or Databricks.

The keys of the S3, Iceberg REST and ClickHouse blocks are shown only by DeltaStream's Python SDK (its unit tests),
and those of the Databricks block by DeltaStream's Terraform provider v0.0.9 (later releases dropped it): no
DeltaStream page documents them. DeltaStream documents no stream, changelog or table declared over these four
kinds (Databricks "only as sink for CTAS queries"), so a `DeltaStreamObject` on one fails before anything is sent;
write to them with a `Query` (`CREATE TABLE ... WITH ('store' = ...) AS SELECT ...`).

Secrets (passwords, secret keys, private keys, certificates) are secret inputs and secret outputs, sent to
DeltaStream as attachments or quoted literals and never logged; identifiers (user names, key ids, account ids) are
plain, so a diff shows which one changed. Changing settings, rotating credentials or naming another schema
registry for a Kafka store updates the store in place (`UPDATE STORE`); changing the name, the kind of store or a
Confluent Kafka store's registry, or removing a setting `UPDATE STORE` cannot clear (the schema registry, a CA
certificate, Kinesis, S3 or Iceberg credentials, an Iceberg scope, a Snowflake key passphrase), replaces it. A
store with relations on it cannot be dropped, so such a replacement would drop and re-create those relations and
restart the queries reading them: while there are any, the change fails at preview naming them (read from
DeltaStream), unless `acceptReplacement: true` is set for that `pulumi up`.

{_EXAMPLES}

## Import

The ID is the store name. Credentials cannot be read back, so after importing set them in the program. The other
settings are read from `DESCRIBE STORE`; the SASL mechanism, user names, key and account ids, the MSK and S3 roles,
the Iceberg catalog, client and scope and the Snowflake region come from its metadata, whose layout DeltaStream does
not document (a Databricks store's warehouse, bucket and region come from its details): a setting it does not show, or
shows masked (with a run of asterisks, whole or in part), is left unset, and the next preview shows the program's
value as the difference:

```sh
pulumi import deltastream:index:Store events events
```"""
    inputs = StoreInputs
    state = StoreState
    ownership = "STORE"
    always_set = ("owner", "type", "status", "createdAt", "updatedAt")

    def check(self, inputs: StoreInputs) -> list[tuple[str, str]]:
        failures = check_identifier("name", inputs.name) + check_identifier("owner", inputs.owner)
        given = [k for k in KINDS if getattr(inputs, k.block) is not None]
        if len(given) != 1:
            got = f" (got {', '.join(k.wire for k in given)})" if given else ""
            return [*failures, ("kafka", ONE_OF + got)]
        return failures + given[0].check(getattr(inputs, given[0].block))

    def diff(self, olds: StoreInputs, news: StoreInputs, state: StoreState) -> Diff:
        result = super().diff(olds, news, state)
        if block_of(olds) != block_of(news) or _not_updatable_in_place(olds, news):
            result.replaces += [WIRE_BLOCKS[b] for b in BLOCKS
                                if WIRE_BLOCKS[b] in result.changes and WIRE_BLOCKS[b] not in result.replaces]
        return result

    async def _ready(self, ctx: Context, name: str) -> StoreRow | None:
        return await ready_row(lambda: store_row(ctx.catalog, name), errored=lambda row: StoreErrored(
            f"store {name!r} is errored: {row.status_message or 'no message'}"))

    async def existing(self, catalog: SystemTables, inputs: StoreInputs, excluded: Collection[str]) -> Existing:
        return existing_row(await store_row(catalog, inputs.name), inputs.name)

    async def create(self, ctx: Context, inputs: StoreInputs) -> tuple[str, StoreState]:
        row = await create_then_wait(ctx, store_statement(inputs, update=False), lambda: self._ready(ctx, inputs.name),
                                     what=f"store {inputs.name!r} to be ready", resource_id=inputs.name,
                                     undo=lambda: self.delete(ctx, inputs.name, StoreState(name=inputs.name)),
                                     session=owner_session(inputs.owner),
                                     exists=lambda: store_row(ctx.catalog, inputs.name))
        remember_type(ctx.catalog, inputs.name, row.type)
        return inputs.name, _state(inputs, row)

    async def read(self, ctx: Context, resource_id: str,
                   inputs: StoreInputs | None,
                   state: StoreState | None) -> tuple[StoreInputs, StoreState] | None:
        # Both reads at once: the settings are only in DESCRIBE STORE, the status and owner only in the catalog.
        row_read = ctx.catalog.in_group(STORES, {}, {"name": resource_id})  # one SELECT serves a refresh
        row, described = await asyncio.gather(row_read, self._describe(ctx, resource_id))
        if row is None:
            return None
        current = _merge_described(inputs, row, described, resource_id)
        current.owner = owner_as_read(inputs, row)
        current.accept_replacement = inputs.accept_replacement if inputs is not None else None
        return current, _state(current, row)

    async def _describe(self, ctx: Context, name: str) -> dict[str, Any]:
        """DESCRIBE STORE's settings; a store dropped since the SELECT has none. Other failures are reported:
        reading settings as empty would show them all as drift."""
        try:
            rows = (await ctx.client.execute(describe_statement(name))).rows
        except NotFoundError:
            return {}
        return {what: DESCRIBE_STORE.get(rows[0], what) for what in DESCRIBE_STORE.by_position.values()} if rows else {}

    async def update(self, ctx: Context, resource_id: str, olds: StoreState, news: StoreInputs) -> StoreState:
        """The settings (``UPDATE STORE``, then the wait for ready) and the owner (``GRANT OWNERSHIP``, after them: the
        update runs as the owner), each only when it changed."""
        if [change for change in self.diff(olds, news, olds).changes if change != "owner"]:
            row = await update_then_wait(ctx, store_statement(news, update=True), lambda: self._ready(ctx, news.name),
                                         f"store {news.name!r}")
            if news.owner in (None, row.owner):
                return _state(news, row)
        await transfer(ctx, "STORE", sql.ident(resource_id), olds.owner, news.owner)
        found = await store_row(ctx.catalog, resource_id)
        if found is None:
            raise gone(f"store {resource_id!r}")
        return _state(news, found)

    async def blast_radius(self, ctx: Context, resource_id: str, state: StoreState) -> BlastRadius:
        """The relations on the store and the running queries reading them: what Pulumi replaces with it."""
        return await on_relations(ctx.catalog, {"store_name": resource_id})

    def replacement_advice(self, why: list[str]) -> str:
        return (f"keep {', '.join(why)} as it is: UPDATE STORE cannot change a store's name or kind or a Confluent "
                "Kafka store's registry, nor clear a registry, a CA certificate, Kinesis, S3 or Iceberg credentials, "
                "an Iceberg scope or a Snowflake key passphrase; or create a second store and move the relations to "
                "it")

    async def delete(self, ctx: Context, resource_id: str, state: StoreState) -> None:
        remember_type(ctx.catalog, resource_id, None)
        await drop_then_wait(ctx, drop_statement(resource_id), lambda: store_row(ctx.catalog, resource_id),
                             what=f"store {resource_id!r}")


def _merge_described(inputs: StoreInputs | None, row: StoreRow, described: dict[str, Any], name: str) -> StoreInputs:
    """Inputs as DeltaStream now has them: readable settings from DESCRIBE STORE, secrets from state."""
    found = reported_kind(row.type)
    block = found.block if found is not None else None
    current = StoreInputs(name=name, owner=None)
    previous = getattr(inputs, block) if inputs is not None and block else None
    metadata = _json(described.get("metadata"))
    props = metadata.get("properties", {}) if isinstance(metadata, dict) else {}
    uris = described.get("uris") or props.get("uris")
    tls_enabled = described.get("tls_enabled")
    verify = described.get("verify_server_hostname")
    registry = described.get("schema_registry")
    details = _json(described.get("details"))
    if block == "kafka":
        k = previous or KafkaInputs(uris=uris or "", sasl_hash_function=props.get("kafka.sasl.hash_function", "NONE"))
        if uris is not None:
            k.uris = uris
        if isinstance(tls_enabled, bool) and (k.tls_disabled is not None or not tls_enabled):
            k.tls_disabled = not tls_enabled
        if isinstance(verify, bool) and (k.tls_verify_server_hostname is not None or not verify) and tls_enabled:
            k.tls_verify_server_hostname = verify
        if registry is not None or k.schema_registry_name is not None:
            k.schema_registry_name = registry
        if previous is None and props.get("kafka.msk.iam_role_arn"):
            k.msk_iam_role_arn, k.msk_aws_region = props["kafka.msk.iam_role_arn"], props.get("kafka.msk.aws_region")
        if previous is None:  # import: the SASL user name is a plain setting DESCRIBE STORE shows
            k.sasl_username = _plain(props, "kafka.sasl.username")
        current.kafka = k
    elif block == "confluent_kafka":
        c = previous or ConfluentKafkaInputs(uris=uris or "", sasl_username=_plain(props, "kafka.sasl.username") or "",
                                             sasl_password="",
                                             sasl_hash_function=props.get("kafka.sasl.hash_function", "PLAIN"))
        if uris is not None:
            c.uris = uris
        if registry is not None or c.schema_registry_name is not None:
            c.schema_registry_name = registry
        current.confluent_kafka = c
    elif block == "kinesis":
        kn = previous or KinesisInputs(uris=uris or "", aws_account_id=_plain(props, "kinesis.account.id") or "",
                                       access_key_id=_plain(props, "kinesis.access_key_id"))
        if uris is not None:
            kn.uris = uris
        current.kinesis = kn
    elif block == "postgres":
        p = previous or PostgresInputs(uris=uris or "", username=_plain(props, "postgres.username") or "", password="")
        if uris is not None and not _same_postgres(p.uris, uris):
            p.uris = uris
        if isinstance(tls_enabled, bool) and (p.tls_disabled is not None or not tls_enabled):
            p.tls_disabled = not tls_enabled
        if isinstance(verify, bool) and (p.tls_verify_server_hostname is not None or not verify) and tls_enabled:
            p.tls_verify_server_hostname = verify
        current.postgres = p
    elif block == "snowflake":
        s = previous or SnowflakeInputs(uris=uris or "", account_id="",
                                        cloud_region=_plain(props, "snowflake.cloud.region") or "", warehouse_name="",
                                        role_name="", username=_plain(props, "snowflake.username") or "",
                                        client_key="")
        if uris is not None:
            s.uris = uris
        if isinstance(details, dict):
            s.account_id = details.get("account_id", s.account_id)
            s.warehouse_name = details.get("warehouse_name", s.warehouse_name)
            s.role_name = details.get("role_name", s.role_name)
        current.snowflake = s
    elif block == "s3":
        s3 = previous or S3Inputs(uris=uris or "", iam_role_arn=_plain(props, "aws.iam_role_arn"),
                                  iam_external_id=_plain(props, "aws.iam_external_id"),
                                  access_key_id=_plain(props, "aws.access_key_id"))
        current.s3 = _with_uris(s3, uris)
    elif block == "iceberg_rest":
        i = previous or IcebergRestInputs(uris=uris or "", catalog_id=_plain(props, "iceberg.catalog.id") or "",
                                          client_id=_plain(props, "iceberg.rest.client_id"),
                                          client_scope=_plain(props, "iceberg.rest.client_scope"))
        current.iceberg_rest = _with_uris(i, uris)
    elif block == "clickhouse":
        ch = previous or ClickHouseInputs(uris=uris or "", username=_plain(props, "clickhouse.username") or "",
                                          password="")
        current.clickhouse = _with_uris(ch, uris)
    elif block == "databricks":
        current.databricks = _databricks(previous, uris, props, details)
    return current


Uris = TypeVar("Uris", S3Inputs, IcebergRestInputs, ClickHouseInputs, DatabricksInputs)


def _with_uris(block: Uris, uris: str | None) -> Uris:
    if uris is not None:
        block.uris = uris
    return block


def _databricks(previous: DatabricksInputs | None, uris: str | None, props: dict[str, Any],
                details: Any) -> DatabricksInputs:
    """The warehouse, bucket and region from DESCRIBE STORE's details, named as DeltaStream's Terraform provider
    v0.0.9 reads them; the access key id, on import, from the metadata."""
    d = previous or DatabricksInputs(uris="", app_token="", warehouse_id="", secret_access_key="", cloud_s3_bucket="",
                                     cloud_region="", access_key_id=_plain(props, "aws.access_key_id") or "")
    if isinstance(details, dict):
        d.warehouse_id = details.get("sql_warehouse_id", d.warehouse_id)
        d.cloud_s3_bucket = details.get("cloud_provider_bucket", d.cloud_s3_bucket)
        d.cloud_region = details.get("cloud_provider_region", d.cloud_region)
    return _with_uris(d, uris)


def _plain(props: dict[str, Any], key: str) -> str | None:
    """A plain setting as DESCRIBE STORE's metadata shows it. A value with a run of asterisks is masked, whole
    (``****``) or in part (``AKIA****1234``): importing it would write the mask into the program, so it is left
    unset and the next preview shows the program's value as the difference."""
    value = props.get(key)
    return value if isinstance(value, str) and value and not MASKED.search(value) else None


MASKED = re.compile(r"\*{3,}")  # how DESCRIBE STORE may hide a setting, whole or in part


def _same_postgres(given: str, reported: str) -> bool:
    try:
        return normalize_postgres_uri(given) == normalize_postgres_uri(reported)
    except InputError:
        return equal(given, reported)


def _json(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


_KAFKA: dict[str, Any] = {"name": "events", "kafka": {"uris": "b:9092", "saslHashFunction": "PLAIN",
                                                   "saslUsername": "u", "saslPassword": "p"}}
SAMPLE = Sample(
    inputs=_KAFKA, changed={**_KAFKA, "kafka": {**_KAFKA["kafka"], "saslPassword": "p2"}},
    budget={"create": 2, "read": 2, "update": 2, "delete": 2},  # a read: the row's SELECT and DESCRIBE STORE
    settle=({**_KAFKA, "name": "made"}, {**_KAFKA, "name": "never"}),
    built=(built(create_statement, "CREATE STORE", "k", [("type", sql.Bare("KAFKA"))]),
           built(update_statement, "UPDATE STORE", "k", [("uris", "b:1")]),
           built(drop_statement, "DROP STORE", "k"), built(describe_statement, "DESCRIBE STORE", "k"),
           built(grant_statement, "GRANT OWNERSHIP ON STORE", "STORE", '"k"', "r")))
