"""The toolchain the other end-to-end tests stand on: the pinned CLI and every language host."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e


def test_pinned_cli_and_language_hosts(toolchain: Path) -> None:
    version = subprocess.run([str(toolchain / "pulumi"), "version"], capture_output=True, text=True, check=True)
    assert version.stdout.strip() == "v3.274.1"
    for language in ("nodejs", "go", "python", "yaml"):
        assert (toolchain / f"pulumi-language-{language}").exists(), language
    assert (toolchain / "pulumi-language-python-exec").exists()


def test_second_run_builds_nothing(toolchain: Path) -> None:
    again = subprocess.run(["bash", str(ROOT / "scripts/toolchain.sh")], capture_output=True, text=True, check=True)
    assert again.stdout.strip() == str(toolchain)
    assert "building" not in again.stderr and "resolving" not in again.stderr
