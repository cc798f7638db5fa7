"""The layers of the provider, read from its imports (every import, at the top of a module or inside a function):

    entry -> plugin   -> kinds -> functions -> resources -> model -> deltastream -> errors, config
          -> operator -> kinds, resources' hooks -> deltastream
    kinds (the schema), plugin (Construct) -> deltastream_components -> resources, model, deltastream

``deltastream`` is a DeltaStream client library with no Pulumi in it; nothing below ``plugin`` knows protobuf or
gRPC, and the provider never imports the local server (a stand-in for a real service, not a library). ``entry`` (the
executable: the provider, or its ``doctor`` command) is the one module above both ``plugin`` and ``operator``.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "deltastream_provider"
SHARED = {"errors", "config", ""}  # "" is the package itself (its version)
#: The one module above the layers, and what it may import.
ENTRY = {"entry": {"plugin", "operator"}}

#: What each layer may import, besides itself and SHARED.
MAY_IMPORT = {
    "deltastream": set(),
    "model": {"deltastream"},
    "resources": {"model", "deltastream"},
    "functions": {"model", "deltastream", "resources"},  # a lookup returns the rows its kind's module defines
    "kinds": {"model", "resources", "functions", "deltastream"},  # the registry and the schema built from it
    "plugin": {"kinds", "model", "resources", "functions", "deltastream"},
    "operator": {"kinds", "model", "resources", "deltastream"},
}
COMPONENTS = Path(__file__).resolve().parents[2] / "src" / "deltastream_components"
#: The component package sits on the provider's resources: it may import these layers of the provider, and only
#: these layers of the provider import it (the schema lists the components, Construct runs them).
COMPONENTS_IMPORT = {"model", "resources", "deltastream"}
IMPORT_COMPONENTS = {"kinds", "plugin"}
#: Third-party modules only the plugin layer may import.
PLUGIN_ONLY = ("grpc", "google.protobuf", "pulumi")


def module_name(path: Path, root: Path = PACKAGE) -> str:
    return ".".join(path.relative_to(root).with_suffix("").parts).removesuffix(".__init__")


def imports(path: Path) -> set[str]:
    """Every module ``path`` imports: relative imports resolved within its package, absolute ones as written."""
    root = next((r for r in (PACKAGE, COMPONENTS) if path.is_relative_to(r)), None)
    own = module_name(path, root).split(".") if root is not None else []
    package = own if path.name == "__init__.py" else own[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level:
            base = package[:len(package) - node.level + 1]
            module = ".".join([*base, *([node.module] if node.module else [])])
            top = root.name if root is not None else PACKAGE.name
            found.add(f"{top}.{module}".rstrip("."))
            if not node.module:
                found |= {f"{top}.{'.'.join([*base, a.name])}" for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def layer(name: str) -> str:
    return name.split(".")[0] if "." in name else ""


def test_every_import_points_down_the_layers() -> None:
    wrong = []
    for path in PACKAGE.rglob("*.py"):
        own = module_name(path)
        if layer(own) == "" and own not in ENTRY:
            continue  # errors, config, the package: shared, importing nothing of the provider
        allowed = (ENTRY[own] if own in ENTRY else MAY_IMPORT[layer(own)] | {layer(own)}) | SHARED
        for target in imports(path):
            inner = target.removeprefix("deltastream_provider").lstrip(".")
            top = inner.split(".")[0]
            if target.startswith("deltastream_provider") and (top in ENTRY or (layer(inner) not in allowed
                                                                and top not in SHARED)):
                wrong.append(f"{own} imports {target}")
            if layer(own) != "plugin" and target.startswith(PLUGIN_ONLY):
                wrong.append(f"{own} imports {target}: protobuf, gRPC and the Pulumi SDK are the plugin's")
            if target.startswith("deltastream_components") and layer(own) not in IMPORT_COMPONENTS:
                wrong.append(f"{own} imports {target}: only {sorted(IMPORT_COMPONENTS)} import the components")
    assert not wrong, "\n".join(sorted(wrong))


def test_the_components_import_the_provider_below_its_registry() -> None:
    """No cycle: ``deltastream_components`` uses the resources' types, and the layers that import it sit above."""
    wrong = []
    for path in COMPONENTS.rglob("*.py"):
        for target in imports(path):
            inner = target.removeprefix("deltastream_provider").lstrip(".")
            if target.startswith("deltastream_provider") and inner.split(".")[0] not in COMPONENTS_IMPORT | SHARED:
                wrong.append(f"deltastream_components.{path.stem} imports {target}")
    assert not wrong, "\n".join(sorted(wrong))


def test_shared_modules_import_nothing_of_the_provider() -> None:
    for name in ("errors", "config"):
        assert not [t for t in imports(PACKAGE / f"{name}.py") if t.startswith("deltastream_provider")], name


def test_every_module_is_in_a_layer() -> None:
    top = sorted(p.stem for p in PACKAGE.glob("*.py"))
    assert top == ["__init__", "config", "entry", "errors"], f"modules outside the layers: {top}"
    assert {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()} == set(MAY_IMPORT)


def test_provider_does_not_import_the_local_server() -> None:
    code = ("import sys, deltastream_provider.plugin.servicer, deltastream_provider.kinds.registry, "
            "deltastream_provider.operator.doctor; "
            "leaked = [m for m in sys.modules if m.startswith('deltastream_local')]; "
            "assert not leaked, leaked")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_benchmarks_import_no_test_module() -> None:
    """bench and tests share their helpers through testkit; the benchmarks never reach into the tests."""
    bench = Path(__file__).resolve().parents[2] / "bench"
    reaching = [f"{p.name} imports {m}" for p in bench.glob("*.py") for m in imports(p) if m.split(".")[0] == "tests"]
    assert not reaching, reaching
