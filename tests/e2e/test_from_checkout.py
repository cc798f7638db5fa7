"""The install guide's "from a checkout, offline" route, followed literally: `scripts/from-checkout.sh` builds the
artifacts and prints the commands; each printed command runs as printed, in a program's folder where it says so,
and the programs then come up, preview with no changes and are destroyed against the local server."""

from __future__ import annotations

import json
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

from deltastream_local.runner import BackgroundServer
from deltastream_provider import __version__
from tests.e2e.conftest import ROOT, Stack, catalog_sql, pulumi_env
from tests.e2e.test_distribution import bare_path, sh

pytestmark = pytest.mark.e2e


def printed_commands(out: Path) -> list[str]:
    text = sh(["bash", str(ROOT / "scripts/from-checkout.sh"), str(out)], ROOT, timeout=1200)
    return [line for line in text.splitlines() if line and not line.startswith("#")]


def run(command: str, cwd: Path, env: dict[str, str]) -> None:
    result = subprocess.run(["/bin/sh", "-c", command], cwd=cwd, env=env, capture_output=True, text=True,
                            timeout=900)
    assert result.returncode == 0, f"{command}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"


def test_from_a_checkout_offline(toolchain: Path, local: BackgroundServer, tmp_path: Path) -> None:
    install, node, go, operator = printed_commands(tmp_path / "out")
    assert install.startswith(f"pulumi plugin install resource deltastream {__version__} --file ")
    env = pulumi_env(tmp_path, toolchain, local)
    env["PATH"] = bare_path(toolchain, tmp_path / "bare-bin")  # no Python on it
    run(install, tmp_path, env)

    program = tmp_path / "ts"
    program.mkdir()
    for name in ("index.ts", "tsconfig.json", "package.json"):
        shutil.copy(ROOT / "examples/typescript" / name, program / name)
    manifest = json.loads((program / "package.json").read_text())
    del manifest["dependencies"]["@pulumi-deltastream/deltastream"]
    (program / "package.json").write_text(json.dumps(manifest))
    (program / "Pulumi.yaml").write_text("name: from-checkout\nruntime: nodejs\n")
    run(node, program, env)
    stack = Stack(program, env, f"checkout-{uuid.uuid4().hex[:8]}")
    stack.run("stack", "init")
    stack.run("config", "set", "--secret", "kafkaPassword", "checkout-secret")
    stack.up()
    assert [p["inputs"]["version"] for p in stack.resources("pulumi:providers:deltastream")] == [__version__]
    stack.preview("--expect-no-changes")
    stack.run("destroy", "--yes")
    assert catalog_sql(local, 'SELECT name FROM deltastream.sys."databases";') == []

    gomod = tmp_path / "go"
    gomod.mkdir()
    for name in ("main.go", "go.mod", "go.sum"):
        shutil.copy(ROOT / "examples/go" / name, gomod / name)
    run(go, gomod, env)
    assert f"=> {tmp_path / 'out/sdk-go'}" in (gomod / "go.mod").read_text()
    run("go vet .", gomod, env)

    venv = tmp_path / "operator"
    subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
    run(operator, tmp_path, {**env, "PATH": f"{venv / 'bin'}:/usr/bin:/bin"})
    assert "doctor" in sh([str(venv / "bin/deltastream-provider"), "--help"], tmp_path)
