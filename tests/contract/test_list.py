"""The List call over gRPC against the local server, as `pulumi do deltastream <Type> list` sends it: ids equal to
the import ids, readable names, the filters, paging by continuation token, the limit, unknowns, one read a page."""

from __future__ import annotations

import json
from typing import Any

import grpc
import pytest
from pulumi.runtime.proto import provider_pb2
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer
from deltastream_provider.kinds import registry
from deltastream_provider.kinds.listing import lister, name_of
from deltastream_provider.kinds.schema import build
from deltastream_provider.model.unknown import UNKNOWN
from deltastream_provider.plugin.wire import encode

T = "deltastream:index:"
KAFKA = {"name": "events", "kafka": {"uris": "b:9092", "saslHashFunction": "PLAIN", "saslUsername": "alice",
                                     "saslPassword": "p4ssw0rd-secret"}}


async def listed(provider: Harness, kind: str, query: dict[str, Any] | None = None, *, limit: int = 0,
                 page_size: int = 0, token: str = "") -> tuple[list[tuple[str, str]], str, bool]:
    """One List call: its results as (id, name), the next page's token, and whether it answered Computed."""
    request = provider_pb2.ListRequest(token=T + kind, limit=limit, page_size=page_size, continuation_token=token)
    if query is not None:
        request.query.CopyFrom(encode(query))
    results, following, computed = [], "", False
    async for answer in provider.stub.List(request):
        if answer.HasField("result"):
            results.append((answer.result.id, answer.result.name))
        elif answer.HasField("continuation"):
            following = answer.continuation.continuation_token
        else:
            computed = answer.HasField("computed")
    return results, following, computed


def requests(local: BackgroundServer) -> int:
    return sum(local.server.counters.requests.values())


async def catalog(provider: Harness) -> None:
    for name in ("shop", "ads", "zoo"):
        await provider.create(T + "Database", {"name": name})
    await provider.create(T + "Namespace", {"database": "shop", "name": "raw"})
    await provider.create(T + "Store", KAFKA)
    for database, namespace, name in (("shop", "raw", "clicks"), ("shop", "public", "views"),
                                      ("ads", "public", "impressions")):
        await provider.create(T + "DeltaStreamObject", {
            "database": database, "namespace": namespace, "name": name, "kind": "stream", "store": "events",
            "columns": [{"name": "id", "type": "BIGINT"}]})


async def test_databases_listed_with_their_import_ids_in_pages_each_one_read(
        provider: Harness, local: BackgroundServer) -> None:
    await catalog(provider)
    before = requests(local)
    whole, following, _ = await listed(provider, "Database")
    assert requests(local) - before == 1 and following == ""
    assert [i for i, _ in whole] == ["ads", "shop", "zoo"] and [n for _, n in whole] == ["ads", "shop", "zoo"]
    pages, token = [], ""
    while True:
        before = requests(local)
        page, token, _ = await listed(provider, "Database", page_size=2, token=token)
        assert requests(local) - before == 1 and 0 < len(page) <= 2
        pages.append(page)
        if not token:
            break
    assert [len(p) for p in pages] == [2, 1] and [r for p in pages for r in p] == whole
    again, _, _ = await listed(provider, "Database", page_size=2, token=(await listed(provider, "Database",
                                                                                      page_size=2))[1])
    assert again == pages[1]  # the same token, the same page


async def test_a_page_token_is_stable_when_things_are_made_or_dropped_between_pages(provider: Harness) -> None:
    for name in ("a", "c", "e"):
        await provider.create(T + "Database", {"name": name})
    first, token, _ = await listed(provider, "Database", page_size=2)
    await provider.create(T + "Database", {"name": "b"})  # before the token's place: neither repeated nor shifting
    await provider.delete(T + "Database", "a", {"name": "a"})
    rest, token, _ = await listed(provider, "Database", page_size=2, token=token)
    assert [i for i, _ in first] == ["a", "c"] and [i for i, _ in rest] == ["e"] and token == ""


async def test_limit_is_the_whole_list_across_pages(provider: Harness) -> None:
    await catalog(provider)
    page, token, _ = await listed(provider, "Database", limit=2, page_size=1)
    assert [i for i, _ in page] == ["ads"] and token
    page, token, _ = await listed(provider, "Database", limit=2, page_size=1, token=token)
    assert [i for i, _ in page] == ["shop"] and token == ""
    assert [i for i, _ in (await listed(provider, "Database", limit=2))[0]] == ["ads", "shop"]


async def test_objects_filtered_by_database_and_namespace_with_readable_names(
        provider: Harness, local: BackgroundServer) -> None:
    await catalog(provider)
    before = requests(local)
    shop, _, _ = await listed(provider, "DeltaStreamObject", {"database": "shop"})
    assert requests(local) - before == 1
    assert shop == [("shop/public/views", "shop-public-views"), ("shop/raw/clicks", "shop-raw-clicks")]
    raw, _, _ = await listed(provider, "DeltaStreamObject", {"database": "shop", "namespace": "raw"})
    assert raw == [("shop/raw/clicks", "shop-raw-clicks")]
    namespaces, _, _ = await listed(provider, "Namespace", {"database": "shop"})
    assert ("shop/raw", "shop-raw") in namespaces and all(i.startswith("shop/") for i, _ in namespaces)


async def test_every_id_listed_is_one_a_read_imports(provider: Harness) -> None:
    await catalog(provider)
    await provider.create(T + "Role", {"name": "reporting"})
    for kind in ("Database", "Namespace", "Store", "DeltaStreamObject", "Role"):
        found, _, _ = await listed(provider, kind)
        assert found, kind
        for resource_id, _ in found:
            read_id, _, _ = await provider.read(T + kind, resource_id)
            assert read_id == resource_id, (kind, resource_id)


async def test_roles_leave_out_the_built_in_ones_and_grants_take_a_role(provider: Harness,
                                                                         local: BackgroundServer) -> None:
    await provider.create(T + "Role", {"name": "reporting"})
    await provider.create(T + "RoleGrant", {"role": "reporting", "toRole": "sysadmin"})
    roles, _, _ = await listed(provider, "Role")
    assert ("reporting", "reporting") in roles and not {"sysadmin", "public", "orgadmin"} & {i for i, _ in roles}
    before = requests(local)
    grants, _, _ = await listed(provider, "RoleGrant", {"role": "reporting"})
    assert requests(local) - before == lister(T + "RoleGrant").reads == 2  # type: ignore[union-attr]
    assert grants == [("reporting/role/sysadmin", "reporting-to-sysadmin")]


async def test_queries_and_applications_are_told_apart_by_their_sql(provider: Harness) -> None:
    await provider.create(T + "Database", {"name": "db"})
    await provider.create(T + "Store", KAFKA)
    for name in ("src", "dst", "out"):
        await provider.create(T + "DeltaStreamObject", {
            "database": "db", "namespace": "public", "name": name, "kind": "stream", "store": "events",
            "columns": [{"name": "id", "type": "BIGINT"}]})
    query_id, _ = await provider.create(T + "Query", {
        "sql": 'INSERT INTO "db"."public"."dst" SELECT id FROM "db"."public"."src"'})
    app_id, _ = await provider.create(T + "Application", {
        "sql": 'BEGIN APPLICATION fan INSERT INTO "db"."public"."out" SELECT id FROM "db"."public"."src"; '
               "END APPLICATION;"})
    queries, _, _ = await listed(provider, "Query")
    applications, _, _ = await listed(provider, "Application", {"state": "running"})
    assert [i for i, _ in queries] == [query_id] and [i for i, _ in applications] == [app_id]
    assert all(name and " " not in name for _, name in queries + applications)
    assert (await listed(provider, "Application", {"state": "errored"}))[0] == []
    assert (await provider.read(T + "Query", query_id))[0] == query_id
    assert (await provider.read(T + "Application", app_id))[0] == app_id


async def test_entities_need_their_store(provider: Harness) -> None:
    await provider.create(T + "Store", KAFKA)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await listed(provider, "Entity")
    assert "give store" in refused.value.details() and "--store" in refused.value.details()


async def test_unknowns_in_the_query_answer_computed_and_send_nothing(
        provider: Harness, local: BackgroundServer) -> None:
    before = requests(local)
    assert await listed(provider, "DeltaStreamObject", {"database": UNKNOWN}) == ([], "", True)
    assert requests(local) == before


async def test_bad_queries_and_tokens_are_named(provider: Harness) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await listed(provider, "Database", {"namespace": "x"})
    assert "unknown input 'namespace'" in refused.value.details() and "owner" in refused.value.details()
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await listed(provider, "Database", token="not-ours")
    assert "start the list again" in refused.value.details()


def test_every_kind_declares_list_inputs_in_the_schema() -> None:
    resources = build()["resources"]
    for resource in registry.resources():
        declared = resources[resource.token]["listInputs"]
        assert set(declared.get("properties", {})) == set(lister(resource.token).inputs)  # type: ignore[union-attr]
    assert resources[T + "Entity"]["listInputs"]["required"] == ["store"]
    assert json.dumps(resources[T + "DeltaStreamObject"]["listInputs"]["properties"]["database"]["type"]) == '"string"'
    assert resources[T + "ApiToken"]["listInputs"] == {}  # no filters: no empty properties the CLI would drop


def test_names_are_readable_pulumi_names() -> None:
    assert name_of("shop", "raw", "page views") == "shop-raw-page-views"
    assert name_of("to_title", "VARCHAR") == "to_title-VARCHAR"


@pytest.mark.parametrize("resource", registry.resources(), ids=lambda r: r.token.rsplit(":", 1)[-1])
async def test_each_kind_lists_a_page_with_its_one_read(resource: Any, provider: Harness,
                                                        local: BackgroundServer) -> None:
    await provider.create(T + "Store", KAFKA)  # an Entity's list needs its store
    kind = resource.token.rsplit(":", 1)[-1]
    before = requests(local)
    found, following, computed = await listed(provider, kind, {"store": "events"} if kind == "Entity" else None)
    assert requests(local) - before == lister(resource.token).reads  # type: ignore[union-attr]
    assert following == "" and not computed
    assert all(resource_id and name for resource_id, name in found)


async def test_every_kind_lists_what_its_sample_made_by_the_id_the_create_recorded(provider: Harness) -> None:
    """Each kind's SAMPLE made in the registry's order (as the benchmark makes them); each list holds the id its
    create recorded (an ApiToken's without the role, which LIST API_TOKENS does not show)."""
    made: list[tuple[str, str]] = []
    for kind, sample in registry.samples():
        resource_id, _ = await provider.create(T + kind, dict(sample.inputs))
        made.append((kind, resource_id))
        for more in sample.also:
            await provider.create(T + kind, dict(more))
    for kind, resource_id in made:
        query = {"store": resource_id.split("/")[0]} if kind == "Entity" else None
        found = dict((await listed(provider, kind, query))[0])
        wanted = resource_id.rsplit("/", 1)[0] if kind == "ApiToken" else resource_id
        assert found.get(wanted), (kind, resource_id, found)
