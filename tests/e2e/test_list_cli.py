"""`pulumi do deltastream:<Type> list` with the pinned CLI against the local server, and the import file a
`pulumi preview --import-file` writes (an id placeholder per resource to create) filled from those lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import PROVIDER_DIR, Stack, catalog_sql, yaml_program

pytestmark = pytest.mark.e2e
PLUGIN = str(PROVIDER_DIR / "pulumi-resource-deltastream")
PLACEHOLDER = "<PLACEHOLDER>"  # what preview --import-file writes for a custom resource's id (pulumi's preview.go)


def listed(stack: Stack, kind: str, *flags: str) -> list[dict[str, str]]:
    """What `pulumi do` prints for a list: a JSON array of {id, name}."""
    found: list[dict[str, str]] = json.loads(stack.run("do", "--package", PLUGIN, f"deltastream:{kind}", "list",
                                                       *flags).stdout)
    return found


def seed(local: BackgroundServer) -> None:
    """A catalog made outside Pulumi, as a team has it before adopting infrastructure as code."""
    for statement in ("CREATE DATABASE shop;", "CREATE DATABASE ads;", "CREATE SCHEMA shop.raw;",
                      "CREATE STORE events WITH ('type' = KAFKA, 'uris' = 'b:9092', "
                      "'kafka.sasl.hash_function' = NONE);",
                      "CREATE STREAM shop.raw.clicks (id BIGINT) WITH ('store' = 'events');",
                      "CREATE STREAM ads.public.impressions (id BIGINT) WITH ('store' = 'events');",
                      "CREATE ROLE reporting;"):
        catalog_sql(local, statement)


def test_lists_give_import_ids_and_names_through_the_cli(stack: Stack, local: BackgroundServer) -> None:
    seed(local)
    assert listed(stack, "Database") == [{"id": "ads", "name": "ads"}, {"id": "shop", "name": "shop"}]
    assert listed(stack, "DeltaStreamObject", "--database", "shop") == [
        {"id": "shop/raw/clicks", "name": "shop-raw-clicks"}]
    assert listed(stack, "DeltaStreamObject", "--database", "ads", "--namespace", "public") == [
        {"id": "ads/public/impressions", "name": "ads-public-impressions"}]
    roles = listed(stack, "Role")
    assert {"id": "reporting", "name": "reporting"} in roles and all(r["id"] != "sysadmin" for r in roles)
    assert [r["id"] for r in listed(stack, "Database", "--count", "1")] == ["ads"]
    refused = stack.run("do", "--package", PLUGIN, "deltastream:DeltaStreamObject", "list", "--color", "never",
                        "--owner", "x", check=False)
    assert refused.returncode != 0 and "owner" in refused.stderr


PROGRAM = """  shop:
    type: deltastream:index:Database
    properties: { name: shop }
  shop-raw:
    type: deltastream:index:Namespace
    properties: { database: "${shop.name}", name: raw }
  events:
    type: deltastream:index:Store
    properties: { name: events, kafka: { uris: "b:9092", saslHashFunction: NONE } }
  shop-raw-clicks:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${shop.name}
      namespace: ${shop-raw.name}
      name: clicks
      kind: stream
      store: ${events.name}
      columns: [ { name: id, type: BIGINT } ]
  reporting:
    type: deltastream:index:Role
    properties: { name: reporting }
"""


def test_preview_import_file_placeholders_filled_from_the_lists(stack: Stack, local: BackgroundServer,
                                                                 tmp_path: Path) -> None:
    seed(local)
    stack.write(yaml_program(PROGRAM))
    stack.run("stack", "init", "dev")
    written = tmp_path / "import.json"
    stack.preview("--import-file", str(written))
    document: dict[str, Any] = json.loads(written.read_text())
    custom = [r for r in document["resources"] if r["type"].startswith("deltastream:index:")]
    assert custom and all(r["id"] == PLACEHOLDER for r in custom)

    # each placeholder's id: the listed thing of its type whose name is the resource's name
    for entry in custom:
        kind = entry["type"].removeprefix("deltastream:index:")
        ids = {found["name"]: found["id"] for found in listed(stack, kind, "--all")}
        entry["id"] = ids[entry["name"]]
    assert {r["name"]: r["id"] for r in custom} == {"shop": "shop", "shop-raw": "shop/raw", "events": "events",
                                                    "shop-raw-clicks": "shop/raw/clicks", "reporting": "reporting"}
    written.write_text(json.dumps(document))
    stack.run("import", "--file", str(written), "--yes", "--protect=false", "--generate-code=false")
    held = {r["urn"].split("::")[-1]: r["id"] for r in stack.state()["deployment"]["resources"]
            if r["type"].startswith("deltastream:index:")}
    assert held == {r["name"]: r["id"] for r in custom}
    preview = stack.preview().stdout
    assert "to create" not in preview and "to replace" not in preview, preview
