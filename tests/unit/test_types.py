"""The provider, the local server and the components type-check strictly, and lint clean.

mypy reads the packages from ``src/`` (a src layout), so imports between them are checked like any other:
a name that does not exist or a keyword argument a class does not take is an error, not ``Any``.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def mypy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--no-incremental", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_mypy_strict_finds_no_issues() -> None:
    result = mypy()
    assert result.returncode == 0, result.stdout[-4000:]


def test_imports_between_the_packages_are_checked(tmp_path: Path) -> None:
    program = tmp_path / "uses_the_provider.py"
    program.write_text("from deltastream_provider.no_such_module import Thing\n"
                       "from deltastream_provider.resources.database import DatabaseInputs\n\n"
                       "DatabaseInputs(name='analytics', colour='blue')\n")
    result = mypy("--strict", "--config-file", str(ROOT / "pyproject.toml"), str(program))
    errors = [line for line in result.stdout.splitlines() if ": error: " in line]
    assert any('"deltastream_provider.no_such_module"' in line for line in errors), result.stdout
    assert 'Unexpected keyword argument "colour" for "DatabaseInputs"' in result.stdout


def test_ruff_finds_no_issues() -> None:
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "src", "tests", "bench", "scripts", "plugin"],
                            cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-4000:]
