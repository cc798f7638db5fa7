"""The package schema, generated from the typed resources, functions and components.

``schema.yaml`` at the top of the repository is this function's output (``deltastream-provider
schema`` writes it; a test fails when it is stale). GetSchema serves the same document from ``schema.json`` next to
this module (``deltastream-provider schema --packaged`` writes it; a test fails when it differs): building it
imports every resource and lookup, most of the work of the provider process a YAML program starts only to ask for
the schema.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from .. import __version__
from ..config import KEYS
from ..model.fields import PACKAGE, Asset, Enum, Model, is_model, unwrap_optional

REPOSITORY = "https://github.com/pulumi-deltastream/pulumi-deltastream"
RAW = "https://raw.githubusercontent.com/pulumi-deltastream/pulumi-deltastream/main"
README = ("Pulumi provider for DeltaStream: databases, namespaces, stores (Kafka, Confluent Cloud, Kinesis, "
          "PostgreSQL, Snowflake), entities, objects, continuous queries and applications, secrets and schema "
          "registries as code, plus lookups of what already exists.")

# @pulumi/pulumi 3.249 and later need Node.js 22; the range keeps every release that runs on Node.js 20 and has
# what the generated code calls (tests compile the SDK against both ends).
NODE_PULUMI_RANGE = ">=3.200.0 <3.249.0"
LANGUAGE = {
    "nodejs": {"packageName": "@pulumi-deltastream/deltastream", "respectSchemaVersion": True,
               "packageDescription": "Pulumi provider for DeltaStream (community)", "readme": README,
               "dependencies": {"@pulumi/pulumi": NODE_PULUMI_RANGE}},
    "go": {"importBasePath": "github.com/pulumi-deltastream/pulumi-deltastream/sdk/go/deltastream",
           "generateResourceContainerTypes": True, "respectSchemaVersion": True},
    "python": {"packageName": "pulumi_deltastream_community", "respectSchemaVersion": True, "readme": README,
               "pyproject": {"enabled": True}},
}


def type_name(model: type) -> str:
    return f"{PACKAGE}:index:{model.__name__.removesuffix('Inputs')}"


def constant_name(value: str) -> str:
    """``AWS_MSK_IAM`` -> ``AwsMskIam``, ``stream`` -> ``Stream``, ``ConfluentKafka`` as it is: the name each SDK's
    constant is built from."""
    return "".join(part.capitalize() if part.isupper() or part.islower() else part[0].upper() + part[1:]
                   for part in value.split("_") if part)


class _Builder:
    def __init__(self) -> None:
        self.types: dict[str, Any] = {}

    def spec(self, tp: Any) -> dict[str, Any]:
        tp, _ = unwrap_optional(tp)
        origin = get_origin(tp)
        if origin is Literal:
            return {"type": "string"}
        if is_model(tp):
            token = type_name(tp)
            if token not in self.types:
                self.types[token] = {}
                properties, required = self.object(tp)
                self.types[token] = {"type": "object", "description": (tp.__doc__ or "").strip(),
                                     "properties": properties, **({"required": required} if required else {})}
            return {"$ref": f"#/types/{token}"}
        if tp is Asset:
            return {"$ref": "pulumi.json#/Asset"}
        if origin in (list, tuple):
            return {"type": "array", "items": self.spec(get_args(tp)[0])}
        if origin is dict:
            return {"type": "object", "additionalProperties": self.spec(get_args(tp)[1])}
        return {"type": {str: "string", bool: "boolean", int: "integer", float: "number"}[tp]}

    def enum(self, enum: Enum, values: tuple[str, ...]) -> dict[str, Any]:
        """A string that may be given as the enum's constant or as plain text: ``oneOf`` a string and the enum keeps
        a program written before the enum compiling unchanged (Go's field stays ``pulumi.StringInput``, which the
        enum's constants implement; TypeScript's takes ``string | ObjectKind``), while SDKs gain the constants."""
        token = f"{PACKAGE}:index:{enum.name}"
        self.types[token] = {"type": "string", "description": enum.description,
                             "enum": [{"name": constant_name(v), "value": v} for v in values]}
        return {"type": "string", "oneOf": [{"type": "string"}, {"type": "string", "$ref": f"#/types/{token}"}]}

    def object(self, model: type[Model], only: set[str] | None = None, result: bool = False,
               inputs: bool = False) -> tuple[dict[str, Any], list[str]]:
        """Properties and required names; in a ``result`` every non-optional field is always present; only
        ``inputs`` carry deprecations (an input refused may still be an output)."""
        properties: dict[str, Any] = {}
        required: list[str] = []
        for prop in model.wire_fields():
            if only is not None and prop.name not in only:
                continue
            literal = get_origin(prop.type) is Literal
            if prop.enum and not result:  # a lookup result's oneOf: Python's SDK refuses the string as no dict
                spec = self.enum(prop.enum, get_args(prop.type) if literal else prop.enum.values)
            else:
                spec = self.spec(prop.type)
            description = prop.field.metadata.get("description", "")
            if literal:
                description += " One of: " + ", ".join(f"`{v}`" for v in get_args(prop.type)) + "."
            spec["description"] = description
            if prop.secret:
                spec["secret"] = True
            if prop.field.metadata.get("replaces"):
                spec["willReplaceOnChanges"] = True
            if inputs and prop.field.metadata.get("deprecated"):
                spec["deprecationMessage"] = prop.field.metadata["deprecated"]
            properties[prop.key] = spec
            if not prop.optional and (result or not prop.has_default):
                required.append(prop.key)
        return properties, required


def build() -> dict[str, Any]:
    from . import registry
    from .listing import list_inputs

    builder = _Builder()
    resources: dict[str, Any] = {}
    for resource in registry.resources():
        inputs, required_inputs = builder.object(resource.inputs, inputs=True)
        outputs, _ = builder.object(resource.state)
        resources[resource.token] = {
            "description": resource.description,
            "inputProperties": inputs, "requiredInputs": required_inputs,
            "properties": outputs, "required": sorted(set(required_inputs) | set(resource.always_set)),
            **({"listInputs": listed} if (listed := list_inputs(resource.token)) is not None else {}),
        }
    functions: dict[str, Any] = {}
    for function in registry.functions():
        args, required_args = builder.object(function.args)
        result, required_result = builder.object(function.result, result=True)
        functions[function.token] = {
            "description": function.description,
            "inputs": {"properties": args, **({"required": required_args} if required_args else {})},
            "outputs": {"properties": result, "required": required_result},
        }
    from deltastream_components.registry import COMPONENTS

    for component in COMPONENTS:
        inputs, required_inputs = builder.object(component.inputs, inputs=True)
        outputs, required_outputs = builder.object(component.outputs, result=True)
        for key, (token, is_list, description) in component.resource_outputs.items():
            ref = {"$ref": f"#/resources/{token}"}
            outputs[key] = {"type": "array", "items": ref, "description": description} if is_list \
                else {**ref, "description": description}
            required_outputs.append(key)
        resources[component.token] = {
            "isComponent": True, "description": component.description,
            "inputProperties": inputs, "requiredInputs": required_inputs,
            "properties": outputs, "required": required_outputs,
        }
    config = {k.name: {"type": k.type,
                       "description": f"{k.description} Environment variable: `{k.env}`.",
                       **({"secret": True} if k.secret else {})} for k in KEYS}
    return {
        "name": PACKAGE,
        "displayName": "DeltaStream",
        "version": __version__,
        "description": "Manage DeltaStream databases, namespaces, stores, objects and queries as code.",
        "keywords": ["pulumi", "deltastream", "streaming", "sql", "kafka", "category/database", "kind/native"],
        "homepage": REPOSITORY,
        "repository": REPOSITORY,
        "license": "Apache-2.0",
        "publisher": "DeltaStream Community",
        "logoUrl": f"{RAW}/assets/logo.png",
        # The engine downloads pulumi-resource-deltastream-v<version>-<os>-<arch>.tar.gz from the GitHub release
        # v<version> of <org>/pulumi-deltastream.
        "pluginDownloadURL": "github://api.github.com/pulumi-deltastream",
        "meta": {"moduleFormat": "(.*)", "supportPack": True},
        "language": LANGUAGE,
        "config": {"variables": config},
        "provider": {"description": "The DeltaStream provider: connection settings for the API.",
                     "inputProperties": config, "properties": {k: v for k, v in config.items()}},
        "types": dict(sorted(builder.types.items())),
        "resources": resources,
        "functions": functions,
    }


PACKAGED = Path(__file__).parents[1] / "schema.json"  # packaged at the top of deltastream_provider


def packaged() -> str:
    """The text of the copy GetSchema serves: the schema as compact JSON."""
    return json.dumps(build(), separators=(",", ":"))


def render() -> str:
    """schema.yaml's text: the schema as YAML, keys in a stable order."""
    import yaml

    header = "# Generated by `deltastream-provider schema -o schema.yaml` from the provider's typed resources.\n"
    return header + yaml.safe_dump(build(), sort_keys=False, allow_unicode=True, width=120)
