"""GetMapping(s): DeltaStream's Terraform provider v1.0.3 mapped to this package, as ``pulumi convert --from
terraform`` asks for it, and the mapping checked against the schema it points into."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from pulumi.runtime.proto import provider_pb2
from testkit.provider import Harness

from deltastream_provider.kinds import terraform
from deltastream_provider.kinds.schema import PACKAGED
from deltastream_provider.kinds.terraform import Attr, pulumi_name

# Every resource and data source deltastreaminc/terraform-provider-deltastream v1.0.3 registers
# (provider/provider.go, Resources and DataSources; each TypeName in deltastream/*/*.go).
TF_RESOURCES = {"deltastream_database", "deltastream_namespace", "deltastream_store", "deltastream_entity",
                "deltastream_secret", "deltastream_object", "deltastream_query", "deltastream_schema_registry"}
TF_DATA_SOURCES = {"deltastream_database", "deltastream_databases", "deltastream_namespace",
                   "deltastream_namespaces", "deltastream_store", "deltastream_stores", "deltastream_entities",
                   "deltastream_entity_data", "deltastream_object", "deltastream_objects", "deltastream_secret",
                   "deltastream_secrets", "deltastream_schema_registry", "deltastream_schema_registries"}
SCHEMA = json.loads(PACKAGED.read_text())


async def served(**request: str) -> tuple[list[str], provider_pb2.GetMappingResponse]:
    harness = await Harness().start()
    try:
        listed = await harness.stub.GetMappings(provider_pb2.GetMappingsRequest(key=request["key"]))
        answer = await harness.stub.GetMapping(provider_pb2.GetMappingRequest(**request))
    finally:
        await harness.stop()
    return list(listed.providers), answer


async def test_terraform_mapping_is_served_for_the_deltastream_provider() -> None:
    providers, answer = await served(key="terraform", provider="deltastream")
    assert providers == ["deltastream"] and answer.provider == "deltastream"
    document = json.loads(answer.data)
    assert document == terraform.mapping() and answer.data == terraform.mapping_json()
    assert document["name"] == "deltastream" and document["tfProviderVersion"] == "1.0.3"
    # an empty provider is the engine asking "whatever you map" (pulumi package get-mapping without a provider key)
    assert (await served(key="terraform", provider=""))[1].data == answer.data


async def test_other_keys_and_providers_get_no_mapping() -> None:
    providers, answer = await served(key="crossplane", provider="deltastream")
    assert providers == [] and (answer.provider, answer.data) == ("", b"")
    assert (await served(key="terraform", provider="aws"))[1].data == b""


def test_every_terraform_type_is_mapped_or_said_why_not() -> None:
    document = terraform.mapping()
    assert set(document["resources"]) == set(document["provider"]["resources"]) == TF_RESOURCES
    assert set(document["dataSources"]) | set(terraform.UNMAPPED_DATA_SOURCES) == TF_DATA_SOURCES
    assert set(document["dataSources"]) == set(document["provider"]["dataSources"])
    for name, entry in document["resources"].items():
        assert entry["tok"] in SCHEMA["resources"], name
    for name, entry in document["dataSources"].items():
        assert entry["tok"] in SCHEMA["functions"], name


def _type(spec: Mapping[str, Any]) -> Mapping[str, Any]:
    ref = spec.get("$ref") or spec.get("items", {}).get("$ref")
    assert ref, spec
    return SCHEMA["types"][ref.rsplit("/", 1)[-1]]  # type: ignore[no-any-return]


def _check(owner: str, attrs: Mapping[str, Attr], inputs: Mapping[str, Any], outputs: Mapping[str, Any]) -> None:
    """Each attribute this package has lands on a property of that name: an input where Terraform takes one, an
    output where Terraform computes it; nested attributes on the object type's properties."""
    for key, attr in attrs.items():
        if attr.unmapped:
            continue
        name = pulumi_name(key, attr)
        where = outputs if attr.use == "computed" else inputs
        assert name in where, f"{owner}.{key} -> {name}: not in {sorted(where)}"
        if attr.fields:
            nested = _type(where[name])["properties"]
            _check(f"{owner}.{key}", attr.fields, nested, nested)


def test_mapped_attributes_name_properties_of_the_schema() -> None:
    for name, mapped in terraform.RESOURCES.items():
        resource = SCHEMA["resources"][terraform.PREFIX + mapped.target]
        _check(name, mapped.attrs, resource["inputProperties"], resource["properties"])
    for name, mapped in terraform.DATA_SOURCES.items():
        function = SCHEMA["functions"][terraform.PREFIX + mapped.target]
        arguments, results = function.get("inputs", {}).get("properties", {}), function["outputs"]["properties"]
        # a data source's optional attribute may be an argument or a result here; a required one is an argument
        _check(name, mapped.attrs, {**results, **arguments}, results)
        assert {pulumi_name(k, a) for k, a in mapped.attrs.items() if a.use == "required"} <= set(arguments), name


def test_shapes_that_differ_say_so() -> None:
    sql = terraform.RESOURCES["deltastream_object"].attrs["sql"]
    assert sql.unmapped and "adopt --from-terraform" in sql.unmapped
    shim = terraform.mapping()["provider"]["resources"]["deltastream_store"]["kafka"]
    assert shim["element"]["resource"]["sasl_password"] == {"type": 4, "optional": True, "sensitive": True}
    assert terraform.mapping()["resources"]["deltastream_store"]["fields"]["kafka"]["fields"] == {
        "tls_ca_cert_file": {"name": "tlsCaCert"}}
