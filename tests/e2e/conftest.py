"""End-to-end fixtures: the real Pulumi CLI (built by scripts/toolchain.sh), a file backend, the local server."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from testkit import TOKEN
from testkit.pulumi import pulumi_env

from deltastream_local.runner import BackgroundServer

ROOT = Path(__file__).resolve().parents[2]
PROVIDER_DIR = Path(sys.executable).parent  # holds pulumi-resource-deltastream


@pytest.fixture(scope="session")
def toolchain() -> Path:
    """The pinned Pulumi CLI and language hosts; built once and cached outside the repository."""
    result = subprocess.run(["bash", str(ROOT / "scripts/toolchain.sh")], capture_output=True, text=True, timeout=3600)
    assert result.returncode == 0, f"toolchain build failed:\n{result.stderr[-4000:]}"
    return Path(result.stdout.strip().splitlines()[-1])


@dataclass
class Stack:
    """A Pulumi project directory and the environment to run the CLI in; ``name`` selects a stack."""

    directory: Path
    env: dict[str, str]
    name: str | None = None

    def run(self, *args: str, check: bool = True, timeout: float = 600) -> subprocess.CompletedProcess[str]:
        selected = ["--stack", self.name] if self.name else []
        result = subprocess.run(["pulumi", *args, *selected, "--non-interactive"], cwd=self.directory, env=self.env,
                                capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise AssertionError(f"pulumi {' '.join(args)} failed ({result.returncode}):\n{result.stdout[-6000:]}\n"
                                 f"{result.stderr[-3000:]}")
        return result

    def write(self, program: str, name: str = "Pulumi.yaml") -> None:
        (self.directory / name).write_text(program)

    def up(self) -> str:
        return self.run("up", "--yes", "--skip-preview").stdout

    def preview(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run("preview", *args, check=check)

    def outputs(self) -> dict[str, Any]:
        return json.loads(self.run("stack", "output", "--json", "--show-secrets").stdout)

    def state(self) -> dict[str, Any]:
        return json.loads(self.run("stack", "export").stdout)

    def resources(self, type_: str) -> list[dict[str, Any]]:
        return [r for r in self.state()["deployment"].get("resources", []) if r["type"] == type_]


@contextmanager
def example_stack(example: str, env: dict[str, str]) -> Iterator[Stack]:
    """A fresh stack of one of the examples, run in place and removed afterwards (with its config file)."""
    stack = Stack(ROOT / "examples" / example, env, f"e2e-{example}-{uuid.uuid4().hex[:8]}")
    stack.run("stack", "init")
    try:
        yield stack
    finally:
        stack.run("stack", "rm", "--yes", "--force", check=False)
    assert not any(p.name.startswith(f"Pulumi.{stack.name}") for p in stack.directory.iterdir())


@pytest.fixture
def stack(tmp_path: Path, toolchain: Path, local: BackgroundServer) -> Iterator[Stack]:
    project = tmp_path / "project"
    project.mkdir()
    result = Stack(project, pulumi_env(tmp_path, toolchain, local))
    yield result


def catalog_sql(local: BackgroundServer, statement: str) -> list[list[str]]:
    """Run SQL on the local server directly, as someone working outside Pulumi would."""
    import httpx

    body = httpx.post(f"{local.url}/statements", json={"statement": statement},
                      headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert body["sqlState"] == "00000", body
    return body.get("data", [])


def newer_kinds(prefix: str, source: str, sink: str) -> str:
    """YAML resources of the kinds beyond the first five: a secret, a schema registry, a topic in the program's
    ``kafka`` store and an application from ``source`` to ``sink`` (resource names), names starting ``prefix``."""
    return f"""  token:
    type: deltastream:index:Secret
    properties: {{ name: {prefix}_token, secretString: s3cr3t }}
  registry:
    type: deltastream:index:SchemaRegistry
    properties: {{ name: {prefix}_registry, confluent: {{ uris: "https://registry:8081" }} }}
  topic:
    type: deltastream:index:Entity
    properties: {{ store: "${{kafka.name}}", path: [ orders ], kafka: {{ partitions: 2 }} }}
  app:
    type: deltastream:index:Application
    properties:
      sql: |
        BEGIN APPLICATION {prefix}_app INSERT INTO ${{{sink}.fqn}} SELECT id FROM ${{{source}.fqn}}; END APPLICATION;
"""


def yaml_program(resources: str, outputs: str = "", name: str = "e2e") -> str:
    """A Pulumi YAML program that loads this repository's provider."""
    text = f"""name: {name}
runtime: yaml
plugins:
  providers:
    - name: deltastream
      path: {PROVIDER_DIR}
resources:
{resources}"""
    if outputs:
        text += f"outputs:\n{outputs}"
    return text


CLEAN_SINK = "{ name: clean, columns: [ { name: id, type: BIGINT } ] }"


def pipeline_resources(transform: str, version: int | None = None, sink: str = CLEAN_SINK) -> str:
    """The resources of a YAML program (:func:`yaml_program`): a Kafka store and a Pipeline, in a database it
    creates, from the source ``raw`` (id, url) to ``sink`` (by default ``clean`` (id)) by ``transform``, at
    ``version`` if given."""
    text = f"""  kafka:
    type: deltastream:index:Store
    properties: {{ name: events, kafka: {{ uris: "b:9092", saslHashFunction: NONE }} }}
  clicks:
    type: deltastream:index:Pipeline
    properties:
      database: shop
      createDatabase: true
      store: ${{kafka.name}}
      sources: [ {{ name: raw, columns: [ {{ name: id, type: BIGINT }}, {{ name: url, type: VARCHAR }} ] }} ]
      sink: {sink}
      transform: {transform}
"""
    return text + (f"      version: {version}\n" if version is not None else "")
