"""The issue-12 stack through the real CLI against the local server: up, no-change preview, refresh, destroy.

    .venv/bin/python -m bench.stack [--streams 40 300] [--latency-ms 0 25] [--repeat 5] [--stand-in]

The stack: 1 database, 5 namespaces, 2 Kafka stores, N streams, N/4 ``INSERT INTO ... SELECT`` queries (58
resources at N = 40). Per step it prints wall time, API requests (all, per resource, by statement kind), and for
preview and refresh the ratio to the same command on the program with its resources removed, measured in the
same run (the engine's and language host's own cost). Also: the provider's start to handshake and its exit on
SIGINT (medians of 7), and its peak memory (VmHWM) during ``up``. ``--stand-in`` adds, alternating with this
provider, the same steps with a provider that does no work (:mod:`bench.stand_in`): the engine's floor.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pulumi.runtime.proto import provider_pb2
from testkit import TOKEN
from testkit.provider import PROVIDER, provider_process, urn
from testkit.pulumi import pulumi_env

from deltastream_local.knobs import Knobs
from deltastream_local.runner import BackgroundServer, ServerSettings
from deltastream_provider import __version__
from deltastream_provider.plugin.wire import encode

ROOT = Path(__file__).resolve().parents[1]
NAMESPACES, STORES = 5, 2


def plugin_folder(work: Path, stand_in: bool = False) -> Path:
    """This checkout's provider (or the stand-in that does no work, :mod:`bench.stand_in`) in a folder of the run's
    own, to be run as a versioned plugin (see :func:`header`)."""
    folder = work / "plugin" / "bin"
    folder.mkdir(parents=True)
    executable = folder / "pulumi-resource-deltastream"
    if stand_in:
        executable.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                              "from bench.stand_in import main\nmain()\n")
        executable.chmod(0o755)
    else:
        executable.symlink_to(PROVIDER)
    return folder


def header(plugin: Path, name: str = "bench") -> str:
    """The project, with the provider as a versioned plugin: Pulumi then keeps its schema after the first command
    (beside the plugin's folder, so in the run's own directory), as it does for a plugin installed from the
    release tarball, and the YAML host no longer starts a provider process only to read the schema. An
    unversioned path plugin's schema is read again by every command."""
    return f"""name: {name}
runtime: yaml
plugins:
  providers:
    - name: deltastream
      path: {plugin}
      version: {__version__}
"""


def program(streams: int, plugin: Path) -> str:
    lines = [header(plugin), "resources:", "  db:", "    type: deltastream:index:Database",
             "    properties: { name: bench }"]
    for n in range(NAMESPACES):
        lines += [f"  ns{n}:", "    type: deltastream:index:Namespace",
                  f"    properties: {{ database: \"${{db.name}}\", name: ns{n} }}"]
    for k in range(STORES):
        lines += [f"  kafka{k}:", "    type: deltastream:index:Store",
                  f'    properties: {{ name: kafka{k}, kafka: {{ uris: "b{k}:9092", saslHashFunction: NONE }} }}']
    for i in range(streams):
        lines += [f"  s{i}:", "    type: deltastream:index:DeltaStreamObject", "    properties:",
                  "      database: ${db.name}", f"      namespace: ${{ns{i % NAMESPACES}.name}}", f"      name: s{i}",
                  "      kind: stream", f"      store: ${{kafka{i % STORES}.name}}",
                  "      columns: [ { name: id, type: BIGINT }, { name: body, type: VARCHAR } ]"]
    for q in range(streams // 4):
        lines += [f"  q{q}:", "    type: deltastream:index:Query", "    properties:",
                  f"      sql: INSERT INTO ${{s{2 * q + 1}.fqn}} SELECT id, body FROM ${{s{2 * q}.fqn}}"]
    return "\n".join(lines) + "\n"


def resources(streams: int) -> int:
    return 1 + NAMESPACES + STORES + streams + streams // 4


@dataclass
class ProviderUsage:
    """What the provider processes used during a step: CPU seconds (user + system, summed over processes) and
    the largest peak resident memory (VmHWM) of any of them."""

    cpu_s: float = 0.0
    peak_kib: int = 0


@contextmanager
def provider_usage(executable: Path) -> Iterator[ProviderUsage]:
    """Samples the processes of the provider at ``executable`` every 10 ms; a process's last sample before it exits
    counts."""
    usage = ProviderUsage()
    ticks: dict[str, int] = {}
    done = threading.Event()
    per_second = os.sysconf("SC_CLK_TCK")

    def sample() -> None:
        while not done.wait(0.01):
            for proc in Path("/proc").iterdir():
                try:
                    if bytes(executable) not in (proc / "cmdline").read_bytes():
                        continue
                    fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                    ticks[proc.name] = int(fields[11]) + int(fields[12])  # utime, stime
                    for line in (proc / "status").read_text().splitlines():
                        if line.startswith("VmHWM:"):
                            usage.peak_kib = max(usage.peak_kib, int(line.split()[1]))
                except (OSError, IndexError, ValueError):
                    continue

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield usage
    finally:
        done.set()
        sampler.join()
        usage.cpu_s = sum(ticks.values()) / per_second


def handshake(runs: int = 7) -> float:
    """Median time from starting the provider's console script to its port on stdout."""
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        process = subprocess.Popen([PROVIDER], stdout=subprocess.PIPE, text=True)
        assert process.stdout is not None and process.stdout.readline().strip().isdigit()
        times.append(time.perf_counter() - started)
        process.kill()
        process.wait()
    return statistics.median(times)


def exit_on_sigint(runs: int = 7) -> float:
    """Median time from SIGINT (how the engine ends a provider, waiting for it to exit) to the provider's exit,
    after it has served eight concurrent reads against a local server."""
    database = "deltastream:index:Database"

    async def once(url: str) -> float:
        async with provider_process(url, TOKEN) as (process, provider):
            await asyncio.gather(*(provider.Read(provider_pb2.ReadRequest(
                id=f"d{n}", urn=urn(database, f"d{n}"), type=database, properties=encode({"name": f"d{n}"})))
                for n in range(8)))
            started = time.perf_counter()
            process.send_signal(signal.SIGINT)
            await process.wait()
            return time.perf_counter() - started

    async def measure(url: str) -> list[float]:
        return [await once(url) for _ in range(runs)]

    with BackgroundServer(ServerSettings(port=0, tokens={TOKEN: "sysadmin"})) as server:
        return statistics.median(asyncio.run(measure(server.url)))


Step = tuple[float, Counter[str], ProviderUsage]  # wall seconds, requests by statement kind, provider usage


def run(streams: int, latency_ms: float, toolchain: Path, skip_checkpoints: bool = False,
        stand_in: bool = False) -> dict[str, Step]:
    knobs = Knobs()
    knobs.update({"latency_ms": latency_ms})
    with BackgroundServer(ServerSettings(port=0, tokens={TOKEN: "sysadmin"}, knobs=knobs)) as server, \
            tempfile.TemporaryDirectory() as work:
        full, empty = Path(work, "full"), Path(work, "empty")
        full.mkdir()
        empty.mkdir()
        plugin = plugin_folder(Path(work), stand_in)
        (full / "Pulumi.yaml").write_text(program(streams, plugin))
        (empty / "Pulumi.yaml").write_text(header(plugin, "bench-empty"))
        env = pulumi_env(Path(work), toolchain, server)
        if skip_checkpoints:  # the file backend rewrites the whole state after every step: O(n^2) in the engine
            env["PULUMI_SKIP_CHECKPOINTS"] = "true"
        counters = server.server.counters

        def step(project: Path, *args: str) -> Step:
            before = Counter(counters.statements)
            with provider_usage(plugin / "pulumi-resource-deltastream") as usage:
                started = time.perf_counter()
                subprocess.run(["pulumi", *args, "--non-interactive", "--stack", "bench"], cwd=project, env=env,
                               check=True, capture_output=True)
                elapsed = time.perf_counter() - started
            return elapsed, Counter(counters.statements) - before, usage

        for project in (full, empty):
            init = subprocess.run(["pulumi", "stack", "init", "bench", "--non-interactive"], cwd=project, env=env,
                                  capture_output=True, text=True)
            assert init.returncode == 0, init.stdout + init.stderr
        results: dict[str, Step] = {}
        results["up"] = step(full, "up", "--yes", "--skip-preview")
        results["preview"] = step(full, "preview", "--expect-no-changes")
        results["preview (empty)"] = step(empty, "preview")
        results["refresh"] = step(full, "refresh", "--yes", "--skip-preview")
        results["refresh (empty)"] = step(empty, "refresh", "--yes", "--skip-preview")
        results["destroy"] = step(full, "destroy", "--yes", "--skip-preview")
        return results


def medians(rounds: list[dict[str, Step]]) -> dict[str, Step]:
    """Each step's median wall time and provider CPU over the rounds, and its largest peak memory; the request
    counts are the same in every round (the tests assert them exactly), so the last round's are kept."""
    return {name: (statistics.median(r[name][0] for r in rounds), rounds[-1][name][1],
                   ProviderUsage(statistics.median(r[name][2].cpu_s for r in rounds),
                                 max(r[name][2].peak_kib for r in rounds)))
            for name in rounds[0]}


def report(streams: int, latency_ms: float, results: dict[str, Step], conditions: list[str]) -> None:
    count = resources(streams)
    title = ", ".join([f"{count} resources ({streams} streams)", f"{latency_ms:g} ms per API request", *conditions])
    print(f"\n### {title}\n")
    print("| step | wall | wall per resource | vs empty program | provider CPU | provider peak memory | requests "
          "| requests per resource | by statement |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in ("up", "preview", "refresh", "destroy"):
        seconds, kinds, usage = results[name]
        baseline = results.get(f"{name} (empty)")
        ratio = f"{seconds / baseline[0]:.2f}x" if baseline else "-"
        total = sum(kinds.values())
        by_kind = ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())) or "-"
        print(f"| {name} | {seconds:.2f} s | {1000 * seconds / count:.0f} ms | {ratio} | {usage.cpu_s:.2f} s | "
              f"{usage.peak_kib / 1024:.0f} MiB | "
              f"{total} | {total / count:.2f} | {by_kind} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--streams", type=int, nargs="+", default=[40])
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0, 25])
    parser.add_argument("--skip-checkpoints", action="store_true",
                        help="set PULUMI_SKIP_CHECKPOINTS: the file backend then writes the state once per command, "
                             "not after every step (which grows with the square of the resources)")
    parser.add_argument("--stand-in", action="store_true",
                        help="also run the steps with bench.stand_in, a provider that does no work (the engine's "
                             "floor), alternating with this provider")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of each configuration, alternating; the medians are printed")
    args = parser.parse_args()
    conditions = [text for asked, text in ((args.skip_checkpoints, "the engine's intermediate checkpoints skipped"),
                                           (args.repeat > 1, f"median of {args.repeat}")) if asked]
    providers = {"": False, "a stand-in provider that does no work": True} if args.stand_in else {"": False}
    toolchain = Path(subprocess.run(["bash", str(ROOT / "scripts/toolchain.sh")], capture_output=True, text=True,
                                    check=True).stdout.split()[-1])
    print(f"provider start to handshake: median {handshake():.3f} s")
    print(f"provider SIGINT to exit, after serving reads: median {1000 * exit_on_sigint():.1f} ms")
    for streams in args.streams:
        for latency in args.latency_ms:
            rounds: dict[str, list[dict[str, Step]]] = {name: [] for name in providers}
            for _ in range(args.repeat):
                for name, stand_in in providers.items():
                    rounds[name].append(run(streams, latency, toolchain, args.skip_checkpoints, stand_in))
            for name, results in rounds.items():
                report(streams, latency, medians(results), [*conditions, name] if name else conditions)


if __name__ == "__main__":
    main()
