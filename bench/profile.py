"""Where a step's provider CPU goes: the benchmark's stack (:mod:`bench.stack`) with every provider process under
cProfile, one profile per step.

    .venv/bin/python -m bench.profile [--streams 40] [--latency-ms 0] [--top 25] [--out DIR]

The provider runs from a wrapper executable that starts cProfile before its first import and writes the profile
when the process exits (the engine ends it with SIGINT, on which the provider calls ``os._exit``: the wrapper
writes the profile first). It counts the process's CPU time (``time.process_time``), not waits. Per step it
prints the provider's CPU by area (imports, gRPC and asyncio, protobuf, the HTTP exchange, the provider's own
modules) and the functions with the most time of their own. Each profile is of a provider that starts cold and
imports what its calls need: the imports' share is what every command pays. cProfile adds its own overhead per
call, so the areas' shares, not their seconds, are what to read.
"""

from __future__ import annotations

import argparse
import pstats
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

from testkit import TOKEN
from testkit.pulumi import pulumi_env

from bench.stack import EXECUTABLE, ROOT, program
from deltastream_local.knobs import Knobs
from deltastream_local.runner import BackgroundServer, ServerSettings

WRAPPER = """#!{python}
import cProfile, os, sys, time
profile = cProfile.Profile(time.process_time)
_exit = os._exit
def written(status):
    profile.disable()
    profile.dump_stats(os.path.join(os.environ["BENCH_PROFILE_DIR"], f"{{os.getpid()}}.prof"))
    _exit(status)
os._exit = written
profile.enable()
from deltastream_provider.entry import main
try:
    main()
finally:
    written(0)
"""

AREAS = (  # first match wins: (area, substrings of a function's file)
    ("imports", ("<frozen importlib", "<frozen zipimport")),
    ("HTTP (httpx, httpcore, h11)", ("/httpx/", "/httpcore/", "/h11/", "deltastream/network.py")),
    ("gRPC", ("/grpc/", "cygrpc", "grpc/_cython")),
    ("protobuf", ("/google/protobuf/",)),
    ("asyncio", ("/asyncio/",)),
    ("provider: plugin (servicer, wire, log)", ("deltastream_provider/plugin/",)),
    ("provider: model", ("deltastream_provider/model/",)),
    ("provider: resources", ("deltastream_provider/resources/", "deltastream_provider/functions/")),
    ("provider: deltastream client", ("deltastream_provider/deltastream/",)),
    ("provider: other", ("deltastream_provider/",)),
)


def area(filename: str) -> str:
    for name, needles in AREAS:
        if any(needle in filename for needle in needles):
            return name
    return "built-ins and the rest" if filename == "~" else "standard library and the rest"


def summarize(files: list[Path], top: int) -> None:
    stats = pstats.Stats(*map(str, files))
    raw = stats.stats  # type: ignore[attr-defined]
    by_area: Counter[str] = Counter()
    imports = 0.0
    for (filename, _, _), (_, _, tottime, _, _) in raw.items():
        by_area[area(filename)] += tottime
    for (filename, _, function), (_, _, _, cumtime, _) in raw.items():
        if filename.startswith("<frozen importlib") and function == "_find_and_load":
            imports = max(imports, cumtime)
    total = sum(by_area.values())
    print(f"{len(files)} process(es), {total:.3f} s profiled; under imports (cumulative): {imports:.3f} s "
          f"({100 * imports / total:.0f} %)")
    print("| area (own time) | s | share |\n| --- | --- | --- |")
    for name, seconds in by_area.most_common():
        print(f"| {name} | {seconds:.3f} | {100 * seconds / total:.0f} % |")
    print()
    stats.sort_stats("tottime").print_stats(top)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, default=40)
    parser.add_argument("--latency-ms", type=float, default=0)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, help="keep the profiles here (one folder per step)")
    args = parser.parse_args()
    toolchain = Path(subprocess.run(["bash", str(ROOT / "scripts/toolchain.sh")], capture_output=True, text=True,
                                    check=True).stdout.split()[-1])
    knobs = Knobs()
    knobs.update({"latency_ms": args.latency_ms})
    with BackgroundServer(ServerSettings(port=0, tokens={TOKEN: "sysadmin"}, knobs=knobs)) as server, \
            tempfile.TemporaryDirectory() as work:
        out = args.out or Path(work, "profiles")
        plugin = Path(work, "plugin", "bin")
        plugin.mkdir(parents=True)
        (plugin / EXECUTABLE).write_text(WRAPPER.format(python=sys.executable))
        (plugin / EXECUTABLE).chmod(0o755)
        project = Path(work, "full")
        project.mkdir()
        (project / "Pulumi.yaml").write_text(program(args.streams, plugin))
        env = pulumi_env(Path(work), toolchain, server)

        def pulumi(*command: str, profile: str = "") -> None:
            folder = out / (profile or "setup")
            folder.mkdir(parents=True, exist_ok=True)
            done = subprocess.run(["pulumi", *command, "--non-interactive", "--stack", "bench"], cwd=project,
                                  env={**env, "BENCH_PROFILE_DIR": str(folder)}, capture_output=True, text=True)
            assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
            if profile:
                print(f"\n## {profile}\n")
                summarize(sorted(folder.glob("*.prof")), args.top)

        subprocess.run(["pulumi", "stack", "init", "bench", "--non-interactive"], cwd=project, env=env, check=True,
                       capture_output=True)
        pulumi("up", "--yes", "--skip-preview", profile="up")
        pulumi("preview", "--expect-no-changes", profile="preview")
        pulumi("refresh", "--yes", "--skip-preview", profile="refresh")
        pulumi("destroy", "--yes", "--skip-preview", profile="destroy")


if __name__ == "__main__":
    main()
