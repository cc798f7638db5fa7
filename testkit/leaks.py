"""No process outlives a test run: a pytest plugin (``pytest_plugins`` in ``tests/conftest.py``, or ``-p
testkit.leaks``) that fails the run when a process it started is still alive at its end.

It records the processes alive when the run starts and, once at the end (in xdist's controller, after every worker
has finished), looks for processes started since that are the run's: descendants of the controller, processes that
carry the run's mark in their environment (:data:`MARK`, inherited by everything started from the run, through the
Pulumi CLI to its language hosts and providers, wherever they were reparented to), and processes whose command
line names the run's temporary folder (a plugin installed into a test's ``PULUMI_HOME``) or whose working directory
is inside it (a program's folder). Other users' and other runs' processes on a shared machine are none of these.
Stragglers get a bounded poll to exit (``TESTKIT_LEAK_GRACE`` seconds, 15 by default); then each leftover is named
with its command line and the test that was running when it started, killed, and the run fails. Linux only (it
reads ``/proc``).

What escapes: a process that leaves the run's tree (a new session, reparented to init), drops the mark from its
environment (``env={}``), and neither names nor runs inside the run's temporary folder, e.g. a daemon started with no
environment from ``/``. Nothing the tests start does all three (the Pulumi CLI and the local server keep the
environment); ``tests/unit/test_leak_check.py`` shows both the caught cases and this one.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

MARK = "TESTKIT_RUN"  # not PULUMI_* or DELTASTREAM_*: testkit.pulumi.pulumi_env strips those
GRACE_SETTING = "TESTKIT_LEAK_GRACE"
PROC = Path("/proc")


@dataclass(frozen=True)
class Process:
    pid: int
    parent: int
    state: str  # Z: exited, not yet reaped
    started: int  # clock ticks after boot: with the pid, which process this is (pids are reused)


def processes() -> dict[int, Process]:
    found = {}
    for entry in PROC.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile
        found[int(entry.name)] = Process(int(entry.name), int(fields[1]), fields[0], int(fields[19]))
    return found


def environment(pid: int) -> dict[str, str]:
    """The environment ``pid`` started with; empty when it is gone or not ours to read."""
    try:
        raw = (PROC / str(pid) / "environ").read_bytes()
    except OSError:
        return {}
    return dict(item.decode(errors="replace").partition("=")[::2] for item in raw.split(b"\0") if b"=" in item)


def working_directory(pid: int) -> str:
    """Where ``pid`` runs; empty when it is gone or not ours to read."""
    try:
        return os.readlink(PROC / str(pid) / "cwd")
    except OSError:
        return ""


def command_line(pid: int) -> str:
    try:
        return (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


@dataclass(frozen=True)
class Leftover:
    pid: int
    command: str
    test: str  # the test running where it was started ("" when unknown)

    def __str__(self) -> str:
        return f"pid {self.pid}: {self.command}" + (f"  (started during {self.test})" if self.test else "")


class LeakCheck:
    """The run's processes: recorded at its start, looked for at its end."""

    def __init__(self, temporary: Path | None = None, grace: float = 15.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.run = uuid.uuid4().hex
        self.controller = os.getpid()
        self.before = {(p.pid, p.started) for p in processes().values()}
        self.temporary = os.path.realpath(temporary) if temporary is not None else None
        self.grace = grace
        self.clock = clock
        os.environ[MARK] = self.run

    def alive(self) -> list[Process]:
        """The run's processes still alive (exited ones awaiting their parent's wait are not), the controller's
        ancestors and the controller itself aside."""
        table = processes()
        ours = []
        for process in table.values():
            if (process.pid, process.started) in self.before or process.pid == self.controller or process.state == "Z":
                continue
            if self._descends(process, table) or environment(process.pid).get(MARK) == self.run or \
                    self._in_temporary(process.pid):
                ours.append(process)
        return ours

    def _in_temporary(self, pid: int) -> bool:
        """Whether ``pid`` names the run's temporary folder or runs inside it."""
        if self.temporary is None:
            return False
        where = working_directory(pid)
        return self.temporary in command_line(pid) or where == self.temporary or \
            where.startswith(self.temporary + os.sep)

    def _descends(self, process: Process, table: dict[int, Process]) -> bool:
        seen = set()
        while process.parent not in seen and process.parent in table:
            if process.parent == self.controller:
                return True
            seen.add(process.parent)
            process = table[process.parent]
        return False

    def leftovers(self) -> list[Leftover]:
        """Poll (up to ``grace`` seconds) for the run's processes to exit; what is still alive then."""
        deadline = self.clock() + self.grace
        while True:
            self._reap()
            alive = self.alive()
            if not alive or self.clock() >= deadline:
                break
            time.sleep(0.1)  # a poll with a deadline, not a wait for a fixed time
        return [Leftover(p.pid, command_line(p.pid), environment(p.pid).get("PYTEST_CURRENT_TEST", ""))
                for p in alive]

    def kill(self, leftovers: Iterable[Leftover]) -> None:
        for leftover in leftovers:
            with contextlib.suppress(ProcessLookupError):
                os.kill(leftover.pid, signal.SIGKILL)
        self._reap()

    def _reap(self) -> None:
        """Wait for the controller's own children that have exited (a test run without xdist starts them here)."""
        for process in processes().values():
            if process.parent == self.controller and process.state == "Z":
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(process.pid, os.WNOHANG)


_KEY = pytest.StashKey[LeakCheck]()


@pytest.hookimpl(trylast=True)  # after pytest's own configure has set up its temporary folders
def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config, "workerinput") or not PROC.is_dir():
        return  # an xdist worker: the controller checks once, for the whole run
    factory = getattr(config, "_tmp_path_factory", None)
    temporary = factory.getbasetemp() if factory is not None else None
    config.stash[_KEY] = LeakCheck(temporary, float(os.environ.get(GRACE_SETTING) or 15))


@pytest.hookimpl(trylast=True)  # after xdist's own sessionfinish has ended its workers
def pytest_sessionfinish(session: pytest.Session) -> None:
    check = session.config.stash.get(_KEY, None)
    if check is None:
        return
    leftovers = check.leftovers()
    if not leftovers:
        return
    check.kill(leftovers)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    lines = [f"{len(leftovers)} process(es) the test run started outlived it (killed now); stop what a test starts:",
             *(f"  {leftover}" for leftover in leftovers)]
    if reporter is not None:
        reporter.write_sep("=", "processes left behind", red=True)
        for line in lines:
            reporter.write_line(line)
    else:
        print("\n".join(lines))
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
