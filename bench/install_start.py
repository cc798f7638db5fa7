"""Install time, archive size and start to handshake of the two plugin routes, measured in one run.

    .venv/bin/python -m bench.install_start [--runs 9] [--source-installs 2]

- executable: this machine's frozen plugin (``scripts/build_binary.py``, cached by its inputs), installed with
  ``pulumi plugin install --file`` into a fresh Pulumi home and started from the plugin cache as the engine does;
- source: the source plugin archive (``pulumi-resource-deltastream-v<version>-source.tar.gz``), installed the same
  way (the Python language host builds its virtualenv from PyPI, pip's cache warm after the first install) and
  started through the language host's ``RunPlugin``;
- ``.venv``: this checkout's console script, the reference the executable's start is held to.

Start runs alternate between the routes so all see the same machine; medians are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.plugin_start import plugin_cache_route, venv_route

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "scripts"))
import build_binary  # noqa: E402
import build_release  # noqa: E402


def toolchain() -> Path:
    out = subprocess.run(["bash", str(ROOT / "scripts/toolchain.sh")], capture_output=True, text=True, check=True)
    return Path(out.stdout.split()[-1])


def install(bin_dir: Path, archive: Path, home: Path) -> float:
    """Seconds for `pulumi plugin install --file` into ``home``."""
    env = {"PATH": f"{bin_dir}:/usr/bin:/bin", "PULUMI_HOME": str(home), "PULUMI_SKIP_UPDATE_CHECK": "true",
           "HOME": str(Path.home())}
    started = time.perf_counter()
    subprocess.run([str(bin_dir / "pulumi"), "plugin", "install", "resource", "deltastream", build_binary.version(),
                    "--file", str(archive)], env=env, check=True, capture_output=True)
    return time.perf_counter() - started


def executable_route(plugin: Path) -> float:
    """Start to port of the installed executable, launched as the engine launches a binary plugin."""
    started = time.perf_counter()
    process = subprocess.Popen([str(plugin / build_binary.NAME)], stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None and process.stdout.readline().strip().isdigit()
        return time.perf_counter() - started
    finally:
        process.kill()
        process.wait()


def size_of(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--source-installs", type=int, default=2)
    args = parser.parse_args()
    bin_dir = toolchain()
    with tempfile.TemporaryDirectory(prefix="bench-install-") as scratch:
        work = Path(scratch)
        binary = build_binary.cached_build(work, bin_dir.parent.parent / "plugin-binary")
        source = work / "source.tar.gz"
        source.write_bytes(build_release.tarball(build_release.plugin_files()))
        plugin_dir = f"plugins/resource-deltastream-v{build_binary.version()}"
        installs = {"executable": [install(bin_dir, binary, work / f"exe-{i}") for i in range(args.runs)],
                    "source": [install(bin_dir, source, work / f"src-{i}") for i in range(args.source_installs)]}
        exe, src = work / "exe-0" / plugin_dir, work / "src-0" / plugin_dir
        starts: dict[str, list[float]] = {"executable": [], "source": [], ".venv": []}
        for _ in range(args.runs):
            starts[".venv"].append(venv_route())
            starts["executable"].append(executable_route(exe))
            starts["source"].append(plugin_cache_route(bin_dir, src))
        sizes = {"executable": (binary.stat().st_size, size_of(exe)), "source": (source.stat().st_size, size_of(src))}
    print(f"| route | install (median of {args.runs} / {args.source_installs}) | start to handshake (median of "
          f"{args.runs}) | archive (gzip) | installed |")
    print("| --- | --- | --- | --- | --- |")
    for route in ("executable", "source"):
        print(f"| {route} | {statistics.median(installs[route]):.2f} s | {statistics.median(starts[route]):.3f} s | "
              f"{sizes[route][0] / 1e6:.1f} MB | {sizes[route][1] / 1e6:.0f} MB |")
    print(f"| .venv console script | - | {statistics.median(starts['.venv']):.3f} s | - | - |")


if __name__ == "__main__":
    main()
