"""Where a relation's columns come from when its CREATE has no column list (DeltaStream's "alternative syntax" of
CREATE STREAM / CREATE CHANGELOG): the Avro schema of a subject in a schema registry, or a protobuf message of a
descriptor source's FileDescriptorSet, each mapped to DeltaStream's types. The subjects are those the local
server's own registry keeps (``schema_registry``).
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from google.protobuf import descriptor_pb2

from . import schema_registry
from .families import Call
from .families.file_sources import download
from .property_values import store_registry
from .results import SqlFailure
from .statements import ColumnSpec, Identifier

#: Avro's types as DeltaStream's (the protobuf page's mapping, carried over type by type: see CHOICES).
AVRO_PRIMITIVES = {"boolean": "BOOLEAN", "int": "INTEGER", "long": "BIGINT", "float": "FLOAT", "double": "DOUBLE",
                   "bytes": "VARBINARY", "string": "VARCHAR"}
AVRO_LOGICAL = {"timestamp-millis": "TIMESTAMP_LTZ(3)", "timestamp-micros": "TIMESTAMP_LTZ(6)", "date": "DATE",
                "local-timestamp-millis": "TIMESTAMP(3)", "local-timestamp-micros": "TIMESTAMP(6)"}

#: Protobuf's field types as DeltaStream's (docs sql-syntax/data-format-serialization/serializing-with-protobuf).
_F = descriptor_pb2.FieldDescriptorProto
PROTOBUF_SCALARS = {
    **dict.fromkeys((_F.TYPE_INT64, _F.TYPE_SINT64, _F.TYPE_SFIXED64, _F.TYPE_UINT64, _F.TYPE_FIXED64), "BIGINT"),
    **dict.fromkeys((_F.TYPE_INT32, _F.TYPE_SINT32, _F.TYPE_SFIXED32, _F.TYPE_UINT32, _F.TYPE_FIXED32), "INTEGER"),
    _F.TYPE_BYTES: "VARBINARY", _F.TYPE_BOOL: "BOOLEAN", _F.TYPE_DOUBLE: "DOUBLE", _F.TYPE_FLOAT: "FLOAT",
    _F.TYPE_STRING: "VARCHAR", _F.TYPE_ENUM: "VARCHAR"}
PROTOBUF_WRAPPERS = {
    ".google.protobuf.BoolValue": "BOOLEAN", ".google.protobuf.Int32Value": "INTEGER",
    ".google.protobuf.UInt32Value": "INTEGER", ".google.protobuf.Int64Value": "BIGINT",
    ".google.protobuf.UInt64Value": "BIGINT", ".google.protobuf.FloatValue": "FLOAT",
    ".google.protobuf.DoubleValue": "DOUBLE", ".google.protobuf.StringValue": "VARCHAR",
    ".google.protobuf.BytesValue": "VARBINARY", ".google.protobuf.Timestamp": "TIMESTAMP_LTZ(9)"}


# --- Avro --------------------------------------------------------------------------------------------------------


def avro_columns(text: str) -> list[ColumnSpec]:
    """A record schema's fields as columns; a field whose type is a union with ``null`` is nullable. Raises
    ValueError for a schema that is no record or that DeltaStream cannot type (a union of several types)."""
    try:
        schema = json.loads(text)
    except ValueError as exc:
        raise ValueError(f"the schema is not JSON: {exc}") from None
    if not isinstance(schema, dict) or schema.get("type") != "record" or not isinstance(schema.get("fields"), list):
        raise ValueError("the schema is not an Avro record with fields")
    named: dict[str, str] = {}
    columns = []
    for field in schema["fields"]:
        if not isinstance(field, dict) or not isinstance(field.get("name"), str):
            raise ValueError(f"field {field!r} has no name")
        kind, nullable = _avro_type(field.get("type"), named)
        columns.append(ColumnSpec(field["name"], kind, nullable))
    return columns


def _avro_type(schema: Any, named: dict[str, str]) -> tuple[str, bool]:
    """(DeltaStream type, nullable) of an Avro type; ``named`` holds the named types seen so far."""
    if isinstance(schema, list):
        rest = [s for s in schema if s != "null"]
        if len(rest) != 1:
            raise ValueError(f"union {json.dumps(schema)} has several types besides null: DeltaStream types each "
                             "column strictly")
        return _avro_type(rest[0], named)[0], len(rest) < len(schema)
    if isinstance(schema, str):
        if schema in AVRO_PRIMITIVES:
            return AVRO_PRIMITIVES[schema], False
        if schema in named:
            return named[schema], False
        raise ValueError(f"unknown Avro type {schema!r}")
    if not isinstance(schema, dict):
        raise ValueError(f"unknown Avro type {schema!r}")
    kind, logical = schema.get("type"), schema.get("logicalType")
    if logical == "decimal":
        return f"DECIMAL({int(schema.get('precision', 10))}, {int(schema.get('scale', 0))})", False
    if isinstance(logical, str) and logical in AVRO_LOGICAL:
        return AVRO_LOGICAL[logical], False
    if kind == "record":
        fields = ", ".join(f"{f['name']} {_avro_type(f.get('type'), named)[0]}" for f in schema.get("fields", []))
        found = f"STRUCT<{fields}>"
    elif kind == "array":
        found = f"ARRAY<{_avro_type(schema.get('items'), named)[0]}>"
    elif kind == "map":
        found = f"MAP<VARCHAR, {_avro_type(schema.get('values'), named)[0]}>"
    elif kind == "enum":
        found = "VARCHAR"
    elif kind == "fixed":
        found = "VARBINARY"
    else:
        return _avro_type(kind, named)
    if isinstance(schema.get("name"), str):
        named[schema["name"]] = found
    return found, False


# --- protobuf ----------------------------------------------------------------------------------------------------


def protobuf_columns(descriptor_set: bytes, message: str) -> list[ColumnSpec]:
    """The fields of ``message`` (its full name or its own) in a FileDescriptorSet as columns. Raises LookupError
    when the set has no such message, ValueError when it cannot be read or typed (a oneof, a recursive message)."""
    files = descriptor_pb2.FileDescriptorSet()
    try:
        files.ParseFromString(descriptor_set)
    except Exception as exc:  # protobuf raises its DecodeError, no subclass of anything more precise
        raise ValueError(f"the descriptor source is not a FileDescriptorSet: {exc}") from None
    messages: dict[str, descriptor_pb2.DescriptorProto] = {}

    def collect(prefix: str, found: Any) -> None:
        for inner in found:
            messages[f"{prefix}.{inner.name}"] = inner
            collect(f"{prefix}.{inner.name}", inner.nested_type)

    for file in files.file:
        collect(f".{file.package}" if file.package else "", file.message_type)
    wanted = message.lstrip(".")
    matches = [m for full, m in messages.items() if full.lstrip(".") == wanted]
    matches = matches or [m for full, m in messages.items() if full.rsplit(".", 1)[-1] == wanted]
    if len(matches) != 1:
        raise LookupError(f"message {message!r} is {'ambiguous' if matches else 'not'} in the descriptor set")
    return [ColumnSpec(field.name, _protobuf_type(field, messages, ()), True) for field in _fields(matches[0])]


def _fields(message: descriptor_pb2.DescriptorProto) -> list[descriptor_pb2.FieldDescriptorProto]:
    real_oneofs = {f.oneof_index for f in message.field if f.HasField("oneof_index") and not f.proto3_optional}
    if real_oneofs:
        raise ValueError(f"message {message.name!r} has a oneof: DeltaStream does not support OneOf")
    return list(message.field)


def _protobuf_type(field: descriptor_pb2.FieldDescriptorProto, messages: dict[str, descriptor_pb2.DescriptorProto],
                   seen: tuple[str, ...]) -> str:
    if field.type == _F.TYPE_MESSAGE:
        inner = messages.get(field.type_name)
        if inner is not None and inner.options.map_entry:
            key, value = inner.field[0], inner.field[1]
            return f"MAP<{_protobuf_type(key, messages, seen)}, {_protobuf_type(value, messages, seen)}>"
        if field.type_name in PROTOBUF_WRAPPERS:
            element = PROTOBUF_WRAPPERS[field.type_name]
        elif inner is None:
            raise ValueError(f"field {field.name!r}: message {field.type_name!r} is not in the descriptor set")
        elif field.type_name in seen:
            raise ValueError(f"field {field.name!r}: message {field.type_name!r} contains itself")
        else:
            parts = ", ".join(f"{f.name} {_protobuf_type(f, messages, (*seen, field.type_name))}"
                              for f in _fields(inner))
            element = f"STRUCT<{parts}>"
    elif field.type in PROTOBUF_SCALARS:
        element = PROTOBUF_SCALARS[field.type]
    else:
        raise ValueError(f"field {field.name!r}: protobuf type {field.type} has no DeltaStream type")
    return f"ARRAY<{element}>" if field.label == _F.LABEL_REPEATED else element


# --- a subject's columns -------------------------------------------------------------------------------------------


def subject_columns(db: sqlite3.Connection, registry: str, subject: str) -> list[ColumnSpec]:
    """The columns of a subject's newest schema; the SQLSTATEs are guesses (see the relations family's choices)."""
    found = schema_registry.latest(db, subject)
    if found is None:
        raise SqlFailure("3D009", f"schema registry {registry!r} has no subject {subject!r}: register the schema "
                                  "first")
    try:
        return avro_columns(found[2])
    except ValueError as exc:
        raise SqlFailure("0A000", f"subject {subject!r}: {exc}") from None


# --- a CREATE without a column list ----------------------------------------------------------------------------


def derived(call: Call, kind: str, placed: tuple[str, str, str, str], props: dict[str, Any],
            primary_key: tuple[str, ...]) -> tuple[list[ColumnSpec], tuple[str, ...]]:
    """The columns of a stream or changelog created without a column list, from its value format's schema, and a
    changelog's primary key: the one given, else the fields of its key format's schema."""
    name, store = placed[2], placed[3]
    value_format = _text(props.get("value.format")).lower()
    if kind not in ("stream", "changelog") or value_format not in ("avro", "protobuf"):
        raise SqlFailure("42601", f"{kind.upper()} {name!r} has no column list: only the value formats avro (from "
                                  "the store's schema registry) and protobuf (from a descriptor) supply the columns; "
                                  f"value.format is {value_format or 'not set'}")
    columns = _side(call, store, props, name, "value", value_format)
    if kind == "changelog" and not primary_key:
        key_format = _text(props.get("key.format")).lower()
        if key_format not in ("avro", "protobuf"):
            raise SqlFailure("42601", f"CHANGELOG {name!r} needs a PRIMARY KEY: without a column list it is the "
                                      "fields of the key's schema (key.format avro or protobuf)")
        primary_key = tuple(c.name for c in _side(call, store, props, name, "key", key_format))
    return columns, primary_key


def _side(call: Call, store: str, props: dict[str, Any], name: str, side: str, fmt: str) -> list[ColumnSpec]:
    """The columns of the key's or the value's schema: the ``<topic>-<side>`` subject of the store's registry
    (avro), or the message ``'<side>.descriptor'`` names in a descriptor source (protobuf)."""
    if fmt == "avro":
        found = call.db.execute("SELECT properties FROM stores WHERE name = ?", (store,)).fetchone()
        registry = store_registry(json.loads(found[0])) if found else None
        if registry is None:
            raise SqlFailure("3D009", f"store {store!r} has no schema registry: {side}.format avro needs one "
                                      "(UPDATE STORE ... WITH ('schema_registry.name' = ..))")
        status = call.db.execute("SELECT status FROM schema_registries WHERE name = ?", (registry,)).fetchone()
        if status is None:
            raise SqlFailure("3D009", f"schema registry {registry!r} does not exist")
        if status[0] != "ready":
            raise SqlFailure("3E002", f"schema registry {registry!r} is not ready (status {status[0]})")
        return subject_columns(call.db, registry, f"{_text(props.get('topic')) or name}-{side}")
    key = f"{side}.descriptor"
    reference = _text(props.get(key))
    if not reference:
        raise SqlFailure("3D021", f"missing parameter {key!r}: {side}.format protobuf names its message as "
                                  "'<descriptor source>.<message>'")
    source, _, message = _split_reference(reference)
    found_file = download(call.db, "descriptor_source", source)
    if found_file is None:
        raise SqlFailure("3D011", f"descriptor source {source!r} does not exist")
    try:
        return protobuf_columns(found_file[1], message)
    except LookupError as exc:
        raise SqlFailure("3D010", f"{key} {reference!r}: {exc}") from None
    except ValueError as exc:
        raise SqlFailure("0A000", f"{key} {reference!r}: {exc}") from None


def _split_reference(reference: str) -> tuple[str, str, str]:
    """``source.Message`` or ``"Source"."Message"`` (either part quoted): (source, '.', message)."""
    parts: list[str] = []
    current, quoted, i = "", False, 0
    while i < len(reference):
        char = reference[i]
        if char == '"' and quoted and reference[i + 1:i + 2] == '"':
            current, i = current + '"', i + 2
            continue
        if char == '"':
            quoted = not quoted
        elif char == "." and not quoted and not parts:
            parts.append(current)
            current = ""
        else:
            current += char
        i += 1
    return (parts[0], ".", current) if parts else ("", ".", current)


def _text(value: Any) -> str:
    return "" if value is None else value.name if isinstance(value, Identifier) else str(value)
