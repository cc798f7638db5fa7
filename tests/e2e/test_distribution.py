"""The package as a user outside this repository gets it: the release artifacts, the plugin installed by the
real CLI (no `.venv/bin` on PATH, no `plugins:` in any program), SDKs consumed as packages, `pulumi package add`,
a YAML `packages:` entry and `pulumi package get-schema`, each in a scratch directory against the local server."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import tarfile
import uuid
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from deltastream_local.runner import BackgroundServer
from deltastream_provider import __version__
from deltastream_provider.kinds.terraform import mapping_json
from tests.e2e.conftest import ROOT, Stack, catalog_sql, pulumi_env

pytestmark = pytest.mark.e2e
BINARY = f"pulumi-resource-deltastream-v{__version__}-linux-amd64.tar.gz"
SOURCE = f"pulumi-resource-deltastream-v{__version__}-source.tar.gz"
PLATFORMS = [f"{os_}-{arch}" for os_ in ("linux", "darwin", "windows") for arch in ("amd64", "arm64")]
EXECUTABLE = "pulumi-resource-deltastream"


def sh(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 900) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result.stdout


def binary_cache(toolchain: Path) -> Path:
    """Beside the toolchain's cache: the frozen plugin is rebuilt only when its inputs change."""
    return toolchain.parent.parent / "plugin-binary"


def bare_path(toolchain: Path, folder: Path) -> str:
    """A PATH of links to the Pulumi CLI, the Node.js and Go language hosts and what they run (node, npm, sh, go): no
    Python anywhere on it."""
    folder.mkdir(parents=True, exist_ok=True)
    tools = {p.name: p.resolve() for p in toolchain.iterdir()
             if p.name.startswith("pulumi") and not p.name.startswith("pulumi-language-python")}
    for name in ("node", "npm", "sh", "go"):
        tools[name] = Path(shutil.which(name) or name).resolve()
    for name, target in tools.items():
        (folder / name).unlink(missing_ok=True)
        (folder / name).symlink_to(target)
    assert shutil.which("python3", path=str(folder)) is None and shutil.which("python", path=str(folder)) is None
    return str(folder)


@dataclass
class Release:
    """The artifacts of one release build (this machine's executable plugin under ``BINARY``), a Pulumi home with
    that plugin installed without Python on PATH, and one with the source plugin installed."""

    dist: Path
    home: Path
    source_home: Path

    def user_env(self, toolchain: Path, base: Path, server: str) -> dict[str, str]:
        """A user's environment for the executable plugin: PATH holds the CLI, the language hosts, node and go."""
        env = pulumi_env(base, toolchain, server, home=self.home)
        env["PATH"] = bare_path(toolchain, base / "bare-bin")
        return {k: v for k, v in env.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}

    def source_env(self, toolchain: Path, base: Path, server: str) -> dict[str, str]:
        """A user's environment for the source plugin: the CLI and python3 on PATH, no provider executable."""
        env = pulumi_env(base, toolchain, server, home=self.source_home)
        env["PATH"] = os.pathsep.join(p for p in env["PATH"].split(os.pathsep)
                                      if p and not (Path(p) / EXECUTABLE).exists())
        return {k: v for k, v in env.items() if not k.startswith(("VIRTUAL_ENV", "PYTHON"))}


@pytest.fixture(scope="session")
def release(toolchain: Path, tmp_path_factory: pytest.TempPathFactory) -> Release:
    dist = tmp_path_factory.mktemp("dist")
    sh([sys.executable, str(ROOT / "scripts/build_release.py"), "--out", str(dist), "--binary",
        "--cache", str(binary_cache(toolchain))], ROOT, timeout=1200)
    made = Release(dist, tmp_path_factory.mktemp("pulumi-home"), tmp_path_factory.mktemp("pulumi-source-home"))
    for home, archive, env_of in ((made.home, BINARY, made.user_env), (made.source_home, SOURCE, made.source_env)):
        env = env_of(toolchain, tmp_path_factory.mktemp("install"), "http://127.0.0.1:1/v2")
        env["PULUMI_HOME"] = str(home)
        sh(["pulumi", "plugin", "install", "resource", "deltastream", __version__, "--file", str(dist / archive)],
           tmp_path_factory.mktemp("cwd"), env)
    return made


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
    assert {SOURCE, f"pulumi_deltastream_provider-{__version__}-py3-none-any.whl",
            f"pulumi_deltastream_provider-{__version__}.tar.gz", "schema.json", "schema.yaml",
            "deltastream.json"} <= names
    # the Terraform mapping, named as `pulumi convert --mappings` keys it, is what the plugin's GetMapping answers
    assert (release.dist / "deltastream.json").read_bytes() == mapping_json()
    sums = dict(reversed(line.split("  ")) for line in (release.dist / "checksums.txt").read_text().splitlines())
    assert set(sums) == names - {"checksums.txt"}
    import hashlib

    assert all(hashlib.sha256((release.dist / n).read_bytes()).hexdigest() == s for n, s in sums.items())
    with tarfile.open(release.dist / SOURCE) as archive:
        members = set(archive.getnames())
        requirements = archive.extractfile("requirements.txt").read().decode()  # type: ignore[union-attr]
    assert {"PulumiPlugin.yaml", "__main__.py", "requirements.txt", "deltastream_provider/__init__.py",
            "deltastream_components/pipeline.py"} <= members
    assert requirements == (ROOT / "plugin/requirements.txt").read_text()
    assert not any(m.startswith("deltastream_local") for m in members)
    for local_only in ("aiohttp", "lark", "psycopg"):  # the local server's dependencies stay out of the plugin
        assert local_only not in requirements
    # Platforms the release builds no executable for get the source plugin under their name.
    darwin = release.dist / f"pulumi-resource-deltastream-v{__version__}-darwin-arm64.tar.gz"
    assert darwin.read_bytes() == (release.dist / SOURCE).read_bytes()
    assert json.loads((release.dist / "schema.json").read_text()) == yaml.safe_load((ROOT / "schema.yaml").read_text())


def test_executable_archive_brings_its_own_python_and_not_the_local_server(release: Release) -> None:
    with tarfile.open(release.dist / BINARY) as archive:
        members = {m.name: m for m in archive.getmembers()}
    assert members[EXECUTABLE].isfile() and members[EXECUTABLE].mode & 0o111
    assert "PulumiPlugin.yaml" not in members and "requirements.txt" not in members
    internal = {name.split("/")[1] for name in members if name.startswith("_internal/")}
    assert any(name.startswith("libpython3") for name in internal)
    assert {"deltastream_provider", "deltastream_components", "grpc", "pulumi", "cryptography"} <= internal
    assert not internal & {"deltastream_local", "aiohttp", "lark", "psycopg", "psycopg_binary", "pytest"}


def test_executable_plugin_installed_without_python(release: Release, toolchain: Path, scratch: Path) -> None:
    plugin = release.home / "plugins" / f"resource-deltastream-v{__version__}"
    assert (plugin / EXECUTABLE).is_file() and os.access(plugin / EXECUTABLE, os.X_OK)
    assert not (plugin / "venv").exists() and not (plugin / "PulumiPlugin.yaml").exists()
    env = release.user_env(toolchain, scratch.parent, "http://127.0.0.1:1/v2")
    listed = json.loads(sh(["pulumi", "plugin", "ls", "--json"], scratch, env))
    assert [(p["name"], p["kind"], p["version"]) for p in listed] == [("deltastream", "resource", __version__)]


def test_installed_plugin_has_its_own_virtualenv(release: Release) -> None:
    plugin = release.source_home / "plugins" / f"resource-deltastream-v{__version__}"
    assert (plugin / "PulumiPlugin.yaml").exists() and (plugin / "venv" / "bin" / "python").exists()
    sh([str(plugin / "venv/bin/python"), "-c", "import pulumi, grpc, httpx, cryptography"], plugin)
    leaked = subprocess.run([str(plugin / "venv/bin/python"), "-c", "import aiohttp"], capture_output=True)
    assert leaked.returncode != 0, "the local server's dependencies were installed into the plugin"


def test_get_schema_from_the_installed_plugin(release: Release, toolchain: Path, scratch: Path) -> None:
    env = release.user_env(toolchain, scratch.parent, "http://127.0.0.1:1/v2")
    schema = json.loads(sh(["pulumi", "package", "get-schema", f"deltastream@{__version__}"], scratch, env))
    assert schema == yaml.safe_load((ROOT / "schema.yaml").read_text())


# --- the doctor where the hints point ------------------------------------------------------------

def installed(home: Path) -> Path:
    return home / "plugins" / f"resource-deltastream-v{__version__}"


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def marks(doctor_output: str) -> list[str]:
    return [line.split()[0] for line in doctor_output.splitlines() if line[:4] in ("PASS", "FAIL", "skip")]


def test_the_executable_plugin_answers_doctor(release: Release, toolchain: Path, local: BackgroundServer,
                                              scratch: Path) -> None:
    """The plugin installed from its archive (no Python on PATH) runs the doctor's checks with its flags."""
    plugin = installed(release.home) / EXECUTABLE
    env = release.user_env(toolchain, scratch.parent, local.url)
    assert marks(sh([str(plugin), "doctor"], scratch, env)) == ["PASS"] * 9
    assert [c["status"] for c in json.loads(sh([str(plugin), "doctor", "--json"], scratch, env))] == ["pass"] * 9
    refused = subprocess.run([str(plugin), "doctor", "--server", f"http://127.0.0.1:{closed_port()}/v2"], cwd=scratch,
                             env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert marks(refused.stdout) == ["PASS", "PASS", "FAIL", *["skip"] * 6], refused.stdout
    assert "fix:" in refused.stdout and "Traceback" not in refused.stdout + refused.stderr


def test_the_executable_plugin_gives_usage_not_a_traceback(release: Release) -> None:
    plugin = str(installed(release.home) / EXECUTABLE)
    wrong = subprocess.run([plugin, "bogus-arg"], capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and "usage: pulumi-resource-deltastream" in wrong.stderr, wrong.stderr
    assert "bogus-arg" in wrong.stderr and "Traceback" not in wrong.stdout + wrong.stderr
    helped = subprocess.run([plugin, "--help"], capture_output=True, text=True, timeout=60)
    assert helped.returncode == 0 and "usage: pulumi-resource-deltastream" in helped.stdout
    assert "doctor" in helped.stdout
    # The same flags as the operator command's doctor.
    flags = [subprocess.run([*command, "--help"], capture_output=True, text=True, timeout=60, check=True).stdout
             for command in ([plugin, "doctor"], [str(Path(sys.executable).parent / "deltastream-provider"), "doctor"])]
    assert [re.findall(r"^  (--[a-z-]+)", text, re.M) for text in flags] == \
        [["--server", "--api-key", "--organization", "--role", "--insecure-skip-verify", "--stack", "--json",
          "--help"]] * 2


LOOKUP = """name: doctor-hint
runtime: yaml
variables:
  databases:
    fn::invoke:
      function: deltastream:index:getDatabases
      arguments: {}
outputs:
  databases: ${databases}
"""


@pytest.mark.parametrize("route", ["executable", "source"])
def test_a_hint_names_the_doctor_the_installed_plugin_has(route: str, release: Release, toolchain: Path,
                                                         local: BackgroundServer, scratch: Path) -> None:
    """A wrong role: the error's hint names a doctor command that exists for this install route (the plugin's own;
    neither route brings `deltastream-provider`), and that command finds the wrong role."""
    home = release.home if route == "executable" else release.source_home
    env = (release.user_env if route == "executable" else release.source_env)(toolchain, scratch.parent, local.url)
    env["DELTASTREAM_ROLE"] = "no_such_role"
    (scratch / "Pulumi.yaml").write_text(LOOKUP)
    failed = user_stack(scratch, env).preview(check=False)
    output = failed.stdout + failed.stderr
    hinted = re.search(r"`([^`]* doctor)`", output)
    assert failed.returncode != 0 and hinted, output
    command = shlex.split(hinted.group(1))
    plugin = installed(home)
    if route == "executable":
        assert command == [str(plugin / EXECUTABLE), "doctor"]
    else:
        assert Path(command[0]).parent == plugin / "venv/bin" and command[1:] == [str(plugin), "doctor"], command
    doctor = subprocess.run(command, cwd=scratch, env=env, capture_output=True, text=True, timeout=120)
    assert doctor.returncode == 1, doctor.stdout + doctor.stderr
    assert "FAIL  role usable" in doctor.stdout and "Traceback" not in doctor.stderr, doctor.stdout + doctor.stderr


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
    """The source plugin as a folder, as `pulumi package add <path>` takes it."""
    directory = tmp_path_factory.mktemp("plugin") / "pulumi-deltastream"
    with tarfile.open(release.dist / SOURCE) as archive:
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
    env = release.user_env(toolchain, scratch.parent, local.url)
    sh(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], scratch, env)
    # The installed executable plugin by name and version: nothing of a path recorded, no virtualenv anywhere.
    added = sh(["pulumi", "package", "add", f"deltastream@{__version__}"], scratch, env)
    assert "@pulumi-deltastream/deltastream" in added
    assert yaml.safe_load((scratch / "Pulumi.yaml").read_text())["packages"]["deltastream"] == \
        f"deltastream@{__version__}"
    assert not [p for p in scratch.rglob("pyvenv.cfg")]
    stack = user_stack(scratch, env)
    assert '"sysadmin"' in stack.up() or stack.outputs()["owner"] == "sysadmin"
    stack.run("destroy", "--yes")
    assert catalog_sql(local, 'SELECT name FROM deltastream.sys."databases";') == []


def test_package_add_of_the_source_folder_to_a_go_program(release: Release, plugin_source: Path, toolchain: Path,
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
    env = release.source_env(toolchain, scratch.parent, local.url)
    sh(["pulumi", "package", "add", str(plugin_source)], scratch, env)
    assert "replace github.com/pulumi-deltastream/pulumi-deltastream/sdk/go =>" in (scratch / "go.mod").read_text()
    # A folder plugin runs in place: its virtualenv is made inside that folder (the guide says so), never in
    # the program's.
    assert (plugin_source / "venv/pyvenv.cfg").exists() and not [p for p in scratch.rglob("pyvenv.cfg")]
    stack = user_stack(scratch, env)
    stack.up()
    assert stack.outputs()["owner"] == "sysadmin"
    stack.run("destroy", "--yes")
    assert catalog_sql(local, 'SELECT name FROM deltastream.sys."databases";') == []


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
    (dist / BINARY).write_bytes(b"not the release")
    result = subprocess.run(["bash", str(ROOT / "scripts/verify-release.sh"), str(dist)], capture_output=True,
                            text=True, timeout=600)
    assert result.returncode != 0 and BINARY in result.stdout + result.stderr


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
    from deltastream_provider.kinds.schema import NODE_PULUMI_RANGE

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


# --- beside DeltaStream's own plugin --------------------------------------------------------------

OTHER_VERSION = "1.0.1"  # DeltaStream's own provider, deltastreaminc/pulumi-deltastream: same name and tokens


def install_the_other_plugin(home: Path, marker: Path) -> None:
    """DeltaStream's own plugin in the plugin cache at a newer version: its real binary when the folder beside the
    repository has it, else a stand-in; either way started through a wrapper that records that it was."""
    folder = home / "plugins" / f"resource-deltastream-v{OTHER_VERSION}"
    folder.mkdir(parents=True)
    real = ROOT.parent / "shared/upstream" / EXECUTABLE
    if real.is_file():
        shutil.copy(real, folder / "upstream")
        then = f'exec "{folder / "upstream"}" "$@"'
    else:
        then = "exit 1"
    (folder / EXECUTABLE).write_text(f'#!/bin/sh\necho started >> "{marker}"\n{then}\n')
    (folder / EXECUTABLE).chmod(0o755)


def test_sdk_program_never_resolves_to_deltastreams_own_plugin(release: Release, node_sdk_tarball: Path,
                                                               toolchain: Path, local: BackgroundServer,
                                                               scratch: Path, tmp_path: Path) -> None:
    home, marker = tmp_path / "both-plugins", tmp_path / "other-started"
    shutil.copytree(release.home / "plugins", home / "plugins", symlinks=True)
    install_the_other_plugin(home, marker)
    env = {**release.user_env(toolchain, scratch.parent, local.url), "PULUMI_HOME": str(home)}
    listed = json.loads(sh(["pulumi", "plugin", "ls", "--json"], scratch, env))
    assert sorted(p["version"] for p in listed if p["name"] == "deltastream") == [__version__, OTHER_VERSION]

    # The trap is real: a program that names no version gets the newest plugin of that name, the other one.
    unpinned = scratch.parent / "unpinned"
    unpinned.mkdir()
    (unpinned / "Pulumi.yaml").write_text("name: unpinned\nruntime: yaml\nresources:\n  db:\n"
                                          "    type: deltastream:index:Database\n    properties: { name: unpinned }\n")
    user_stack(unpinned, env).preview(check=False)
    assert marker.exists()
    marker.unlink()

    # This package's SDK names its version (and download URL) on every resource: the engine starts this plugin.
    for name in ("index.ts", "tsconfig.json"):
        shutil.copy(ROOT / "examples/typescript" / name, scratch / name)
    manifest = json.loads((ROOT / "examples/typescript/package.json").read_text())
    manifest["dependencies"]["@pulumi-deltastream/deltastream"] = f"file:{node_sdk_tarball}"
    (scratch / "package.json").write_text(json.dumps(manifest, indent=2))
    without_plugins_section("typescript", scratch)
    sh(["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"], scratch, env)
    stack = user_stack(scratch, env)
    stack.run("config", "set", "--secret", "kafkaPassword", "user-secret")
    stack.up()
    providers = stack.resources("pulumi:providers:deltastream")
    assert [p["inputs"]["version"] for p in providers] == [__version__]
    stack.preview("--expect-no-changes")
    stack.run("destroy", "--yes")
    assert not marker.exists(), "DeltaStream's own plugin was started for a program using this package's SDK"
