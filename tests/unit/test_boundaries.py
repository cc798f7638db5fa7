"""The provider never imports the local server: it is a stand-in for a real service, not a library."""

from __future__ import annotations

import subprocess
import sys


def test_provider_does_not_import_the_local_server() -> None:
    code = ("import sys, deltastream_provider.server, deltastream_provider.registry, deltastream_provider.doctor; "
            "leaked = [m for m in sys.modules if m.startswith('deltastream_local')]; "
            "assert not leaked, leaked")
    subprocess.run([sys.executable, "-c", code], check=True)
