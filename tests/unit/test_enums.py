"""Closed sets are enums in the schema, so every SDK has typed constants for them; each property stays a string as
well (``oneOf``), so a program written before the enums passes its strings unchanged."""

from __future__ import annotations

from typing import Any, get_args

from deltastream_provider.kinds import schema
from deltastream_provider.kinds.registry import functions, resources
from deltastream_provider.model.fields import Model

EXPECTED = {
    "ObjectKind": ["stream", "changelog", "table"],
    "KafkaSaslHashFunction": ["NONE", "PLAIN", "SHA256", "SHA512", "AWS_MSK_IAM"],
    "ConfluentSaslHashFunction": ["PLAIN", "SHA256", "SHA512"],
    "StoreType": ["Kafka", "ConfluentKafka", "Kinesis", "Postgres", "Snowflake", "S3", "IcebergRest", "ClickHouse",
                  "Databricks"],
    "QueryUpgrade": ["replace", "resume"],
    "PipelineObjectKind": ["stream", "changelog", "table", "materialized_view"],
    "FunctionLanguage": ["java"],
}


def literal_fields(model: type[Model], seen: set[type]) -> list[tuple[str, Any]]:
    """Every field of ``model`` and the models inside it that is a closed set of strings."""
    if model in seen:
        return []
    seen.add(model)
    found = []
    for field in model.wire_fields():
        if field.enum is not None:
            found.append((f"{model.__name__}.{field.key}", field))
        if field.model is not None:
            found += literal_fields(field.model, seen)
    return found


def test_every_closed_set_is_a_named_enum() -> None:
    from deltastream_components.registry import COMPONENTS

    models: list[type[Model]] = [r.inputs for r in resources()] + [r.state for r in resources()]
    models += [f.args for f in functions()] + [f.result for f in functions()] + [c.inputs for c in COMPONENTS]
    seen: set[type] = set()
    fields = [f for m in models for f in literal_fields(m, seen)]
    assert {field.enum.name for _, field in fields} == set(EXPECTED)
    for path, field in fields:
        values = get_args(field.type) if field.type is not str else field.enum.values  # str: constants only
        assert list(values) == EXPECTED[field.enum.name], path


def test_the_schema_declares_the_enums_and_keeps_strings() -> None:
    built = schema.build()
    for name, values in EXPECTED.items():
        declared = built["types"][f"deltastream:index:{name}"]
        assert declared["type"] == "string" and [e["value"] for e in declared["enum"]] == values
        assert all(e["name"][0].isupper() for e in declared["enum"])
    kind = built["resources"]["deltastream:index:DeltaStreamObject"]["inputProperties"]["kind"]
    assert kind["oneOf"] == [{"type": "string"},
                             {"type": "string", "$ref": "#/types/deltastream:index:ObjectKind"}]
    sasl = built["types"]["deltastream:index:Kafka"]["properties"]["saslHashFunction"]
    assert sasl["oneOf"][1]["$ref"] == "#/types/deltastream:index:KafkaSaslHashFunction"
    assert "`AWS_MSK_IAM`" in sasl["description"]
    store_type = built["functions"]["deltastream:index:getStores"]["inputs"]["properties"]["type"]
    assert store_type["oneOf"][1]["$ref"] == "#/types/deltastream:index:StoreType"


def test_a_lookup_still_takes_a_store_type_in_any_spelling() -> None:
    from deltastream_provider.kinds.registry import function

    get_stores = function("deltastream:index:getStores")
    assert get_stores is not None and get_stores.args.validate({"type": "confluent_kafka"}) == []


def test_constant_names() -> None:
    assert [schema.constant_name(v) for v in ("AWS_MSK_IAM", "stream", "SHA256", "ConfluentKafka")] == [
        "AwsMskIam", "Stream", "Sha256", "ConfluentKafka"]
