"""DeltaStream's Terraform provider (deltastreaminc/terraform-provider-deltastream v1.0.3) mapped to this package.

One table serves three readers: ``GetMapping(key="terraform")`` (what ``pulumi convert --from terraform`` asks an
installed plugin), the release's ``deltastream.json`` (the same document, for ``pulumi convert --mappings``; the
converter keys a mapping file by its name without the extension, so the file must be called ``deltastream.json``)
and ``deltastream-provider adopt --from-terraform`` (which Terraform attribute is which input).

The document is the bridge's ``tfbridge.MarshallableProvider``: ``provider`` holds the Terraform schema (so the
converter can read the HCL: an attribute's type, whether it is required, computed or sensitive), ``resources`` and
``dataSources`` the Pulumi token of each Terraform type and the fields whose Pulumi name is not the camel case of the
Terraform name. Where the shapes differ, :attr:`Attr.unmapped` says why; the converter still writes such an
attribute under its camel-case name, and the migration guide says what to do with it.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

TERRAFORM_VERSION = "1.0.3"
PREFIX = "deltastream:index:"

#: the bridge's ``shim.ValueType`` numbers
_TYPES = {"bool": 1, "int": 2, "string": 4, "list": 5, "map": 6, "object": 6, "objects": 5}


@dataclass(frozen=True)
class Attr:
    """One Terraform attribute: its type (``string``, ``bool``, ``int``, ``list`` of strings, ``map`` of strings,
    ``object`` (a single nested attribute), ``objects`` (a list of them)), whether it is required, optional or
    computed, this package's name where it is not the camel case, the nested attributes and, where this package has
    no such input, why."""

    type: str
    use: str = "optional"
    sensitive: bool = False
    name: str = ""
    fields: Mapping[str, Attr] = field(default_factory=dict)
    unmapped: str = ""


@dataclass(frozen=True)
class Mapped:
    """A Terraform resource or data source and this package's counterpart (a kind, or a lookup's token name)."""

    target: str
    attrs: Mapping[str, Attr]
    note: str = ""


def _req(type_: str = "string", **kw: Any) -> Attr:
    return Attr(type_, "required", **kw)


def _opt(type_: str = "string", **kw: Any) -> Attr:
    return Attr(type_, "optional", **kw)


def _out(type_: str = "string", **kw: Any) -> Attr:
    return Attr(type_, "computed", **kw)


_DATES = {"created_at": _out(), "updated_at": _out()}

_KAFKA = {
    "uris": _req(), "sasl_hash_function": _req(), "schema_registry_name": _opt(),
    "sasl_username": _opt(sensitive=True), "sasl_password": _opt(sensitive=True),
    "msk_iam_role_arn": _opt(sensitive=True), "msk_aws_region": _opt(sensitive=True),
    "tls_disabled": _opt("bool"), "tls_verify_server_hostname": _opt("bool"),
    "tls_ca_cert_file": _opt(name="tlsCaCert", unmapped="a path on the machine running Terraform; this package "
                                                         "takes the PEM content (read the file in the program)"),
}
_CONFLUENT_KAFKA = {"uris": _req(), "sasl_hash_function": _req(), "sasl_username": _req(sensitive=True),
                    "sasl_password": _req(sensitive=True)}
_KINESIS = {"uris": _req(), "aws_account_id": _req(sensitive=True), "access_key_id": _opt(sensitive=True),
            "secret_access_key": _opt(sensitive=True)}
_POSTGRES = {"uris": _req(), "username": _req(sensitive=True), "password": _req(sensitive=True)}
_SNOWFLAKE = {"uris": _req(), "account_id": _req(), "cloud_region": _req(), "warehouse_name": _req(),
              "role_name": _req(), "username": _req(sensitive=True),
              "client_key_file": _req(name="clientKey", sensitive=True,
                                      unmapped="Terraform takes the key base64-encoded; this package the PEM itself"),
              "client_key_passphrase": _req(sensitive=True)}
_STORE_TYPES = {"kafka": _KAFKA, "confluent_kafka": _CONFLUENT_KAFKA, "kinesis": _KINESIS, "postgres": _POSTGRES,
                "snowflake": _SNOWFLAKE}

RESOURCES: dict[str, Mapped] = {
    "deltastream_database": Mapped("Database", {"name": _req(), "owner": _opt(), "created_at": _out()}),
    "deltastream_namespace": Mapped("Namespace", {"database": _req(), "name": _req(), "owner": _opt(),
                                                  "created_at": _out()}),
    "deltastream_store": Mapped("Store", {
        "name": _req(), "owner": _opt(), "type": _out(), "state": _out(name="status"), **_DATES,
        **{k: _opt("object", fields=v) for k, v in _STORE_TYPES.items()},
    }),
    "deltastream_entity": Mapped("Entity", {
        "store": _req(), "entity_path": _req("list", name="path"),
        "kafka_properties": _opt("object", name="kafka", fields={
            "topic_partitions": _opt("int", name="partitions"), "topic_replicas": _opt("int", name="replicas"),
            "configs": _opt("map"), "all_configs": _out("map", unmapped="not an output of this package"),
            "key_descriptor": _opt(unmapped="set the descriptor on the object that reads the topic"),
            "value_descriptor": _opt(unmapped="set the descriptor on the object that reads the topic")}),
        "kinesis_properties": _opt("object", name="kinesis", fields={
            "kinesis_shards": _opt("int", name="shards"),
            "descriptor": _opt(unmapped="set the descriptor on the object that reads the stream")}),
        "snowflake_properties": _opt("object", unmapped="read-only details; no input in this package",
                                     fields={"details": _out("map")}),
        "postgres_properties": _opt("object", unmapped="read-only details; no input in this package",
                                    fields={"details": _out("map")}),
    }),
    "deltastream_secret": Mapped("Secret", {
        "name": _req(), "type": _req(unmapped="DeltaStream has one type (generic_string); this package sets it"),
        "description": _opt(), "owner": _opt(), "string_value": _opt(name="secretString", sensitive=True),
        "custom_properties": _opt("map", name="properties"), "status": _out(), **_DATES,
    }),
    "deltastream_object": Mapped("DeltaStreamObject", {
        "database": _req(), "namespace": _req(), "store": _req(), "owner": _opt(),
        "sql": _req(unmapped="raw CREATE STREAM/CHANGELOG/TABLE text; this package takes typed inputs (`name`, "
                             "`kind`, `columns`, `primaryKey`, `entity`, `valueFormat`, ...): "
                             "`deltastream-provider adopt --from-terraform` reads them from the statement"),
        "name": _out(), "fqn": _out(), "type": _out(name="kind"), "state": _out(),
        **_DATES,
    }, note="`sql` is raw DDL where this package has typed columns"),
    "deltastream_query": Mapped("Query", {
        "sql": _req(), "owner": _opt(),
        "source_relation_fqns": _req("list", unmapped="read from DeltaStream's plan of the SQL (output `sources`)"),
        "sink_relation_fqn": _req(unmapped="read from DeltaStream's plan of the SQL (output `sink`)"),
        "query_id": _out(), "query_name": _out(name="name"), "query_version": _out("int", name="version"),
        "state": _out(), **_DATES,
    }),
    "deltastream_schema_registry": Mapped("SchemaRegistry", {
        "name": _req(), "owner": _opt(), "type": _out(), "state": _out(name="status"), **_DATES,
        "confluent": _opt("object", fields={"uris": _req(), "username": _opt(sensitive=True),
                                            "password": _opt(sensitive=True)}),
        "confluent_cloud": _opt("object", fields={"uris": _req(), "key": _opt(sensitive=True),
                                                  "secret": _opt(sensitive=True)}),
    }),
}

_DATABASE = {"name": _req(), "owner": _opt(), "created_at": _out()}
_NAMESPACE = {"database": _req(), "name": _req(), "owner": _opt(), "created_at": _out()}
_LISTED = {"name": _out(), "owner": _out(), "type": _out(), "state": _out(name="status"), **_DATES}
_OBJECT = {"database": _out(), "namespace": _out(), "name": _out(), "fqn": _out(), "owner": _out(),
           "type": _out(name="kind"), "state": _out(), **_DATES}
_SECRET_ROW = {"name": _out(), "description": _out(), "owner": _out(), "type": _out(), "status": _out(), **_DATES}

DATA_SOURCES: dict[str, Mapped] = {
    "deltastream_database": Mapped("getDatabase", _DATABASE),
    "deltastream_databases": Mapped("getDatabases", {"items": _out("objects", name="databases", fields=_DATABASE)}),
    "deltastream_namespace": Mapped("getNamespace", _NAMESPACE),
    "deltastream_namespaces": Mapped("getNamespaces", {
        "database": _req(), "items": _out("objects", name="namespaces", fields=_NAMESPACE)}),
    "deltastream_store": Mapped("getStore", {
        "name": _req(), **{k: v for k, v in _LISTED.items() if k != "name"},
        **{k: _opt("object", fields=v, unmapped="getStore returns no connection settings")
           for k, v in _STORE_TYPES.items()}}),
    "deltastream_stores": Mapped("getStores", {"items": _out("objects", name="stores", fields=_LISTED)}),
    "deltastream_entities": Mapped("getEntities", {
        "store": _req(), "parent_path": _opt("list", name="parent"),
        "child_entities": _out("list", name="entities",
                               unmapped="this package lists entities as objects (`name`, `isLeaf`), not strings")}),
    "deltastream_object": Mapped("getObject", {**_OBJECT, "database": _req(), "namespace": _req(),
                                               "name": _req()}),
    "deltastream_objects": Mapped("getObjects", {
        "database": _req(), "namespace": _req(), "objects": _out("objects", fields=_OBJECT)}),
    "deltastream_secret": Mapped("getSecret", {**_SECRET_ROW, "name": _req()}),
    "deltastream_secrets": Mapped("getSecrets", {"items": _out("objects", name="secrets", fields=_SECRET_ROW)}),
    "deltastream_schema_registry": Mapped("getSchemaRegistry", {**_LISTED, "name": _req()}),
    "deltastream_schema_registries": Mapped("getSchemaRegistries", {
        "items": _out("objects", name="schemaRegistries", fields=_LISTED)}),
}

#: Terraform data sources with no counterpart here, and why.
UNMAPPED_DATA_SOURCES = {
    "deltastream_entity_data": "it prints rows of a topic at plan time; this package has no lookup that reads data",
}

_CONFIG = {"api_key": _opt(sensitive=True), "server": _opt(), "insecure_skip_verify": _opt("bool"),
           "organization": _opt(), "role": _opt()}


def camel(name: str) -> str:
    """The bridge's default Pulumi name of a Terraform attribute: ``sasl_hash_function`` -> ``saslHashFunction``."""
    head, *rest = name.split("_")
    return head + "".join(word[:1].upper() + word[1:] for word in rest)


def pulumi_name(attr_name: str, attr: Attr) -> str:
    return attr.name or camel(attr_name)


def _shim(attr: Attr) -> dict[str, Any]:
    out: dict[str, Any] = {"type": _TYPES[attr.type]}
    if attr.use == "required":
        out["required"] = True
    elif attr.use == "optional":
        out["optional"] = True
    else:
        out["computed"] = True
    if attr.sensitive:
        out["sensitive"] = True
    if attr.type in ("object", "objects"):
        out["element"] = {"resource": {k: _shim(v) for k, v in attr.fields.items()}}
    elif attr.type in ("list", "map"):
        out["element"] = {"schema": {"type": _TYPES["string"]}}
    return out


def _fields(attrs: Mapping[str, Attr]) -> dict[str, Any]:
    """The ``fields`` entry: only the attributes whose Pulumi name is not the default, with their nested ones."""
    out: dict[str, Any] = {}
    for key, attr in attrs.items():
        spec: dict[str, Any] = {}
        if attr.name:
            spec["name"] = attr.name
        nested = _fields(attr.fields)
        if nested and attr.type == "object":
            spec["fields"] = nested
        elif nested:
            spec["element"] = {"fields": nested}
        if spec:
            out[key] = spec
    return out


@functools.cache
def mapping() -> dict[str, Any]:
    """The ``MarshallableProvider`` document for Terraform's ``deltastream`` provider."""
    from .. import __version__

    return {
        "provider": {
            "schema": {k: _shim(v) for k, v in _CONFIG.items()},
            "resources": {name: {k: _shim(v) for k, v in m.attrs.items()} for name, m in RESOURCES.items()},
            "dataSources": {name: {k: _shim(v) for k, v in m.attrs.items()} for name, m in DATA_SOURCES.items()},
        },
        "name": "deltastream",
        "version": __version__,
        "resources": {name: {"tok": PREFIX + m.target, "fields": _fields(m.attrs), "idFields": []}
                      for name, m in RESOURCES.items()},
        "dataSources": {name: {"tok": PREFIX + m.target, "fields": _fields(m.attrs)}
                        for name, m in DATA_SOURCES.items()},
        "tfProviderVersion": TERRAFORM_VERSION,
    }


def mapping_json() -> bytes:
    """:func:`mapping` as the bytes GetMapping answers and the release ships."""
    return (json.dumps(mapping(), indent=1, sort_keys=True) + "\n").encode()
