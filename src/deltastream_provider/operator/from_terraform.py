"""Adopt what DeltaStream's Terraform provider made: a Terraform state (format version 4) becomes the typed
entries of :mod:`.adopt`, so that ``pulumi import --file`` takes the same resources over, by ids built from their
names, without creating anything again.

Pulumi's own routes cannot: ``pulumi import --from terraform`` needs each resource's ``id`` attribute, which
DeltaStream's Terraform resources do not have, and ``terraform-migrate`` only knows bridged providers. Here the
names give the ids (a database by its name, a namespace ``db/ns``, an object ``db/ns/name``, a query by its
``query_id``), and attribute names follow :mod:`..kinds.terraform`, the table ``pulumi convert`` uses too. An
object's raw ``sql`` is read (:func:`.migration.raw_object`) as for DeltaStream's Pulumi provider; a statement
that cannot be read leaves a TODO rather than a guess. Secrets in the state are never copied: each becomes a config
placeholder with the command that sets it. Nothing here talks to DeltaStream.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..deltastream.ids import format_id
from ..kinds.schema import PACKAGED
from ..kinds.terraform import RESOURCES, Attr, pulumi_name
from ..resources.database import DatabaseInputs
from ..resources.entity import EntityInputs
from ..resources.namespace import NamespaceInputs
from ..resources.schema_registry import SchemaRegistryInputs
from ..resources.secret import SecretInputs
from ..resources.store import StoreInputs
from .adopt import Entry, Skipped, named
from .adopt import write as write_document
from .migration import Migration, raw_object, statement, typed_entry

#: Stands in for a secret while the inputs a program sets are worked out; never written anywhere.
_SECRET = "<secret>"
_MODELS = {"Database": DatabaseInputs, "Namespace": NamespaceInputs, "Store": StoreInputs, "Secret": SecretInputs,
           "SchemaRegistry": SchemaRegistryInputs, "Entity": EntityInputs}


def migrate(state: Any) -> Migration:
    """The migration of a Terraform state: every ``deltastream_*`` managed resource instance, named after its
    Terraform address; data sources and other providers' resources are skipped with the reason."""
    if not isinstance(state, dict) or state.get("version") != 4 or not isinstance(state.get("resources"), list):
        raise ValueError("not a Terraform state of format version 4 (terraform.tfstate, or `terraform state pull`)")
    migration = Migration()
    found: list[tuple[Entry, dict[str, Any]]] = []
    for resource in state["resources"]:
        type_, tf_name = str(resource.get("type", "")), str(resource.get("name", ""))
        for instance in resource.get("instances") or []:
            key = instance.get("index_key")
            address = f"{type_}.{tf_name}" + (f"[{json.dumps(key)}]" if key is not None else "")
            if resource.get("mode") != "managed":
                migration.adoption.skipped.append(Skipped(type_, address, "a data source: a lookup, not a resource"))
            elif type_ not in RESOURCES:
                migration.adoption.skipped.append(Skipped(type_, address, "not a resource of DeltaStream's provider"))
            else:
                parts = (tf_name,) if key is None else (tf_name, str(key))
                found.append(_translate(type_, parts, instance.get("attributes") or {}, migration))
    entries = named([entry for entry, _ in found])
    by_id = {(entry.kind, entry.id): inputs for entry, inputs in found}
    migration.adoption.entries = entries
    migration.inputs = {entry.name: by_id[(entry.kind, entry.id)] for entry in entries}
    return migration


def _translate(type_: str, parts: tuple[str, ...], attributes: dict[str, Any],
               migration: Migration) -> tuple[Entry, dict[str, Any]]:
    mapped = RESOURCES[type_]
    kind, label = mapped.target, ".".join(parts)
    if kind == "DeltaStreamObject":
        owner = {"owner": attributes["owner"]} if attributes.get("owner") else {}
        entry, inputs = raw_object(label, attributes, {"name": attributes.get("name")}, owner, migration)
        return replace(entry, parts=parts, name="", name_output=str(inputs["name"])), inputs
    if kind == "Query":
        inputs = {"sql": statement(str(attributes["sql"]))}
        if attributes.get("owner"):
            inputs["owner"] = attributes["owner"]
        return Entry(kind, str(attributes["query_id"]), parts, tuple(inputs),
                     name_output=attributes.get("query_name")), inputs
    secrets: list[str] = []
    inputs = _inputs(mapped.attrs, attributes, _secret_inputs(kind), "", secrets, label, migration)
    references: dict[str, tuple[str, str]] = {}
    if kind == "Namespace":
        id_ = format_id(inputs["database"], inputs["name"])
        references["database"] = ("Database", inputs["database"])
    elif kind == "Entity":
        id_ = format_id(inputs["store"], *inputs["path"])
        references["store"] = ("Store", inputs["store"])
    else:
        id_ = str(inputs["name"])
    registry = (inputs.get("kafka") or {}).get("schemaRegistryName")
    if kind == "Store" and registry:
        references["kafka.schemaRegistryName"] = ("SchemaRegistry", registry)
    entry = typed_entry(kind, label, id_, _MODELS[kind], inputs, references, secrets)
    name_output = inputs["path"][-1] if kind == "Entity" else inputs["name"]
    return replace(entry, parts=parts, name="", name_output=str(name_output)), _without_secrets(inputs)


def _inputs(attrs: Mapping[str, Attr], values: Mapping[str, Any], secret: set[str], prefix: str, secrets: list[str],
            label: str, migration: Migration) -> dict[str, Any]:
    """The Terraform attributes set, under this package's names; a secret stands as :data:`_SECRET` (and is listed
    in ``secrets``); a set attribute this package has no input for becomes a TODO."""
    out: dict[str, Any] = {}
    for key, attr in attrs.items():
        value = values.get(key)
        if value is None or attr.use == "computed":
            continue
        name = prefix + pulumi_name(key, attr)
        if attr.unmapped:
            if key != "type":  # a secret's type: DeltaStream has one, which this package sets
                migration.todos.append(f"{label}: `{prefix.replace('.', '_')}{key}` is not carried over: "
                                       f"{attr.unmapped}")
            if name not in secret:
                continue
        if name in secret:
            secrets.append(name)
            value = _SECRET
        elif attr.fields:
            value = _inputs(attr.fields, value, secret, f"{name}.", secrets, label, migration)
        out[name.rsplit(".", 1)[-1]] = value
    return out


def _secret_inputs(kind: str) -> set[str]:
    """This package's secret inputs of ``kind`` (``secretString``, ``kafka.saslPassword``, ...), from its schema."""
    schema = json.loads(PACKAGED.read_text(encoding="utf-8"))
    found: set[str] = set()
    for name, spec in schema["resources"][f"deltastream:index:{kind}"]["inputProperties"].items():
        if spec.get("secret"):
            found.add(name)
        ref = spec.get("$ref", "")
        if ref.startswith("#/types/"):
            nested = schema["types"][ref.removeprefix("#/types/")]["properties"]
            found |= {f"{name}.{key}" for key, value in nested.items() if value.get("secret")}
    return found


def _without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_secrets(v) for k, v in value.items() if v != _SECRET}
    return value


def write(state_path: Path, output: Path) -> list[str]:
    """Read the state at ``state_path`` and write the import document to ``output`` (:func:`.adopt.write`)."""
    try:
        migration = migrate(json.loads(state_path.read_text(encoding="utf-8")))
    except (ValueError, KeyError) as exc:
        raise ValueError(f"{state_path}: {exc} (write it with `terraform state pull > {state_path.name}` in the "
                         "Terraform configuration's directory)") from None
    return write_document(migration.adoption, output, "the Terraform state", migration.todos)
