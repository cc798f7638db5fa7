"""The ``deltastream:*`` configuration of the Pulumi stack around the current directory, for the operator's
command line: ``doctor`` run in a project checks the settings ``pulumi up`` would use, including a secret
``apiKey`` set with ``pulumi config set --secret`` (read through the Pulumi CLI, never printed)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

from ..errors import PulumiCommandError

PREFIX = "deltastream:"


def find_project(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` holding a Pulumi.yaml."""
    for directory in (start, *start.parents):
        if (directory / "Pulumi.yaml").is_file() or (directory / "Pulumi.yml").is_file():
            return directory
    return None


def pulumi_json(project: Path, stack: str | None, *args: str) -> Any:
    """What `pulumi <args> --stack <stack>` prints as JSON, run in ``project``. A command that fails but still
    prints JSON (a failing `preview --json`) is answered by that JSON."""
    pulumi = shutil.which("pulumi")
    if pulumi is None:
        raise PulumiCommandError("the pulumi CLI is not on PATH")
    command = [pulumi, *args, "--non-interactive"] + (["--stack", stack] if stack else [])
    result = subprocess.run(command, cwd=project, capture_output=True, text=True, timeout=600)
    if result.returncode != 0 and not result.stdout.lstrip().startswith(("{", "[")):
        reason = (result.stderr.strip().splitlines() or [f"pulumi {args[0]} failed"])[-1]
        raise PulumiCommandError(f"`pulumi {' '.join(args)}`: {reason.removeprefix('error: ')}")
    return json.loads(result.stdout or "null")


def read(project: Path, stack: str | None = None) -> dict[str, object]:
    """The stack's ``deltastream:`` keys (without the prefix) with their values, secrets decrypted."""
    entries: dict[str, dict[str, object]] = pulumi_json(project, stack, "config", "--json", "--show-secrets") or {}
    return {key.removeprefix(PREFIX): entry.get("value") for key, entry in entries.items()
            if key.startswith(PREFIX) and entry.get("value") is not None}
