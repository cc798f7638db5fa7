"""Crashes converge: when `pulumi up` is killed (SIGKILL of the CLI) partway through a 40-resource stack, the
provider does not outlive it, and `deltastream-provider settle` then `pulumi up` converge with nothing orphaned or
doubled and no hand-written `pulumi import`."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, yaml_program

pytestmark = pytest.mark.e2e
STREAMS = 30
QUERIES = 6  # 1 database + 1 namespace + 1 store + 30 streams + 6 queries + the stack = 40


def program() -> str:
    resources = ["""  db:
    type: deltastream:index:Database
    properties: { name: crash }
  raw:
    type: deltastream:index:Namespace
    properties:
      database: ${db.name}
      name: raw
  kafka:
    type: deltastream:index:Store
    properties: { name: crash_kafka, kafka: { uris: "b:9092", saslHashFunction: NONE } }
"""]
    for i in range(STREAMS):
        resources.append(f"""  s{i}:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${{db.name}}
      namespace: ${{raw.name}}
      name: s{i}
      kind: stream
      store: ${{kafka.name}}
      columns: [ {{ name: id, type: BIGINT }} ]
""")
    for i in range(QUERIES):
        resources.append(f"""  q{i}:
    type: deltastream:index:Query
    properties:
      sql: INSERT INTO ${{s{2 * i + 1}.fqn}} SELECT id FROM ${{s{2 * i}.fqn}}
""")
    return yaml_program("".join(resources))


def providers_of(home: str) -> list[int]:
    """Provider processes started for the Pulumi home ``home``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            command = (entry / "cmdline").read_bytes()
            environment = (entry / "environ").read_bytes()
        except OSError:
            continue
        if b"pulumi-resource-deltastream" in command and f"PULUMI_HOME={home}".encode() in environment:
            found.append(int(entry.name))
    return found


def children(pid: int) -> list[int]:
    """The processes ``pid`` started that are still its children."""
    return [int(child) for task in Path(f"/proc/{pid}/task").iterdir()
            for child in (task / "children").read_text().split()]


def wait_for_exit(pids: list[int], timeout: float = 60) -> None:
    """Block until every process in ``pids`` has exited (they are not our children: watched through pidfds)."""
    deadline = time.monotonic() + timeout
    for pid in pids:
        try:
            fd = os.pidfd_open(pid)
        except ProcessLookupError:
            continue  # already gone
        try:
            watcher = select.poll()  # not select(): a busy worker may hold descriptors past FD_SETSIZE
            watcher.register(fd, select.POLLIN)
            ready = watcher.poll(max(deadline - time.monotonic(), 0) * 1000)
            assert ready, f"process {pid} still runs {timeout:g}s after the engine died"
        finally:
            os.close(fd)


def kill_at_40_percent(local: BackgroundServer, victims: list[int]) -> None:
    """SIGKILL ``victims`` once 40% of the stack's objects exist."""
    assert local.server.counters.wait_for_statements("CreateRelation", STREAMS * 4 // 10, 120), "up stalled"
    for pid in victims:
        os.kill(pid, signal.SIGKILL)


def providers_of_started(stack: Stack, local: BackgroundServer) -> list[int]:
    """The provider of the `pulumi up` just started, found once it has sent its first statement."""
    assert local.server.counters.wait_for_statements("CreateDatabase", 1, 120), "up never reached DeltaStream"
    found = providers_of(stack.env["PULUMI_HOME"])
    assert found, "no provider process for this stack"
    return found


def converged(stack: Stack, local: BackgroundServer) -> None:
    """After settle and up: exactly the stack's objects, once each; a clean preview; destroy leaves nothing."""
    relations = catalog_sql(local, 'SELECT name FROM deltastream.sys."relations" ORDER BY name;')
    assert sorted(r[0] for r in relations) == sorted(f"s{i}" for i in range(STREAMS))
    running = catalog_sql(local, "SELECT id FROM deltastream.sys.\"queries\" WHERE current_state = 'running';")
    state_ids = {r["id"] for r in stack.resources("deltastream:index:Query")}
    assert len(running) == QUERIES and {r[0] for r in running} == state_ids, "orphaned or doubled queries"
    stack.preview("--expect-no-changes")
    stack.run("destroy", "--yes")
    assert catalog_sql(local, 'SELECT name FROM deltastream.sys."relations";') == []
    assert catalog_sql(local, 'SELECT name FROM deltastream.sys."databases";') == []


def settle(stack: Stack) -> str:
    """The documented sequence after a crash: settle (releasing the killed run's lock first), then `pulumi up`."""
    result = subprocess.run([sys.executable, "-m", "deltastream_provider.operator.cli", "settle", "--cancel",
                             "--stack", stack.name or ""],
                            cwd=stack.directory, env=stack.env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_settle_repairs_the_metadata_a_kill_can_empty_in_a_file_backend(stack: Stack, local: BackgroundServer) -> None:
    """The file backend rewrites a state file's metadata sidecar in place; a kill at that moment leaves it empty and
    every later command fails to load the stack. `settle --cancel` removes the empty sidecar and goes on."""
    stack.write(yaml_program("""  db:
    type: deltastream:index:Database
    properties: { name: repaired }
"""))
    stack.name = "dev"
    stack.run("stack", "init")
    stack.up()
    (sidecar,) = Path(stack.env["PULUMI_BACKEND_URL"].removeprefix("file://")).rglob("dev.json.attrs")
    sidecar.write_bytes(b"")  # what the kill leaves
    broken = stack.run("cancel", "--yes", check=False)
    assert broken.returncode != 0 and "failed to load checkpoint" in broken.stdout + broken.stderr
    report = settle(stack)
    assert "removed dev.json.attrs" in report
    stack.preview("--expect-no-changes")
    stack.run("destroy", "--yes")


def test_killed_cli_leaves_no_provider_behind_and_settles(stack: Stack, local: BackgroundServer) -> None:
    stack.write(program())
    stack.name = "dev"
    stack.run("stack", "init")
    local.server.knobs.update({"latency_ms": 40})  # so that the kill lands partway
    up = subprocess.Popen(["pulumi", "up", "--yes", "--skip-preview", "--non-interactive", "--stack", "dev"],
                          cwd=stack.directory, env=stack.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    providers = providers_of_started(stack, local)
    language_hosts = [pid for pid in children(up.pid) if pid not in providers]
    kill_at_40_percent(local, [up.pid])
    assert up.wait() == -signal.SIGKILL, "up finished before it could be killed"
    killed = time.monotonic()
    wait_for_exit(providers)
    print(f"provider exited {time.monotonic() - killed:.2f}s after the CLI was killed")
    # The YAML language host the killed CLI started is Pulumi's, and it stays up without its engine: this test ends it.
    for pid in language_hosts:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    wait_for_exit(language_hosts)
    local.server.knobs.update({"latency_ms": 0})
    report = settle(stack)
    assert "exists, importing" in report or "never created" in report
    stack.up()
    converged(stack, local)


def test_killed_provider_settles(stack: Stack, local: BackgroundServer) -> None:
    stack.write(program())
    stack.name = "dev"
    stack.run("stack", "init")
    local.server.knobs.update({"latency_ms": 40})
    up = subprocess.Popen(["pulumi", "up", "--yes", "--skip-preview", "--non-interactive", "--stack", "dev"],
                          cwd=stack.directory, env=stack.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    kill_at_40_percent(local, providers_of_started(stack, local))
    output, _ = up.communicate(timeout=600)
    assert up.returncode != 0, output
    local.server.knobs.update({"latency_ms": 0})
    assert "exists, importing" in settle(stack)  # the engine saw the creates fail, yet they landed: adopted
    stack.up()
    converged(stack, local)
