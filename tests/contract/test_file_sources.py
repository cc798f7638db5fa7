"""Function and descriptor sources over gRPC against the local server: the file travels as a Pulumi asset (the
engine's signature, path or text, and hash), is sent as the attachment its CREATE names (the file's basename) and kept
by the server (downloadable again); state keeps its SHA-256, never its bytes; another file replaces the source (refused
at preview without acceptReplacement); an import cannot recover the file; a source DeltaStream reports `error` fails
its create, naming it; a lost answer is settled by reading; Check names the property. Request counts are exact."""

from __future__ import annotations

import asyncio
import hashlib
import json
from pathlib import Path

import grpc
import httpx
import pytest
from pulumi.runtime.proto import provider_pb2
from testkit import TOKEN
from testkit.provider import Harness, invoke

from deltastream_local.runner import BackgroundServer
from deltastream_provider.model.fields import Asset
from deltastream_provider.plugin.wire import decode, encode
from deltastream_provider.resources.function_source import FunctionSourceInputs
from tests.conftest import ManualClock

FUNCTION_SOURCE = "deltastream:index:FunctionSource"
DESCRIPTOR_SOURCE = "deltastream:index:DescriptorSource"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
Diff = provider_pb2.DiffResponse


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def jar(folder: Path, content: bytes, name: str = "udfs.jar") -> Asset:
    """A FileAsset of a file written into ``folder``, with the hash the engine gives it."""
    path = folder / name
    path.write_bytes(content)
    return Asset(path=str(path), hash=sha(content))


def download(local: BackgroundServer, kind: str, name: str) -> httpx.Response:
    org = local.server.catalog.organization.id
    return httpx.get(f"{local.url}/download/{kind}/{org}/{name}", headers=AUTH)


def post(local: BackgroundServer, statement: str) -> dict[str, object]:
    body: dict[str, object] = httpx.post(f"{local.url}/statements", json={"statement": statement},
                                         headers=AUTH).json()
    return body


def requests(local: BackgroundServer) -> int:
    return sum(local.server.counters.requests.values())


def test_an_asset_crosses_the_wire_with_its_signature() -> None:
    asset = Asset(path="build/udfs.jar", hash="ab" * 32)
    struct = encode({"file": asset, "name": "udfs"})
    assert struct["file"]["4dabf18193072939515e22adb298388d"] == "c44067f5952c0a294b673a41bacd8c17"
    assert decode(struct) == {"file": asset, "name": "udfs"}


def test_a_string_assets_text_stays_out_of_the_inputs_repr() -> None:
    inputs = FunctionSourceInputs(name="udfs", file=Asset(text="marker-jar-bytes", hash=sha(b"marker-jar-bytes")))
    assert "marker-jar-bytes" not in repr(inputs) and sha(b"marker-jar-bytes") in repr(inputs)


async def test_check_names_the_property(provider: Harness, tmp_path: Path) -> None:
    (tmp_path / "empty.jar").write_bytes(b"")
    cases = [
        ({"name": "udfs"}, "file", "file is required"),
        ({"name": "udfs", "file": "udfs.jar"}, "file", "must be an asset"),
        ({"name": "udfs", "file": Asset(path=str(tmp_path / "missing.jar"))}, "file", "is not a file"),
        ({"name": "udfs", "file": Asset(path=str(tmp_path / "empty.jar"))}, "file", "is empty"),
        ({"name": "udfs", "file": Asset(uri="https://example.com/udfs.jar")}, "file", "remote asset"),
        ({"name": "", "file": Asset(text="x")}, "name", "non-empty name"),
        ({"name": "udfs", "file": Asset(text="x"), "language": "python"}, "language", "'java'"),
        ({"name": "udfs", "file": Asset(text="x"), "description": ""}, "description", "leave it unset"),
    ]
    for inputs, key, reason in cases:
        _, failures = await provider.check(FUNCTION_SOURCE, inputs)
        assert reason in failures.get(key, ""), (inputs, failures)
    _, failures = await provider.check(DESCRIPTOR_SOURCE, {"name": "protos"})
    assert "file is required" in failures["file"]
    _, failures = await provider.check(FUNCTION_SOURCE, {"name": "udfs", "file": jar(tmp_path, b"PK\x03\x04")})
    assert failures == {}


async def test_function_source_lifecycle(provider: Harness, local: BackgroundServer, tmp_path: Path) -> None:
    first = b"PK\x03\x04 version 1"
    inputs = {"name": "udfs", "file": jar(tmp_path, first), "description": "shop UDFs"}
    checked, _ = await provider.check(FUNCTION_SOURCE, inputs)
    assert checked["file"] == inputs["file"]
    before = requests(local)
    resource_id, state = await provider.create(FUNCTION_SOURCE, inputs)
    assert requests(local) - before == 2  # the CREATE with its attachment, one SELECT
    assert resource_id == "udfs" and state["fileHash"] == sha(first) and state["status"] == "ready"
    assert state["owner"] == "sysadmin" and state["createdAt"] and state["language"] == "java"
    assert "file" not in state  # the file is in state by its hash only
    org = local.server.catalog.organization.id
    assert state["downloadUrl"] == f"/v2/download/function_source/{org}/udfs"
    kept = download(local, "function_source", "udfs")
    assert kept.content == first and 'filename="udfs.jar"' in kept.headers["content-disposition"]

    _, read, read_inputs = await provider.read(FUNCTION_SOURCE, "udfs", state, inputs)
    assert read_inputs == {**inputs, "language": "java"} and read["fileHash"] == sha(first)
    assert (await provider.diff(FUNCTION_SOURCE, "udfs", state, inputs)).changes == Diff.DIFF_NONE
    moved = {**inputs, "file": Asset(path=str(tmp_path / "copy.jar"), hash=sha(first))}  # same bytes, another path
    assert (await provider.diff(FUNCTION_SOURCE, "udfs", state, moved, old_inputs=inputs)).changes == Diff.DIFF_NONE

    second = b"PK\x03\x04 version 2"
    changed = {**inputs, "file": jar(tmp_path, second)}
    before = requests(local)
    unused = await provider.diff(FUNCTION_SOURCE, "udfs", state, changed, old_inputs=inputs)
    assert list(unused.replaces) == ["file"]  # no function is created from it: nothing to refuse
    assert requests(local) - before == 1  # one LIST FUNCTIONS
    assert post(local, "CREATE FUNCTION \"shout\" (\"s\" VARCHAR) RETURNS VARCHAR LANGUAGE JAVA "
                       "WITH ('source.name' = 'udfs', 'class.name' = 'shop.Shout');")["sqlState"] == "00000"
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await provider.diff(FUNCTION_SOURCE, "udfs", state, changed, old_inputs=inputs)
    assert "1 function(s) created from it" in (refused.value.details() or "")
    assert "shout(" in (refused.value.details() or "") and "acceptReplacement" in (refused.value.details() or "")
    assert post(local, 'DROP FUNCTION "shout" ("s" VARCHAR);')["sqlState"] == "00000"
    accepted = await provider.diff(FUNCTION_SOURCE, "udfs", state, {**changed, "acceptReplacement": True},
                                   old_inputs=inputs)
    assert list(accepted.replaces) == ["file"] and accepted.deleteBeforeReplace
    await provider.delete(FUNCTION_SOURCE, "udfs", state)  # the replacement: delete, then create
    _, state = await provider.create(FUNCTION_SOURCE, changed)
    assert state["fileHash"] == sha(second) and download(local, "function_source", "udfs").content == second

    _, imported, imported_inputs = await provider.read(FUNCTION_SOURCE, "udfs")
    assert imported_inputs == {"name": "udfs", "description": "shop UDFs", "language": "java"}  # no file
    assert "fileHash" not in imported and imported["status"] == "ready"
    adopted = await provider.diff(FUNCTION_SOURCE, "udfs", imported, changed, old_inputs=imported_inputs)
    assert adopted.changes == Diff.DIFF_NONE  # the program's file is taken as the one held (a warning says so)

    before = requests(local)
    await provider.delete(FUNCTION_SOURCE, "udfs", state)
    assert requests(local) - before == 2  # the DROP, one SELECT
    assert download(local, "function_source", "udfs").status_code == 404
    assert (await provider.read(FUNCTION_SOURCE, "udfs", state, changed))[0] == ""


async def test_descriptor_source_lifecycle(provider: Harness, local: BackgroundServer) -> None:
    inputs = {"name": "protos", "file": Asset(text="\n\x0bshop.proto", hash=sha(b"\n\x0bshop.proto")),
              "description": "shop messages"}
    before = requests(local)
    resource_id, state = await provider.create(DESCRIPTOR_SOURCE, inputs)
    assert requests(local) - before == 2  # the CREATE, one LIST DESCRIPTOR_SOURCES
    assert resource_id == "protos" and state["fileHash"] == sha(b"\n\x0bshop.proto") and state["owner"] == "sysadmin"
    kept = download(local, "descriptor_source", "protos")
    assert kept.content == b"\n\x0bshop.proto" and 'filename="protos.desc"' in kept.headers["content-disposition"]
    _, _, read_inputs = await provider.read(DESCRIPTOR_SOURCE, "protos", state, inputs)
    assert read_inputs == inputs
    changed = {**inputs, "file": Asset(text="other", hash=sha(b"other")), "acceptReplacement": True}
    assert list((await provider.diff(DESCRIPTOR_SOURCE, "protos", state, changed, old_inputs=inputs)).replaces) == [
        "file"]
    assert list((await provider.diff(DESCRIPTOR_SOURCE, "protos", state, {**inputs, "description": "x",
                                                                          "acceptReplacement": True})).replaces) == [
        "description"]
    _, imported_state, imported = await provider.read(DESCRIPTOR_SOURCE, "protos")
    assert imported == {"name": "protos"}  # LIST DESCRIPTOR_SOURCES shows no file and no description a client reads
    adopted = await provider.diff(DESCRIPTOR_SOURCE, "protos", imported_state, inputs, old_inputs=imported)
    assert adopted.changes == Diff.DIFF_NONE  # the program's file and description are taken as the ones held
    await provider.delete(DESCRIPTOR_SOURCE, "protos", state)
    assert (await provider.read(DESCRIPTOR_SOURCE, "protos", state, inputs))[0] == ""


async def test_a_source_deltastream_reports_error_fails_its_create_naming_it(provider: Harness,
                                                                           local: BackgroundServer) -> None:
    local.server.knobs.update({"errored_sources": "^broken"})
    with pytest.raises(grpc.aio.AioRpcError) as failed:
        await provider.create(FUNCTION_SOURCE, {"name": "broken_udfs", "file": Asset(text="not a jar")})
    message = failed.value.details() or ""
    assert "function source 'broken_udfs' failed in DeltaStream: its status is error" in message
    assert "valid .jar file" in message
    body = post(local, "SELECT \"name\" FROM deltastream.sys.\"function_sources\";")
    assert body["data"] == []  # the failed source was dropped, nothing left behind
    assert local.server.counters.statements["DropFileSource"] == 1


@pytest.mark.paused_clock
async def test_a_create_waits_while_the_source_is_uploading(provider: Harness, local: BackgroundServer,
                                                            clock: ManualClock) -> None:
    local.server.knobs.update({"source_ready_s": 30})
    creating = asyncio.create_task(provider.create(FUNCTION_SOURCE, {"name": "slow", "file": Asset(text="jar")}))
    assert await asyncio.to_thread(local.server.counters.wait_for_statements, "CreateFileSource", 1, 60)
    statuses = post(local, "SELECT \"status\" FROM deltastream.sys.\"function_sources\";")["data"]
    assert statuses == [["uploading"]] and not creating.done()
    clock.advance(30)
    _, state = await creating
    assert state["status"] == "ready"


async def test_a_lost_answer_to_the_create_is_settled_by_reading(provider: Harness, local: BackgroundServer) -> None:
    for kind in ("drop_before", "drop_after", "504"):
        local.server.knobs.update({"fail": [{"pattern": r"^CREATE FUNCTION_SOURCE", "fault": kind}]})
        before = local.server.counters.statements.get("CreateFileSource", 0)
        resource_id, state = await provider.create(FUNCTION_SOURCE, {"name": f"udfs_{kind}",
                                                                     "file": Asset(text=kind)})
        assert resource_id == f"udfs_{kind}" and state["status"] == "ready" and state["fileHash"] == sha(kind.encode())
        assert local.server.counters.statements["CreateFileSource"] - before == 1  # read, never a second CREATE
        assert download(local, "function_source", f"udfs_{kind}").content == kind.encode()


async def test_lookups_send_one_read_each(provider: Harness, local: BackgroundServer) -> None:
    for name in ("b_udfs", "a_udfs"):
        await provider.create(FUNCTION_SOURCE, {"name": name, "file": Asset(text=name), "description": name})
    for name in ("z_protos", "y_protos"):
        await provider.create(DESCRIPTOR_SOURCE, {"name": name, "file": Asset(text=name)})
    before = requests(local)
    found, _ = await invoke(provider, "deltastream:index:getFunctionSource", {"name": "a_udfs"})
    assert found["status"] == "ready" and found["language"] == "java" and found["description"] == "a_udfs"
    ready, _ = await invoke(provider, "deltastream:index:getFunctionSources", {"status": "ready"})
    assert [s["name"] for s in ready["functionSources"]] == ["a_udfs", "b_udfs"]
    one, _ = await invoke(provider, "deltastream:index:getDescriptorSource", {"name": "y_protos"})
    assert one["owner"] == "sysadmin" and one["createdAt"]
    every, _ = await invoke(provider, "deltastream:index:getDescriptorSources", {"owner": "sysadmin"})
    assert [s["name"] for s in every["descriptorSources"]] == ["y_protos", "z_protos"]
    assert requests(local) - before == 4
    with pytest.raises(grpc.aio.AioRpcError) as missing:
        await invoke(provider, "deltastream:index:getFunctionSource", {"name": "nope"})
    assert "function source with name 'nope' not found" in (missing.value.details() or "")


def submit(local: BackgroundServer, statement: str, files: dict[str, bytes] | None = None) -> dict[str, object]:
    """A statement as DeltaStream's Python connector sends it: multipart, the request a plain form field, each file an
    ``attachments`` part named by its basename (``exec_with_files``)."""
    parts: list[tuple[str, tuple[str | None, bytes | str] | tuple[str, bytes, str]]] = [
        ("request", (None, json.dumps({"statement": statement})))]
    parts += [("attachments", (name, data, "application/java-archive")) for name, data in (files or {}).items()]
    body: dict[str, object] = httpx.post(f"{local.url}/statements", files=parts, headers=AUTH).json()
    return body


def test_dbt_function_and_descriptor_source_flows_run_unchanged(local: BackgroundServer) -> None:
    """dbt-deltastream's materializations: LIST to find the source (name from the first column), then CREATE with the
    file's basename and the file attached, and a source found again is dropped (bare name) and created again."""
    def names(target: str) -> list[object]:
        rows: list[list[object]] = submit(local, f"LIST {target};")["data"]  # type: ignore[assignment]
        return [row[0] for row in rows]

    jar = b"PK\x03\x04 weighted average"
    create = "CREATE FUNCTION_SOURCE \"it_func_src\" WITH ('language' = 'java', 'file' = 'weighted-average-udf.jar');"
    assert names("FUNCTION_SOURCES") == []
    assert submit(local, create, {"weighted-average-udf.jar": jar})["sqlState"] == "00000"
    assert names("FUNCTION_SOURCES") == ["it_func_src"]
    assert submit(local, "drop function_source it_func_src\n  ;")["sqlState"] == "00000"
    assert submit(local, create, {"weighted-average-udf.jar": jar})["sqlState"] == "00000"
    assert download(local, "function_source", "it_func_src").content == jar
    refused = submit(local, create.replace("it_func_src", "other"))  # the file not attached
    assert refused["sqlState"] == "3D008"

    descriptors = b"\n\x0bsample.proto"
    create = "CREATE DESCRIPTOR_SOURCE \"it_desc_src\" WITH ('file' = 'sample.desc', 'description' = 'protos');"
    assert submit(local, create, {"sample.desc": descriptors})["sqlState"] == "00000"
    assert names("DESCRIPTOR_SOURCES") == ["it_desc_src"]
    assert submit(local, "drop descriptor_source it_desc_src\n  ;")["sqlState"] == "00000"
    assert names("DESCRIPTOR_SOURCES") == []


async def test_a_preview_asks_for_the_create_privilege_and_sends_nothing_else(provider: Harness,
                                                                            local: BackgroundServer) -> None:
    local.server.knobs.update({"denied_privileges": "CREATE_FUNCTION_SOURCE"})
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await provider.create(FUNCTION_SOURCE, {"name": "udfs", "file": Asset(text="jar")}, preview=True)
    assert "lacks the CREATE_FUNCTION_SOURCE privilege that creating a FunctionSource needs" in (
        refused.value.details() or "")
    _, shown = await provider.create(DESCRIPTOR_SOURCE, {"name": "protos", "file": Asset(text="d")}, preview=True)
    assert "file" not in shown  # a preview shows what a create records: the hash, not the file
    # the session's CAN I CREATE_DATABASE, then each kind's privilege: nothing mutating, nothing created
    assert dict(local.server.counters.statements) == {"CanI": 3}
