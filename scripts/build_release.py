"""Builds the release artifacts into one folder:

- for each ``<os>-<arch>``, ``pulumi-resource-deltastream-v<version>-<os>-<arch>.tar.gz``: the executable plugin
  (``scripts/build_binary.py``, built on that platform) where one is given, else the source plugin;
- ``pulumi-resource-deltastream-v<version>-source.tar.gz``, the source plugin (PulumiPlugin.yaml, __main__.py,
  requirements.txt and the provider's packages; the Python language host builds its virtualenv at install);
- ``schema.json`` and ``schema.yaml``; the provider's wheel and sdist; ``checksums.txt`` (SHA-256 of each file);
- ``deltastream.json``, DeltaStream's Terraform provider mapped to this package, as the plugin's GetMapping answers,
  for ``pulumi convert --from terraform --mappings deltastream.json`` (the converter keys a mapping by its file name).

    .venv/bin/python scripts/build_release.py [--out dist] [--binary | --binaries DIR] [--cache DIR]

``--binary`` freezes this machine's executable plugin (``--cache`` reuses one built from the same inputs);
``--binaries DIR`` takes the archives the release workflow's per-platform jobs built. The version is the
package's own (``src/deltastream_provider/__init__.py``); ``scripts/stamp-version.sh`` sets it for a release.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import json
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

import build_binary

ROOT = Path(__file__).resolve().parents[1]
PLATFORMS = [(os, arch) for os in ("linux", "darwin", "windows") for arch in ("amd64", "arm64")]
PACKAGES = {"deltastream_provider": ROOT / "src/deltastream_provider",
            "deltastream_components": ROOT / "src/deltastream_components"}


def plugin_files() -> dict[str, bytes]:
    """Every file of the source plugin, by its path inside the archive: the plugin folder as checked in (its
    requirements.txt is the provider's dependency list) and the provider's packages."""
    files = {name: (ROOT / "plugin" / name).read_bytes()
             for name in ("PulumiPlugin.yaml", "__main__.py", "requirements.txt")}
    for package, source in PACKAGES.items():
        for path in sorted([*source.rglob("*.py"), *source.rglob("*.json")]):
            files[f"{package}/{path.relative_to(source).as_posix()}"] = path.read_bytes()
    return files


def package_source(into: Path) -> Path:
    """A private copy of what the wheel and sdist are made of (pyproject.toml, README.md, src/): setuptools writes
    build/ and egg-info beside its sources, so builds in the work tree trip over each other (parallel test workers)
    and over files others are writing there."""
    for name in ("pyproject.toml", "README.md"):
        shutil.copy2(ROOT / name, into / name)
    shutil.copytree(ROOT / "src", into / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return into


def tarball(files: dict[str, bytes]) -> bytes:
    """A reproducible gzip tarball: sorted entries, fixed times and owners."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(files[name]), 0, 0o644
            archive.addfile(info, io.BytesIO(files[name]))
    return gzip.compress(raw.getvalue(), mtime=0)


def binaries(args: argparse.Namespace) -> dict[str, Path]:
    """The executable plugins given, by the ``<os>-<arch>`` their archive names."""
    if args.binary:
        built = build_binary.cached_build(Path(args.out) / ".binary", args.cache) if args.cache \
            else build_binary.build(Path(args.out) / ".binary")
        return {build_binary.platform_name(): built}
    found: dict[str, Path] = {}
    for os_name, arch in PLATFORMS if args.binaries else []:
        candidate = Path(args.binaries) / build_binary.archive_name(f"{os_name}-{arch}")
        if candidate.exists():
            found[f"{os_name}-{arch}"] = candidate
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "dist"))
    given = parser.add_mutually_exclusive_group()
    given.add_argument("--binary", action="store_true", help="freeze this machine's executable plugin")
    given.add_argument("--binaries", help="a folder of executable plugin archives built per platform")
    parser.add_argument("--cache", type=Path, help="with --binary: reuse one built from the same inputs")
    args = parser.parse_args()
    from deltastream_provider import __version__ as version
    from deltastream_provider.kinds.schema import build, render
    from deltastream_provider.kinds.terraform import mapping_json

    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)

    executables = binaries(args)
    source = tarball(plugin_files())
    (out / f"pulumi-resource-deltastream-v{version}-source.tar.gz").write_bytes(source)
    for os_name, arch in PLATFORMS:
        target = out / f"pulumi-resource-deltastream-v{version}-{os_name}-{arch}.tar.gz"
        if f"{os_name}-{arch}" in executables:
            shutil.copyfile(executables[f"{os_name}-{arch}"], target)
        else:
            target.write_bytes(source)
    shutil.rmtree(out / ".binary", ignore_errors=True)
    document = build()
    (out / "schema.json").write_text(json.dumps(document, indent=2) + "\n")
    (out / "schema.yaml").write_text(render())
    (out / "deltastream.json").write_bytes(mapping_json())
    with tempfile.TemporaryDirectory(prefix="package-") as work:
        subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out),
                        str(package_source(Path(work)))], check=True, stdout=subprocess.DEVNULL)
    sums = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}" for p in sorted(out.iterdir())]
    (out / "checksums.txt").write_text("\n".join(sums) + "\n")
    print(out)


if __name__ == "__main__":
    main()
