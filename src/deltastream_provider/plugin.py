"""The provider process's entry point (``pulumi-resource-deltastream``), which the engine starts.

The generated protocol modules are loaded without the rest of the Pulumi SDK (:mod:`.protocol`) before anything
imports them, so the process prints its port sooner.
"""

from __future__ import annotations

import asyncio
import sys

from .protocol import stand_in_for_the_sdk


def main() -> None:
    stand_in_for_the_sdk()
    from .server import serve

    asyncio.run(serve(sys.argv[1:]))
