"""Builds the release artifacts into one folder:

- the plugin tarball (PulumiPlugin.yaml, __main__.py, requirements.txt and the provider's packages), one
  platform-independent archive published under every ``pulumi-resource-deltastream-v<version>-<os>-<arch>.tar.gz``
  name the engine asks for;
- ``schema.json`` and ``schema.yaml``; the provider's wheel and sdist; ``checksums.txt`` (SHA-256 of each file).

    .venv/bin/python scripts/build_release.py [--out dist]

The version is the package's own (``src/deltastream_provider/__init__.py``); ``scripts/stamp-version.sh``
sets it for a release.
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
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLATFORMS = [(os, arch) for os in ("linux", "darwin", "windows") for arch in ("amd64", "arm64")]
PACKAGES = {"deltastream_provider": ROOT / "src/deltastream_provider",
            "deltastream_components": ROOT / "src/deltastream_components"}


def plugin_files() -> dict[str, bytes]:
    """Every file of the plugin directory, by its path inside the archive."""
    files = {name: (ROOT / "plugin" / name).read_bytes() for name in ("PulumiPlugin.yaml", "__main__.py")}
    requirements = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    files["requirements.txt"] = ("\n".join(requirements) + "\n").encode()
    for package, source in PACKAGES.items():
        for path in sorted([*source.rglob("*.py"), *source.rglob("*.json")]):
            files[f"{package}/{path.relative_to(source).as_posix()}"] = path.read_bytes()
    return files


def tarball(files: dict[str, bytes]) -> bytes:
    """A reproducible gzip tarball: sorted entries, fixed times and owners."""
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.PAX_FORMAT) as archive:
        for name in sorted(files):
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(files[name]), 0, 0o644
            archive.addfile(info, io.BytesIO(files[name]))
    return gzip.compress(raw.getvalue(), mtime=0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "dist"))
    args = parser.parse_args()
    from deltastream_provider import __version__ as version
    from deltastream_provider.model.schema import build, render

    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)

    archive = tarball(plugin_files())
    for os_name, arch in PLATFORMS:
        (out / f"pulumi-resource-deltastream-v{version}-{os_name}-{arch}.tar.gz").write_bytes(archive)
    document = build()
    (out / "schema.json").write_text(json.dumps(document, indent=2) + "\n")
    (out / "schema.yaml").write_text(render())
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), str(ROOT)], check=True,
                   stdout=subprocess.DEVNULL)
    sums = [f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}" for p in sorted(out.iterdir())]
    (out / "checksums.txt").write_text("\n".join(sums) + "\n")
    print(out)


if __name__ == "__main__":
    main()
