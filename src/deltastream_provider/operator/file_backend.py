"""What a killed `pulumi` can leave behind in a file (``file://``) state backend, and its repair.

The file backend keeps each state file's metadata in a sidecar ``<file>.attrs`` that it rewrites in place, not
atomically (the state file itself is replaced atomically). A kill between truncating and rewriting the sidecar
leaves it empty, and from then on every command on the stack fails with "failed to load checkpoint: EOF". A
missing sidecar is read as default metadata, so an empty one is removed: nothing else is touched.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

SIDECAR = ".attrs"


def state_directory(backend_url: str) -> Path | None:
    """The directory a ``file://`` backend keeps its state in (``<root>/.pulumi``); None for any other backend."""
    parsed = urlparse(backend_url)
    if parsed.scheme != "file":
        return None
    root = Path(unquote(parsed.netloc + parsed.path)).expanduser() if parsed.path or parsed.netloc else Path.home()
    return root / ".pulumi"


def repair(backend_url: str) -> list[Path]:
    """Remove the empty metadata sidecars a kill left in a file backend; the ones removed."""
    directory = state_directory(backend_url)
    if directory is None or not directory.is_dir():
        return []
    empty = [path for path in directory.rglob(f"*{SIDECAR}") if path.is_file() and path.stat().st_size == 0]
    for path in empty:
        path.unlink()
    return empty
