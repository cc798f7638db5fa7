"""The ``deltastream:*`` configuration of the Pulumi stack around the current directory, for the operator's
command line: ``doctor`` run in a project checks the settings ``pulumi up`` would use, including a secret
``apiKey`` set with ``pulumi config set --secret`` (read through the Pulumi CLI, never printed)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

PREFIX = "deltastream:"


class StackConfigError(Exception):
    """The project's stack configuration could not be read; the message says why."""


def find_project(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` holding a Pulumi.yaml."""
    for directory in (start, *start.parents):
        if (directory / "Pulumi.yaml").is_file() or (directory / "Pulumi.yml").is_file():
            return directory
    return None


def read(project: Path, stack: str | None = None) -> dict[str, object]:
    """The stack's ``deltastream:`` keys (without the prefix) with their values, secrets decrypted."""
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise StackConfigError("the pulumi CLI is not on PATH")
    command = [pulumi, "config", "--json", "--show-secrets", "--non-interactive"]
    if stack:
        command += ["--stack", stack]
    result = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=120)
    if result.returncode != 0:
        reason = (result.stderr.strip().splitlines() or ["pulumi config failed"])[-1]
        raise StackConfigError(reason.removeprefix("error: "))
    entries: dict[str, dict[str, object]] = json.loads(result.stdout or "{}")
    return {key.removeprefix(PREFIX): entry.get("value") for key, entry in entries.items()
            if key.startswith(PREFIX) and entry.get("value") is not None}
