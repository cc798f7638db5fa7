"""The generated SDKs: current with schema.yaml, compiled by each language's own tools, and used by
the examples, which run through the real CLI against the local server (acceptance scenario 1)."""

from __future__ import annotations

import filecmp
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import ROOT, catalog_sql, pulumi_env

pytestmark = pytest.mark.e2e
IGNORED = {"bin", "node_modules", "__pycache__", "build", "package-lock.json"}  # build outputs, not generated


def differences(left: Path, right: Path) -> list[str]:
    comparison = filecmp.dircmp(left, right, ignore=list(IGNORED))
    names = comparison.left_only + comparison.right_only + comparison.diff_files
    found = [f"{left / n}" for n in names if not n.endswith(".egg-info")]
    for name in comparison.common_dirs:
        found += differences(left / name, right / name)
    return found


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 600) -> str:
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
    return result.stdout


def test_checked_in_sdks_match_the_schema(toolchain: Path, tmp_path: Path) -> None:
    run(["bash", str(ROOT / "scripts/gen-sdk.sh"), str(tmp_path)], ROOT)
    stale = differences(ROOT / "sdk", tmp_path)
    assert not stale, f"sdk/ is stale against schema.yaml: run scripts/gen-sdk.sh ({stale[:5]})"


def test_node_sdk_compiles_with_tsc(toolchain: Path) -> None:
    run(["npx", "--no-install", "tsc", "--noEmit", "-p", "."], ROOT / "sdk/nodejs")
    run(["npx", "--no-install", "tsc", "--noEmit", "-p", "."], ROOT / "examples/typescript")


def test_go_sdk_builds_and_vets(toolchain: Path) -> None:
    package = "github.com/pulumi-deltastream/pulumi-deltastream/sdk/go/deltastream/..."
    run(["go", "build", package], ROOT / "examples/go")
    run(["go", "vet", package, "."], ROOT / "examples/go")


def test_python_sdk_imports_and_type_checks(toolchain: Path) -> None:
    python = str(ROOT / ".venv/bin/python")
    run([python, "-c", "import pulumi_deltastream_community as d; assert d.DeltaStreamObject and d.get_objects"], ROOT)
    for program in ("examples/python/__main__.py", "examples/pipeline-python/__main__.py"):
        run([python, "-m", "mypy", "--ignore-missing-imports", "--no-error-summary", program], ROOT)


@pytest.mark.parametrize("example", ["typescript", "go", "python", "yaml"])
def test_example_runs_against_the_local_server(example: str, toolchain: Path, local: BackgroundServer,
                                               tmp_path: Path) -> None:
    env = pulumi_env(tmp_path, toolchain, local)
    directory = ROOT / "examples" / example
    stack = f"e2e-{example}-{uuid.uuid4().hex[:8]}"
    pulumi = ["pulumi", "--non-interactive", "--stack", stack]
    run(["pulumi", "stack", "init", stack, "--non-interactive"], directory, env)
    try:
        run([*pulumi[:2], "config", "set", "--secret", "kafkaPassword", "example-secret", "--stack", stack],
            directory, env)
        started = time.monotonic()
        run([*pulumi, "up", "--yes", "--skip-preview"], directory, env)
        up_seconds = time.monotonic() - started
        outputs = run([*pulumi, "stack", "output", "--json"], directory, env)
        assert '"storeStatus": "ready"' in outputs or '"storeStatus":"ready"' in outputs.replace(" ", "")
        assert "example-secret" not in run([*pulumi, "stack", "export"], directory, env)
        run([*pulumi, "preview", "--expect-no-changes"], directory, env)
        run([*pulumi, "destroy", "--yes"], directory, env)
        assert catalog_sql(local, 'SELECT name FROM deltastream.sys."databases";') == [], "destroy left databases"
        print(f"{example}: pulumi up took {up_seconds:.1f}s")
    finally:
        subprocess.run([*pulumi, "stack", "rm", "--yes", "--force"], cwd=directory, env=env, capture_output=True)
    assert not any(p.name.startswith(f"Pulumi.{stack}") for p in directory.iterdir())
