"""A Java UDF through the real CLI from a YAML program: a function source (its jar on disk) and a Function from it, up,
a preview with no change, another class replacing the function (its old signature dropped first), an overload beside
it, a refresh that finds the function dropped outside Pulumi, an import by ``name(T1, T2)`` (the program's
``returns`` taken as given: ``LIST FUNCTIONS`` shows none; its ``varchar`` the ``VARCHAR`` the import read), destroy."""

from __future__ import annotations

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, yaml_program

pytestmark = pytest.mark.e2e

FUNCTION = "deltastream:index:Function"


def program(class_name: str = "com.example.udf.ToTitle", overload: bool = False) -> str:
    extra = """  to-title-locale:
    type: deltastream:index:Function
    properties:
      name: to_title
      arguments:
        - name: text
          type: VARCHAR
        - name: locale
          type: VARCHAR
      returns: VARCHAR
      source: ${udfs.name}
      className: com.example.udf.ToTitleLocale
""" if overload else ""
    return yaml_program(f"""  udfs:
    type: deltastream:index:FunctionSource
    properties:
      name: udfs
      file:
        fn::fileAsset: build/udfs.jar
  to-title:
    type: deltastream:index:Function
    properties:
      name: to_title
      arguments:
        - name: text
          type: varchar
      returns: VARCHAR
      source: ${{udfs.name}}
      className: {class_name}
{extra}""", "  signature: ${to-title.signature}\n")


def listed(local: BackgroundServer) -> list[list[str]]:
    """LIST FUNCTIONS' Signature and ClassName (by name: the columns are found in its header)."""
    from tests.contract.test_dbt_adapter import run_sql  # DeltaStream's own connector, which reads the header

    return [[row[0], row[3]] for row in run_sql(local, "LIST FUNCTIONS;")]


def test_a_function_through_its_lifecycle(stack: Stack, local: BackgroundServer) -> None:
    (stack.directory / "build").mkdir()
    (stack.directory / "build" / "udfs.jar").write_bytes(b"PK\x03\x04 udfs")
    stack.write(program())
    stack.run("stack", "init", "dev")
    stack.up()
    assert stack.outputs() == {"signature": "to_title(text VARCHAR)"}
    assert listed(local) == [["to_title(text VARCHAR)", "com.example.udf.ToTitle"]]
    stack.preview("--expect-no-changes")

    stack.write(program("com.example.udf.Title"))  # nothing changes in place: replaced, the old one dropped first
    preview = stack.preview().stdout
    assert "1 to replace" in preview and "className" in preview, preview
    stack.up()
    assert listed(local) == [["to_title(text VARCHAR)", "com.example.udf.Title"]]

    stack.write(program("com.example.udf.Title", overload=True))  # an overload: the same name, other types
    stack.up()
    assert [r["id"] for r in stack.resources(FUNCTION)] == ["to_title(varchar)", "to_title(VARCHAR, VARCHAR)"]
    assert len(listed(local)) == 2
    stack.preview("--expect-no-changes")

    catalog_sql(local, "DROP FUNCTION to_title (text VARCHAR, locale VARCHAR);")  # outside Pulumi
    stack.run("refresh", "--yes")
    assert [r["id"] for r in stack.resources(FUNCTION)] == ["to_title(varchar)"]
    stack.up()  # made again
    assert len(listed(local)) == 2

    urn = "urn:pulumi:dev::e2e::deltastream:index:Function::to-title"
    stack.run("state", "delete", "--yes", urn)
    imported_run = stack.run("import", "--yes", FUNCTION, "to-title", "to_title(VARCHAR)", "--protect=false")
    assert "an import cannot fill it in" in imported_run.stdout + imported_run.stderr  # the engine's warning
    imported = next(r for r in stack.resources(FUNCTION) if r["urn"] == urn)
    assert imported["inputs"]["className"] == "com.example.udf.Title" and imported["inputs"]["source"] == "udfs"
    preview = stack.preview().stdout  # the program's varchar is the VARCHAR the import read: no replacement
    assert "to replace" not in preview and "to create" not in preview, preview
    stack.up()
    stack.preview("--expect-no-changes")

    stack.run("destroy", "--yes")
    assert listed(local) == []
