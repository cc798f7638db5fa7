"""A wrong role, organization or token is an error, never not-found: a refresh keeps every resource and a destroy
drops nothing, both failing with the setting that fixes it (issue 23, case d)."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any

import grpc
import pytest
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider import errors
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import DeltaStreamClient
from deltastream_provider.plugin.wire import SecretValue
from deltastream_provider.resources import entity

DB, STORE, OBJ, ENTITY, SECRET = (f"deltastream:index:{n}"
                                  for n in ("Database", "Store", "DeltaStreamObject", "Entity", "Secret"))
KAFKA = {"name": "events", "kafka": {"uris": "b:9092", "saslHashFunction": "NONE"}}
OBJECT = {"database": "db", "namespace": "public", "name": "orders", "kind": "stream", "store": "events",
          "columns": [{"name": "id", "type": "BIGINT"}]}
ENTITY_INPUTS = {"store": "events", "path": ["clicks"], "kafka": {"partitions": 1}}
SECRET_INPUTS = {"name": "token", "secretString": "s3cr3t-value"}

# (setting the provider is configured with, the words its error must carry)
WRONG = {
    "role": ({"role": "sysadmn"}, ("role 'sysadmn' does not exist", "SQLSTATE 3D001", "set deltastream:role")),
    "organization": ({"organization": "nope"}, ("organization 'nope' does not exist", "SQLSTATE 3D004",
                                                "set deltastream:organization")),
    "token": ({"apiKey": SecretValue("revoked-token")}, ("invalid token", "HTTP 403", "set deltastream:apiKey")),
}


async def created(provider: Harness) -> dict[str, tuple[str, str, dict[str, Any], dict[str, Any]]]:
    """One resource of each kind whose read or delete catches a not-found: type, id, state and inputs by name."""
    made: dict[str, tuple[str, str, dict[str, Any], dict[str, Any]]] = {}
    for name, type_, inputs in (("db", DB, {"name": "db"}), ("store", STORE, KAFKA), ("object", OBJ, OBJECT),
                                ("entity", ENTITY, ENTITY_INPUTS), ("secret", SECRET, SECRET_INPUTS)):
        resource_id, state = await provider.create(type_, inputs)
        made[name] = (type_, resource_id, state, inputs)
    return made


async def failure(call: Awaitable[Any]) -> str:
    """The error a call failed with, or what it answered when it did not fail."""
    try:
        answer = await call
    except grpc.aio.AioRpcError as failed:
        return f"{failed.code().name}: {failed.details()}"
    return f"no error, answered {answer!r}"


async def everything(client: DeltaStreamClient) -> dict[str, list[str]]:
    """What exists on the server, read with the right session."""
    names = {table: [str(r["name"]) for r in (await client.execute(sql.select(table, ["name"]))).records()]
             for table in ("databases", "stores", "relations", "secrets")}
    names["entities"] = [str(r["Name"]) for r in (await client.execute(entity.list_statement("events"))).records()]
    return names


@pytest.mark.parametrize("wrong", WRONG, ids=list(WRONG))
async def test_a_wrong_session_fails_refresh_and_destroy_and_drops_nothing(
        provider: Harness, client: DeltaStreamClient, local: BackgroundServer, wrong: str) -> None:
    made = await created(provider)
    before = await everything(client)
    setting, words = WRONG[wrong]
    await provider.configure(**{"server": local.url, "apiKey": SecretValue(TOKEN), **setting})

    refreshed = {name: await failure(provider.read(type_, resource_id, state, inputs))
                 for name, (type_, resource_id, state, inputs) in made.items()}
    destroyed = {name: await failure(provider.delete(type_, resource_id, state))
                 for name, (type_, resource_id, state, _) in reversed(made.items())}
    for name in made:
        assert all(word in refreshed[name] for word in words), (name, refreshed[name])
        assert all(word in destroyed[name] for word in words), (name, destroyed[name])

    assert await everything(client) == before
    assert before == {"databases": ["db"], "stores": ["events"], "relations": ["orders"], "secrets": ["token"],
                      "entities": ["clicks", "orders"]}  # the stream made its topic, as DeltaStream does


async def test_with_the_right_session_again_refresh_and_destroy_work(
        provider: Harness, client: DeltaStreamClient, local: BackgroundServer) -> None:
    made = await created(provider)
    await provider.configure(server=local.url, apiKey=SecretValue(TOKEN), role="sysadmn")
    with pytest.raises(grpc.aio.AioRpcError):
        await provider.delete(*made["entity"][:3])
    await provider.configure(server=local.url, apiKey=SecretValue(TOKEN), role="sysadmin")
    for type_, resource_id, state, inputs in made.values():
        assert (await provider.read(type_, resource_id, state, inputs))[0] == resource_id
    for type_, resource_id, state, _ in reversed(made.values()):
        await provider.delete(type_, resource_id, state)
    remaining = {table: [str(r["name"]) for r in (await client.execute(sql.select(table, ["name"]))).records()]
                 for table in ("databases", "stores", "relations", "secrets")}
    assert remaining == {"databases": [], "stores": [], "relations": [], "secrets": []}


async def test_a_permission_error_on_a_read_is_no_not_found(provider: Harness, local: BackgroundServer) -> None:
    """A role that may not DESCRIBE the topic: the refresh fails with the privilege's fix and keeps the entity."""
    made = await created(provider)
    type_, resource_id, state, inputs = made["entity"]
    local.server.knobs.update({"fail": [{"pattern": "^DESCRIBE ENTITY", "nth": 0, "code": "42501",
                                         "message": "permission denied: USAGE on store events"}]})
    with pytest.raises(grpc.aio.AioRpcError) as refreshed:
        await provider.read(type_, resource_id, state, inputs)
    assert "permission denied" in (refreshed.value.details() or "")
    assert "deltastream:role" in (refreshed.value.details() or "")


@pytest.mark.parametrize("code, setting", [("3D000", "deltastream:apiKey"), ("3D001", "deltastream:role"),
                                           ("3D004", "deltastream:organization"), ("3D012", "deltastream:apiKey"),
                                           ("42P001", "deltastream:organization")])
def test_session_codes_are_session_errors_naming_the_setting(code: str, setting: str) -> None:
    error = errors.sql_error(code, "nope", "stmt-1")
    assert type(error) is errors.SessionError and not isinstance(error, errors.NotFoundError)
    assert setting in str(error)


@pytest.mark.parametrize("code", ["3D002", "3D003", "3D006", "3D007", "3D009", "3D016", "3D019", "3D020"])
def test_only_an_object_code_is_not_found(code: str) -> None:
    assert type(errors.sql_error(code, "gone", None)) is errors.NotFoundError
