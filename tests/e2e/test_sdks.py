"""The generated SDKs: current with schema.yaml, compiled by each language's own tools, and used by
the examples, which run through the real CLI against the local server (acceptance scenario 1)."""

from __future__ import annotations

import filecmp
import subprocess
import time
from pathlib import Path

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import ROOT, catalog_sql, example_stack, pulumi_env

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
    with example_stack(example, pulumi_env(tmp_path, toolchain, local)) as stack:
        stack.run("config", "set", "--secret", "kafkaPassword", "example-secret")
        started = time.monotonic()
        stack.up()
        up_seconds = time.monotonic() - started
        outputs = stack.run("stack", "output", "--json").stdout
        assert '"storeStatus": "ready"' in outputs or '"storeStatus":"ready"' in outputs.replace(" ", "")
        assert "example-secret" not in stack.run("stack", "export").stdout
        stack.preview("--expect-no-changes")
        stack.run("destroy", "--yes")
        assert catalog_sql(local, 'SELECT name FROM deltastream.sys."databases";') == [], "destroy left databases"
        print(f"{example}: pulumi up took {up_seconds:.1f}s")
