"""`deltastream-provider doctor`: every check shown passing, and each shown failing with its fix."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest
from click.testing import CliRunner
from testkit import TOKEN

from deltastream_local.runner import BackgroundServer
from deltastream_provider.config import ProviderConfig
from deltastream_provider.operator.cli import main
from deltastream_provider.operator.doctor import Doctor

CHECKS = ["URL well-formed", "DNS", "TCP", "TLS", "API answers", "token accepted", "organization resolves",
          "role usable", "read-only statement"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def run(**settings: object) -> dict[str, tuple[str, str, str]]:
    checks = await Doctor(ProviderConfig(**settings)).run()  # type: ignore[arg-type]
    assert [c.name for c in checks] == CHECKS
    return {c.name: (c.status, c.detail, c.fix) for c in checks}


async def test_all_checks_pass(local: BackgroundServer) -> None:
    result = await run(server=local.url, api_key=TOKEN, organization="local")
    assert {status for status, _, _ in result.values()} == {"pass"}
    assert result["organization resolves"][1] == local.server.catalog.organization.id


def failing(result: dict[str, tuple[str, str, str]]) -> str:
    failed = [name for name, (status, _, _) in result.items() if status == "fail"]
    assert len(failed) == 1, result
    index = CHECKS.index(failed[0])
    assert all(result[n][0] == "pass" for n in CHECKS[:index])
    assert all(result[n][0] == "skip" for n in CHECKS[index + 1:])
    assert result[failed[0]][2], "every failure carries a fix"
    return failed[0]


@pytest.mark.parametrize("server, check", [("not a url", "URL well-formed"),
                                           ("http://127.0.0.1:1/api", "URL well-formed"),
                                           ("http://no-such-host.invalid/v2", "DNS")])
async def test_address_failures(server: str, check: str) -> None:
    assert failing(await run(server=server, api_key=TOKEN)) == check


async def test_tcp_fails_when_nothing_listens() -> None:
    assert failing(await run(server=f"http://127.0.0.1:{free_port()}/v2", api_key=TOKEN)) == "TCP"


async def test_tls_fails_against_a_plain_http_server(local: BackgroundServer) -> None:
    result = await run(server=local.url.replace("http://", "https://"), api_key=TOKEN)
    assert failing(result) == "TLS" and "http://" in result["TLS"][2]


async def test_api_fails_on_a_wrong_base_path(local: BackgroundServer) -> None:
    assert failing(await run(server=local.url.replace("/v2", "/v3/v2"), api_key=TOKEN)) == "API answers"


async def test_token_rejected(local: BackgroundServer) -> None:
    result = await run(server=local.url, api_key="wrong-token")
    assert failing(result) == "token accepted" and "apiKey" in result["token accepted"][2]


async def test_unknown_organization(local: BackgroundServer) -> None:
    result = await run(server=local.url, api_key=TOKEN, organization="acme")
    assert failing(result) == "organization resolves" and "visible: local" in result["organization resolves"][1]


async def test_unknown_role(local: BackgroundServer) -> None:
    result = await run(server=local.url, api_key=TOKEN, role="ghost")
    assert failing(result) == "role usable" and "deltastream:role" in result["role usable"][2]


async def test_read_only_statement_failure(local: BackgroundServer) -> None:
    local.server.knobs.update({"fail": [{"pattern": "^SELECT", "nth": 0, "code": "42501",
                                         "message": "permission denied on system tables"}]})
    result = await run(server=local.url, api_key=TOKEN)
    assert failing(result) == "read-only statement" and "permission denied" in result["read-only statement"][1]


def test_cli_table_json_and_exit_codes(local: BackgroundServer) -> None:
    runner = CliRunner()
    env = {"DELTASTREAM_SERVER": local.url, "DELTASTREAM_API_KEY": TOKEN}
    passed = runner.invoke(main, ["doctor"], env=env)
    assert passed.exit_code == 0 and "PASS  read-only statement" in passed.output
    assert TOKEN not in passed.output
    failed = runner.invoke(main, ["doctor", "--json", "--api-key", "bad-secret-token"], env=env)
    assert failed.exit_code == 1 and "bad-secret-token" not in failed.output
    checks = json.loads(failed.output)
    assert checks[5] == {"name": "token accepted", "status": "fail", "detail": "the token was rejected (HTTP 403)",
                         "fix": "create a new API token in DeltaStream and set deltastream:apiKey"}


def test_local_command_prints_what_to_export() -> None:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "deltastream_provider.operator.cli", "local", "--in-memory",
                                "--port", str(port)], stdout=subprocess.PIPE, text=True)
    try:
        lines = [process.stdout.readline() for _ in range(6)]  # type: ignore[union-attr]
    finally:
        process.terminate()
        process.wait(10)
    text = "".join(lines)
    assert f"export DELTASTREAM_SERVER=http://127.0.0.1:{port}/v2" in text
    assert "export DELTASTREAM_API_KEY=deltastream-local-token" in text


async def test_a_statement_that_never_finishes_fails_its_check_in_time(local: BackgroundServer,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """Each check has the doctor's timeout as its deadline, polls of a statement answered 202 included."""
    monkeypatch.setattr("deltastream_provider.operator.doctor.TIMEOUT", 0.3)
    local.server.knobs.update({"async_polls": 10**9})
    result = await run(server=local.url, api_key=TOKEN)
    assert failing(result) == "role usable"
    assert "CAN I did not finish in time: still running after 0.3s (the call's timeout, the doctor's 0.3s per " \
           "check)" in result["role usable"][1]
