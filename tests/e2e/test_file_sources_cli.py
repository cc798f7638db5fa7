"""Function and descriptor sources through the real CLI from a YAML program whose files are on disk beside it
(`fn::fileAsset` with paths relative to the program's directory, which the engine hashes and the provider reads): up,
a preview with no change, refresh, a source dropped outside Pulumi made again, a changed jar refused at preview while
a function is created from it (naming it) until acceptReplacement, then replacing the source, and replacing it
without a word once no function is, an import (the file cannot be read back: the program's is taken as it,
with a warning), destroy."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest
from testkit import TOKEN

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import Stack, catalog_sql, yaml_program

pytestmark = pytest.mark.e2e

JAR_V1 = b"PK\x03\x04 udfs marker-v1"
JAR_V2 = b"PK\x03\x04 udfs marker-v2"
DESCRIPTORS = b"\n\x0bshop.proto marker-desc"


def program(accept: bool = False) -> str:
    return yaml_program(f"""  udfs:
    type: deltastream:index:FunctionSource
    properties:
      name: udfs
      file:
        fn::fileAsset: build/udfs.jar
      description: shop UDFs
      acceptReplacement: {str(accept).lower()}
  protos:
    type: deltastream:index:DescriptorSource
    properties:
      name: shop_protos
      file:
        fn::fileAsset: protos/shop.desc
""", "  udfsHash: ${udfs.fileHash}\n  udfsStatus: ${udfs.status}\n  protosHash: ${protos.fileHash}\n")


def held(local: BackgroundServer, kind: str, name: str) -> bytes | None:
    """The file DeltaStream keeps for a source, downloaded as its clients would (None: there is no such source)."""
    org = local.server.catalog.organization.id
    answer = httpx.get(f"{local.url}/download/{kind}/{org}/{name}", headers={"Authorization": f"Bearer {TOKEN}"})
    return answer.content if answer.status_code == 200 else None


def test_sources_from_files_on_disk_through_their_lifecycle(stack: Stack, local: BackgroundServer) -> None:
    (stack.directory / "build").mkdir()
    (stack.directory / "protos").mkdir()
    jar = stack.directory / "build" / "udfs.jar"
    jar.write_bytes(JAR_V1)
    (stack.directory / "protos" / "shop.desc").write_bytes(DESCRIPTORS)
    stack.write(program())
    stack.run("stack", "init", "dev")
    stack.up()
    assert stack.outputs() == {"udfsHash": hashlib.sha256(JAR_V1).hexdigest(), "udfsStatus": "ready",
                               "protosHash": hashlib.sha256(DESCRIPTORS).hexdigest()}
    assert held(local, "function_source", "udfs") == JAR_V1
    assert held(local, "descriptor_source", "shop_protos") == DESCRIPTORS
    exported = json.dumps(stack.state())
    assert "marker-v1" not in exported and "marker-desc" not in exported  # the files' bytes are never in state
    stack.preview("--expect-no-changes")
    stack.run("refresh", "--yes")  # a refresh reads the sources and keeps the files' hashes
    stack.preview("--expect-no-changes")
    assert stack.outputs()["udfsHash"] == hashlib.sha256(JAR_V1).hexdigest()

    catalog_sql(local, 'DROP DESCRIPTOR_SOURCE "shop_protos";')  # drift: dropped outside Pulumi
    stack.run("refresh", "--yes")
    assert stack.resources("deltastream:index:DescriptorSource") == []
    stack.up()  # made again from the file on disk
    assert held(local, "descriptor_source", "shop_protos") == DESCRIPTORS

    catalog_sql(local, 'CREATE FUNCTION "shout" ("s" VARCHAR) RETURNS VARCHAR LANGUAGE JAVA '
                       "WITH ('source.name' = 'udfs', 'class.name' = 'shop.Shout');")  # a function created from it
    jar.write_bytes(JAR_V2)  # another jar: a replacement, refused at preview while nothing accepts it
    refused = stack.preview(check=False)
    assert refused.returncode != 0
    assert "1 function(s) created from it" in refused.stdout and "shout(" in refused.stdout, refused.stdout
    assert "acceptReplacement" in refused.stdout
    assert held(local, "function_source", "udfs") == JAR_V1  # the preview sent nothing
    stack.write(program(accept=True))
    preview = stack.preview().stdout
    assert "1 to replace" in preview and "file" in preview, preview
    stack.up()
    assert stack.outputs()["udfsHash"] == hashlib.sha256(JAR_V2).hexdigest()
    assert held(local, "function_source", "udfs") == JAR_V2
    stack.preview("--expect-no-changes")
    catalog_sql(local, 'DROP FUNCTION "shout" ("s" VARCHAR);')
    jar.write_bytes(JAR_V1)  # no function is created from it now: replaced without a word at preview
    stack.write(program())
    assert "1 to replace" in stack.preview().stdout
    stack.up()
    assert held(local, "function_source", "udfs") == JAR_V1

    urn = "urn:pulumi:dev::e2e::deltastream:index:FunctionSource::udfs"
    stack.run("state", "delete", "--yes", urn)
    imported = stack.run("import", "--yes", "deltastream:index:FunctionSource", "udfs", "udfs", "--protect=false")
    assert "file is required" in imported.stdout  # the engine's warning: the program must give the file
    assert "file" not in stack.resources("deltastream:index:FunctionSource")[0]["inputs"], imported.stdout
    preview = stack.preview().stdout
    assert "was imported, so the file DeltaStream holds cannot be compared" in preview, preview
    assert "to replace" not in preview, preview
    stack.up()
    stack.preview("--expect-no-changes")

    stack.run("destroy", "--yes")
    assert catalog_sql(local, 'SELECT "name" FROM deltastream.sys."function_sources";') == []
    assert catalog_sql(local, "LIST DESCRIPTOR_SOURCES;") == []
