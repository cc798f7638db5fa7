"""adopt against the local server: what it takes and skips from an account made by hand, the names it gives, the
document it writes, the selections, and the requests it spends (an exact budget)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from testkit import TOKEN
from testkit.adopt_account import every_kind

from deltastream_local.runner import BackgroundServer
from deltastream_provider.config import load
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.catalog import SystemTables
from deltastream_provider.deltastream.client import connect
from deltastream_provider.kinds.registry import resources
from deltastream_provider.operator.adopt import Adoption, document, report
from deltastream_provider.operator.adopt_read import Selection, adopt
from deltastream_provider.resources.base import Context


async def _seed(local: BackgroundServer, statements: Any) -> None:
    """Sends ``statements`` (the fixture's server runs a query from its CREATE: no query is still starting)."""
    async with connect(load({"server": local.url, "apiKey": TOKEN})) as client:
        for statement in statements:
            await client.execute(statement)


async def _adopt(local: BackgroundServer, selection: Selection) -> tuple[Adoption, int]:
    """The adoption and the requests it sent, counted by the server."""
    counters = local.server.counters
    before = sum(counters.requests.values())
    async with connect(load({"server": local.url, "apiKey": TOKEN})) as client:
        found = await adopt(Context(client, SystemTables(client)), selection)
    return found, sum(counters.requests.values()) - before


async def test_every_kind_is_adopted_and_what_no_program_owns_is_skipped(local: BackgroundServer) -> None:
    await _seed(local, every_kind(1))
    adoption, _ = await _adopt(local, Selection(include_access=True))

    kinds = Counter(e.kind for e in adoption.entries)
    assert set(kinds) == {r.token.rsplit(":", 1)[-1] for r in resources()} - {"ApiToken"}
    assert kinds["DeltaStreamObject"] == 2
    assert {e.id for e in adoption.entries if e.kind == "Role"} == {"a0_role", "a0_reader", "analyst"}
    names = {e.id: e.name for e in adoption.entries}
    assert names["a0_db"] == "a0-db" and names["a0_db/raw"] == "a0-db-raw"
    assert names["a0_db/raw/pageviews"] == "a0-db-raw-pageviews" and names["a0_title(VARCHAR)"] == "a0-title-varchar"
    assert "a0-db-raw-clean-query" in names.values()  # a query is named by the relation it writes
    skipped = {(s.kind, s.id): s.reason for s in adoption.skipped}
    assert "built-in role" in skipped["Role", "sysadmin"]
    assert "makes it with its database" in skipped["Namespace", "a0_db/public"]
    assert any(kind == "Query" and "materialized view" in why for (kind, _), why in skipped.items())
    by_name = {e.name: e for e in adoption.entries}
    assert by_name["a0-secret"].secrets == ("secretString",)
    assert by_name["a0-udfs"].unreadable == ("file",) and by_name["a0-title-varchar"].unreadable == ("returns",)
    assert by_name["a0-db-raw-pageviews"].references == {
        "database": ("Database", "a0_db"), "namespace": ("Namespace", "a0_db/raw"), "store": ("Store", "a0_kafka")}


async def test_the_document_lists_only_inputs_that_differ_from_defaults(local: BackgroundServer) -> None:
    await _seed(local, every_kind(1))
    adoption, _ = await _adopt(local, Selection())

    written = {r["name"]: r for r in document(adoption)["resources"]}
    assert set(written["a0-db-raw-pageviews"]) == {"type", "name", "id", "properties"}
    assert written["a0-db-raw-pageviews"]["type"] == "deltastream:index:DeltaStreamObject"
    assert "owner" not in written["a0-db"]["properties"]  # the provider's own role: the default
    assert "Role" not in {e.kind for e in adoption.entries}  # access only with include_access
    lines = report(adoption)
    assert "pulumi config set --secret a0SecretSecretString <value>" in "\n".join(lines)
    assert any(line.startswith("reference to a Database: ") for line in lines)  # literals, said once per kind


async def test_a_database_selection_leaves_the_others_and_the_account_kinds_out(local: BackgroundServer) -> None:
    await _seed(local, every_kind(2))
    adoption, _ = await _adopt(local, Selection(database="a1_db"))

    assert {e.kind for e in adoption.entries} == {"Database", "Namespace", "DeltaStreamObject", "MaterializedView",
                                                  "Query", "Application"}
    assert all(e.id.startswith("a1_db") or e.kind in ("Query", "Application") for e in adoption.entries)
    assert {e.name for e in adoption.entries if e.kind == "Query"} == {"a1-db-raw-clean-query"}
    only = await _adopt(local, Selection(kinds=frozenset({"Namespace"})))
    assert [e.id for e in only[0].entries] == ["a0_db/raw", "a1_db/raw"]


async def test_a_relation_its_query_makes_is_not_adopted_twice(local: BackgroundServer) -> None:
    await _seed(local, every_kind(1))
    await _seed(local, [sql.statement(['CREATE STREAM "a0_db"."raw"."copied" WITH (\'store\' = \'a0_kafka\') AS '
                                       'SELECT userid FROM "a0_db"."raw"."pageviews"'])])
    adoption, _ = await _adopt(local, Selection())

    assert ("DeltaStreamObject", "a0_db/raw/copied") in {(s.kind, s.id) for s in adoption.skipped}
    assert "a0-db-raw-copied-query" in {e.name for e in adoption.entries}


async def test_requests(local: BackgroundServer) -> None:
    """An adopt with access sends 15 requests whatever the account's size (each system table it lists once, through
    the group its reads then share: databases, roles, user grants, function sources, secrets, stores, schema
    registries, running queries; QUERIES, API_TOKENS, COMPUTE_POOLS, DESCRIPTOR_SOURCES and FUNCTIONS once, the LIST
    their reads then share; two roles' privileges), and 17 per copy of :func:`every_kind`, the reads nothing
    shared serves, as `pulumi import` sends them: 6 SELECTs (namespaces, 2 of relations, queries, a store-kind table,
    privileges), LIST ENTITIES, 3 DESCRIBE RELATION and 3 of their columns, a DESCRIBE STORE and
    a DESCRIBE ENTITY, 2 plans. Exact because a read is never taken for a change: a mutating statement
    drops the shared groups, so one sent mid-adopt made the count depend on which reads came before it."""
    await _seed(local, every_kind(1))
    assert (await _adopt(local, Selection(include_access=True)))[1] == 15 + 17
    await _seed(local, every_kind(1, prefix="b"))
    assert (await _adopt(local, Selection(include_access=True)))[1] == 15 + 2 * 17
