"""adopt on a large account: seed, adopt, pulumi import, first preview (issue 36).

    .venv/bin/python -m bench.adopt --copies 27

Seeds the local server with ``copies`` of one of every kind (testkit/adopt_account.py: 19 resources each, roles and
grants included), then times ``deltastream-provider adopt --include-access`` and ``pulumi import --file`` of what it
wrote (YAML, the real CLI), fills the inputs adopt reports unreadable as a user would, and counts the changes the
first ``pulumi preview`` shows (the goal: none). Prints a Markdown table for bench/results.md.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml
from testkit import TOKEN
from testkit.adopt_account import every_kind, fill, seed
from testkit.pulumi import pulumi_env

from deltastream_local.knobs import Knobs
from deltastream_local.runner import BackgroundServer, ServerSettings

ROOT = Path(__file__).resolve().parents[1]
PROVIDER = f"plugins:\n  providers:\n    - name: deltastream\n      path: {ROOT / '.venv/bin'}\n"


def timed(args: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    started = time.perf_counter()
    result = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=3600)
    if result.returncode != 0:
        sys.exit(f"{' '.join(args[:3])} failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return time.perf_counter() - started, result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, default=27)
    copies = parser.parse_args().copies
    toolchain = subprocess.run(["bash", str(ROOT / "scripts/toolchain.sh")], capture_output=True, text=True,
                               check=True).stdout.strip().splitlines()[-1]
    with tempfile.TemporaryDirectory() as scratch, BackgroundServer(
            ServerSettings(port=0, tokens={TOKEN: "sysadmin"}, knobs=Knobs())) as local:
        base = Path(scratch)
        started = time.perf_counter()
        statements = seed(local.url, every_kind(copies))
        seeding = time.perf_counter() - started
        project = base / "project"
        project.mkdir()
        env = pulumi_env(base, Path(toolchain), local)
        (project / "Pulumi.yaml").write_text(f"name: adopted\nruntime: yaml\n{PROVIDER}")
        subprocess.run(["pulumi", "stack", "init", "dev", "--non-interactive"], cwd=project, env=env, check=True,
                       capture_output=True)
        requests = sum(local.server.counters.requests.values())
        adopting, adopted = timed([str(ROOT / ".venv/bin/deltastream-provider"), "adopt", "--include-access", "-o",
                                   "import.json"], project, env)
        requests = sum(local.server.counters.requests.values()) - requests
        document = json.loads((project / "import.json").read_text())
        kinds = Counter(r["type"].rsplit(":", 1)[-1] for r in document["resources"])
        importing, _ = timed(["pulumi", "import", "--file", "import.json", "--out", "program.yaml", "--yes",
                              "--non-interactive"], project, env)
        program = yaml.safe_load((project / "program.yaml").read_text())
        fill(program, adopted.stderr, project)
        header = yaml.safe_load((project / "Pulumi.yaml").read_text())
        (project / "Pulumi.yaml").write_text(yaml.safe_dump({**header, **program}, sort_keys=False))
        previewing, preview = timed(["pulumi", "preview", "--json", "--non-interactive"], project, env)
        steps = Counter(step["op"] for step in json.loads(preview.stdout).get("steps", []))
    print(f"| account | {statements} statements seeded in {seeding:.1f} s: {len(document['resources'])} resources "
          f"adopted, {', '.join(f'{n} {k}' for k, n in sorted(kinds.items()))} |")
    print(f"| adopt | {adopting:.1f} s, {requests} requests |")
    print(f"| pulumi import --file | {importing:.1f} s |")
    changes = {op: n for op, n in steps.items() if op != "same"}
    print(f"| first pulumi preview | {previewing:.1f} s, changes: {changes or 'none'} |")


if __name__ == "__main__":
    main()
