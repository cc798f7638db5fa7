"""Start to handshake: how long until the provider prints its port, launched the two ways the engine can.

    .venv/bin/python -m bench.plugin_start PLUGIN_DIR [--runs 7]

- ``.venv``: the console script ``pulumi-resource-deltastream`` of this checkout's virtualenv (a
  ``plugins.providers.path`` route);
- plugin cache: what the engine does for an installed plugin (``pulumi plugin install``): start the Python
  language host, ask it to ``RunPlugin`` the plugin directory, read the port from the streamed stdout.

PLUGIN_DIR is an installed plugin, e.g. ``$PULUMI_HOME/plugins/resource-deltastream-v0.1.0``. Runs alternate
between the routes, so both see the same machine; the median of each and their difference are printed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime.proto import language_pb2, language_pb2_grpc

ROOT = Path(__file__).resolve().parents[1]


def venv_route() -> float:
    started = time.perf_counter()
    process = subprocess.Popen([str(ROOT / ".venv/bin/pulumi-resource-deltastream")], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip().isdigit()
        return time.perf_counter() - started
    finally:
        process.kill()
        process.wait()


def plugin_cache_route(toolchain: Path, plugin: Path) -> float:
    started = time.perf_counter()
    host = subprocess.Popen([str(toolchain / "pulumi-language-python"), "127.0.0.1:1"], stdout=subprocess.PIPE,
                            text=True)
    try:
        assert host.stdout is not None
        port = int(host.stdout.readline())
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            options = struct_pb2.Struct()
            options.update({"virtualenv": "venv", "toolchain": "pip"})
            request = language_pb2.RunPluginRequest(
                pwd=os.getcwd(), kind="resource", name="deltastream",
                info=language_pb2.ProgramInfo(root_directory=str(plugin), program_directory=str(plugin),
                                              entry_point=".", options=options))
            stream = language_pb2_grpc.LanguageRuntimeStub(channel).RunPlugin(request)
            for response in stream:
                if response.stdout.strip().isdigit():
                    elapsed = time.perf_counter() - started
                    stream.cancel()
                    return elapsed
        raise AssertionError("the plugin printed no port")
    finally:
        host.kill()
        host.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("plugin", type=Path)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    toolchain = Path(subprocess.run(["bash", str(ROOT / "scripts/toolchain.sh")], capture_output=True, text=True,
                                    check=True).stdout.split()[-1])
    venv, cached = [], []
    for _ in range(args.runs):
        venv.append(venv_route())
        cached.append(plugin_cache_route(toolchain, args.plugin.resolve()))
    a, b = statistics.median(venv), statistics.median(cached)
    print(f".venv route:          median {a:.3f} s  ({', '.join(f'{x:.2f}' for x in venv)})")
    print(f"plugin cache route:   median {b:.3f} s  ({', '.join(f'{x:.2f}' for x in cached)})")
    print(f"difference:           {b - a:+.3f} s")


if __name__ == "__main__":
    sys.exit(main())
