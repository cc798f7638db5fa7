"""Network and session mistakes through the real CLI (issue 31): a typo'd port fails `pulumi up` at its preview with
the clear message after the few quick tries a refused connection gets, each try shown while it happens; a wrong key
and a missing privilege fail the preview of a new stack, before anything is created."""

from __future__ import annotations

import socket

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, yaml_program

pytestmark = pytest.mark.e2e

PROGRAM = yaml_program("""  analytics:
    type: deltastream:index:Database
    properties: { name: analytics }
  events:
    type: deltastream:index:Store
    properties: { name: events, kafka: { uris: "b:9092", saslHashFunction: NONE } }
""")


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_port_typo_fails_up_at_its_preview_after_the_quick_tries(stack: Stack, local: BackgroundServer) -> None:
    stack.write(PROGRAM)
    stack.name = "dev"
    stack.run("stack", "init")
    port = closed_port()
    stack.env["DELTASTREAM_SERVER"] = f"http://127.0.0.1:{port}/v2"
    failed = stack.run("up", "--yes", check=False)
    assert failed.returncode != 0
    out = failed.stdout
    assert (f"could not connect to http://127.0.0.1:{port}/v2: connection refused (nothing listens at that host and "
            "port) (after 4 attempts). Check deltastream:server") in out, out[-4000:]
    for line in ("try 2 of 4 in 0.25s", "try 3 of 4 in 0.5s", "try 4 of 4 in 1s"):
        assert line in out, out[-4000:]  # each retry shown while it happened
    assert "Traceback" not in out + failed.stderr
    assert sum(local.server.counters.requests.values()) == 0 and stack.state()["deployment"].get("resources") is None


def test_a_wrong_key_fails_the_preview_of_a_new_stack(stack: Stack, local: BackgroundServer) -> None:
    stack.write(PROGRAM)
    stack.name = "dev"
    stack.run("stack", "init")
    stack.env["DELTASTREAM_API_KEY"] = "revoked-token"
    previewed = stack.preview(check=False)
    assert previewed.returncode != 0
    out = previewed.stdout
    assert "invalid token: error while authenticating with server (HTTP 403)" in out, out[-4000:]
    assert "set deltastream:apiKey" in out
    assert local.server.counters.statuses["403"] == 1  # asked once for the whole plan


def test_a_missing_privilege_fails_the_preview_naming_it(stack: Stack, local: BackgroundServer) -> None:
    stack.write(PROGRAM)
    stack.name = "dev"
    stack.run("stack", "init")
    local.server.knobs.update({"denied_privileges": "CREATE_STORE"})
    previewed = stack.preview(check=False)
    assert previewed.returncode != 0
    assert "role 'sysadmin' lacks the CREATE_STORE privilege that creating a Store needs" in previewed.stdout, \
        previewed.stdout[-4000:]
    assert local.server.counters.statements == {"CanI": 2}  # CREATE_DATABASE, CREATE_STORE; nothing created

    local.server.knobs.update({"denied_privileges": ""})
    assert "+ 3 to create" in stack.preview().stdout  # the stack and its two resources
