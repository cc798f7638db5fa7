"""The source plugin folder (`plugin/`) is installable as checked in: `pulumi package add <git URL>/plugin@v<version>`
installs a clone of the repository and builds the plugin's virtualenv from that folder alone."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_requirements_are_the_providers_dependencies() -> None:
    listed = (ROOT / "plugin/requirements.txt").read_text().splitlines()
    assert listed == PYPROJECT["project"]["dependencies"]
    assert not any(name in line for line in listed for name in ("aiohttp", "lark", "psycopg", "pyinstaller"))


def test_entry_point_is_the_console_script() -> None:
    module, function = PYPROJECT["project"]["scripts"]["pulumi-resource-deltastream"].split(":")
    assert f"from {module} import {function}" in (ROOT / "plugin/__main__.py").read_text()


def test_the_folder_is_a_python_plugin_with_a_virtualenv() -> None:
    runtime = yaml.safe_load((ROOT / "plugin/PulumiPlugin.yaml").read_text())["runtime"]
    assert runtime == {"name": "python", "options": {"toolchain": "pip", "virtualenv": "venv"}}
