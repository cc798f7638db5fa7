"""The resident provider process (plugin/handover.py, plugin/resident.py): the first start serves in-process and
starts a resident process; later starts are forks of it, served with the launcher's streams, environment and
folder, ended with the launcher, and passing on its signals. Each test has its own runtime folder, so its own
resident process."""

from __future__ import annotations

import ctypes
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc
from testkit import TOKEN
from testkit.provider import PROVIDER
from testkit.residents import end_residents, resident_folder, resident_pids

from deltastream_local.runner import BackgroundServer
from deltastream_provider.plugin import handover
from deltastream_provider.plugin.wire import decode, encode

DEADLINE = 60.0


def exits(pid: int, what: str) -> None:
    """Wait for process ``pid`` (not necessarily ours: a resident's fork) to exit, through a pidfd."""
    try:
        watch = os.pidfd_open(pid)
    except ProcessLookupError:
        return  # already gone
    try:
        assert select.select([watch], [], [], DEADLINE)[0], f"{what}: not within {DEADLINE:g}s"
    finally:
        os.close(watch)


def listening(residents: Residents) -> None:
    """Wait until the resident a cold start began listens. It tells no one, so this polls its folder, bounded by
    the deadline (the resident's imports take a second or more on a busy machine)."""
    deadline = time.monotonic() + DEADLINE
    while not (residents.sockets() and residents.pids()):
        assert time.monotonic() < deadline, f"the resident process listens: not within {DEADLINE:g}s"
        select.select([], [], [], 0.02)


class Launch:
    """The provider started as the engine starts it, with the port it printed."""

    def __init__(self, env: dict[str, str], cwd: Path | None = None) -> None:
        self.process = subprocess.Popen([str(PROVIDER)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env,
                                        cwd=cwd)
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline())

    def stub(self) -> provider_pb2_grpc.ResourceProviderStub:
        return provider_pb2_grpc.ResourceProviderStub(grpc.insecure_channel(f"127.0.0.1:{self.port}"))

    def children(self) -> list[int]:
        pid = self.process.pid
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]

    def serving(self) -> bool:
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=5).close()
        except OSError:
            return False
        return True

    def end(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()


class Residents:
    """The runtime folder of one test and the resident processes in it."""

    def __init__(self, runtime: Path, idle: float) -> None:
        self.env = {**os.environ, "XDG_RUNTIME_DIR": str(runtime), handover.IDLE_SETTING: str(idle)}
        self.env.pop(handover.SETTING, None)
        self.runtime = runtime
        self.folder = resident_folder(runtime)

    def sockets(self) -> list[Path]:
        return sorted(self.folder.glob("*.sock")) if self.folder.exists() else []

    def pids(self) -> list[int]:
        return resident_pids(self.runtime)

    def warm(self) -> Launch:
        """A start served by the resident process, after the cold start that starts it."""
        first = Launch(self.env)
        assert first.children() == [], "the first start serves in-process"
        first.end()
        listening(self)
        launch = Launch(self.env)
        assert launch.children() == [], "the launcher serves nothing itself"
        return launch

    def end(self) -> None:
        end_residents(self.runtime)


@pytest.fixture
def runtime() -> Iterator[Path]:
    """A short runtime folder: a Unix socket's path has a limit that pytest's own temporary folders exceed."""
    folder = Path(tempfile.mkdtemp(prefix="ds-"))
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def residents(runtime: Path) -> Iterator[Residents]:
    found = Residents(runtime, idle=600)
    try:
        yield found
    finally:
        found.end()


def provider_pid(residents: Residents) -> int:
    """The one provider the resident process has forked."""
    [resident] = residents.pids()
    [child] = Path(f"/proc/{resident}/task/{resident}/children").read_text().split()
    return int(child)


def test_a_later_start_is_a_fork_of_the_resident_served_with_the_launchers_environment(
        residents: Residents, local: BackgroundServer) -> None:
    """Configured from the launcher's environment (not the resident's, which has none of it), the fork reads
    DeltaStream: a lookup answers."""
    residents.env.update({"DELTASTREAM_SERVER": local.url, "DELTASTREAM_API_KEY": TOKEN})
    launch = residents.warm()
    try:
        provider = provider_pid(residents)
        assert Path(f"/proc/{provider}/cwd").resolve() == Path.cwd().resolve()
        for stream in (0, 1, 2):  # the engine's pipes themselves: what the provider prints reaches the engine
            launcher = launch.process.pid
            assert os.readlink(f"/proc/{provider}/fd/{stream}") == os.readlink(f"/proc/{launcher}/fd/{stream}")
        stub = launch.stub()
        stub.Configure(provider_pb2.ConfigureRequest(args=encode({}), acceptSecrets=True))
        answer = stub.Invoke(provider_pb2.InvokeRequest(tok="deltastream:index:getDatabases", args=encode({})))
        assert list(answer.failures) == []
        assert decode(getattr(answer, "return")) == {"databases": []}
        assert local.server.counters.statements["Select"] == 1
    finally:
        launch.end()


def test_the_engine_signal_reaches_the_provider_and_its_status_comes_back(residents: Residents) -> None:
    launch = residents.warm()
    provider = provider_pid(residents)
    launch.stub().GetPluginInfo(empty_pb2.Empty())
    launch.process.send_signal(signal.SIGINT)
    _, stderr = launch.process.communicate(timeout=DEADLINE)
    assert launch.process.returncode == 0
    assert b"Traceback" not in stderr
    exits(provider, "the provider exits")
    assert not launch.serving()


@pytest.mark.parametrize("resident", [True, False], ids=["fork", "in-process"])
def test_a_signal_the_kernel_gives_another_thread_still_ends_the_provider(residents: Residents,
                                                                          resident: bool) -> None:
    """The kernel may hand a process's signal to any of its threads (gRPC's, the fork's watch of its launcher), and
    Python runs handlers only in the main thread: the provider must wake for it all the same. Sent here to each
    thread but the main one in turn, as tgkill(2) does, until the provider is gone."""
    if not resident:
        residents.env[handover.SETTING] = "off"
    launch = residents.warm() if resident else Launch(residents.env)
    provider = provider_pid(residents) if resident else launch.process.pid
    launch.stub().GetPluginInfo(empty_pb2.Empty())
    threads = [int(t.name) for t in Path(f"/proc/{provider}/task").iterdir() if int(t.name) != provider]
    assert threads, "a provider has threads besides its main one (gRPC's)"
    libc = ctypes.CDLL(None, use_errno=True)
    assert libc.tgkill(provider, threads[0], signal.SIGTERM) == 0
    assert launch.process.wait(timeout=DEADLINE) == 0
    exits(provider, "the provider exits")


def test_a_killed_launcher_takes_its_provider_with_it(residents: Residents) -> None:
    """The engine kills a provider that does not exit when asked: the fork must not outlive its launcher."""
    launch = residents.warm()
    provider = provider_pid(residents)
    launch.process.kill()
    launch.process.wait()
    exits(provider, "the provider exits with its launcher")
    assert not launch.serving()
    assert residents.pids(), "the resident process stays for the next command"


def test_a_provider_outlives_its_resident_without_holding_its_place(residents: Residents) -> None:
    """A resident that ends (new code, idle) leaves its providers serving their commands, and none of them keeps
    the resident's lock: the next resident can start while they run."""
    launch = residents.warm()
    try:
        [resident] = residents.pids()
        os.kill(resident, signal.SIGTERM)
        exits(resident, "the ended resident exits")
        assert not residents.pids(), "its lock is free"
        assert launch.serving()
        launch.stub().GetPluginInfo(empty_pb2.Empty())
    finally:
        launch.end()


def test_the_resident_process_exits_when_idle_and_removes_its_socket(runtime: Path) -> None:
    residents = Residents(runtime, idle=0.2)
    try:
        Launch(residents.env).end()
        listening(residents)
        [resident] = residents.pids()
        exits(resident, "the idle resident process exits")
        assert not residents.pids() and not residents.sockets()
    finally:
        residents.end()


def test_off_serves_every_start_in_process(residents: Residents) -> None:
    residents.env[handover.SETTING] = "off"
    for _ in range(2):
        launch = Launch(residents.env)
        try:
            launch.stub().GetPluginInfo(empty_pb2.Empty())
        finally:
            launch.end()
    assert not residents.folder.exists()


OLD_RESIDENT = """
import fcntl, os, sys
lock = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(lock, fcntl.LOCK_EX)
os.write(lock, f"{os.getpid()}\\n".encode())
print("holding", flush=True)
sys.stdin.read()
"""


def test_a_resident_for_new_code_ends_the_one_for_older_code(residents: Residents) -> None:
    """An edit or an upgrade gives the code a new key; the resident process of the installation's older code is
    asked to exit (SIGTERM) instead of idling for its whole idle time."""
    key = subprocess.run([sys.executable, "-c", "from deltastream_provider.plugin import handover; "
                          "print(handover.code_key())"], capture_output=True, text=True, check=True).stdout.strip()
    residents.folder.mkdir(mode=0o700, parents=True)
    older = residents.folder / f"{handover.installation(key)}-0000000000000000.sock.lock"
    old = subprocess.Popen([sys.executable, "-c", OLD_RESIDENT, str(older)], stdin=subprocess.PIPE,
                           stdout=subprocess.PIPE, text=True)
    try:
        assert old.stdout is not None and old.stdout.readline() == "holding\n"
        Launch(residents.env).end()
        assert old.wait(timeout=DEADLINE) == -signal.SIGTERM
    finally:
        if old.poll() is None:
            old.kill()
        old.wait()


def test_a_folder_others_can_enter_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / f"deltastream-provider-{os.getuid()}"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(tmp_path))
    assert handover.folder() is None
    assert handover.hand_over([]) is None
    folder.chmod(0o700)
    assert handover.folder() == str(folder)
    assert handover.address("k" * 33) is None, "pytest's folders are too deep for a socket path"


def test_the_key_follows_the_code(tmp_path: Path) -> None:
    """A module edited (its time or size) or added gives another listing, so another key."""
    (tmp_path / "pkg").mkdir()
    module = tmp_path / "pkg" / "a.py"
    module.write_text("x = 1\n")
    before = handover._modules(str(tmp_path))
    os.utime(module, ns=(1, 1))
    edited = handover._modules(str(tmp_path))
    (tmp_path / "b.py").write_text("")
    assert len({tuple(before), tuple(edited), tuple(handover._modules(str(tmp_path)))}) == 3


def test_the_launcher_imports_only_the_cheapest_modules() -> None:
    """Up to the handover: no asyncio, gRPC, protobuf or the provider's own modules beyond the launcher."""
    code = ("import sys; from deltastream_provider.plugin import handover; "
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('asyncio', 'grpc', 'google', 'pulumi', 'httpx', 'pathlib', 'deltastream_provider'))))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert loaded == ["deltastream_provider", "deltastream_provider.plugin", "deltastream_provider.plugin.handover"]
