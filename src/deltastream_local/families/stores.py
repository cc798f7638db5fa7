"""Stores: the Kafka, Kinesis, PostgreSQL, Snowflake, S3, Iceberg REST, ClickHouse and Databricks systems DeltaStream
reads and writes, checked as DeltaStream checks each type's parameters (the four last ones against a closed set of
keys, as DeltaStream's clients show them); a store waits ``store_ready_s`` in ``creating``/``updating`` and
``store_drop_s`` in ``deleting`` (knobs). A PostgreSQL store's server is reached before the catalog changes
(:class:`StoreChecks`, the family's guard: the engine runs it outside the statement's transaction)."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from .. import kafka_keys
from ..catalog import TS, Catalog, dumps, timestamp
from ..knobs import Knobs
from ..postgres_check import check_postgres
from ..property_values import (
    MASK,
    STORE_REGISTRY_KEYS,
    check_group,
    is_credential,
    public,
    refuse_nulls,
    same_type,
    store_registry,
    word,
)
from ..results import BOOLEAN, VARCHAR, Outcome, SqlFailure
from ..statements import ListObjects, PropertyValue
from . import Call, Family

GRAMMAR = """
stores_create: CREATE STORE ident with_clause
stores_update: UPDATE STORE ident with_clause
stores_drop: DROP STORE ident
stores_describe: DESCRIBE STORE ident
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS stores (
    name TEXT PRIMARY KEY, type TEXT NOT NULL, status TEXT NOT NULL, status_message TEXT,
    owner TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL,
    is_default INTEGER NOT NULL DEFAULT 0, properties TEXT NOT NULL DEFAULT '{}',
    next_status TEXT, next_message TEXT, transition_at REAL);
CREATE TEMP VIEW sys_stores AS
    SELECT name, type, status, status_message, owner, created_at, updated_at, is_default,
           (SELECT id FROM organizations) AS organization_id
    FROM stores;
"""

SETTLE = ("DELETE FROM stores WHERE next_status = 'deleted' AND transition_at <= :now",
          "UPDATE stores SET status = next_status, status_message = next_message, updated_at = :stamp, "
          "next_status = NULL, next_message = NULL, transition_at = NULL "
          "WHERE next_status IS NOT NULL AND transition_at <= :now")

STORE_TYPES = {"KAFKA": "Kafka", "CONFLUENT_KAFKA": "ConfluentKafka", "KINESIS": "Kinesis",
               "SNOWFLAKE": "Snowflake", "POSTGRESQL": "Postgres", "S3": "S3", "ICEBERG_REST": "IcebergRest",
               "CLICKHOUSE": "ClickHouse", "DATABRICKS": "Databricks"}
#: The keys each newer type takes (any other is refused), and those it requires: DeltaStream's Python SDK
#: (deltastreaminc/deltastream-sdk-python `tests/sdk/test_store_params.py`, `resources/stores.py`) for the first three,
#: its Terraform provider v0.0.9 for Databricks.
CLOSED_TYPES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "S3": (("uris", "aws.iam_role_arn", "aws.iam_external_id", "aws.access_key_id", "aws.secret_access_key"),
           ("uris",)),
    "ICEBERG_REST": (("uris", "iceberg.catalog.id", "iceberg.rest.client_id", "iceberg.rest.client_secret",
                      "iceberg.rest.client_scope"), ("uris", "iceberg.catalog.id")),
    "CLICKHOUSE": (("uris", "clickhouse.username", "clickhouse.password"),
                   ("uris", "clickhouse.username", "clickhouse.password")),
    "DATABRICKS": (("uris", "databricks.app_token", "databricks.warehouse_id", "databricks.warehouse_port",
                    "aws.access_key_id", "aws.secret_access_key", "databricks.cloud.s3.bucket",
                    "databricks.cloud.region"),
                   ("uris", "databricks.app_token", "databricks.warehouse_id", "aws.access_key_id",
                    "aws.secret_access_key", "databricks.cloud.s3.bucket", "databricks.cloud.region")),
}
#: A Databricks store's settings as DESCRIBE STORE's details name them (Terraform v0.0.9 reads these three).
DATABRICKS_DETAILS = {"databricks.warehouse_id": "sql_warehouse_id", "databricks.cloud.s3.bucket":
                      "cloud_provider_bucket", "databricks.cloud.region": "cloud_provider_region"}
SASL_MODES = {"NONE", "PLAIN", "SHA256", "SHA512", "AWS_MSK_IAM"}
CONFLUENT_SASL_MODES = {"PLAIN", "SHA256", "SHA512"}
#: Parameters UPDATE STORE takes only together (DeltaStream validates each group as a whole).
CREDENTIAL_GROUPS = (("kafka.sasl.username", "kafka.sasl.password"),
                     ("kafka.msk.iam_role_arn", "kafka.msk.aws_region"),
                     ("postgres.username", "postgres.password"),
                     ("kinesis.access_key_id", "kinesis.secret_access_key"),
                     ("aws.iam_role_arn", "aws.iam_external_id"),
                     ("aws.access_key_id", "aws.secret_access_key"),
                     ("iceberg.rest.client_id", "iceberg.rest.client_secret"),
                     ("clickhouse.username", "clickhouse.password"))
#: What a Kinesis store is reached as, either of: Terraform sends the AWS account id, DeltaStream's Python SDK an IAM
#: role (each with or without an access key pair).
KINESIS_IDENTITIES = ("kinesis.account.id", "kinesis.iam_role_arn")


@dataclass(frozen=True)
class CreateStore:
    name: str
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class UpdateStore:
    name: str
    properties: dict[str, PropertyValue]


@dataclass(frozen=True)
class DropStore:
    name: str


@dataclass(frozen=True)
class DescribeStore:
    name: str


class StoreChecks:
    """A store's credentials as sent, by store name, for re-checking it on UPDATE STORE (the catalog keeps only
    the fact that one was set; in memory only, so a restarted server re-checks with what it is sent), and the
    PostgreSQL connection check made with them."""

    def __init__(self, catalog: Catalog, knobs: Knobs) -> None:
        self.catalog = catalog
        self.knobs = knobs
        self._credentials: dict[str, dict[str, Any]] = {}

    async def check(self, statement: object) -> str | None:
        """Connect to a Postgres store's server before the catalog changes (it can take seconds): the failure's
        message, or None."""
        if not isinstance(statement, (CreateStore, UpdateStore)) or not self.knobs.postgres_check:
            return None
        props = statement.properties
        if isinstance(statement, UpdateStore):
            kept = self._credentials.get(statement.name, {})
            with self.catalog.transaction() as db:
                stored = db.execute("SELECT properties FROM stores WHERE name = ?", (statement.name,)).fetchone()
            props = {**(json.loads(stored[0]) if stored else {}), **kept, **props}
            if MASK in props.values():  # a credential this server was not sent since it started
                return None
        uris, user, password = props.get("uris"), props.get("postgres.username"), props.get("postgres.password")
        if word(props.get("type")) != "POSTGRESQL" or not all(isinstance(v, str) for v in (uris, user, password)):
            return None
        return await asyncio.to_thread(check_postgres, str(uris).split(",")[0], str(user), str(password))

    def after(self, statement: object) -> None:
        if isinstance(statement, (CreateStore, UpdateStore)):
            sent = {k: v for k, v in statement.properties.items() if is_credential(k)}
            kept = {} if isinstance(statement, CreateStore) else self._credentials.get(statement.name, {})
            self._credentials[statement.name] = {**kept, **sent}
        elif isinstance(statement, DropStore):
            self._credentials.pop(statement.name, None)


def _check_update(props: dict[str, Any]) -> None:
    """What DeltaStream refuses in UPDATE STORE: bare NULLs, partial credential groups, a quoted mode."""
    refuse_nulls(props)
    mode = props.get("kafka.sasl.hash_function")
    if isinstance(mode, str):
        raise SqlFailure("3D008", f"'kafka.sasl.hash_function' takes a bare word (e.g. SHA512), not the string "
                                  f"{mode!r}")
    for group in CREDENTIAL_GROUPS:
        check_group(group, props, False, "UPDATE STORE")
    if any(k in props for k in CREDENTIAL_GROUPS[0]) and "kafka.sasl.hash_function" not in props:
        raise SqlFailure("3D021", "missing parameter 'kafka.sasl.hash_function': SASL credentials are updated "
                                  "together with the mechanism")


def _validate(db: sqlite3.Connection, props: dict[str, Any], attachments: dict[str, bytes]) -> str:
    kind = word(props.get("type"))
    if not kind:
        raise SqlFailure("3D021", "missing parameter 'type'")

    def need(*keys: str) -> None:
        for key in keys:
            if props.get(key) in (None, ""):
                raise SqlFailure("3D021", f"missing parameter {key!r} for a {kind} store")

    def attachment(key: str) -> None:
        ref = props.get(key)
        if isinstance(ref, str) and ref not in attachments:
            raise SqlFailure("3D008", f"parameter {key!r} names attachment {ref!r}, which was not sent")

    if kind not in STORE_TYPES:
        raise SqlFailure("3D008", f"invalid value {kind!r} for 'type'; expected one of {', '.join(STORE_TYPES)}")
    if kind == "KAFKA" and kafka_keys.newer_form(props):
        need("uris")
    elif kind in ("KAFKA", "CONFLUENT_KAFKA"):
        need("uris", "kafka.sasl.hash_function")
        mode = word(props["kafka.sasl.hash_function"])
        modes = SASL_MODES if kind == "KAFKA" else CONFLUENT_SASL_MODES
        if mode not in modes:
            raise SqlFailure("3D008", f"invalid value {mode!r} for 'kafka.sasl.hash_function' of a {kind} store; "
                                      f"expected one of {', '.join(sorted(modes))}")
        if mode in ("PLAIN", "SHA256", "SHA512"):
            need("kafka.sasl.username", "kafka.sasl.password")
        if mode == "AWS_MSK_IAM":
            need("kafka.msk.iam_role_arn", "kafka.msk.aws_region")
            if props.get("kafka.sasl.username") or props.get("kafka.sasl.password"):
                raise SqlFailure("3D008", "username and password cannot be used with AWS_MSK_IAM")
    if kind in ("KAFKA", "CONFLUENT_KAFKA"):
        attachment("tls.ca_cert_file")
        name = store_registry(props)
        if name is not None and db.execute("SELECT 1 FROM schema_registries WHERE name = ?",
                                           (name,)).fetchone() is None:
            raise SqlFailure("3D009", f"schema registry {name!r} does not exist")
    elif kind == "KINESIS":
        need("uris")
        if all(props.get(key) in (None, "") for key in KINESIS_IDENTITIES):
            raise SqlFailure("3D021", "missing parameter 'kinesis.account.id' (or 'kinesis.iam_role_arn') for a "
                                      "KINESIS store")
        check_group(("kinesis.access_key_id", "kinesis.secret_access_key"), props, False, "a KINESIS store")
    elif kind == "POSTGRESQL":
        need("uris", "postgres.username", "postgres.password")
    elif kind == "SNOWFLAKE":
        need("uris", "snowflake.account_id", "snowflake.cloud.region", "snowflake.warehouse_name",
             "snowflake.role_name", "snowflake.username", "snowflake.client.key_file")
        attachment("snowflake.client.key_file")
    elif kind in CLOSED_TYPES:
        _check_closed(kind, props)
    return kind


def _check_closed(kind: str, props: dict[str, Any]) -> None:
    """A newer type: only its own keys, the required ones given, credentials in pairs, a port a number."""
    allowed, required = CLOSED_TYPES[kind]
    unknown = sorted(set(props) - {"type", *allowed})
    if unknown:
        raise SqlFailure("3D008", f"unknown parameter {unknown[0]!r} for a {kind} store; it takes "
                                  f"{', '.join(repr(k) for k in allowed)}")
    for key in required:
        if props.get(key) in (None, ""):
            raise SqlFailure("3D021", f"missing parameter {key!r} for a {kind} store")
    for group in CREDENTIAL_GROUPS:
        if set(group) <= set(allowed):
            check_group(group, props, False, f"a {kind} store")
    port = props.get("databricks.warehouse_port")
    if port is not None and (isinstance(port, bool) or not isinstance(port, int)):
        raise SqlFailure("3D008", f"'databricks.warehouse_port' takes a number (e.g. 443), not {port!r}")


def _final_status(call: Call, name: str) -> tuple[str, str | None]:
    if call.check is not None:
        return "errored", call.check
    if call.knobs.errored_stores and re.search(call.knobs.errored_stores, name):
        return "errored", "injected failure: the store could not be reached"
    return "ready", None


def _missing(name: str) -> SqlFailure:
    return SqlFailure("3D006", f"store {name!r} does not exist")


def create(call: Call, st: CreateStore) -> Outcome:
    if call.db.execute("SELECT 1 FROM stores WHERE name = ?", (st.name,)).fetchone():
        raise SqlFailure("42P05", f"store {st.name!r} already exists")
    kind = _validate(call.db, st.properties, call.attachments)
    status, message = _final_status(call, st.name)
    stamp = timestamp(call.now)
    delay = call.knobs.store_ready_s
    call.db.execute("INSERT INTO stores VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?)",
                    (st.name, STORE_TYPES[kind], "creating" if delay else status,
                     None if delay else message, call.session.owner, stamp, stamp, public(st.properties),
                     status if delay else None, message if delay else None,
                     call.now + max(delay, 0.0) if delay else None))
    return call.done()


def update(call: Call, st: UpdateStore) -> Outcome:
    row = call.db.execute("SELECT * FROM stores WHERE name = ?", (st.name,)).fetchone()
    if row is None:
        raise _missing(st.name)
    current = json.loads(row["properties"])
    same_type(st.properties, current, "store")
    _check_update(st.properties)
    if any(key in st.properties for key in STORE_REGISTRY_KEYS):  # a registry named anew replaces the old one
        current = {k: v for k, v in current.items() if k not in STORE_REGISTRY_KEYS}
    merged = {**current, **st.properties}
    if word(merged.get("type")) in STORE_TYPES:
        previous_files = {v: b"" for k, v in current.items() if isinstance(v, str) and k.endswith("_file")}
        _validate(call.db, merged, previous_files | call.attachments)
    status, message = _final_status(call, st.name)
    delay = call.knobs.store_ready_s
    call.db.execute("""UPDATE stores SET properties = ?, status = ?, status_message = ?, updated_at = ?,
                       next_status = ?, next_message = ?, transition_at = ? WHERE name = ?""",
                    (public(merged), "updating" if delay else status, None if delay else message,
                     timestamp(call.now), status if delay else None, message if delay else None,
                     call.now + max(delay, 0.0) if delay else None, st.name))
    return call.done()


def drop(call: Call, st: DropStore) -> Outcome:
    if call.db.execute("SELECT 1 FROM stores WHERE name = ?", (st.name,)).fetchone() is None:
        raise _missing(st.name)
    users = call.db.execute("SELECT COUNT(*) FROM relations WHERE store_name = ?", (st.name,)).fetchone()[0]
    if users:
        raise SqlFailure("2BP01", f"store {st.name!r} is used by {users} relation(s); drop them first")
    if call.knobs.store_drop_s:
        call.db.execute("""UPDATE stores SET status = 'deleting', updated_at = ?, next_status = 'deleted',
                           transition_at = ? WHERE name = ?""",
                        (timestamp(call.now), call.now + max(call.knobs.store_drop_s, 0.0), st.name))
    else:
        call.db.execute("DELETE FROM stores WHERE name = ?", (st.name,))
    return call.done()


def describe(call: Call, st: DescribeStore) -> Outcome:
    row = call.db.execute("SELECT * FROM stores WHERE name = ?", (st.name,)).fetchone()
    if row is None:
        raise _missing(st.name)
    props = json.loads(row["properties"])
    details = {k.split(".", 1)[1].replace(".", "_"): v for k, v in props.items()
               if k.startswith(("snowflake.", "postgres.", "kafka.msk.")) and v != MASK}
    details |= {DATABRICKS_DETAILS[k]: v for k, v in props.items() if k in DATABRICKS_DETAILS}
    columns = [("Metadata", VARCHAR), ("Uris", VARCHAR), ("Details", VARCHAR), ("TlsEnabled", BOOLEAN),
               ("VerifyServerHostname", BOOLEAN), ("SchemaRegistry", VARCHAR), ("Path", VARCHAR)]
    tls_off = props.get("tls.disabled") is True
    metadata = {"type": row["type"], "status": row["status"], "properties": props}
    return call.done(columns, [[dumps(metadata), props.get("uris"), dumps(details), not tls_off,
                                props.get("tls.verify_server_hostname", True) is not False,
                                store_registry(props), ""]])  # Path: Terraform scans it into a string


def listed(call: Call, _: ListObjects) -> Outcome:
    rows = call.db.execute("""SELECT name, type, status, status_message, is_default, owner, created_at, updated_at
                              FROM stores ORDER BY name""").fetchall()
    return call.done([("Name", VARCHAR), ("Type", VARCHAR), ("State", VARCHAR), ("Message", VARCHAR),
                      ("IsDefault", BOOLEAN), ("Owner", VARCHAR), ("CreatedAt", TS), ("UpdatedAt", TS)], rows)


#: Where the family is more liberal than DeltaStream or guesses (``python -m deltastream_local.contract`` writes
#: them into CHOICES.md).
CHOICES = {
    "Store transient states": (
        "`creating` / `updating` / `deleting`, each for `store_ready_s` / `store_drop_s` seconds (default "
        "0)"),
    "`stores.type`": (
        "`KAFKA` -> `Kafka`, `POSTGRESQL` -> `Postgres`, `SNOWFLAKE` -> `Snowflake`, `CONFLUENT_KAFKA` -> "
        "`ConfluentKafka`, others TitleCase; `DATABRICKS` -> `Databricks` (Terraform v0.0.9 switches on "
        "`Databricks`); `S3` -> `S3`, `ICEBERG_REST` -> `IcebergRest`, `CLICKHOUSE` -> `ClickHouse` are guesses (no "
        "client or page shows them; the provider compares types ignoring case and `_`)"),
    "S3, Iceberg REST, ClickHouse and Databricks stores": (
        "each takes a closed set of keys (another is `3D008`, naming it): `S3` `uris` (required), "
        "`aws.iam_role_arn` with `aws.iam_external_id`, `aws.access_key_id` with `aws.secret_access_key` (the Python "
        "SDK shows both pairs; neither is required here, a guess); `ICEBERG_REST` `uris` and `iceberg.catalog.id` "
        "(required, a guess), `iceberg.rest.client_id` with `iceberg.rest.client_secret`, "
        "`iceberg.rest.client_scope`; `CLICKHOUSE` `uris`, `clickhouse.username`, `clickhouse.password` (all "
        "required); `DATABRICKS` Terraform v0.0.9's keys, all required but `databricks.warehouse_port` (a bare "
        "number). The first three are known only from the Python SDK's unit tests. `UPDATE STORE` changes them "
        "in place, credential pairs given together (`3D021` otherwise); no client shows an update of these types. "
        "Credentials, including access key ids, are kept as `'****'`. A stream, changelog or table declared with "
        "columns over one of them is accepted (no entity is made): DeltaStream documents none (Databricks \"only as "
        "sink for CTAS queries\"), so this is more liberal than it may be; the provider refuses such an object "
        "before sending it"),
    "`UPDATE STORE`": (
        "refuses a bare `NULL` value (`3D008`: the reference says string and boolean parameters do not "
        "accept it), a credential group sent in part (`kafka.sasl.username`+`password`, "
        "`kafka.msk.iam_role_arn`+`aws_region`, `postgres.username`+`password`: `3D021`, naming the "
        "missing parameter), SASL credentials without `kafka.sasl.hash_function` (`3D021`), and a quoted "
        "`'kafka.sasl.hash_function'` value (`3D008`: it is a bare word). A parameter left out keeps its "
        "value"),
    "Confluent Kafka and Kinesis stores": (
        "`CONFLUENT_KAFKA` takes Kafka's parameters with `kafka.sasl.hash_function` `PLAIN`, `SHA256` or "
        "`SHA512` only; `KINESIS` needs `uris` and either `kinesis.account.id` (Terraform: "
        "deltastreaminc/terraform-provider-deltastream `deltastream/store/sql_template.go`) or "
        "`kinesis.iam_role_arn` (the Python SDK: deltastreaminc/deltastream-sdk-python "
        "`src/deltastream_sdk/resources/stores.py` `create_kinesis_store`, `tests/sdk/test_models.py`): "
        "the clients disagree and both are taken; it takes `kinesis.access_key_id` with "
        "`kinesis.secret_access_key` (together, also in `UPDATE STORE`). The account id and keys are kept "
        "as `'****'`"),
    "`DESCRIBE STORE`": (
        "7 columns `Metadata, Uris, Details, TlsEnabled, VerifyServerHostname, SchemaRegistry, Path`; "
        "`Metadata` is JSON with type, status and the non-secret properties; `Details` holds a Snowflake store's "
        "account, warehouse and role and a Databricks store's `sql_warehouse_id`, `cloud_provider_bucket` and "
        "`cloud_provider_region` (as Terraform v0.0.9 reads them); `Path` is `''`, never null "
        "(Terraform scans it into a Go `string`: deltastreaminc/terraform-provider-deltastream "
        "`deltastream/store/datasource_deltastream_store.go`)"),
}


FAMILY = Family(
    grammar=GRAMMAR,
    statements={"stores_create": CreateStore, "stores_update": UpdateStore, "stores_drop": DropStore,
                "stores_describe": DescribeStore},
    handlers={CreateStore: create, UpdateStore: update, DropStore: drop, DescribeStore: describe},
    lists={"STORES": listed},
    schema=SCHEMA,
    system_tables={"stores": [("name", "VARCHAR"), ("type", "VARCHAR"), ("status", "VARCHAR"),
                              ("status_message", "VARCHAR"), ("owner", "VARCHAR"), ("created_at", TS),
                              ("updated_at", TS), ("is_default", "BOOLEAN"), ("organization_id", "VARCHAR")]},
    settle=SETTLE,
    guard=StoreChecks,
    choices=CHOICES,
)
