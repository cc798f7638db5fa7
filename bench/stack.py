"""The issue-12 stack through the real CLI against the local server: up, no-change preview, refresh, destroy.

    .venv/bin/python -m bench.stack [--streams 40 300] [--latency-ms 0 25 100] [--repeat 3] [--stand-in]
                                    [--against DIR | --no-against] [--baseline REV ...]

The stack: 1 database, 5 namespaces, 2 Kafka stores, N streams, N/4 ``INSERT INTO ... SELECT`` queries (58
resources at N = 40). Per step it prints wall time, API requests (all, per resource, by route, by statement kind),
provider CPU and peak memory, and for preview and refresh the ratio to the same command on the program with its
resources removed, measured in the same run (the engine's and language host's own cost). Also: each provider's start
to handshake and this provider's exit on SIGINT (medians).

Providers run on the same work in one run, alternating round by round (``--repeat``; medians are printed):

- this checkout's provider, always;
- DeltaStream's own Go provider, when ``../shared/upstream`` beside the repository exists (``--against`` names
  another folder holding ``pulumi-resource-deltastream``, ``--no-against`` skips it): the same stack in its shapes
  (:func:`go_program`), configured through stack config as it requires; the ratio per step is Go's time / ours;
- ``--baseline REV``: this provider at a git revision (its ``src/`` exported to the run's folder), to measure what
  a change bought in the same run; the ratio is the baseline's time / ours;
- ``--executable DIR``: this provider's executable plugin (an unpacked release archive), as a user installs it;
- ``--stand-in``: a provider that does no work (:mod:`bench.stand_in`): the engine's floor.

Without the Go provider it measures this provider alone. It asserts nothing: the request counts are asserted by
``tests/contract/test_request_budget.py`` and ``tests/e2e/test_stack_budget.py``.
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
from dataclasses import dataclass, field
from pathlib import Path

from pulumi.runtime.proto import provider_pb2
from testkit import TOKEN
from testkit.provider import PROVIDER, provider_process, urn
from testkit.pulumi import pulumi_env

from deltastream_local.knobs import Knobs
from deltastream_local.parser import parse
from deltastream_local.runner import BackgroundServer, ServerSettings
from deltastream_provider import __version__
from deltastream_provider.plugin.wire import encode

ROOT = Path(__file__).resolve().parents[1]
UPSTREAM = ROOT.parent / "shared" / "upstream"  # DeltaStream's own Go provider, when it is beside the repository
NAMESPACES, STORES = 5, 2
EXECUTABLE = "pulumi-resource-deltastream"


@dataclass(frozen=True)
class Subject:
    """A provider the steps run with: ``kind`` is ours, stand-in, go or executable (``source`` the folder of its
    executable: DeltaStream's, or this provider's frozen plugin) or baseline (``source`` a revision's exported
    ``src/``)."""

    name: str
    kind: str
    source: Path | None = None


def plugin_folder(work: Path, stand_in: bool = False, subject: Subject | None = None) -> Path:
    """This checkout's provider (or the stand-in that does no work, :mod:`bench.stand_in`, or ``subject``'s
    provider) in a folder of the run's own, to be run as a versioned plugin (see :func:`header`)."""
    subject = subject or Subject("", "stand-in" if stand_in else "ours")
    folder = work / "plugin" / "bin"
    folder.mkdir(parents=True)
    executable = folder / EXECUTABLE
    if subject.kind == "stand-in":
        executable.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(ROOT)!r})\n"
                              "from bench.stand_in import main\nmain()\n")
        executable.chmod(0o755)
    elif subject.kind == "baseline":
        assert subject.source is not None
        # The revision's own entry point: the executable's (entry.py) where it has one.
        entry = "entry" if (subject.source / "deltastream_provider/entry.py").exists() else "plugin.main"
        start = f"from deltastream_provider.{entry} import main"
        executable.write_text(f"#!{sys.executable}\nimport sys\nsys.path.insert(0, {str(subject.source)!r})\n"
                              f"{start}\nsys.exit(main())\n")
        executable.chmod(0o755)
    elif subject.kind in ("go", "executable"):
        assert subject.source is not None
        executable.symlink_to(subject.source / EXECUTABLE)
    else:
        executable.symlink_to(PROVIDER)
    return folder


def header(plugin: Path, name: str = "bench", version: str = __version__) -> str:
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
      version: {version}
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


GO_VERSION = "1.0.1"


def go_program(streams: int, plugin: Path) -> str:
    """The same stack in the Go provider's shapes (as ``../shared/upstream/bench-program/Pulumi.yaml`` at N = 40):
    objects and queries as SQL, a query's sink and sources named."""
    lines = [header(plugin, version=GO_VERSION), "resources:", "  db:", "    type: deltastream:index:Database",
             "    properties: { name: bench }"]
    for n in range(NAMESPACES):
        lines += [f"  ns{n}:", "    type: deltastream:index:Namespace",
                  f"    properties: {{ database: \"${{db.name}}\", name: ns{n} }}"]
    for k in range(STORES):
        lines += [f"  k{k}:", "    type: deltastream:index:Store",
                  f'    properties: {{ name: bench_kafka{k}, kafka: {{ uris: "kafka-{k}.example:9092", '
                  'saslHashFunction: NONE } }']
    for i in range(streams):
        lines += [f"  o{i}:", "    type: deltastream:index:DeltaStreamObject", "    properties:",
                  "      database: ${db.name}", f"      namespace: ${{ns{i % NAMESPACES}.name}}",
                  f"      store: ${{k{i % STORES}.name}}",
                  f"      sql: \"CREATE STREAM o{i} (id BIGINT, body VARCHAR) WITH ('topic'='topic_o{i}', "
                  "'value.format'='json');\""]
    for q in range(streams // 4):
        sink, source = f"${{o{2 * q + 1}.fqn}}", f"${{o{2 * q}.fqn}}"
        lines += [f"  q{q}:", "    type: deltastream:index:Query", "    properties:",
                  f"      sql: INSERT INTO {sink} SELECT id, body FROM {source};",
                  f"      sinkRelationFqn: {sink}", f'      sourceRelationFqns: [ "{source}" ]']
    return "\n".join(lines) + "\n"


def resources(streams: int) -> int:
    return 1 + NAMESPACES + STORES + streams + streams // 4


@dataclass
class ProviderUsage:
    """What the provider processes used during a step: CPU seconds (user + system, summed over processes) and
    the largest peak RSS (VmHWM) of any of them."""

    cpu_s: float = 0.0
    peak_kib: int = 0


@contextmanager
def provider_usage(executable: Path) -> Iterator[ProviderUsage]:
    """Samples the processes of the provider at ``executable`` every 10 ms: the CPU each used since the step began
    (a process's last sample before it exits counts) and the largest peak memory."""
    usage = ProviderUsage()
    before: dict[str, int] = {}
    ticks: dict[str, int] = {}
    done = threading.Event()
    per_second = os.sysconf("SC_CLK_TCK")

    def sample(into: dict[str, int]) -> None:
        for proc in Path("/proc").iterdir():
            try:
                if bytes(executable) not in (proc / "cmdline").read_bytes():
                    continue
                fields = (proc / "stat").read_text().rsplit(")", 1)[1].split()
                into[proc.name] = int(fields[11]) + int(fields[12])  # utime, stime
                for line in (proc / "status").read_text().splitlines():
                    if line.startswith("VmHWM:") and into is ticks:
                        usage.peak_kib = max(usage.peak_kib, int(line.split()[1]))
            except (OSError, IndexError, ValueError):
                continue

    def sampling() -> None:
        while not done.wait(0.01):
            sample(ticks)

    sample(before)  # providers already running: only what they use from now on counts
    sampler = threading.Thread(target=sampling, daemon=True)
    sampler.start()
    try:
        yield usage
    finally:
        done.set()
        sampler.join()
        usage.cpu_s = sum(t - before.get(pid, 0) for pid, t in ticks.items()) / per_second


Step = tuple[float, Counter[str], ProviderUsage, Counter[str]]  # wall s, by statement, usage, by route


def handshake(executables: dict[str, Path], runs: int = 7) -> dict[str, float]:
    """Median time from starting each provider's executable to its port on stdout, alternating between them."""
    times: dict[str, list[float]] = {name: [] for name in executables}
    for _ in range(runs):
        for name, executable in executables.items():
            started = time.perf_counter()
            process = subprocess.Popen([executable], stdout=subprocess.PIPE, text=True)
            assert process.stdout is not None and process.stdout.readline().strip().isdigit()
            times[name].append(time.perf_counter() - started)
            process.kill()
            process.wait()
    return {name: statistics.median(values) for name, values in times.items()}


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


STEPS = ("up", "preview", "refresh", "destroy")


def run(streams: int, latency_ms: float, toolchain: Path, skip_checkpoints: bool = False,
        stand_in: bool = False, subject: Subject | None = None, empty_program: bool = True) -> dict[str, Step]:
    """One round of the steps with one provider on a fresh local server; ``empty_program`` adds the preview and
    refresh of the program with its resources removed (the engine's and language host's own cost)."""
    subject = subject or Subject("", "stand-in" if stand_in else "ours")
    knobs = Knobs()
    knobs.update({"latency_ms": latency_ms})
    with BackgroundServer(ServerSettings(port=0, tokens={TOKEN: "sysadmin"}, knobs=knobs)) as server, \
            tempfile.TemporaryDirectory() as work:
        full, empty = Path(work, "full"), Path(work, "empty")
        full.mkdir()
        empty.mkdir()
        plugin = plugin_folder(Path(work), subject=subject)
        go = subject.kind == "go"
        (full / "Pulumi.yaml").write_text((go_program if go else program)(streams, plugin))
        (empty / "Pulumi.yaml").write_text(header(plugin, "bench-empty", GO_VERSION if go else __version__))
        env = pulumi_env(Path(work), toolchain, server)
        if skip_checkpoints:  # the file backend rewrites the whole state after every step: O(n^2) in the engine
            env["PULUMI_SKIP_CHECKPOINTS"] = "true"

        def pulumi(project: Path, *args: str) -> None:
            done = subprocess.run(["pulumi", *args, "--non-interactive"], cwd=project, env=env,
                                  capture_output=True, text=True)
            assert done.returncode == 0, f"pulumi {' '.join(args)}: {done.stdout[-3000:]}{done.stderr[-3000:]}"

        def step(project: Path, *args: str) -> Step:
            counters = server.server.counters
            before, routes = Counter(counters.statements), Counter(counters.requests)
            with provider_usage(plugin / EXECUTABLE) as usage:
                started = time.perf_counter()
                pulumi(project, *args, "--stack", "bench")
                elapsed = time.perf_counter() - started
            return elapsed, Counter(counters.statements) - before, usage, Counter(counters.requests) - routes

        projects = (full, empty) if empty_program else (full,)
        for project in projects:
            pulumi(project, "stack", "init", "bench")
            if go:  # it reads no environment variables
                pulumi(project, "config", "set", "deltastream:server", server.url)
                pulumi(project, "config", "set", "--secret", "deltastream:apiKey", TOKEN)
        results: dict[str, Step] = {}
        # As users type them: refresh and destroy run their preview pass first. `up` skips it: the Go provider's
        # preview fails on a stack whose database is only planned (its own bug), so its users cannot run it either.
        results["up"] = step(full, "up", "--yes", "--skip-preview")
        results["preview"] = step(full, "preview", "--expect-no-changes")
        if empty_program:
            results["preview (empty)"] = step(empty, "preview")
        results["refresh"] = step(full, "refresh", "--yes")
        if empty_program:
            results["refresh (empty)"] = step(empty, "refresh", "--yes")
        results["destroy"] = step(full, "destroy", "--yes")
        return results


def medians(rounds: list[dict[str, Step]]) -> dict[str, Step]:
    """Each step's median wall time and provider CPU over the rounds, and its largest peak memory; the request
    counts are the same in every round (the tests assert them exactly), so the last round's are kept."""
    return {name: (statistics.median(r[name][0] for r in rounds), rounds[-1][name][1],
                   ProviderUsage(statistics.median(r[name][2].cpu_s for r in rounds),
                                 max(r[name][2].peak_kib for r in rounds)), rounds[-1][name][3])
            for name in rounds[0]}


def listed(counts: Counter[str]) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "-"


def report(streams: int, latency_ms: float, results: dict[str, Step], conditions: list[str]) -> None:
    count = resources(streams)
    title = ", ".join([f"{count} resources ({streams} streams)", f"{latency_ms:g} ms per API request", *conditions])
    print(f"\n### {title}\n")
    print("| step | wall | wall per resource | vs empty program | provider CPU | provider peak memory | requests "
          "| requests per resource | by route | by statement |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name in STEPS:
        seconds, kinds, usage, routes = results[name]
        baseline = results.get(f"{name} (empty)")
        ratio = f"{seconds / baseline[0]:.2f}x" if baseline else "-"
        total = sum(routes.values())
        print(f"| {name} | {seconds:.2f} s | {1000 * seconds / count:.0f} ms | {ratio} | {usage.cpu_s:.2f} s | "
              f"{usage.peak_kib / 1024:.0f} MiB | {total} | {total / count:.2f} | {listed(routes)} | "
              f"{listed(kinds)} |")


@dataclass
class Comparison:
    """Per other provider, per configuration (streams, latency): its medians and ours."""

    cells: dict[str, dict[tuple[int, float], tuple[dict[str, Step], dict[str, Step]]]] = field(default_factory=dict)

    def add(self, other: str, key: tuple[int, float], theirs: dict[str, Step], ours: dict[str, Step]) -> None:
        self.cells.setdefault(other, {})[key] = (theirs, ours)

    def print(self, starts: dict[str, float]) -> None:
        for other, by_key in self.cells.items():
            keys = sorted(by_key)
            print(f"\n### {other} / this provider: wall time ratio (theirs / ours; above 1 means ours is faster), "
                  "provider CPU (theirs / ours)\n")
            print("| step | " + " | ".join(f"{resources(s)} resources, {lat:g} ms" for s, lat in keys) + " |")
            print("| --- |" + " --- |" * len(keys))
            for name in STEPS:
                cells = []
                for key in keys:
                    theirs, ours = by_key[key]
                    (wall, _, usage, _), (our_wall, _, our_usage, _) = theirs[name], ours[name]
                    cells.append(f"{wall / our_wall:.2f} ({wall:.2f} s / {our_wall:.2f} s; "
                                 f"CPU {usage.cpu_s:.2f} / {our_usage.cpu_s:.2f} s)")
                print(f"| {name} | " + " | ".join(cells) + " |")
            if other in starts:
                print(f"| start to handshake | {starts[other] / starts['this provider']:.2f} "
                      f"({1000 * starts[other]:.0f} ms / {1000 * starts['this provider']:.0f} ms) |"
                      + " |" * (len(keys) - 1))


def export(revision: str, work: Path) -> Path:
    """``src/`` of this repository at ``revision``, written under ``work``: a baseline provider to run."""
    target = work / revision.replace("/", "_")
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", revision, "src"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target / "src"


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
    parser.add_argument("--against", type=Path, default=UPSTREAM,
                        help="a folder holding DeltaStream's Go provider (pulumi-resource-deltastream), run beside "
                             "this one when it exists (default: ../shared/upstream beside the repository)")
    parser.add_argument("--no-against", action="store_true", help="do not run the Go provider")
    parser.add_argument("--baseline", nargs="+", default=[], metavar="REV",
                        help="also run this provider at these git revisions, alternating")
    parser.add_argument("--executable", type=Path, metavar="DIR",
                        help="also run this provider's executable plugin (the folder of an unpacked release archive, "
                             "as scripts/build_binary.py makes it), alternating")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of each configuration, alternating; the medians are printed")
    args = parser.parse_args()
    conditions = [text for asked, text in ((args.skip_checkpoints, "the engine's intermediate checkpoints skipped"),
                                           (args.repeat > 1, f"median of {args.repeat}")) if asked]
    toolchain = Path(subprocess.run(["bash", str(ROOT / "scripts/toolchain.sh")], capture_output=True, text=True,
                                    check=True).stdout.split()[-1])
    with tempfile.TemporaryDirectory() as exported:
        subjects = [Subject("this provider", "ours")]
        subjects += [Subject(f"this provider at {rev}", "baseline", export(rev, Path(exported)))
                     for rev in args.baseline]
        if args.executable:
            subjects.append(Subject("this provider's executable plugin", "executable", args.executable.resolve()))
        against = args.against.resolve()
        if not args.no_against and (against / EXECUTABLE).exists():
            subjects.append(Subject(f"DeltaStream's Go provider v{GO_VERSION}", "go", against))
        if args.stand_in:
            subjects.append(Subject("a stand-in provider that does no work", "stand-in"))
        executables = {s.name: plugin_folder(Path(exported, f"start{n}"), subject=s) / EXECUTABLE
                       for n, s in enumerate(subjects) if s.kind != "stand-in"}
        starts = handshake(executables, runs=15)
        for name, seconds in starts.items():
            print(f"{name}: start to handshake, median of 15: {1000 * seconds:.0f} ms")
        print(f"this provider: SIGINT to exit, after serving reads: median {1000 * exit_on_sigint():.1f} ms")
        parse("CREATE DATABASE warm;")  # the local server builds its SQL parser once per process: not in a step
        comparison = Comparison()
        compare(args, subjects, toolchain, conditions, comparison)
        comparison.print(starts)


def compare(args: argparse.Namespace, subjects: list[Subject], toolchain: Path, conditions: list[str],
            comparison: Comparison) -> None:
    """Every configuration's rounds, alternating between the subjects, reported as they finish."""
    for streams in args.streams:
        for latency in args.latency_ms:
            rounds: dict[str, list[dict[str, Step]]] = {s.name: [] for s in subjects}
            for _ in range(args.repeat):
                for subject in subjects:
                    rounds[subject.name].append(run(streams, latency, toolchain, args.skip_checkpoints,
                                                    subject=subject, empty_program=subject.kind == "ours"))
            ours = medians(rounds["this provider"])
            for subject in subjects:
                results = medians(rounds[subject.name])
                report(streams, latency, results, [*conditions, subject.name])
                if subject.kind in ("go", "baseline", "executable"):
                    comparison.add(subject.name, (streams, latency), results, ours)
            sys.stdout.flush()


if __name__ == "__main__":
    main()
