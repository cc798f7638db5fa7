"""A store's type blocks (Kafka, Confluent Cloud Kafka, Kinesis, PostgreSQL, Snowflake, S3, Iceberg REST, ClickHouse,
Databricks): each block's inputs, its Check and the WITH properties it sends. The Store resource (``store.py``) picks
the one block given and sends what this module builds for it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from urllib.parse import urlparse, urlunparse

from ..deltastream import sql
from ..errors import InputError
from ..model.fields import Enum, Model, prop
from .base import half_a_pair

SASL = Annotated[Literal["NONE", "PLAIN", "SHA256", "SHA512", "AWS_MSK_IAM"],
                 Enum("KafkaSaslHashFunction", "SASL mechanism of a Kafka store.")]
ConfluentSasl = Annotated[Literal["PLAIN", "SHA256", "SHA512"],
                          Enum("ConfluentSaslHashFunction", "SASL mechanism of a Confluent Cloud Kafka store.")]
CA_ATTACHMENT = "@cacert"
KEY_ATTACHMENT = "@keyfile"
#: Said of each setting only DeltaStream's Python SDK shows (its unit tests), never a client that ran against
#: DeltaStream: the contract register marks them unconfirmed.
SDK_ONLY = "Shown only by DeltaStream's Python SDK (unconfirmed)."


@dataclass
class KafkaInputs(Model):
    """Connection to a Kafka cluster (Apache Kafka, Confluent, Amazon MSK, Redpanda, ...)."""

    uris: str = prop("Bootstrap servers as `host:port`, comma-separated.")
    sasl_hash_function: SASL = prop("SASL mechanism. `NONE` needs no credentials; `PLAIN`, `SHA256` and `SHA512` "
                                    "need saslUsername and saslPassword; `AWS_MSK_IAM` needs mskIamRoleArn and "
                                    "mskAwsRegion.")
    sasl_username: str | None = prop("SASL user name (an identifier, not secret).", default=None)
    sasl_password: str | None = prop("SASL password.", secret=True, default=None)
    msk_iam_role_arn: str | None = prop("IAM role DeltaStream assumes to reach Amazon MSK.", default=None)
    msk_aws_region: str | None = prop("AWS region of the MSK cluster, e.g. `us-east-1`.", default=None)
    schema_registry_name: str | None = prop("Name of a DeltaStream schema registry to use with this store.",
                                            default=None)
    tls_disabled: bool | None = prop("Connect without TLS. Default: false.", default=None)
    tls_verify_server_hostname: bool | None = prop("Verify the broker's host name. Default: true.", default=None)
    tls_ca_cert: str | None = prop("PEM content of the CA certificate(s) that signed the brokers' certificates "
                                   "(not a file path). Sent as an attachment, never inline.", secret=True,
                                   default=None)


@dataclass
class PostgresInputs(Model):
    """Connection to a PostgreSQL database."""

    uris: str = prop("`postgresql://host[:port]/database`; the port defaults to 5432 and the scheme may be omitted.")
    username: str = prop("User name.")
    password: str = prop("Password.", secret=True)
    tls_disabled: bool | None = prop("Connect without TLS. Default: false.", default=None)
    tls_verify_server_hostname: bool | None = prop("Verify the server's host name. Default: true.", default=None)


@dataclass
class SnowflakeInputs(Model):
    """Connection to a Snowflake account, authenticated by key pair."""

    uris: str = prop("Account URL, e.g. `https://<account>.snowflakecomputing.com`.")
    account_id: str = prop("Account identifier.")
    cloud_region: str = prop("Cloud region of the account, e.g. `AWS us-east-1`.")
    warehouse_name: str = prop("Warehouse the store uses.")
    role_name: str = prop("Snowflake role the store uses.")
    username: str = prop("Snowflake user name.")
    client_key: str = prop("PEM content of the user's private key (not a file path, not base64). Sent as an "
                           "attachment, never inline.", secret=True)
    client_key_passphrase: str | None = prop("Passphrase of an encrypted private key.", secret=True, default=None)


@dataclass
class ConfluentKafkaInputs(Model):
    """Connection to a Confluent Cloud Kafka cluster, authenticated by API key."""

    uris: str = prop("Bootstrap servers as `host:port`, comma-separated.")
    sasl_hash_function: ConfluentSasl = prop("SASL mechanism: `PLAIN`, `SHA256` or `SHA512`.")
    sasl_username: str = prop("SASL user name: the cluster API key (its identifier, not secret; the API secret is "
                              "saslPassword).")
    sasl_password: str = prop("SASL password (the cluster API secret).", secret=True)
    schema_registry_name: str | None = prop("Name of a DeltaStream schema registry to use with this store.",
                                            default=None)


@dataclass
class KinesisInputs(Model):
    """Connection to Amazon Kinesis Data Streams."""

    uris: str = prop("Kinesis endpoint, e.g. `https://kinesis.us-east-1.amazonaws.com`.")
    aws_account_id: str = prop("AWS account id that owns the streams (an identifier, not secret).")
    access_key_id: str | None = prop("Access key id (an identifier, not secret); give it with secretAccessKey. "
                                     "Without both, DeltaStream's own role is used.", default=None)
    secret_access_key: str | None = prop("Secret access key; give it with accessKeyId.", secret=True, default=None)


@dataclass
class S3Inputs(Model):
    """Connection to an Amazon S3 bucket. Its keys are shown only by DeltaStream's Python SDK (unconfirmed)."""

    uris: str = prop("Bucket URL, e.g. `https://mybucket.s3.us-west-2.amazonaws.com/`.")
    iam_role_arn: str | None = prop("IAM role DeltaStream assumes to reach the bucket; give it with iamExternalId. "
                                    + SDK_ONLY, default=None)
    iam_external_id: str | None = prop("External id the role's trust policy requires; give it with iamRoleArn. "
                                       + SDK_ONLY, default=None)
    access_key_id: str | None = prop("Access key id (an identifier, not secret); give it with secretAccessKey. "
                                     + SDK_ONLY, default=None)
    secret_access_key: str | None = prop("Secret access key; give it with accessKeyId. " + SDK_ONLY, secret=True,
                                         default=None)


@dataclass
class IcebergRestInputs(Model):
    """Connection to an Apache Iceberg REST catalog. Its keys are shown only by DeltaStream's Python SDK
    (unconfirmed)."""

    uris: str = prop("Catalog endpoint, e.g. `https://catalog.example.com/api`.")
    catalog_id: str = prop("The catalog's id (`iceberg.catalog.id`). " + SDK_ONLY)
    client_id: str | None = prop("OAuth client id (an identifier, not secret); give it with clientSecret. "
                                 + SDK_ONLY, default=None)
    client_secret: str | None = prop("OAuth client secret; give it with clientId. " + SDK_ONLY, secret=True,
                                     default=None)
    client_scope: str | None = prop("OAuth scope to ask for. " + SDK_ONLY, default=None)


@dataclass
class ClickHouseInputs(Model):
    """Connection to a ClickHouse server. Its keys are shown only by DeltaStream's Python SDK (unconfirmed)."""

    uris: str = prop("JDBC URL, e.g. `jdbc:clickhouse://host:8443`.")
    username: str = prop("User name (an identifier, not secret).")
    password: str = prop("Password.", secret=True)


@dataclass
class DatabricksInputs(Model):
    """Connection to a Databricks workspace and the S3 bucket its tables are written through (as DeltaStream's
    Terraform provider v0.0.9 creates it; later releases of that provider no longer offer it)."""

    uris: str = prop("Workspace URL, e.g. `https://dbc-123.cloud.databricks.com`.")
    app_token: str = prop("Databricks personal access token.", secret=True)
    warehouse_id: str = prop("Id of the SQL warehouse that creates and queries the tables.")
    access_key_id: str = prop("AWS access key id for the bucket (an identifier, not secret).")
    secret_access_key: str = prop("AWS secret access key for the bucket.", secret=True)
    cloud_s3_bucket: str = prop("S3 bucket connected as an external location of the workspace.")
    cloud_region: str = prop("AWS region of the bucket, e.g. `AWS us-east-1`.")
    warehouse_port: int | None = prop("The SQL warehouse's port. Default: 443.", default=None)


def normalize_postgres_uri(uri: str) -> str:
    """``host/db`` -> ``postgresql://host:5432/db``; the first URI only; a database path is required."""
    first = uri.split(",")[0].strip()
    parsed = urlparse(first if "://" in first else f"postgresql://{first}")
    if parsed.scheme not in ("postgres", "postgresql") or not parsed.hostname:
        raise InputError(f"{uri!r} is not a PostgreSQL URI; expected postgresql://host[:port]/database")
    database = parsed.path.strip("/").split("/")[0]
    if not database:
        raise InputError(f"{uri!r} names no database; expected postgresql://host[:port]/database")
    netloc = f"{parsed.hostname}:{parsed.port or 5432}"
    return urlunparse(("postgresql", netloc, f"/{database}", "", parsed.query, ""))


Failures = list[tuple[str, str]]


def check_kafka(kafka: KafkaInputs) -> Failures:
    failures = []
    mode = kafka.sasl_hash_function
    creds = kafka.sasl_username is not None or kafka.sasl_password is not None
    if mode in ("PLAIN", "SHA256", "SHA512"):
        for key, value in (("saslUsername", kafka.sasl_username), ("saslPassword", kafka.sasl_password)):
            if value is None:
                failures.append((f"kafka.{key}", f"kafka.{key} is required when saslHashFunction is {mode}"))
    elif mode == "AWS_MSK_IAM":
        for key, value in (("mskIamRoleArn", kafka.msk_iam_role_arn), ("mskAwsRegion", kafka.msk_aws_region)):
            if value is None:
                failures.append((f"kafka.{key}", f"kafka.{key} is required when saslHashFunction is AWS_MSK_IAM"))
        if creds:
            failures.append(("kafka.saslUsername", "AWS_MSK_IAM authenticates with the IAM role: remove "
                                                   "saslUsername and saslPassword"))
    elif mode == "NONE" and creds:
        failures.append(("kafka.saslHashFunction", "saslUsername/saslPassword are set but saslHashFunction is NONE: "
                                                   "choose PLAIN, SHA256 or SHA512, or remove the credentials"))
    if isinstance(kafka.tls_ca_cert, str):
        from cryptography import x509  # imported when a certificate is given: it costs 50 ms at start

        try:
            x509.load_pem_x509_certificates(kafka.tls_ca_cert.encode())
        except ValueError:
            failures.append(("kafka.tlsCaCert", "kafka.tlsCaCert must be the PEM content of a certificate "
                                                "(-----BEGIN CERTIFICATE-----...), not a file path"))
    return failures


def check_snowflake(snowflake: SnowflakeInputs) -> Failures:
    if not isinstance(snowflake.client_key, str):
        return []
    from cryptography.hazmat.primitives import serialization  # only for Snowflake keys: 50 ms at start

    passphrase = snowflake.client_key_passphrase
    try:
        serialization.load_pem_private_key(snowflake.client_key.encode(),
                                           passphrase.encode() if isinstance(passphrase, str) else None)
    except TypeError as exc:
        return [("snowflake.clientKeyPassphrase", f"the private key and passphrase do not match: {exc}")]
    except ValueError:
        return [("snowflake.clientKey", "snowflake.clientKey must be the PEM content of a private key "
                                        "(-----BEGIN PRIVATE KEY-----...), not a file path or base64; if it is "
                                        "encrypted, check clientKeyPassphrase")]
    return []


def check_postgres(postgres: PostgresInputs) -> Failures:
    if not isinstance(postgres.uris, str):
        return []
    try:
        normalize_postgres_uri(postgres.uris)
    except InputError as exc:
        return [("postgres.uris", str(exc))]
    return []


def check_kinesis(kinesis: KinesisInputs) -> Failures:
    return half_a_pair("kinesis", ("accessKeyId", kinesis.access_key_id),
                       ("secretAccessKey", kinesis.secret_access_key))


def check_s3(s3: S3Inputs) -> Failures:
    return (half_a_pair("s3", ("iamRoleArn", s3.iam_role_arn), ("iamExternalId", s3.iam_external_id))
            + half_a_pair("s3", ("accessKeyId", s3.access_key_id), ("secretAccessKey", s3.secret_access_key)))


def check_iceberg_rest(iceberg: IcebergRestInputs) -> Failures:
    return half_a_pair("icebergRest", ("clientId", iceberg.client_id), ("clientSecret", iceberg.client_secret))


def check_databricks(databricks: DatabricksInputs) -> Failures:
    port = databricks.warehouse_port
    if isinstance(port, int) and not 0 < port < 65536:
        return [("databricks.warehousePort", f"databricks.warehousePort {port} is not a port: give 1 to 65535, or "
                                             "leave it out for 443")]
    return []


Properties = list[tuple[str, sql.PropertyValue]]


def kafka_properties(k: KafkaInputs, update: bool, attachments: dict[str, bytes]) -> Properties:
    props: Properties = [("type", sql.Bare("KAFKA")), ("uris", k.uris),
                         ("kafka.sasl.hash_function", sql.Bare(k.sasl_hash_function))]
    if k.sasl_username is not None:
        props.append(("kafka.sasl.username", k.sasl_username))
    if k.sasl_password is not None:
        props.append(("kafka.sasl.password", sql.SecretLiteral(k.sasl_password)))
    if k.msk_iam_role_arn is not None:
        props += [("kafka.msk.iam_role_arn", k.msk_iam_role_arn), ("kafka.msk.aws_region", k.msk_aws_region or "")]
    if k.schema_registry_name is not None:  # an UPDATE names it as DeltaStream's Pulumi provider does
        props.append(("kafka.schema_registry_name", k.schema_registry_name) if update
                     else ("schema_registry.name", sql.Ident(k.schema_registry_name)))
    props.append(("tls.disabled", bool(k.tls_disabled)))
    if not k.tls_disabled:
        props.append(("tls.verify_server_hostname", k.tls_verify_server_hostname is not False))
        if k.tls_ca_cert is not None:
            props.append(("tls.ca_cert_file", CA_ATTACHMENT))
            attachments[CA_ATTACHMENT] = k.tls_ca_cert.encode()
    return props


def confluent_kafka_properties(c: ConfluentKafkaInputs, update: bool, attachments: dict[str, bytes]) -> Properties:
    props: Properties = [("type", sql.Bare("CONFLUENT_KAFKA")), ("uris", c.uris),
                         ("kafka.sasl.hash_function", sql.Bare(c.sasl_hash_function)),
                         ("kafka.sasl.username", c.sasl_username),
                         ("kafka.sasl.password", sql.SecretLiteral(c.sasl_password))]
    if c.schema_registry_name is not None:
        props.append(("schema_registry.name", sql.Ident(c.schema_registry_name)))
    props.append(("tls.verify_server_hostname", True))
    return props


def kinesis_properties(kn: KinesisInputs, update: bool, attachments: dict[str, bytes]) -> Properties:
    props: Properties = [("type", sql.Bare("KINESIS")), ("uris", kn.uris), ("kinesis.account.id", kn.aws_account_id)]
    if kn.access_key_id is not None and kn.secret_access_key is not None:
        props += [("kinesis.access_key_id", kn.access_key_id),
                  ("kinesis.secret_access_key", sql.SecretLiteral(kn.secret_access_key))]
    return props


def postgres_properties(p: PostgresInputs, update: bool, attachments: dict[str, bytes]) -> Properties:
    props: Properties = [("type", sql.Bare("POSTGRESQL")), ("uris", normalize_postgres_uri(p.uris)),
                         ("postgres.username", p.username), ("postgres.password", sql.SecretLiteral(p.password)),
                         ("tls.disabled", bool(p.tls_disabled))]
    if not p.tls_disabled:
        props.append(("tls.verify_server_hostname", p.tls_verify_server_hostname is not False))
    return props


def snowflake_properties(s: SnowflakeInputs, update: bool, attachments: dict[str, bytes]) -> Properties:
    props: Properties = [("type", sql.Bare("SNOWFLAKE")), ("uris", s.uris), ("snowflake.account_id", s.account_id),
                         ("snowflake.cloud.region", s.cloud_region), ("snowflake.warehouse_name", s.warehouse_name),
                         ("snowflake.role_name", s.role_name), ("snowflake.username", s.username),
                         ("snowflake.client.key_file", KEY_ATTACHMENT)]
    attachments[KEY_ATTACHMENT] = s.client_key.encode()
    if s.client_key_passphrase is not None:
        props.append(("snowflake.client.key_passphrase", sql.SecretLiteral(s.client_key_passphrase)))
    return props


def s3_properties(s3: S3Inputs, update: bool, attachments: dict[str, bytes]) -> Properties:
    props: Properties = [("type", sql.Bare("S3")), ("uris", s3.uris)]
    if s3.iam_role_arn is not None and s3.iam_external_id is not None:
        props += [("aws.iam_role_arn", s3.iam_role_arn), ("aws.iam_external_id", s3.iam_external_id)]
    if s3.access_key_id is not None and s3.secret_access_key is not None:
        props += [("aws.access_key_id", s3.access_key_id),
                  ("aws.secret_access_key", sql.SecretLiteral(s3.secret_access_key))]
    return props


def iceberg_rest_properties(i: IcebergRestInputs, update: bool, attachments: dict[str, bytes]) -> Properties:
    props: Properties = [("type", sql.Bare("ICEBERG_REST")), ("uris", i.uris), ("iceberg.catalog.id", i.catalog_id)]
    if i.client_id is not None and i.client_secret is not None:
        props += [("iceberg.rest.client_id", i.client_id),
                  ("iceberg.rest.client_secret", sql.SecretLiteral(i.client_secret))]
    if i.client_scope is not None:
        props.append(("iceberg.rest.client_scope", i.client_scope))
    return props


def clickhouse_properties(c: ClickHouseInputs, update: bool, attachments: dict[str, bytes]) -> Properties:
    return [("type", sql.Bare("CLICKHOUSE")), ("uris", c.uris), ("clickhouse.username", c.username),
            ("clickhouse.password", sql.SecretLiteral(c.password))]


def databricks_properties(d: DatabricksInputs, update: bool, attachments: dict[str, bytes]) -> Properties:
    """In the order DeltaStream's Terraform provider sends them, the port a bare number as there."""
    return [("type", sql.Bare("DATABRICKS")), ("uris", d.uris),
            ("databricks.app_token", sql.SecretLiteral(d.app_token)), ("databricks.warehouse_id", d.warehouse_id),
            ("databricks.warehouse_port", d.warehouse_port if d.warehouse_port is not None else 443),
            ("aws.access_key_id", d.access_key_id), ("aws.secret_access_key", sql.SecretLiteral(d.secret_access_key)),
            ("databricks.cloud.s3.bucket", d.cloud_s3_bucket), ("databricks.cloud.region", d.cloud_region)]


@dataclass(frozen=True)
class StoreKind:
    """One block of the Store resource: its attribute, its name in a program, the type DeltaStream reports for it
    (``sys."stores".type``), its Check and its WITH properties (the attachments they name put in the dict)."""

    block: str
    wire: str
    reported: str
    check: Callable[[Any], Failures]
    properties: Callable[[Any, bool, dict[str, bytes]], Properties]


def _no_check(_: Any) -> Failures:
    """A block whose inputs' types and required fields say all there is to check."""
    return []


#: Every block, in the order the ONE_OF message names them.
KINDS = (
    StoreKind("kafka", "kafka", "Kafka", check_kafka, kafka_properties),
    StoreKind("confluent_kafka", "confluentKafka", "ConfluentKafka", _no_check, confluent_kafka_properties),
    StoreKind("kinesis", "kinesis", "Kinesis", check_kinesis, kinesis_properties),
    StoreKind("postgres", "postgres", "Postgres", check_postgres, postgres_properties),
    StoreKind("snowflake", "snowflake", "Snowflake", check_snowflake, snowflake_properties),
    StoreKind("s3", "s3", "S3", check_s3, s3_properties),
    StoreKind("iceberg_rest", "icebergRest", "IcebergRest", check_iceberg_rest, iceberg_rest_properties),
    StoreKind("clickhouse", "clickhouse", "ClickHouse", _no_check, clickhouse_properties),
    StoreKind("databricks", "databricks", "Databricks", check_databricks, databricks_properties),
)
BY_BLOCK = {k.block: k for k in KINDS}
#: A reported type (any case, with or without ``_``) -> its block.
BY_REPORTED = {k.reported.lower(): k for k in KINDS}


def reported_kind(reported: str) -> StoreKind | None:
    """The block of a store of this reported type; DeltaStream's spelling of the newer types is not shown, so case
    and ``_`` are ignored (``ICEBERG_REST``, ``IcebergRest``)."""
    return BY_REPORTED.get(reported.replace("_", "").lower())
