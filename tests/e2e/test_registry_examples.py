"""Every example on the registry pages runs as written: each is taken from the schema's descriptions and run as a
program of its own (`pulumi up`, then `pulumi destroy`) through the real CLI against the local server, checked by
its language's own tools first (tsc; gofmt, go vet and go build; mypy; Pulumi YAML). The plugin is installed by
version, as a user installs it, so the YAML programs' `packages:` pin is what selects it.

The programs of the registry's index page and of the README run too. The lookups' examples read what the
resources' examples create: the application's, the secret's and the schema registry's programs stay up (each in
a stack of its own) while the lookups run, then are destroyed too."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tarfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from testkit.pulumi import pulumi_env

from deltastream_local.runner import BackgroundServer
from deltastream_provider import __version__
from tests.e2e.conftest import ROOT, Stack, catalog_sql

pytestmark = pytest.mark.e2e
LANGUAGES = ("typescript", "go", "python", "yaml")
T = "deltastream:index:"
#: The examples whose programs stay up while the lookups' examples read them.
WORLD = (T + "Application", T + "Secret", T + "SchemaRegistry")
SECRETS = {"kafkaPassword": "kafka-s3cret", "partnerApiToken": "partner-s3cret", "registrySecret": "registry-s3cret",
           "clusterSecret": "cluster-s3cret"}
_EXAMPLE = re.compile(r"\{\{% example %\}\}\n### (?P<title>[^\n]*)\n(?P<body>.*?)\{\{% /example %\}\}", re.S)
_MAKES_DATABASE = re.compile(r"\bDatabase\(|NewDatabase\(|type: deltastream:(index:)?Database\b")
_FENCE = re.compile(r"```(?P<language>\w+)\n(?P<code>.*?)\n```", re.S)


@dataclass
class Example:
    """One program of the registry pages in one language, and the tokens whose pages show it."""

    code: str
    tokens: list[str]
    title: str

    @property
    def slug(self) -> str:
        return re.sub(r"\W+", "_", self.tokens[0].rsplit(":", 1)[-1]).lower()


def registry_examples(language: str) -> list[Example]:
    """The examples of every resource, component and function page of schema.yaml, each distinct program once."""
    schema = yaml.safe_load((ROOT / "schema.yaml").read_text())
    found: dict[str, Example] = {}
    for section in ("resources", "functions"):
        for token, spec in schema[section].items():
            assert _EXAMPLE.search(spec.get("description", "")), f"{token}'s page has no example"
            for example in _EXAMPLE.finditer(spec["description"]):
                codes = {m["language"]: m["code"] + "\n" for m in _FENCE.finditer(example["body"])}
                assert set(codes) == set(LANGUAGES), f"{token}: {example['title']} lacks {set(LANGUAGES) - set(codes)}"
                code = codes[language]
                found.setdefault(code, Example(code, [], example["title"])).tokens.append(token)
    for guide, code in guide_programs(language):
        found.setdefault(code, Example(code, [], guide)).tokens.append(guide)
    return list(found.values())


def guide_programs(language: str) -> list[tuple[str, str]]:
    """The programs of the registry's index page and of the README's "Using it" (YAML), in ``language``."""
    index = (ROOT / "registry-docs/_index.md").read_text()
    found = [("_index.md", m["code"] + "\n") for m in re.finditer(
        r"\{\{% choosable language (\w+) %\}\}\s*```(\w+)\n(?P<code>.*?)\n```", index, re.S) if m[1] == language]
    readme = (ROOT / "README.md").read_text()
    using = re.search(r"## Using it\n.*?```yaml\n(?P<code>.*?)\n```", readme, re.S)
    assert using and found, "the index or the README lost its example"
    return found + ([("README.md", using["code"] + "\n")] if language == "yaml" else [])


@pytest.fixture(scope="session")
def installed_home(toolchain: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A Pulumi home with this checkout's plugin installed as `deltastream` at the package's version, from an
    archive (as `pulumi plugin install --file` takes a release's), so programs find it by version alone."""
    folder = tmp_path_factory.mktemp("plugin")
    launcher = folder / "pulumi-resource-deltastream"
    launcher.write_text(f'#!/bin/sh\nexec "{ROOT / ".venv/bin/pulumi-resource-deltastream"}" "$@"\n')
    launcher.chmod(0o755)
    archive = folder / "plugin.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(launcher, arcname=launcher.name)
    home = tmp_path_factory.mktemp("pulumi-home")
    env = pulumi_env(tmp_path_factory.mktemp("install"), toolchain, "http://127.0.0.1:1/v2", home=home)
    sh(["pulumi", "plugin", "install", "resource", "deltastream", __version__, "--file", str(archive)], folder, env)
    return home


def sh(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result.stdout


class Project:
    """One project folder whose program is swapped for each example, and its stacks (state outlives the program, so
    a stack is destroyed after the folder holds another example)."""

    def __init__(self, language: str, directory: Path, env: dict[str, str]) -> None:
        self.language, self.directory, self.env = language, directory, env
        self.stacks: dict[str, Stack] = {}

    def stack(self, name: str) -> Stack:
        if name not in self.stacks:
            stack = Stack(self.directory, self.env, f"{name}-{uuid.uuid4().hex[:6]}")
            stack.run("stack", "init")
            stack.run("config", "set-all", *[a for k, v in SECRETS.items() for a in ("--secret", f"{k}={v}")])
            self.stacks[name] = stack
        return self.stacks[name]

    def select(self, example: Example) -> None:
        """Make ``example`` the folder's program."""
        slug = example.slug
        if self.language == "yaml":
            (self.directory / "Pulumi.yaml").write_text(example.code)
        elif self.language == "typescript":
            (self.directory / "Pulumi.yaml").write_text(
                f"name: shop\nruntime:\n  name: nodejs\n  options:\n    typescript: false\nmain: bin/{slug}.js\n")
        elif self.language == "go":
            (self.directory / "main.go").write_text((self.directory / "examples" / slug / "main.go").read_text())
        else:
            (self.directory / "__main__.py").write_text(example.code)

    def up_and_destroy(self, example: Example, stack_name: str = "examples", destroy: bool = True) -> dict[str, Any]:
        """Run ``example`` in a stack: up, its outputs, then (unless kept) destroy."""
        self.select(example)
        stack = self.stack(stack_name)
        stack.up()
        outputs: dict[str, Any] = stack.outputs()
        if destroy:
            stack.run("destroy", "--yes", "--skip-preview")
        return outputs


def prepare(language: str, directory: Path, examples: list[Example]) -> None:
    """Write the examples where their language's tools compile them, and compile what is compiled ahead."""
    directory.mkdir()
    if language == "typescript":
        (directory / "node_modules").symlink_to(ROOT / "examples/typescript/node_modules")
        for example in examples:
            (directory / f"{example.slug}.ts").write_text(example.code)
        (directory / "tsconfig.json").write_text(json.dumps({
            "compilerOptions": {"strict": True, "outDir": "bin", "target": "es2020", "module": "commonjs",
                                "moduleResolution": "node", "skipLibCheck": True},
            "files": [f"{e.slug}.ts" for e in examples]}))
        sh([str(ROOT / "examples/typescript/node_modules/.bin/tsc"), "-p", "."], directory)
    elif language == "go":
        module = (ROOT / "examples/go/go.mod").read_text()
        module = module.replace("examples/go\n", "examples/registry\n", 1)
        module = module.replace("=> ../../sdk/go", f"=> {ROOT / 'sdk/go'}")
        (directory / "go.mod").write_text(module)
        shutil.copy(ROOT / "examples/go/go.sum", directory / "go.sum")
        for example in examples:
            (directory / "examples" / example.slug).mkdir(parents=True)
            (directory / "examples" / example.slug / "main.go").write_text(example.code)
        unformatted = sh(["gofmt", "-l", "examples"], directory)
        assert not unformatted, f"examples gofmt would change:\n{unformatted}"
        sh(["go", "vet", "./examples/..."], directory)
        (directory / "Pulumi.yaml").write_text("name: shop\nruntime: go\n")
    elif language == "python":
        for example in examples:
            (directory / f"{example.slug}.py").write_text(example.code)
        sh([str(ROOT / ".venv/bin/python"), "-m", "mypy", "--ignore-missing-imports", "--no-error-summary",
            *[f"{e.slug}.py" for e in examples]], directory)
        (directory / "Pulumi.yaml").write_text(
            f"name: shop\nruntime:\n  name: python\n  options:\n    virtualenv: {ROOT / '.venv'}\n")
    else:
        pin = f"packages:\n  deltastream: deltastream@{__version__}\n"
        unpinned = [e.title for e in examples if pin not in e.code]
        assert not unpinned, f"YAML examples without the `packages:` pin: {unpinned}"


def empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_registry_example_runs_as_written(language: str, toolchain: Path, installed_home: Path,
                                               local: BackgroundServer, tmp_path: Path) -> None:
    examples = registry_examples(language)
    started = time.monotonic()
    prepare(language, tmp_path / "program", examples)
    project = Project(language, tmp_path / "program", pulumi_env(tmp_path, toolchain, local, home=installed_home))
    world = [e for e in examples if set(e.tokens) & set(WORLD)]
    # A lookup's example that makes the shared story's database itself (a materialized view's needs a stream in it)
    # runs with the others, before the world's programs hold that database.
    lookups = [e for e in examples if all(":get" in t for t in e.tokens) and not _MAKES_DATABASE.search(e.code)]
    assert len(world) == len(WORLD) and lookups
    for example in examples:
        if example not in world and example not in lookups:
            outputs = project.up_and_destroy(example)
            assert outputs and not [k for k, v in outputs.items() if empty(v)], f"{example.title}: {outputs}"
    for example in world:
        project.up_and_destroy(example, stack_name=example.slug, destroy=False)
    for example in lookups:
        outputs = project.up_and_destroy(example)
        assert outputs and not [k for k, v in outputs.items() if empty(v)], f"{example.title}: {outputs}"
    for example in world:
        project.stacks[example.slug].run("destroy", "--yes", "--skip-preview")
    for table in ("databases", "stores", "secrets", "schema_registries"):
        assert catalog_sql(local, f'SELECT name FROM deltastream.sys."{table}";') == [], f"{table} left behind"
    print(f"{language}: {len(examples)} examples in {time.monotonic() - started:.1f}s")
