"""Builds the executable plugin for this machine's ``<os>-<arch>``: the provider frozen by PyInstaller (one folder,
``scripts/plugin.spec``) with its own Python and dependencies, packed as
``pulumi-resource-deltastream-v<version>-<os>-<arch>.tar.gz`` (the executable at the archive's root, as the engine
expects of a binary plugin). Installing it needs no Python and no network.

    .venv/bin/python scripts/build_binary.py [--out DIR] [--cache DIR]

PyInstaller cannot cross-build: each ``<os>-<arch>`` is built on its own machine (the release workflow's matrix).
With ``--cache``, an archive built from the same inputs (the provider's sources, pyproject.toml, constraints.txt,
the spec, this script, the Python version) is reused, so a test session builds at most once.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import platform
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NAME = "pulumi-resource-deltastream"
SPEC = ROOT / "scripts/plugin.spec"
INPUTS = [ROOT / "src/deltastream_provider", ROOT / "src/deltastream_components", ROOT / "pyproject.toml",
          ROOT / "constraints.txt", SPEC, Path(__file__).resolve()]
ARCHES = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}


def platform_name() -> str:
    """This machine as Pulumi names platforms in plugin archives: ``linux-amd64``, ``darwin-arm64``, ..."""
    system = {"win32": "windows"}.get(sys.platform, sys.platform)
    return f"{system}-{ARCHES[platform.machine().lower()]}"


def version() -> str:
    """The provider's version, read from its source (the build may run before the package is installed)."""
    for line in (ROOT / "src/deltastream_provider/__init__.py").read_text().splitlines():
        if line.startswith("__version__ = "):
            return line.split('"')[1]
    raise SystemExit("build_binary: no __version__ in deltastream_provider/__init__.py")


def archive_name(platform_: str | None = None) -> str:
    return f"{NAME}-v{version()}-{platform_ or platform_name()}.tar.gz"


def inputs_hash() -> str:
    """What the frozen plugin is made of: a change to any of it is a new build."""
    digest = hashlib.sha256(f"{sys.version}\n{platform_name()}\n".encode())
    for top in INPUTS:
        files = sorted(p for p in top.rglob("*") if p.is_file() and "__pycache__" not in p.parts) \
            if top.is_dir() else [top]
        for path in files:
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:16]


def freeze(work: Path) -> Path:
    """Runs PyInstaller on the spec; returns the folder holding the executable and ``_internal/``."""
    subprocess.run([sys.executable, "-m", "PyInstaller", "--noconfirm", "--log-level", "WARN",
                    "--distpath", str(work / "dist"), "--workpath", str(work / "build"), str(SPEC)], check=True)
    return work / "dist" / NAME


def tarball(folder: Path) -> bytes:
    """A reproducible gzip tarball of the folder: sorted entries, fixed times and owners, modes and links kept."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_dir() and not path.is_symlink():
                continue
            info = archive.gettarinfo(str(path), path.relative_to(folder).as_posix())
            info.mtime, info.uid, info.gid, info.uname, info.gname = 0, 0, 0, "", ""
            info.mode = 0o755 if info.mode & 0o100 else 0o644
            if info.issym():
                archive.addfile(info)
            else:
                with path.open("rb") as content:
                    archive.addfile(info, content)
    return gzip.compress(raw.getvalue(), compresslevel=9, mtime=0)


def build(out: Path) -> Path:
    """Freezes the provider and writes its archive into ``out``."""
    with tempfile.TemporaryDirectory(prefix="freeze-") as work:
        archive = tarball(freeze(Path(work)))
    out.mkdir(parents=True, exist_ok=True)
    target = out / archive_name()
    target.write_bytes(archive)
    return target


def cached_build(out: Path, cache: Path) -> Path:
    """The archive from ``cache`` when these inputs were built before, else built (once, under a lock: parallel
    test workers wait for one build) and kept there."""
    import fcntl  # POSIX only: the cache is for test sessions; a release builds without it, on Windows too

    entry = cache / inputs_hash()
    entry.mkdir(parents=True, exist_ok=True)
    with (cache / ".lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (entry / archive_name()).exists():
            build(entry)
    out.mkdir(parents=True, exist_ok=True)
    target = out / archive_name()
    if target.resolve() != (entry / archive_name()).resolve():
        shutil.copyfile(entry / archive_name(), target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--cache", type=Path, help="reuse (and keep) the archive built from the same inputs")
    args = parser.parse_args()
    print(cached_build(args.out, args.cache) if args.cache else build(args.out))


if __name__ == "__main__":
    main()
