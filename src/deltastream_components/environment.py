"""Environment: one database laid out the same way in every stage (dev, staging, prod, ...).

Chosen for the Solution Engineer persona, whose pain is configuration that differs between
environments: names derive from the project and the environment, the namespaces are the same
list everywhere, and an optional Kafka store comes with the same settings shape. Its typed inputs and
outputs and their checks; the component resource itself is in :mod:`.resources`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from deltastream_provider.model.fields import Model, prop
from deltastream_provider.resources.store import KafkaInputs

TOKEN = "deltastream:index:Environment"
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
