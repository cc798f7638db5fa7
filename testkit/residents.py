"""The resident provider processes of one runtime folder (``XDG_RUNTIME_DIR``), as the tests and the benchmark
give each run its own: which are alive, and ending them."""

from __future__ import annotations

import contextlib
import fcntl
import os
import signal
from pathlib import Path


def resident_folder(runtime: Path) -> Path:
    return runtime / f"deltastream-provider-{os.getuid()}"


def resident_pids(runtime: Path) -> list[int]:
    """Residents alive: each holds its lock file, which holds its pid."""
    folder = resident_folder(runtime)
    alive = []
    for lock in folder.glob("*.sock.lock") if folder.exists() else []:
        with lock.open("r+") as file:
            try:
                fcntl.flock(file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                alive.append(int(file.read().strip() or 0))
            else:
                fcntl.flock(file, fcntl.LOCK_UN)
    return [pid for pid in alive if pid]


def end_residents(runtime: Path) -> None:
    for pid in resident_pids(runtime):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)



def provider_pids(launcher: int, runtime: Path) -> list[int]:
    """The processes serving a provider started as ``launcher``, with one provider at a time asked of the runtime
    folder's resident: the launcher (which serves when no resident answered) and the resident's forks."""
    return [launcher, *(int(child) for pid in resident_pids(runtime)
                        for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split())]
