"""The provider process the engine starts: the generated protocol modules are loaded without the rest of the Pulumi
SDK (:mod:`.protocol`) before anything imports them, so the process prints its port sooner."""

from __future__ import annotations

import sys


def keep_bytecode() -> None:
    """Cache compiled modules even under PYTHONDONTWRITEBYTECODE (common in containers and CI): the engine starts
    a provider process for every command, and compiling the provider's modules again each time costs about 80 ms."""
    sys.dont_write_bytecode = False


def skip_the_httpx_command_line() -> None:
    """httpx's package imports its command-line entry point, which imports click and pygments whenever they are
    installed (about 40 ms per provider process); the provider never runs it, and httpx falls back to a stub
    when that import fails, as it does when they are missing."""
    sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]


def main(argv: list[str]) -> None:
    """Serve the engine whose arguments are ``argv`` until it ends this process."""
    keep_bytecode()
    skip_the_httpx_command_line()
    import asyncio

    from .protocol import stand_in_for_the_sdk

    stand_in_for_the_sdk()
    from .servicer import serve

    asyncio.run(serve(argv))
