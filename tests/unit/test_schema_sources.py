"""The local server's mapping of Avro schemas and protobuf messages to DeltaStream columns (issue 34): protobuf as
DeltaStream's serializing-with-protobuf page says, Avro by the same table; what DeltaStream cannot type is refused."""

from __future__ import annotations

import json

import pytest
from google.protobuf import descriptor_pb2

from deltastream_local.schema_sources import avro_columns, protobuf_columns
from deltastream_local.statements import ColumnSpec

F = descriptor_pb2.FieldDescriptorProto


def test_avro_types() -> None:
    schema = {"type": "record", "name": "Order", "fields": [
        {"name": "id", "type": "long"},
        {"name": "note", "type": ["null", "string"]},
        {"name": "qty", "type": "int"},
        {"name": "ok", "type": "boolean"},
        {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
        {"name": "at", "type": {"type": "long", "logicalType": "timestamp-millis"}},
        {"name": "day", "type": {"type": "int", "logicalType": "date"}},
        {"name": "state", "type": {"type": "enum", "name": "State", "symbols": ["NEW", "DONE"]}},
        {"name": "tags", "type": {"type": "array", "items": "string"}},
        {"name": "attrs", "type": {"type": "map", "values": "double"}},
        {"name": "address", "type": ["null", {"type": "record", "name": "Address", "fields": [
            {"name": "city", "type": "string"}, {"name": "zip", "type": "int"}]}]},
        {"name": "previous", "type": ["null", "Address"]},
        {"name": "raw", "type": {"type": "fixed", "name": "Raw", "size": 4}},
        {"name": "ratio", "type": "float"},
    ]}
    assert avro_columns(json.dumps(schema)) == [
        ColumnSpec("id", "BIGINT", False), ColumnSpec("note", "VARCHAR", True), ColumnSpec("qty", "INTEGER", False),
        ColumnSpec("ok", "BOOLEAN", False), ColumnSpec("price", "DECIMAL(10, 2)", False),
        ColumnSpec("at", "TIMESTAMP_LTZ(3)", False), ColumnSpec("day", "DATE", False),
        ColumnSpec("state", "VARCHAR", False), ColumnSpec("tags", "ARRAY<VARCHAR>", False),
        ColumnSpec("attrs", "MAP<VARCHAR, DOUBLE>", False),
        ColumnSpec("address", "STRUCT<city VARCHAR, zip INTEGER>", True),
        ColumnSpec("previous", "STRUCT<city VARCHAR, zip INTEGER>", True), ColumnSpec("raw", "VARBINARY", False),
        ColumnSpec("ratio", "FLOAT", False)]


@pytest.mark.parametrize("schema, words", [
    ('"string"', "not an Avro record"),
    ("{not json", "not JSON"),
    (json.dumps({"type": "record", "name": "R", "fields": [{"name": "x", "type": ["int", "string"]}]}),
     "several types"),
    (json.dumps({"type": "record", "name": "R", "fields": [{"name": "x", "type": "Missing"}]}), "unknown Avro type"),
])
def test_avro_schemas_deltastream_cannot_type(schema: str, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        avro_columns(schema)


def descriptor_set() -> bytes:
    files = descriptor_pb2.FileDescriptorSet()
    wrappers = files.file.add(name="google/protobuf/wrappers.proto", package="google.protobuf")
    wrappers.message_type.add(name="StringValue").field.add(name="value", number=1, type=F.TYPE_STRING)
    proto = files.file.add(name="shop.proto", package="shop", syntax="proto3",
                           dependency=["google/protobuf/wrappers.proto"])
    order = proto.message_type.add(name="Order")
    entry = order.nested_type.add(name="AttrsEntry")
    entry.options.map_entry = True
    entry.field.add(name="key", number=1, type=F.TYPE_STRING)
    entry.field.add(name="value", number=2, type=F.TYPE_INT32)
    line = proto.message_type.add(name="Line")
    line.field.add(name="sku", number=1, type=F.TYPE_STRING)
    line.field.add(name="qty", number=2, type=F.TYPE_UINT32)
    for number, (name, kind, label, type_name) in enumerate([
            ("id", F.TYPE_SFIXED64, F.LABEL_OPTIONAL, ""), ("paid", F.TYPE_BOOL, F.LABEL_OPTIONAL, ""),
            ("total", F.TYPE_FLOAT, F.LABEL_OPTIONAL, ""), ("blob", F.TYPE_BYTES, F.LABEL_OPTIONAL, ""),
            ("status", F.TYPE_ENUM, F.LABEL_OPTIONAL, ".shop.Status"),
            ("attrs", F.TYPE_MESSAGE, F.LABEL_REPEATED, ".shop.Order.AttrsEntry"),
            ("lines", F.TYPE_MESSAGE, F.LABEL_REPEATED, ".shop.Line"),
            ("note", F.TYPE_MESSAGE, F.LABEL_OPTIONAL, ".google.protobuf.StringValue")], 1):
        order.field.add(name=name, number=number, type=kind, label=label, type_name=type_name)
    proto.enum_type.add(name="Status").value.add(name="NEW", number=0)
    chooser = proto.message_type.add(name="Choice")
    chooser.oneof_decl.add(name="pick")
    chooser.field.add(name="a", number=1, type=F.TYPE_STRING, oneof_index=0)
    return files.SerializeToString()


def test_protobuf_types_as_the_docs_map_them() -> None:
    found = protobuf_columns(descriptor_set(), "shop.Order")
    assert [(c.name, c.type) for c in found] == [
        ("id", "BIGINT"), ("paid", "BOOLEAN"), ("total", "FLOAT"), ("blob", "VARBINARY"), ("status", "VARCHAR"),
        ("attrs", "MAP<VARCHAR, INTEGER>"), ("lines", "ARRAY<STRUCT<sku VARCHAR, qty INTEGER>>"), ("note", "VARCHAR")]
    assert protobuf_columns(descriptor_set(), "Order") == found  # the message's own name is enough when unique


def test_protobuf_messages_deltastream_cannot_read() -> None:
    with pytest.raises(LookupError, match="not in the descriptor set"):
        protobuf_columns(descriptor_set(), "shop.Missing")
    with pytest.raises(ValueError, match="OneOf"):
        protobuf_columns(descriptor_set(), "shop.Choice")
    with pytest.raises(ValueError, match="not a FileDescriptorSet"):
        protobuf_columns(b"\xff\xff\xff", "Order")
