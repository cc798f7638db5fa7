"""OrganizationGrant converges and owns only what it declares, over gRPC against the local server: after a create a
refresh shows no change (also with privileges granted by hand beside it, and with ALL PRIVILEGES), a privilege
revoked by hand shows on refresh and is granted again by the update, a list change grants the added and revokes the
removed in place, and the delete revokes exactly the declared privileges."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from pulumi.runtime.proto import provider_pb2
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer, ServerSettings
from deltastream_provider.plugin.wire import SecretValue

GRANT = "deltastream:index:OrganizationGrant"
SECURITY = "security-token"
Diff = provider_pb2.DiffResponse


@pytest.fixture
def server() -> Iterator[BackgroundServer]:
    settings = ServerSettings(port=0, tokens={TOKEN: "sysadmin", SECURITY: "securityadmin"})
    with BackgroundServer(settings) as running:
        run(running, 'CREATE ROLE "team";')
        yield running


@pytest.fixture
async def provider(server: BackgroundServer) -> AsyncIterator[Harness]:
    harness = await Harness().start()
    try:
        await harness.configure(server=server.url, apiKey=SecretValue(SECURITY), role="securityadmin")
        yield harness
    finally:
        await harness.stop()


def run(server: BackgroundServer, statement: str, token: str = SECURITY) -> None:
    body = httpx.post(f"{server.url}/statements", json={"statement": statement},
                      headers={"Authorization": f"Bearer {token}"}).json()
    assert body["sqlState"] == "00000", body


def held(server: BackgroundServer) -> set[str]:
    body = httpx.post(f"{server.url}/statements", headers={"Authorization": f"Bearer {SECURITY}"}, json={
        "statement": "SELECT role_priv_type FROM deltastream.sys.\"role_privileges\" WHERE role_name = 'team';"}).json()
    return {row[0].upper() for row in body["data"]}


def sent(server: BackgroundServer, since: int) -> list[str]:
    """The mutating statements the server ran since ``since`` texts (reads left out)."""
    return [t for t in list(server.server.counters.texts)[since:] if t.startswith(("GRANT", "REVOKE"))]


async def refreshed(provider: Harness, resource_id: str, state: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """A refresh's read, then the Diff of the program (``state``'s inputs) against what it read."""
    _, props, inputs = await provider.read(GRANT, resource_id, state, state)
    return inputs, await provider.diff(GRANT, resource_id, props, state, inputs)


async def test_no_change_after_up_with_extra_grants_made_by_hand(server: BackgroundServer,
                                                                  provider: Harness) -> None:
    program = {"role": "team", "privileges": ["create_database", "CREATE_QUERY"]}
    resource_id, state = await provider.create(GRANT, program)
    assert resource_id == "team/organization" and held(server) == {"CREATE_DATABASE", "CREATE_QUERY"}
    inputs, diff = await refreshed(provider, resource_id, state)
    assert diff.changes == Diff.DIFF_NONE and inputs["privileges"] == ["create_database", "CREATE_QUERY"]
    run(server, 'GRANT CREATE_STORE, MANAGE_MEMBERS ON ORGANIZATION TO ROLE "team" WITH GRANT OPTION;')
    inputs, diff = await refreshed(provider, resource_id, state)
    assert diff.changes == Diff.DIFF_NONE and inputs["privileges"] == ["create_database", "CREATE_QUERY"]
    before = len(server.server.counters.texts)
    await provider.delete(GRANT, resource_id, state)
    assert sent(server, before) == ['REVOKE CREATE_DATABASE, CREATE_QUERY FROM ROLE "team";']
    assert held(server) == {"CREATE_STORE", "MANAGE_MEMBERS"}  # granted by hand: never this resource's


async def test_all_privileges_reads_back_as_declared(server: BackgroundServer, provider: Harness) -> None:
    program = {"role": "team", "privileges": ["all  privileges"]}
    resource_id, state = await provider.create(GRANT, program)
    assert len(held(server)) == 10
    inputs, diff = await refreshed(provider, resource_id, state)
    assert diff.changes == Diff.DIFF_NONE and inputs["privileges"] == ["all  privileges"]
    spelled = {"role": "team", "privileges": [
        "CREATE_COMPUTE_POOL", "CREATE_DATABASE", "CREATE_STORE", "CREATE_SCHEMA_REGISTRY", "CREATE_DESCRIPTOR_SOURCE",
        "CREATE_FUNCTION_SOURCE", "CREATE_FUNCTION", "CREATE_QUERY", "MANAGE_MEMBERS", "MANAGE_GRANTS"]}
    assert (await provider.diff(GRANT, resource_id, state, spelled)).changes == Diff.DIFF_NONE
    run(server, 'REVOKE MANAGE_GRANTS FROM ROLE "team";')
    inputs, diff = await refreshed(provider, resource_id, state)
    assert inputs["privileges"] == [] and diff.changes == Diff.DIFF_SOME and not diff.replaces
    before = len(server.server.counters.texts)
    await provider.update(GRANT, resource_id, inputs, program)
    assert sent(server, before) == ['GRANT ALL PRIVILEGES ON ORGANIZATION TO ROLE "team";'] and len(held(server)) == 10


async def test_revoked_by_hand_shows_on_refresh_and_up_grants_it_again(server: BackgroundServer,
                                                                       provider: Harness) -> None:
    program = {"role": "team", "privileges": ["CREATE_DATABASE", "CREATE_STORE"]}
    resource_id, state = await provider.create(GRANT, program)
    run(server, 'REVOKE CREATE_STORE FROM ROLE "team";')
    inputs, diff = await refreshed(provider, resource_id, state)
    assert inputs["privileges"] == ["CREATE_DATABASE"]
    assert diff.changes == Diff.DIFF_SOME and list(diff.diffs) == ["privileges"] and not diff.replaces
    before = len(server.server.counters.texts)
    await provider.update(GRANT, resource_id, inputs, program)
    assert sent(server, before) == ['GRANT CREATE_STORE ON ORGANIZATION TO ROLE "team";']
    assert held(server) == {"CREATE_DATABASE", "CREATE_STORE"}


async def test_a_list_change_grants_the_added_and_revokes_the_removed_in_place(server: BackgroundServer,
                                                                                provider: Harness) -> None:
    old = {"role": "team", "privileges": ["CREATE_DATABASE", "CREATE_STORE"]}
    new = {"role": "team", "privileges": ["create_store", "CREATE_QUERY"]}
    resource_id, state = await provider.create(GRANT, old)
    diff = await provider.diff(GRANT, resource_id, state, new)
    assert diff.changes == Diff.DIFF_SOME and not diff.replaces and not diff.deleteBeforeReplace
    before = len(server.server.counters.texts)
    updated = await provider.update(GRANT, resource_id, state, new)
    assert sent(server, before) == ['REVOKE CREATE_DATABASE FROM ROLE "team";',
                                    'GRANT CREATE_QUERY ON ORGANIZATION TO ROLE "team";']
    assert held(server) == {"CREATE_STORE", "CREATE_QUERY"} and updated["privileges"] == new["privileges"]


async def test_grant_option_on_in_place_and_off_by_revoke_then_grant(server: BackgroundServer,
                                                                     provider: Harness) -> None:
    program = {"role": "team", "privileges": ["CREATE_STORE"]}
    resource_id, state = await provider.create(GRANT, program)
    optioned = {**program, "withGrantOption": True}
    before = len(server.server.counters.texts)
    state = await provider.update(GRANT, resource_id, state, optioned)
    assert sent(server, before) == ['GRANT CREATE_STORE ON ORGANIZATION TO ROLE "team" WITH GRANT OPTION;']
    inputs, diff = await refreshed(provider, resource_id, state)
    assert diff.changes == Diff.DIFF_NONE and inputs["withGrantOption"] is True
    before = len(server.server.counters.texts)
    await provider.update(GRANT, resource_id, state, program)
    assert sent(server, before) == ['REVOKE CREATE_STORE FROM ROLE "team";',
                                    'GRANT CREATE_STORE ON ORGANIZATION TO ROLE "team";']


async def test_import_reads_everything_the_role_holds(server: BackgroundServer, provider: Harness) -> None:
    run(server, 'GRANT CREATE_STORE, CREATE_DATABASE ON ORGANIZATION TO ROLE "team";')
    resource_id, _, inputs = await provider.read(GRANT, "team/organization")
    assert resource_id == "team/organization"
    assert inputs == {"role": "team", "privileges": ["CREATE_DATABASE", "CREATE_STORE"]}
    _, _, nothing = await provider.read(GRANT, "sysadmin/organization")  # built-in privileges have no rows
    assert nothing == {}


async def test_check_names_the_property(provider: Harness) -> None:
    _, failures = await provider.check(GRANT, {"role": "", "privileges": ["CREATE_TABLE", "create_store",
                                                                           "CREATE_STORE"]})
    assert "role" in failures and "non-empty" in failures["role"]
    assert "CREATE_TABLE" in failures["privileges[0]"] and "ALL PRIVILEGES" in failures["privileges[0]"]
    assert "twice" in failures["privileges[2]"]
    _, empty = await provider.check(GRANT, {"role": "team", "privileges": []})
    assert "at least one" in empty["privileges"]


async def test_a_grantor_without_the_right_fails_naming_the_fix(server: BackgroundServer) -> None:
    harness = await Harness().start()
    try:
        await harness.configure(server=server.url, apiKey=SecretValue(TOKEN))
        with pytest.raises(Exception, match="MANAGE_GRANTS"):
            await harness.create(GRANT, {"role": "team", "privileges": ["MANAGE_GRANTS"]})
        _, state = await harness.create(GRANT, {"role": "team", "privileges": ["CREATE_DATABASE"]})
        assert state["privileges"] == ["CREATE_DATABASE"]  # sysadmin grants its own CREATE_ privileges on
    finally:
        await harness.stop()


@pytest.mark.parametrize("fault", ["drop_after", "drop_before"])
async def test_a_lost_answer_is_settled_by_reading(server: BackgroundServer, provider: Harness, fault: str) -> None:
    """A GRANT or REVOKE whose answer is lost: a read says whether it ran, and it is sent again only when it did not
    (the server records a statement only when it runs)."""
    program = {"role": "team", "privileges": ["CREATE_STORE"]}
    server.server.knobs.update({"fail": [{"pattern": "^(GRANT|REVOKE)", "fault": fault}]})
    resource_id, state = await provider.create(GRANT, program)
    assert held(server) == {"CREATE_STORE"}
    server.server.knobs.update({"fail": [{"pattern": "^(GRANT|REVOKE)", "fault": fault}]})
    await provider.delete(GRANT, resource_id, state)
    assert held(server) == set()
    resent = [t for t in server.server.counters.texts if t.startswith(("GRANT", "REVOKE"))]
    assert len(resent) == 2  # a dropped request never ran (drop_before) or is not sent again (drop_after)


async def test_a_revoke_answered_not_revoked_is_done(server: BackgroundServer, provider: Harness) -> None:
    """DeltaStream's 01006 (PrivilegeNotRevoked) to a REVOKE of what is already gone ends a delete, not fails it."""
    resource_id, state = await provider.create(GRANT, {"role": "team", "privileges": ["CREATE_STORE"]})
    run(server, 'REVOKE CREATE_STORE FROM ROLE "team";')
    server.server.knobs.update({"fail": [{"pattern": "^REVOKE", "code": "01006", "message": "privilege not revoked"}]})
    await provider.delete(GRANT, resource_id, state)
    assert server.server.counters.sql_states["01006"] == 1 and held(server) == set()


async def test_a_grant_answered_not_granted_is_settled_by_reading(server: BackgroundServer, provider: Harness) -> None:
    """DeltaStream's 01007 (PrivilegeNotGranted) to a GRANT of a privilege held already (by hand) ends the create once a
    read shows it held; the same answer with the privilege not held still fails."""
    run(server, 'GRANT CREATE_STORE ON ORGANIZATION TO ROLE "team";')
    server.server.knobs.update({"fail": [{"pattern": "^GRANT", "code": "01007", "message": "privilege not granted"}]})
    resource_id, state = await provider.create(GRANT, {"role": "team", "privileges": ["CREATE_STORE"]})
    assert resource_id == "team/organization" and state["granted"] == ["CREATE_STORE"]
    server.server.knobs.update({"fail": [{"pattern": "^GRANT", "code": "01007", "message": "privilege not granted"}]})
    with pytest.raises(Exception, match="privilege not granted"):
        await provider.create(GRANT, {"role": "team", "privileges": ["CREATE_QUERY"]})
    assert server.server.counters.sql_states["01007"] == 2 and held(server) == {"CREATE_STORE"}
