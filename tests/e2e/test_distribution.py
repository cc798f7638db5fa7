"""The package as a user outside this repository gets it: the release artifacts, the plugin installed by the
real CLI (no `.venv/bin` on PATH, no `plugins:` in any program), SDKs consumed as packages, `pulumi package add`,
a YAML `packages:` entry and `pulumi package get-schema`, each in a scratch directory against the local server."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tarfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from deltastream_local.runner import BackgroundServer
from deltastream_provider import __version__
from tests.e2e.conftest import ROOT, Stack, catalog_sql, pulumi_env

pytestmark = pytest.mark.e2e
TARBALL = f"pulumi-resource-deltastream-v{__version__}-linux-amd64.tar.gz"
PLATFORMS = [f"{os_}-{arch}" for os_ in ("linux", "darwin", "windows") for arch in ("amd64", "arm64")]


def sh(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 900) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result.stdout


@dataclass
class Release:
    """The artifacts of one release build and a Pulumi home with the plugin installed from its tarball."""

    dist: Path
    home: Path
    install_seconds: float

    def user_env(self, toolchain: Path, base: Path, server: str) -> dict[str, str]:
        """A user's environment: the Pulumi CLI on PATH, no provider executable anywhere on it, no virtualenv."""
        env = pulumi_env(base, toolchain, server, home=self.home)
        env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                      if p and not (Path(p) / "pulumi-resource-deltastream").exists())
        return {k: v for k, v in env.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}


@pytest.fixture(scope="session")
def release(toolchain: Path, tmp_path_factory: pytest.TempPathFactory) -> Release:
    dist = tmp_path_factory.mktemp("dist")
    sh([sys.executable, str(ROOT / "scripts/build_release.py"), "--out", str(dist)], ROOT)
    home = tmp_path_factory.mktemp("pulumi-home")
    env = Release(dist, home, 0).user_env(toolchain, tmp_path_factory.mktemp("install"), "http://127.0.0.1:1/v2")
    started = time.monotonic()
    sh(["pulumi", "plugin", "install", "resource", "deltastream", __version__, "--file", str(dist / TARBALL)],
       tmp_path_factory.mktemp("cwd"), env)
    return Release(dist, home, time.monotonic() - started)


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    directory = tmp_path / "program"
    directory.mkdir()
    assert ROOT not in directory.parents
    return directory


def user_stack(directory: Path, env: dict[str, str]) -> Stack:
    stack = Stack(directory, env, f"user-{uuid.uuid4().hex[:8]}")
    stack.run("stack", "init")
    return stack


def up_preview_destroy(stack: Stack, local: BackgroundServer) -> str:
    """The user's cycle: up, a no-change preview, destroy; nothing is left on the server."""
    out = stack.up()
    stack.preview("--expect-no-changes")
    stack.run("destroy", "--yes")
    assert catalog_sql(local, 'SELECT name FROM deltastream.sys."databases";') == []
    assert catalog_sql(local, 'SELECT name FROM deltastream.sys."stores";') == []
    return out


def without_plugins_section(example: str, directory: Path) -> None:
    project = yaml.safe_load((ROOT / "examples" / example / "Pulumi.yaml").read_text())
    project.pop("plugins")
    (directory / "Pulumi.yaml").write_text(yaml.safe_dump(project))


# --- artifacts ------------------------------------------------------------------------------------

def test_release_artifacts(release: Release) -> None:
    names = {p.name for p in release.dist.iterdir()}
    for platform in PLATFORMS:
        assert f"pulumi-resource-deltastream-v{__version__}-{platform}.tar.gz" in names
    assert {f"pulumi_deltastream_provider-{__version__}-py3-none-any.whl",
            f"pulumi_deltastream_provider-{__version__}.tar.gz", "schema.json", "schema.yaml"} <= names
    sums = dict(reversed(line.split("  ")) for line in (release.dist / "checksums.txt").read_text().splitlines())
    assert set(sums) == names - {"checksums.txt"}
    import hashlib

    assert all(hashlib.sha256((release.dist / n).read_bytes()).hexdigest() == s for n, s in sums.items())
    with tarfile.open(release.dist / TARBALL) as archive:
        members = set(archive.getnames())
        requirements = archive.extractfile("requirements.txt").read().decode()  # type: ignore[union-attr]
    assert {"PulumiPlugin.yaml", "__main__.py", "requirements.txt", "deltastream_provider/server.py",
            "deltastream_components/pipeline.py"} <= members
    assert not any(m.startswith("deltastream_local") for m in members)
    for local_only in ("aiohttp", "lark", "psycopg"):  # the local server's dependencies stay out of the plugin
        assert local_only not in requirements
    assert json.loads((release.dist / "schema.json").read_text()) == yaml.safe_load((ROOT / "schema.yaml").read_text())


def test_installed_plugin_has_its_own_virtualenv(release: Release) -> None:
    plugin = release.home / "plugins" / f"resource-deltastream-v{__version__}"
    assert (plugin / "PulumiPlugin.yaml").exists() and (plugin / "venv" / "bin" / "python").exists()
    sh([str(plugin / "venv/bin/python"), "-c", "import pulumi, grpc, httpx, cryptography"], plugin)
    leaked = subprocess.run([str(plugin / "venv/bin/python"), "-c", "import aiohttp"], capture_output=True)
    assert leaked.returncode != 0, "the local server's dependencies were installed into the plugin"


def test_get_schema_from_the_installed_plugin(release: Release, toolchain: Path, scratch: Path) -> None:
    env = release.user_env(toolchain, scratch.parent, "http://127.0.0.1:1/v2")
    schema = json.loads(sh(["pulumi", "package", "get-schema", f"deltastream@{__version__}"], scratch, env))
    assert schema == yaml.safe_load((ROOT / "schema.yaml").read_text())


# --- the installed plugin from TypeScript and Go --------------------------------------------------

@pytest.fixture(scope="session")
def node_sdk_tarball(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Node.js SDK as npm would publish it."""
    out = tmp_path_factory.mktemp("npm")
    name = sh(["npm", "pack", "--pack-destination", str(out), str(ROOT / "sdk/nodejs/bin")], ROOT).strip().splitlines()
    return out / name[-1]


def test_installed_plugin_runs_a_typescript_pipeline(release: Release, node_sdk_tarball: Path, toolchain: Path,
                                                    local: BackgroundServer, scratch: Path) -> None:
    example = ROOT / "examples/pipeline-typescript"
    for name in ("index.ts", "tsconfig.json"):
        shutil.copy(example / name, scratch / name)
    manifest = json.loads((example / "package.json").read_text())
    manifest["dependencies"]["@pulumi-deltastream/deltastream"] = f"file:{node_sdk_tarball}"
    (scratch / "package.json").write_text(json.dumps(manifest, indent=2))
    without_plugins_section("pipeline-typescript", scratch)
    sh(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], scratch)
    stack = user_stack(scratch, release.user_env(toolchain, scratch.parent, local.url))
    up_preview_destroy(stack, local)


def test_installed_plugin_runs_a_go_program(release: Release, toolchain: Path, local: BackgroundServer,
                                           scratch: Path) -> None:
    module = scratch.parent / "deltastream-sdk-go"
    shutil.copytree(ROOT / "sdk/go", module)
    for name in ("main.go", "go.mod", "go.sum"):
        shutil.copy(ROOT / "examples/go" / name, scratch / name)
    sh(["go", "mod", "edit", f"-replace=github.com/pulumi-deltastream/pulumi-deltastream/sdk/go={module}"], scratch)
    without_plugins_section("go", scratch)
    stack = user_stack(scratch, release.user_env(toolchain, scratch.parent, local.url))
    stack.run("config", "set", "--secret", "kafkaPassword", "user-secret")
    up_preview_destroy(stack, local)


# --- pulumi package add and packages: ------------------------------------------------------------

@pytest.fixture(scope="session")
def plugin_source(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin as a folder, as `pulumi package add <path>` takes it."""
    directory = tmp_path_factory.mktemp("plugin") / "pulumi-deltastream"
    with tarfile.open(release.dist / TARBALL) as archive:
        archive.extractall(directory, filter="data")
    return directory


def test_package_add_to_a_typescript_program(release: Release, plugin_source: Path, toolchain: Path,
                                             local: BackgroundServer, scratch: Path) -> None:
    (scratch / "Pulumi.yaml").write_text("name: added-ts\nruntime: nodejs\n")
    (scratch / "package.json").write_text(json.dumps({
        "name": "added-ts", "private": True, "main": "index.ts",
        "dependencies": {"@pulumi/pulumi": "3.248.0"},
        "devDependencies": {"@types/node": "^20", "typescript": "^4.9.5"}}))
    (scratch / "index.ts").write_text('import * as deltastream from "@pulumi-deltastream/deltastream";\n'
                                      'const db = new deltastream.Database("db", { name: "added_ts" });\n'
                                      "export const owner = db.owner;\n")
    sh(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], scratch)
    env = release.user_env(toolchain, scratch.parent, local.url)
    added = sh(["pulumi", "package", "add", str(plugin_source)], scratch, env)
    assert "@pulumi-deltastream/deltastream" in added
    assert yaml.safe_load((scratch / "Pulumi.yaml").read_text())["packages"]["deltastream"] == str(plugin_source)
    stack = user_stack(scratch, env)
    assert '"sysadmin"' in stack.up() or stack.outputs()["owner"] == "sysadmin"
    stack.run("destroy", "--yes")
    assert catalog_sql(local, 'SELECT name FROM deltastream.sys."databases";') == []


def test_package_add_to_a_go_program(release: Release, plugin_source: Path, toolchain: Path,
                                     local: BackgroundServer, scratch: Path) -> None:
    (scratch / "Pulumi.yaml").write_text("name: added-go\nruntime: go\n")
    (scratch / "main.go").write_text('''package main

import (
	"github.com/pulumi-deltastream/pulumi-deltastream/sdk/go/deltastream"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		db, err := deltastream.NewDatabase(ctx, "db", &deltastream.DatabaseArgs{Name: pulumi.String("added_go")})
		if err != nil {
			return err
		}
		ctx.Export("owner", db.Owner)
		return nil
	})
}
''')
    shutil.copy(ROOT / "examples/go/go.sum", scratch / "go.sum")
    (scratch / "go.mod").write_text("module example.com/added-go\n\ngo 1.26\n\n"
                                    "require github.com/pulumi/pulumi/sdk/v3 v3.274.1\n")
    env = release.user_env(toolchain, scratch.parent, local.url)
    sh(["pulumi", "package", "add", str(plugin_source)], scratch, env)
    assert "replace github.com/pulumi-deltastream/pulumi-deltastream/sdk/go =>" in (scratch / "go.mod").read_text()
    stack = user_stack(scratch, env)
    stack.up()
    assert stack.outputs()["owner"] == "sysadmin"
    stack.run("destroy", "--yes")
    assert catalog_sql(local, 'SELECT name FROM deltastream.sys."databases";') == []


def test_yaml_program_with_a_packages_entry(release: Release, toolchain: Path, local: BackgroundServer,
                                            scratch: Path) -> None:
    (scratch / "Pulumi.yaml").write_text(f"""name: packaged-yaml
runtime: yaml
packages:
  deltastream: deltastream@{__version__}
resources:
  db:
    type: deltastream:index:Database
    properties: {{ name: packaged_yaml }}
outputs:
  owner: ${{db.owner}}
""")
    stack = user_stack(scratch, release.user_env(toolchain, scratch.parent, local.url))
    stack.up()
    assert stack.outputs()["owner"] == "sysadmin"
    # An installed plugin is versioned, so Pulumi keeps its schema (where depends on the engine's and the YAML
    # host's versions): later YAML commands start no provider process just to read it. The stack benchmark runs
    # its provider as a versioned plugin for the same reason.
    cached = [*release.home.glob(f"schemas/deltastream-{__version__}*.json"),
              *release.home.glob(f"plugins/schema-deltastream-{__version__}*.json")]
    assert cached and json.loads(cached[0].read_text())["name"] == "deltastream"
    stack.preview("--expect-no-changes")
    stack.run("destroy", "--yes")


# --- what a release runs -------------------------------------------------------------------------

def test_verify_script_passes_on_the_built_artifacts(release: Release, toolchain: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "DELTASTREAM_", "VIRTUAL_ENV"))}
    result = subprocess.run(["bash", str(ROOT / "scripts/verify-release.sh"), str(release.dist)], env=env,
                            capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert f"verify-release: {__version__} OK" in result.stderr


def test_verify_script_refuses_tampered_artifacts(release: Release, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    shutil.copytree(release.dist, dist)
    (dist / TARBALL).write_bytes(b"not the release")
    result = subprocess.run(["bash", str(ROOT / "scripts/verify-release.sh"), str(dist)], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode != 0 and TARBALL in result.stdout + result.stderr


def test_workflows_pass_actionlint(toolchain: Path) -> None:
    workflows = sorted(str(p) for p in (ROOT / ".github/workflows").glob("*.yml"))
    assert any(w.endswith("release.yml") for w in workflows)
    sh([str(toolchain / "actionlint"), *workflows], ROOT)


def test_registry_pages_are_placed_where_the_registry_reads_them(tmp_path: Path) -> None:
    sh(["bash", str(ROOT / "scripts/registry-docs.sh"), str(tmp_path / "docs")], ROOT)
    for page in ("_index.md", "installation-configuration.md"):
        text = (tmp_path / "docs" / page).read_text()
        assert text == (ROOT / "registry-docs" / page).read_text() and text.startswith("---\n")
    installation = (tmp_path / "docs/installation-configuration.md").read_text()
    for route in ("pulumi plugin install resource deltastream", "pulumi package add", "packages:",
                  "npm install @pulumi-deltastream/deltastream", "go get github.com/pulumi-deltastream"):
        assert route in installation


@pytest.mark.parametrize("pulumi_version", ["3.200.0", "3.248.0"])
def test_node_sdk_compiles_at_both_ends_of_its_pulumi_range(pulumi_version: str, tmp_path: Path) -> None:
    from deltastream_provider.model.schema import NODE_PULUMI_RANGE

    assert NODE_PULUMI_RANGE == ">=3.200.0 <3.249.0"
    sdk = tmp_path / "nodejs"
    shutil.copytree(ROOT / "sdk/nodejs", sdk, ignore=shutil.ignore_patterns("node_modules", "bin"))
    sh(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error", f"@pulumi/pulumi@{pulumi_version}",
        "typescript@^4.9.5", "@types/node@^20"], sdk)
    assert json.loads((sdk / "node_modules/@pulumi/pulumi/package.json").read_text())["version"] == pulumi_version
    sh(["npx", "--no-install", "tsc", "--noEmit", "-p", "."], sdk)


def test_go_sdk_is_a_tidy_module(toolchain: Path) -> None:
    assert (ROOT / "sdk/go/go.sum").exists()
    sh(["go", "build", "./..."], ROOT / "sdk/go")
    sh(["go", "vet", "./..."], ROOT / "sdk/go")
    sh(["go", "mod", "verify"], ROOT / "sdk/go")
