"""Pulumi's generated protobuf and gRPC modules, for the provider process, without the rest of the Pulumi SDK.

The modules ship in the SDK's ``pulumi.runtime.proto`` package, and importing them the usual way first runs
``pulumi/__init__`` (the automation API, YAML, OpenTelemetry and more): about a third of the provider's start
before this module. The provider's entry point calls :func:`stand_in_for_the_sdk` first, so the generated
modules load under empty stand-in packages; the one call that needs the SDK itself, Construct, calls
:func:`load_the_sdk`, which swaps the stand-ins for the real packages and keeps the generated modules as loaded.

Any other process (tests, the CLI, a program importing this package) never installs stand-ins and imports the
SDK as usual.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import types
from pathlib import Path

PACKAGES = ("pulumi", "pulumi.runtime", "pulumi.runtime.proto")
_stand_ins: dict[str, types.ModuleType] = {}


def stand_in_for_the_sdk() -> None:
    """Empty packages in place of ``pulumi``, ``pulumi.runtime`` and ``pulumi.runtime.proto``, unless the SDK is
    already imported."""
    if "pulumi" in sys.modules:
        return
    spec = importlib.util.find_spec("pulumi")  # finds the package without running it
    if spec is None or not spec.submodule_search_locations:
        return
    folder = Path(next(iter(spec.submodule_search_locations)))
    for name in PACKAGES:
        package = types.ModuleType(name)
        package.__path__ = [str(folder.joinpath(*name.split(".")[1:]))]
        sys.modules[name] = _stand_ins[name] = package


def load_the_sdk() -> None:
    """The real SDK packages in place of the stand-ins, with the generated modules already loaded attached."""
    if not _stand_ins:
        return
    for name, package in _stand_ins.items():
        if sys.modules.get(name) is package:
            del sys.modules[name]
    _stand_ins.clear()
    proto = importlib.import_module("pulumi.runtime.proto")
    for name, module in list(sys.modules.items()):
        parent, _, child = name.rpartition(".")
        if parent == "pulumi.runtime.proto" and not hasattr(proto, child):
            setattr(proto, child, module)
