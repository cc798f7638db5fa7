"""`pulumi import` writes the program (issue 36): this repository's language host generates it with Pulumi's own
program generators, in TypeScript, Go and Python. Resources made outside Pulumi are imported with the real CLI from
an import document (a database, a namespace, a Kafka store, streams with columns, a query whose SQL quotes its
identifiers, a role); the program written compiles with the language's own tools and, as the project's program,
previews with no change."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import ROOT, Stack, catalog_sql

pytestmark = pytest.mark.e2e
EXAMPLES = ROOT / "examples"
PROVIDER = f"plugins:\n  providers:\n    - name: deltastream\n      path: {ROOT / '.venv/bin'}\n"

MADE = ['CREATE DATABASE "shop";',
        'CREATE SCHEMA "raw" IN DATABASE "shop";',
        """CREATE STORE "events" WITH ('type' = KAFKA, 'uris' = 'b:9092', 'kafka.sasl.hash_function' = NONE);""",
        """CREATE STREAM "shop"."raw"."pageviews" ("viewtime" BIGINT NOT NULL, "userid" VARCHAR) WITH (
             'store' = 'events', 'topic' = 'pageviews', 'value.format' = 'json');""",
        """CREATE STREAM "shop"."raw"."copies" ("viewtime" BIGINT, "userid" VARCHAR) WITH (
             'store' = 'events', 'topic' = 'copies', 'value.format' = 'json');""",
        'CREATE ROLE "reporting";']
#: A query's SQL quotes its identifiers: the generated program must escape them in each language's strings.
COPY = 'INSERT INTO "shop"."raw"."copies" SELECT viewtime, userid FROM "shop"."raw"."pageviews";'
IMPORTS = [{"type": "deltastream:index:Database", "name": "shop", "id": "shop"},
           {"type": "deltastream:index:Namespace", "name": "raw", "id": "shop/raw"},
           {"type": "deltastream:index:Store", "name": "events", "id": "events"},
           {"type": "deltastream:index:DeltaStreamObject", "name": "pageviews", "id": "shop/raw/pageviews"},
           {"type": "deltastream:index:DeltaStreamObject", "name": "copies", "id": "shop/raw/copies"},
           {"type": "deltastream:index:Role", "name": "reporting", "id": "reporting"}]


def run(args: list[str], cwd: Path) -> None:
    result = subprocess.run(args, cwd=cwd, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, f"{' '.join(args)} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"


def typescript(directory: Path, program: Path) -> None:
    """A project laid out as examples/typescript, ``program`` its index.ts, type-checked by tsc."""
    program.rename(directory / "index.ts")
    for name in ("tsconfig.json", "package.json"):
        shutil.copy(EXAMPLES / "typescript" / name, directory / name)
    (directory / "node_modules").symlink_to(EXAMPLES / "typescript/node_modules")
    run(["npx", "--no-install", "tsc", "--noEmit", "-p", "."], directory)


def go(directory: Path, program: Path) -> None:
    """A module as examples/go's (the SDK replaced by this checkout's), ``program`` its main.go, built by go build."""
    program.rename(directory / "main.go")
    shutil.copy(EXAMPLES / "go/go.sum", directory / "go.sum")
    module = (EXAMPLES / "go/go.mod").read_text().replace("=> ../../sdk/go", f"=> {ROOT}/sdk/go")
    (directory / "go.mod").write_text(module)
    run(["go", "build", "-o", str(directory.parent / "program"), "."], directory)


def python(directory: Path, program: Path) -> None:
    """``program`` as __main__.py, compiled by the project's interpreter."""
    program.rename(directory / "__main__.py")
    run([str(ROOT / ".venv/bin/python"), "-m", "py_compile", "__main__.py"], directory)


LANGUAGES = {"typescript": ("nodejs", "ts", typescript), "go": ("go", "go", go),
             "python": (f"\n  name: python\n  options:\n    virtualenv: {ROOT / '.venv'}", "py", python)}


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_import_writes_a_program_that_compiles_and_previews_no_change(language: str, stack: Stack,
                                                                      local: BackgroundServer) -> None:
    runtime, extension, build = LANGUAGES[language]
    for statement in MADE:
        catalog_sql(local, statement)
    query = {"type": "deltastream:index:Query", "name": "copy", "id": catalog_sql(local, COPY)[0][1]}
    stack.write(f"name: imported\nruntime: {runtime}\n{PROVIDER}")
    stack.write(json.dumps({"resources": [*IMPORTS, query]}), "import.json")
    stack.run("stack", "init", "dev")

    stack.run("import", "--file", "import.json", "--out", f"program.{extension}", "--yes")

    program = stack.directory / f"program.{extension}"
    text = program.read_text()
    for name in ("shop", "raw", "events", "pageviews", "copies", "reporting", "viewtime", "userid"):
        assert f'"{name}"' in text, f"the generated program lacks {name}:\n{text}"
    build(stack.directory, program)
    stack.preview("--expect-no-changes")
