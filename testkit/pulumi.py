"""The Pulumi CLI's environment for a program run against the local server: state in a file backend of its own,
the pinned toolchain first on PATH, the provider configured by environment variables."""

from __future__ import annotations

import os
from pathlib import Path

from deltastream_local.runner import BackgroundServer
from testkit import TOKEN


def pulumi_env(base: Path, toolchain: Path, local: BackgroundServer | str, home: Path | None = None) -> dict[str, str]:
    """The CLI's environment: state under ``base``, the toolchain first on PATH, the provider pointed at ``local``
    (the server, or its URL); Pulumi's home is ``base/home`` unless given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PULUMI_", "DELTASTREAM_"))}
    (base / "state").mkdir(exist_ok=True)
    env.update({
        "PATH": f"{toolchain}{os.pathsep}{env.get('PATH', '')}",
        "PULUMI_HOME": str(home or base / "home"),
        "PULUMI_BACKEND_URL": f"file://{base / 'state'}",
        "PULUMI_CONFIG_PASSPHRASE": "e2e-passphrase",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": "true",
        "DELTASTREAM_SERVER": local if isinstance(local, str) else local.url,
        "DELTASTREAM_API_KEY": TOKEN,
    })
    return env
