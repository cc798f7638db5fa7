"""Start to handshake of the provider process as the engine starts it: wall time and the CPU the process used
until it printed its port, median of ``--runs``, alternating between this checkout's console script and (with
``--executable DIR``, an unpacked release archive) the executable plugin.

    .venv/bin/python -m bench.handshake [--runs 10] [--executable DIR]

The CPU time (user + system, from ``/proc``, read right after the port) hardly moves with what else the machine
runs; the wall time does, so the load average is printed beside it.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import time
from pathlib import Path

from testkit.provider import PROVIDER


def once(executable: Path) -> tuple[float, float]:
    """(wall s, CPU s) from starting ``executable`` to its port on stdout."""
    started = time.perf_counter()
    process = subprocess.Popen([executable], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip().isdigit()
        wall = time.perf_counter() - started
        fields = Path(f"/proc/{process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return wall, (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    finally:
        process.kill()
        process.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--executable", type=Path, metavar="DIR", help="an unpacked executable plugin archive")
    args = parser.parse_args()
    subjects = {".venv console script": PROVIDER}
    if args.executable:
        subjects["executable plugin"] = args.executable.resolve() / "pulumi-resource-deltastream"
    measured: dict[str, list[tuple[float, float]]] = {name: [] for name in subjects}
    for _ in range(args.runs):
        for name, executable in subjects.items():
            measured[name].append(once(executable))
    load = os.getloadavg()[0]
    for name, runs in measured.items():
        wall, cpu = statistics.median(w for w, _ in runs), statistics.median(c for _, c in runs)
        print(f"{name}: start to handshake, median of {args.runs}: wall {1000 * wall:.0f} ms, CPU {1000 * cpu:.0f} ms "
              f"(load average {load:.1f})")


if __name__ == "__main__":
    main()
