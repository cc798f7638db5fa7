"""The provider process's CPU per read: the benchmark stack's 58 resources read at once, burst after burst.

    .venv/bin/python -m bench.read_cpu [--bursts 7] [--streams 40] [--rounds 5] [--concurrency 8] [--baseline REV ...]

The resources (as :mod:`bench.stack` lays them out) are created through an in-process provider; then a provider
process, started as the engine starts it, reads all of them concurrently, ``--bursts`` times. Its CPU (user +
system, from ``/proc``) is printed for the first burst (which also imports the HTTP client and the resource modules:
the per-process cost a refresh pays) and as the median of the later ones (the per-read cost), with wall times.
The local server runs on a thread of this process, so its CPU is not counted. ``--baseline REV`` runs this provider
at a git revision too (as :mod:`bench.stack` does), alternating process by process for ``--rounds`` rounds, and
prints the medians of each.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from pulumi.runtime.proto import provider_pb2
from testkit import TOKEN
from testkit.provider import Harness, provider_process, urn

from bench.stack import EXECUTABLE, NAMESPACES, STORES, Subject, export, plugin_folder
from deltastream_local.runner import BackgroundServer, ServerSettings
from deltastream_provider.plugin.wire import SecretValue, encode

T = "deltastream:index:"


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def stack(url: str, streams: int) -> list[tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """Creates the stack; returns (type, id, state, inputs) per resource, as a refresh reads them."""
    harness = await Harness().start()
    await harness.configure(server=url, apiKey=SecretValue(TOKEN))
    made: list[tuple[str, str, dict[str, Any], dict[str, Any]]] = []

    async def create(kind: str, inputs: dict[str, Any]) -> dict[str, Any]:
        resource_id, state = await harness.create(T + kind, inputs)
        made.append((T + kind, resource_id, state, inputs))
        return state

    await create("Database", {"name": "bench"})
    await asyncio.gather(*(create("Namespace", {"database": "bench", "name": f"ns{n}"}) for n in range(NAMESPACES)))
    await asyncio.gather(*(create("Store", {"name": f"kafka{k}", "kafka": {"uris": f"b{k}:9092",
                                                                          "saslHashFunction": "NONE"}})
                           for k in range(STORES)))
    objects = await asyncio.gather(*(create("DeltaStreamObject", {
        "database": "bench", "namespace": f"ns{i % NAMESPACES}", "name": f"s{i}", "kind": "stream",
        "store": f"kafka{i % STORES}", "columns": [{"name": "id", "type": "BIGINT"}, {"name": "body",
                                                                                     "type": "VARCHAR"}]})
        for i in range(streams)))
    await asyncio.gather(*(create("Query", {"sql": f"INSERT INTO {objects[2 * q + 1]['fqn']} SELECT id, body "
                                                   f"FROM {objects[2 * q]['fqn']}"})
                           for q in range(streams // 4)))
    await harness.stop()
    return made


async def bursts(executable: Path, url: str, made: list[tuple[str, str, dict[str, Any], dict[str, Any]]],
                 count: int, concurrency: int) -> list[tuple[float, float]]:
    """(CPU s, wall s) of one provider process per burst of reads."""
    measured = []
    async with provider_process(url, TOKEN, executable, stderr=subprocess.DEVNULL) as (process, provider):
        in_flight = asyncio.Semaphore(concurrency)

        async def read(kind: str, resource_id: str, state: dict[str, Any], inputs: dict[str, Any]) -> None:
            async with in_flight:
                await provider.Read(provider_pb2.ReadRequest(id=resource_id, urn=urn(kind, resource_id), type=kind,
                                                             properties=encode(state), inputs=encode(inputs)))

        for _ in range(count):
            cpu, begun = cpu_seconds(process.pid), time.perf_counter()
            await asyncio.gather(*(read(*resource) for resource in made))
            measured.append((cpu_seconds(process.pid) - cpu, time.perf_counter() - begun))
    return measured


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bursts", type=int, default=7)
    parser.add_argument("--streams", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=1, help="provider processes per provider, alternating")
    parser.add_argument("--baseline", nargs="+", default=[], metavar="REV")
    parser.add_argument("--concurrency", type=int, default=0,
                        help="reads in flight at once (the engine's --parallel; its default is 4 per core); 0: all")
    args = parser.parse_args()
    with BackgroundServer(ServerSettings(port=0, tokens={TOKEN: "sysadmin"})) as server, \
            tempfile.TemporaryDirectory() as work:
        subjects = [Subject("this provider", "ours")]
        subjects += [Subject(f"this provider at {rev}", "baseline", export(rev, Path(work))) for rev in args.baseline]
        executables = {s.name: plugin_folder(Path(work, f"p{n}"), subject=s) / EXECUTABLE
                       for n, s in enumerate(subjects)}
        made = asyncio.run(stack(server.url, args.streams))
        runs: dict[str, list[list[tuple[float, float]]]] = {name: [] for name in executables}
        for _ in range(args.rounds):
            for name, executable in executables.items():
                runs[name].append(asyncio.run(bursts(executable, server.url, made, args.bursts,
                                                     args.concurrency or len(made))))
    for name, measured in runs.items():
        first = [m[0] for m in measured]
        rest = [b for m in measured for b in m[1:]]
        cpu, wall = statistics.median(c for c, _ in rest), statistics.median(w for _, w in rest)
        print(f"{name}: {len(made)} reads, {args.concurrency or len(made)} at once; first burst of a process "
              f"(median of {len(first)}): CPU {1000 * statistics.median(c for c, _ in first):.0f} ms, wall "
              f"{1000 * statistics.median(w for _, w in first):.0f} ms; later bursts (median of {len(rest)}): CPU "
              f"{1000 * cpu:.0f} ms ({1000 * cpu / len(made):.2f} ms per read), wall {1000 * wall:.0f} ms")


if __name__ == "__main__":
    main()
