"""API tokens: the local server's CREATE / RENEW / LIST / DROP API_TOKEN and its authentication of a created token as
its role (a second client bearing it runs as that role, is refused another role, and is refused after a renewal with
the old secret, after a DROP and after expiry), and the provider's ApiToken over gRPC: its lifecycle with exact
request counts, renewal by renewTrigger and by renewBeforeDays on an injected clock, a create whose answer was lost,
import, Check, and no secret in logs or errors."""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx
import pytest
from testkit import TOKEN
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.deltastream.values import parse_timestamp
from deltastream_provider.plugin.engine_log import EngineLog
from deltastream_provider.plugin.wire import SecretValue
from deltastream_provider.resources import api_token
from tests.conftest import ManualClock
from tests.contract.test_secret_redaction import Logged, logged, messages_once  # noqa: F401 (a fixture)

TYPE = "deltastream:index:ApiToken"
CI = {"name": "ci", "role": "ci_runner", "expiresInDays": 30, "renewBeforeDays": 7, "renewTrigger": "1"}


def post(local: BackgroundServer, statement: str, token: str = TOKEN, **fields: str) -> httpx.Response:
    return httpx.post(f"{local.url}/statements", json={"statement": statement, **fields},
                      headers={"Authorization": f"Bearer {token}"})


def ok(local: BackgroundServer, statement: str, token: str = TOKEN, **fields: str) -> dict[str, Any]:
    body: dict[str, Any] = post(local, statement, token, **fields).json()
    assert body["sqlState"] == "00000", body
    return body


def refused(local: BackgroundServer, statement: str, token: str = TOKEN, **fields: str) -> str:
    body = post(local, statement, token, **fields).json()
    assert body["sqlState"] != "00000", body
    return str(body["sqlState"])


def secret_of(body: dict[str, Any]) -> str:
    names = [c["name"] for c in body["metadata"]["columns"]]
    assert names == ["Type", "Name", "Command", "Summary", "Token"]
    return str(body["data"][0][4])


def listed(local: BackgroundServer) -> dict[str, list[Any]]:
    body = ok(local, "LIST API_TOKENS;")
    assert [c["name"] for c in body["metadata"]["columns"]] == ["Name", "Last Used", "Created At", "Expires At"]
    return {row[0]: row[1:] for row in body["data"]}


def runner_role(local: BackgroundServer) -> None:
    """A role the provider's role (sysadmin) holds, as a platform team's roles are."""
    ok(local, "CREATE ROLE ci_runner;")
    ok(local, "GRANT ROLE ci_runner TO ROLE sysadmin;")


# --- the local server ------------------------------------------------------------------------------------------

@pytest.mark.paused_clock
def test_a_created_token_authenticates_as_its_role_until_renewed_dropped_or_expired(
        local: BackgroundServer, clock: ManualClock) -> None:
    runner_role(local)
    first = secret_of(ok(local, "CREATE API_TOKEN ci WITH ('token.role_name' = 'ci_runner', "
                                "'token.expires_in_days' = 30);"))
    last_used, created, expires = listed(local)["ci"]
    assert last_used is None
    assert parse_timestamp(expires) - parse_timestamp(created) == dt.timedelta(days=30)
    with local.server.catalog.transaction() as db:  # only the SHA-256 is kept
        assert first not in repr([tuple(r) for r in db.execute("SELECT * FROM api_tokens")])

    as_runner = ok(local, "LIST API_TOKENS;", first, role="ci_runner")  # a second client, bearing the token
    assert as_runner["metadata"]["context"]["roleName"] == "ci_runner"
    by_default = ok(local, "LIST API_TOKENS;", first)  # no role asked: the token's
    assert by_default["metadata"]["context"]["roleName"] == "ci_runner"
    assert listed(local)["ci"][0] is not None  # Last Used
    assert refused(local, "LIST API_TOKENS;", first, role="sysadmin") == "3D001"  # a role it was not granted
    assert refused(local, 'CREATE DATABASE "x";', first) == "42501"  # a privilege its role lacks

    clock.advance(86400)
    second = secret_of(ok(local, "ALTER API_TOKEN ci RENEW TOKEN;"))
    assert second != first
    last_used, created_again, expires_again = listed(local)["ci"]
    assert last_used is None  # reset, and both times a day on (the ALTER page)
    assert parse_timestamp(created_again) - parse_timestamp(created) == dt.timedelta(days=1)
    assert parse_timestamp(expires_again) - parse_timestamp(expires) == dt.timedelta(days=1)
    assert post(local, "LIST API_TOKENS;", first).status_code == 403  # the old secret stops working
    ok(local, "LIST API_TOKENS;", second)

    ok(local, "LIST API_TOKENS;", second)
    clock.advance(31 * 86400)
    assert post(local, "LIST API_TOKENS;", second).status_code == 403  # expired over the server's clock
    third = secret_of(ok(local, "ALTER API_TOKEN ci RENEW TOKEN;"))
    ok(local, "LIST API_TOKENS;", third)
    ok(local, "DROP API_TOKEN ci;")
    assert post(local, "LIST API_TOKENS;", third).status_code == 403
    assert "ci" not in listed(local)


def test_refusals_use_deltastreams_codes(local: BackgroundServer) -> None:
    runner_role(local)
    ok(local, "CREATE API_TOKEN ci WITH ('token.role_name' = ci_runner);")  # the page's example writes the role bare
    assert refused(local, "CREATE API_TOKEN ci WITH ('token.role_name' = 'ci_runner');") == "42P09"
    assert refused(local, "CREATE API_TOKEN other WITH ('token.role_name' = 'nobody');") == "3D001"
    assert refused(local, "CREATE API_TOKEN other;") == "3D008"
    assert refused(local, "CREATE API_TOKEN other WITH ('token.role_name' = 'ci_runner', "
                          "'token.expires_in_days' = 0);") == "3D008"
    assert refused(local, "ALTER API_TOKEN missing RENEW TOKEN;") == "3D012"
    assert refused(local, "DROP API_TOKEN missing;") == "3D012"
    ok(local, "CREATE ROLE outsider;")  # a role sysadmin is not granted
    assert refused(local, "CREATE API_TOKEN other WITH ('token.role_name' = 'outsider');") == "42501"


# --- the provider ----------------------------------------------------------------------------------------------

def requests(local: BackgroundServer) -> int:
    return sum(local.server.counters.requests.values())


def works(local: BackgroundServer, secret: str) -> bool:
    return post(local, "LIST API_TOKENS;", secret).status_code == 200


async def test_lifecycle_with_exact_requests_and_renewal_by_trigger(local: BackgroundServer,
                                                                    provider: Harness) -> None:
    runner_role(local)
    start = requests(local)
    resource_id, state = await provider.create(TYPE, CI)
    assert requests(local) - start == 2 and resource_id == "ci/ci_runner"
    assert isinstance(state["token"], SecretValue)
    first = state["token"].value
    assert works(local, first) and state["expiresAt"] and state["createdAt"]

    start = requests(local)
    _, read, inputs = await provider.read(TYPE, "ci", state, CI)
    assert requests(local) - start == 1
    assert read["token"].value == first and inputs["role"] == "ci_runner"

    renewed = {**CI, "renewTrigger": "2"}
    diff = await provider.diff(TYPE, "ci", state, renewed, CI)
    assert list(diff.diffs) == ["renewTrigger"] and not diff.replaces
    start = requests(local)
    state = await provider.update(TYPE, "ci", {**state, **CI}, renewed)
    assert requests(local) - start == 2
    assert not works(local, first) and works(local, state["token"].value)

    start = requests(local)
    await provider.delete(TYPE, "ci", state)
    assert requests(local) - start == 2
    assert not works(local, state["token"].value)


async def test_renewal_when_fewer_than_renew_before_days_remain(local: BackgroundServer, provider: Harness,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    runner_role(local)
    _, state = await provider.create(TYPE, CI)
    expires = parse_timestamp(state["expiresAt"])
    monkeypatch.setattr(api_token, "clock", lambda: expires - dt.timedelta(days=8))
    assert not (await provider.diff(TYPE, "ci", state, CI)).diffs  # 8 days left, renewBeforeDays 7
    monkeypatch.setattr(api_token, "clock", lambda: expires - dt.timedelta(days=6))
    diff = await provider.diff(TYPE, "ci", state, CI)
    assert list(diff.diffs) == ["expiresAt"] and not diff.replaces  # a preview shows the renewal as an update
    preview = await provider.update(TYPE, "ci", state, CI, preview=True)
    assert preview["token"].value == state["token"].value  # a preview sends nothing
    assert works(local, state["token"].value)
    after = await provider.update(TYPE, "ci", state, CI)
    assert after["token"].value != state["token"].value and not works(local, state["token"].value)
    assert parse_timestamp(after["expiresAt"]) > expires - dt.timedelta(days=1)


async def test_a_role_change_replaces_and_a_renew_before_days_change_sends_nothing(local: BackgroundServer,
                                                                                   provider: Harness) -> None:
    runner_role(local)
    _, state = await provider.create(TYPE, CI)
    diff = await provider.diff(TYPE, "ci", state, {**CI, "role": "sysadmin"})
    assert list(diff.replaces) == ["role"] and diff.deleteBeforeReplace
    start = requests(local)
    kept = await provider.update(TYPE, "ci", state, {**CI, "renewBeforeDays": 3})
    assert requests(local) == start and kept["token"].value == state["token"].value


async def test_a_create_whose_answer_was_lost_renews_the_token_it_made(local: BackgroundServer,
                                                                       provider: Harness) -> None:
    runner_role(local)
    local.server.knobs.update({"fail": [{"pattern": "^CREATE API_TOKEN", "fault": "drop_after"}]})
    _, state = await provider.create(TYPE, CI)
    assert local.server.counters.statements["RenewApiToken"] == 1
    assert works(local, state["token"].value)


async def test_import_gives_the_metadata_and_warns_that_the_secret_is_lost(local: BackgroundServer,
                                                                           logged: Logged) -> None:  # noqa: F811
    runner_role(local)
    ok(local, "CREATE API_TOKEN ci WITH ('token.role_name' = 'ci_runner', 'token.expires_in_days' = 30);")
    harness = await Harness().start()
    harness.provider.engine = EngineLog(logged.address)
    try:
        await harness.configure(server=local.url, apiKey=SecretValue(TOKEN))
        resource_id, state, inputs = await harness.read(TYPE, "ci")
        program = {"name": "ci", "role": "ci_runner", "expiresInDays": 30}
        diff = await harness.diff(TYPE, "ci", state, program, inputs)
    finally:
        await harness.stop()
    assert resource_id == "ci" and inputs["expiresInDays"] == 30 and not state.get("token")
    assert state["createdAt"] and state["expiresAt"]
    assert not diff.replaces and not diff.diffs  # the role no read shows is taken as the program's
    told = "\n".join(await messages_once(logged.engine, "renewTrigger"))
    assert "DeltaStream shows a secret only once; change renewTrigger" in told
    assert "imported without its role" in told


async def test_import_by_token_and_role(local: BackgroundServer, provider: Harness) -> None:
    runner_role(local)
    ok(local, "CREATE API_TOKEN ci WITH ('token.role_name' = 'ci_runner', 'token.expires_in_days' = 30);")
    resource_id, state, inputs = await provider.read(TYPE, "ci/ci_runner")
    assert resource_id == "ci/ci_runner" and inputs == {"name": "ci", "role": "ci_runner", "expiresInDays": 30}
    _, failures = await provider.check(TYPE, inputs)
    assert failures == {}
    diff = await provider.diff(TYPE, "ci", state, CI, inputs)  # renewTrigger and renewBeforeDays adopted
    assert not diff.diffs and not diff.replaces


async def test_check_names_each_bad_property(provider: Harness) -> None:
    _, failures = await provider.check(TYPE, {"name": "ci", "role": "", "expiresInDays": 0})
    assert "role" in failures and "expiresInDays" in failures["expiresInDays"]
    _, failures = await provider.check(TYPE, {"name": "ci", "role": "a", "expiresInDays": 10,
                                              "renewBeforeDays": 10})
    assert "renewBeforeDays" in failures and "expiresInDays" in failures["renewBeforeDays"]
    _, failures = await provider.check(TYPE, {"name": "ci", "role": "a", "renewBeforeDays": 90})
    assert "90 days" in failures["renewBeforeDays"]
    _, failures = await provider.check(TYPE, CI)
    assert failures == {}


async def test_no_secret_reaches_a_log_or_an_error(local: BackgroundServer, logged: Logged,  # noqa: F811
                                                   capfd: pytest.CaptureFixture[str]) -> None:
    runner_role(local)
    harness = await Harness().start()
    harness.provider.engine = EngineLog(logged.address)
    try:
        await harness.configure(server=local.url, apiKey=SecretValue(TOKEN))
        _, state = await harness.create(TYPE, CI)
        renewed = await harness.update(TYPE, "ci", state, {**CI, "renewTrigger": "2"})
        local.server.knobs.update({"fail": [{"pattern": "^DROP API_TOKEN", "code": "XX000",
                                             "message": f"cannot drop {renewed['token'].value}"}]})
        with pytest.raises(Exception) as failed:
            await harness.delete(TYPE, "ci", renewed, timeout=30)
    finally:
        await harness.stop()
    messages = await messages_once(logged.engine, "sql failed")
    secrets = [state["token"].value, renewed["token"].value]
    everything = "\n".join([str(failed.value), *messages, *logged.records.lines, *capfd.readouterr(),
                            *local.server.counters.texts])
    assert any("CREATE API_TOKEN" in line for line in logged.records.lines)  # the SQL trace was captured
    for secret in secrets:
        assert secret not in everything
