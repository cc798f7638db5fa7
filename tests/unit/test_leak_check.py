"""A test run fails when a process it started outlives it (``testkit.leaks``), with and without xdist: a child a
test forgot, one reparented away from the run (a daemon's double fork), and two that also dropped their environment,
one whose command line names the run's temporary folder and one that only runs inside it, are each named, with the
test that started it, and killed; a process a test stops is not named. The hole the module's docstring states is
shown too: a daemon with no environment running from ``/`` is not named (this test kills it)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LEAKS = '''
import os, subprocess, sys, time
from pathlib import Path

SLEEPER = "import os, sys, time; open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(600)"
DETACHED = "import subprocess, sys; subprocess.Popen(sys.argv[2:], start_new_session=True, env={}, cwd=sys.argv[1])"


def pid_of(name):
    """The pid the started process wrote (a poll with a deadline)."""
    written = Path(os.environ["LEAK_PIDS"]) / name
    deadline = time.monotonic() + 60
    while not (written.exists() and written.read_text()) and time.monotonic() < deadline:
        time.sleep(0.01)
    return int(written.read_text())


def pid_file(name):
    return str(Path(os.environ["LEAK_PIDS"]) / name)


def test_forgets_its_child():
    subprocess.Popen([sys.executable, "-c", SLEEPER, pid_file("child"), "leak-child"])
    pid_of("child")


def test_starts_a_daemon():
    daemon = DETACHED.replace("env={}", "env=None")
    subprocess.run([sys.executable, "-c", daemon, "/", sys.executable, "-c", SLEEPER, pid_file("daemon"),
                    "leak-daemon"], check=True)
    pid_of("daemon")


def test_starts_a_daemon_without_environment(tmp_path):
    (tmp_path / "leak-bare.py").write_text(SLEEPER)
    subprocess.run([sys.executable, "-c", DETACHED, "/", sys.executable, str(tmp_path / "leak-bare.py"),
                    pid_file("bare")], check=True)
    pid_of("bare")


def test_starts_a_daemon_without_environment_in_its_folder(tmp_path):
    subprocess.run([sys.executable, "-c", DETACHED, str(tmp_path), sys.executable, "-c", SLEEPER, pid_file("cwd"),
                    "leak-cwd"], check=True)
    pid_of("cwd")


def test_starts_a_daemon_that_escapes():
    subprocess.run([sys.executable, "-c", DETACHED, "/", sys.executable, "-c", SLEEPER, pid_file("escaped"),
                    "leak-escaped"], check=True)
    pid_of("escaped")


def test_stops_what_it_starts():
    tidy = subprocess.Popen([sys.executable, "-c", SLEEPER, pid_file("tidy"), "leak-tidy"])
    pid_of("tidy")
    tidy.kill()
    tidy.wait()
'''


def gone(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


@pytest.mark.parametrize("workers", [["-p", "no:xdist"], ["-n", "2"]], ids=["one process", "xdist"])
def test_a_process_that_outlives_the_run_fails_it(tmp_path: Path, workers: list[str]) -> None:
    (tmp_path / "inner").mkdir()
    (tmp_path / "inner" / "test_leaks.py").write_text(LEAKS)
    pids = tmp_path / "pids"
    pids.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "LEAK_PIDS": str(pids), "TESTKIT_LEAK_GRACE": "1"}
    env.pop("PYTEST_XDIST_WORKER", None)
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "testkit.leaks", "-p", "no:cacheprovider", *workers,
                          "--basetemp", str(tmp_path / "basetemp"), "inner"], cwd=tmp_path, env=env,
                         capture_output=True, text=True, timeout=300)
    output = run.stdout + run.stderr
    escaped = int((pids / "escaped").read_text())
    try:
        assert run.returncode == 1, output
        assert "6 passed" in output and "processes left behind" in output, output
        named = {line.split("leak-")[1].split()[0]: line for line in output.splitlines()
                 if line.startswith("  pid ") and "leak-" in line}
        assert sorted(named) == ["bare.py", "child", "cwd", "daemon"], output  # not "escaped": the stated hole
        assert "test_forgets_its_child" in named["child"] and "test_starts_a_daemon " in named["daemon"], output
        assert not gone(escaped), "the run left the escaped daemon alone"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(escaped, signal.SIGKILL)
    left = [int((pids / name).read_text()) for name in ("child", "daemon", "bare", "cwd")]
    deadline = time.monotonic() + 30
    while not all(gone(pid) for pid in left) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert all(gone(pid) for pid in left), "the leftovers are killed"
