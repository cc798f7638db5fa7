"""Environment: one database laid out the same way in every stage (dev, staging, prod, ...).

Chosen for the Solution Engineer persona, whose pain is configuration that differs between
environments: names derive from the project and the environment, the namespaces are the same
list everywhere, and an optional Kafka store comes with the same settings shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pulumi

from deltastream_provider.model import Model, prop
from deltastream_provider.resources.database import DatabaseState
from deltastream_provider.resources.namespace import NamespaceState
from deltastream_provider.resources.store import KafkaInputs, StoreState

from .children import Child, typed_inputs

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@dataclass
class EnvironmentInputs(Model):
    project: str = prop("Project name; the database is `<project>_<environment>`.")
    environment: str = prop("Environment name, e.g. `dev`, `staging`, `prod`.")
    namespaces: list[str] = prop("Namespaces to create in the database, the same in every environment.",
                                 default_factory=lambda: ["raw", "curated"])
    kafka: KafkaInputs | None = prop("Settings of a Kafka store named `<project>_<environment>_kafka`, if wanted.",
                                     default=None)


@dataclass
class EnvironmentOutputs(Model):
    database_name: str = prop("The environment's database.")
    namespace_names: list[str] = prop("Its namespaces.")
    store_name: str | None = prop("Its Kafka store, when kafka was given.", default=None)


def check(inputs: EnvironmentInputs) -> list[tuple[str, str]]:
    failures = []
    for key in ("project", "environment"):
        value = getattr(inputs, key)
        if isinstance(value, str) and not _NAME.match(value):
            failures.append((key, f"{key} {value!r} must start with a letter and use letters, digits and _ only, "
                                  "so that names derived from it are the same everywhere"))
    if isinstance(inputs.namespaces, list) and len(set(inputs.namespaces)) != len(inputs.namespaces):
        failures.append(("namespaces", "namespaces lists a name twice"))
    return failures


class Environment(pulumi.ComponentResource):
    token = "deltastream:index:Environment"

    def __init__(self, name: str, inputs: dict[str, Any], opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(self.token, name, {}, opts)
        args = typed_inputs(EnvironmentInputs, inputs, ("project", "environment", "namespaces"))
        child = pulumi.ResourceOptions(parent=self)
        base = f"{args.project}_{args.environment}"
        database = Child("deltastream:index:Database", f"{name}-database", {"name": base}, DatabaseState, child)
        namespaces = [Child("deltastream:index:Namespace", f"{name}-{ns}", {"database": database.output("name"),
                                                                            "name": ns}, NamespaceState, child)
                      for ns in args.namespaces]
        store_name: Any = None
        if inputs.get("kafka") is not None:
            store_name = Child("deltastream:index:Store", f"{name}-kafka", {"name": f"{base}_kafka",
                                                                          "kafka": inputs["kafka"]},
                               StoreState, child).output("name")
        self.outputs = {"databaseName": database.output("name"),
                        "namespaceNames": pulumi.Output.all(*[n.output("name") for n in namespaces]),
                        "storeName": store_name}
        self.register_outputs(self.outputs)
