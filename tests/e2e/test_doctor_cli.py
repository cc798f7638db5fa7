"""`deltastream-provider doctor` inside a Pulumi project checks the stack's own deltastream:* config, including a
secret apiKey set with `pulumi config set --secret` (the fix text doctor itself gives)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from testkit import TOKEN

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack

pytestmark = pytest.mark.e2e


def doctor(stack: Stack, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in stack.env.items() if not k.startswith("DELTASTREAM_")}
    return subprocess.run([sys.executable, "-m", "deltastream_provider.operator.cli", "doctor", "--json", *args],
                          cwd=stack.directory, env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def project(stack: Stack, local: BackgroundServer) -> Stack:
    stack.write("name: doctored\nruntime: yaml\n")
    stack.name = "dev"
    stack.run("stack", "init")
    stack.run("config", "set", "deltastream:server", local.url)
    return stack


def test_doctor_uses_the_stacks_secret_api_key(project: Stack, tmp_path: Path) -> None:
    project.run("config", "set", "--secret", "deltastream:apiKey", TOKEN)
    assert TOKEN not in (project.directory / "Pulumi.dev.yaml").read_text()
    result = doctor(project, "--stack", "dev")
    checks = json.loads(result.stdout)
    assert result.returncode == 0, result.stdout + result.stderr
    assert all(c["status"] == "pass" for c in checks)
    assert "using the deltastream:* config of the stack" in result.stderr
    api = next(c for c in checks if c["name"] == "API answers")
    assert "403" not in api["detail"] and "PASS" not in api["detail"]
    assert TOKEN not in result.stdout + result.stderr


def test_a_wrong_key_in_the_stack_is_the_one_reported(project: Stack) -> None:
    project.run("config", "set", "--secret", "deltastream:apiKey", "stale-stack-token")
    result = doctor(project, "--stack", "dev")
    failed = [c for c in json.loads(result.stdout) if c["status"] == "fail"]
    assert result.returncode == 1 and [c["name"] for c in failed] == ["token accepted"]
    assert "stale-stack-token" not in result.stdout + result.stderr
