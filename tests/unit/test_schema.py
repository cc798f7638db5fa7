"""schema.yaml is generated from the typed resources and must not go stale."""

from __future__ import annotations

from pathlib import Path

import yaml

from deltastream_provider.kinds.schema import PACKAGED, build, packaged, render

ROOT = Path(__file__).resolve().parents[2]


def test_schema_yaml_is_current() -> None:
    assert (ROOT / "schema.yaml").read_text() == render(), \
        "schema.yaml is stale: run `.venv/bin/deltastream-provider schema -o schema.yaml --packaged`"


def test_the_schema_the_provider_serves_is_current() -> None:
    assert PACKAGED.read_text() == packaged(), \
        "the packaged schema.json is stale: run `.venv/bin/deltastream-provider schema -o schema.yaml --packaged`"


def test_every_property_is_documented_and_secrets_marked() -> None:
    schema = build()
    for token, resource in schema["resources"].items():
        assert resource.get("isComponent") or "## Import" in resource["description"], token
        for name, spec in {**resource["inputProperties"], **resource["properties"]}.items():
            assert spec.get("description"), f"{token}.{name} has no description"
    for token, type_ in schema["types"].items():
        assert type_.get("description") or "properties" in type_, f"{token} has no description"  # an enum's
        for name, spec in type_.get("properties", {}).items():
            assert spec.get("description"), f"{token}.{name} has no description"
    kafka = schema["types"]["deltastream:index:Kafka"]["properties"]
    assert kafka["saslPassword"]["secret"] and kafka["tlsCaCert"]["secret"] and not kafka["uris"].get("secret")
    assert schema["config"]["variables"]["apiKey"]["secret"]


def test_replacement_hints_match_the_diff_rules() -> None:
    resources = yaml.safe_load(render())["resources"]
    assert resources["deltastream:index:DeltaStreamObject"]["inputProperties"]["columns"]["willReplaceOnChanges"]
    assert "willReplaceOnChanges" not in resources["deltastream:index:DeltaStreamObject"]["inputProperties"]["owner"]
    assert resources["deltastream:index:Store"]["inputProperties"]["name"]["willReplaceOnChanges"]


def test_components_are_in_the_same_schema() -> None:
    resources = build()["resources"]
    pipeline = resources["deltastream:index:Pipeline"]
    assert pipeline["isComponent"] and {"sources", "sink", "transform", "version"} <= set(pipeline["inputProperties"])
    assert pipeline["properties"]["query"]["$ref"] == "#/resources/deltastream:index:Query"
    assert resources["deltastream:index:Environment"]["isComponent"]


def test_every_resource_shows_an_example_in_each_language() -> None:
    for token, resource in build()["resources"].items():
        if token.endswith("Environment"):
            continue
        description = resource["description"]
        assert "{{% examples %}}" in description, token
        for language in ("typescript", "python", "go", "yaml"):
            assert f"```{language}\n" in description, f"{token} has no {language} example"
