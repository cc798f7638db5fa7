"""`pulumi up` / `pulumi destroy` of a larger program through the real CLI, with and without API latency.

    .venv/bin/python -m bench.cli_up [--objects 50] [--latency-ms 0 50]

Shows what the engine's parallelism and the provider's single pooled client give end to end.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import TOKEN
from tests.e2e.conftest import pulumi_env

from deltastream_local.knobs import Knobs
from deltastream_local.runner import BackgroundServer, ServerSettings

ROOT = Path(__file__).resolve().parents[1]


def program(objects: int) -> str:
    lines = [f"""name: bench
runtime: yaml
plugins:
  providers:
    - name: deltastream
      path: {Path(sys.executable).parent}
resources:
  db:
    type: deltastream:index:Database
    properties: {{ name: bench }}
  kafka:
    type: deltastream:index:Store
    properties: {{ name: bench_kafka, kafka: {{ uris: "b:9092", saslHashFunction: NONE }} }}"""]
    for i in range(objects):
        lines.append(f"""  o{i}:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${{db.name}}
      namespace: public
      name: o{i}
      kind: stream
      store: ${{kafka.name}}
      columns: [ {{ name: id, type: BIGINT }}, {{ name: body, type: VARCHAR }} ]""")
    for i in range(0, objects - 1, 2):
        lines.append(f"""  q{i}:
    type: deltastream:index:Query
    properties:
      sql: INSERT INTO ${{o{i + 1}.fqn}} SELECT id, body FROM ${{o{i}.fqn}}""")
    return "\n".join(lines) + "\n"


def run(objects: int, latency_ms: float, toolchain: str) -> dict[str, float]:
    knobs = Knobs()
    knobs.update({"latency_ms": latency_ms})
    with BackgroundServer(ServerSettings(port=0, tokens={TOKEN: "sysadmin"}, knobs=knobs)) as server, \
            tempfile.TemporaryDirectory() as work:
        project = Path(work, "project")
        project.mkdir()
        (project / "Pulumi.yaml").write_text(program(objects))
        env = pulumi_env(Path(work), Path(toolchain), server)

        def pulumi(*args: str) -> float:
            started = time.perf_counter()
            subprocess.run(["pulumi", *args, "--non-interactive"], cwd=project, env=env, check=True,
                           capture_output=True)
            return time.perf_counter() - started

        pulumi("stack", "init", "bench")
        up = pulumi("up", "--yes", "--skip-preview")
        requests_up = sum(server.server.counters.requests.values())
        preview = pulumi("preview", "--expect-no-changes")
        destroy = pulumi("destroy", "--yes")
        return {"resources": 2 + objects + objects // 2, "latency_ms": latency_ms, "up_s": up,
                "up_requests": requests_up, "preview_s": preview, "destroy_s": destroy,
                "connections": server.server.counters.as_dict()["connections"]}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--objects", type=int, default=50)
    parser.add_argument("--latency-ms", type=float, nargs="+", default=[0, 50])
    args = parser.parse_args()
    toolchain = subprocess.run(["bash", str(ROOT / "scripts/toolchain.sh")], capture_output=True, text=True,
                               check=True).stdout.strip().splitlines()[-1]
    print("| resources | API latency | up | API requests (up) | no-op preview | destroy | HTTP connections |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for latency in args.latency_ms:
        r = run(args.objects, latency, toolchain)
        print(f"| {r['resources']} | {r['latency_ms']:g} ms | {r['up_s']:.1f} s | {r['up_requests']:.0f} | "
              f"{r['preview_s']:.1f} s | {r['destroy_s']:.1f} s | {r['connections']:.0f} |")


if __name__ == "__main__":
    main()
