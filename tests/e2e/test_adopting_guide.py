"""The guide for an account made by hand (issue 36, registry-docs/adopting-an-account.md), run as written: the
account (a role, a database with a namespace, a Kafka store with two topics, a stream over each and a query between
them) made with SQL straight to a local server's API, listed by `pulumi do`, adopted into an import file whose report
holds the lines the guide quotes, imported by the real `pulumi import`, and the program previewed with no changes,
before and after the literals are rewritten as references. The server counts every statement: the route only reads,
and the query keeps its id and keeps running."""

from __future__ import annotations

import json
import re
import subprocess
import tarfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from testkit import TOKEN
from testkit.adopt_account import Account, seed
from testkit.pulumi import pulumi_env

from deltastream_local.runner import BackgroundServer, ServerSettings
from deltastream_provider import __version__
from deltastream_provider.deltastream import sql
from deltastream_provider.kinds.listing import list_inputs
from deltastream_provider.kinds.registry import resources
from deltastream_provider.resources import entity, object
from deltastream_provider.resources.object import ColumnDef
from tests.e2e.conftest import PROVIDER_DIR, Stack, catalog_sql
from tests.e2e.test_guides import GUIDES, blocks, commands, pinned, shell

pytestmark = pytest.mark.e2e
GUIDE = "adopting-an-account.md"
READS = ("Select", "Describe", "CanI", "Show", "List")


def made_by_hand() -> Iterator[sql.Statement]:
    """The guide's account, sent as its team sent it."""
    yield from Account(databases=["analytics"], namespaces=[("analytics", "raw")], stores=["events"],
                       roles=["reporting"]).statements()
    columns = [ColumnDef("userid", "VARCHAR", True), ColumnDef("url", "VARCHAR", True)]
    for name in ("pageviews", "clean"):
        yield entity.create_statement([f"{name}_topic"], "events", [("kafka.partitions", 1)])
        yield object.create_statement("stream", "analytics", "raw", name, columns, [],
                                      [("store", "events"), ("topic", f"{name}_topic"), ("value.format", "json")])
    yield sql.statement(['INSERT INTO "analytics"."raw"."clean" SELECT userid, url FROM "analytics"."raw"."pageviews"'])


def install_plugin(stack: Stack, tmp_path: Path) -> None:
    """The plugin installed, as a user of the package has it (`pulumi do` finds a provider among installed plugins)."""
    archive = tmp_path / "plugin.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        tar.add(PROVIDER_DIR / "pulumi-resource-deltastream", "pulumi-resource-deltastream")
    installed = subprocess.run(["pulumi", "plugin", "install", "resource", "deltastream", __version__, "--file",
                                str(archive)], env=stack.env, capture_output=True, text=True, timeout=120)
    assert installed.returncode == 0, installed.stderr


def rewritten(program: str, diff: str) -> str:
    """``program`` with the diff's edit made in every resource: each removed line, wherever it occurs, becomes the
    added line; the context lines shown are lines of the program."""
    lines = diff.splitlines()
    removed = [line[1:] for line in lines if line.startswith("-")]
    added = [line[1:] for line in lines if line.startswith("+")]
    assert removed and len(removed) == len(added), diff
    for line in lines:
        if line.startswith(" ") and line.strip() != "...":
            assert f"\n{line[1:]}\n" in program, line
    for old, new in zip(removed, added, strict=True):
        assert f"\n{old}\n" in program, old
        program = program.replace(f"\n{old}\n", f"\n{new}\n")
    return program


def test_the_guide_adopts_an_account_made_by_hand(tmp_path: Path, toolchain: Path) -> None:
    [project] = blocks(GUIDE, "yaml")
    init, listing, adopt, route, after = (commands(b) for b in blocks(GUIDE, "sh"))
    listed, report = blocks(GUIDE, "text")
    [diff] = blocks(GUIDE, "diff")
    assert adopt == ["deltastream-provider adopt --include-access -o import.json"]
    assert route[-1] == after[-1] == "pulumi preview --expect-no-changes"
    with BackgroundServer(ServerSettings(port=0, tokens={TOKEN: "sysadmin"})) as local:
        seed(local.url, made_by_hand())
        [[query_id]] = catalog_sql(local, 'SELECT id FROM deltastream.sys."queries";')
        directory = tmp_path / "analytics"  # the project's directory, which adopt's first line names
        directory.mkdir()
        stack = Stack(directory, pulumi_env(tmp_path, toolchain, local))
        stack.write(pinned(project.split("\n", 1)[1]))  # without its "# Pulumi.yaml" line
        install_plugin(stack, tmp_path)
        before = Counter(local.server.counters.statements)
        for command in init:
            shell(stack, command)

        databases, objects = (shell(stack, command).stdout for command in listing)
        assert json.loads(databases) == [{"id": "analytics", "name": "analytics"}]
        assert objects == listed  # as the guide shows it

        printed = shell(stack, adopt[0]).stderr.splitlines()
        assert [line for line in report.splitlines() if line not in printed] == [], printed
        document = json.loads((directory / "import.json").read_text())
        assert {(r["type"].rsplit(":", 1)[1], r["id"]) for r in document["resources"]} == {
            ("Role", "reporting"), ("Database", "analytics"), ("Namespace", "analytics/raw"), ("Store", "events"),
            ("Entity", "events/pageviews_topic"), ("Entity", "events/clean_topic"),
            ("DeltaStreamObject", "analytics/raw/pageviews"), ("DeltaStreamObject", "analytics/raw/clean"),
            ("Query", query_id)}

        for command in route:  # import, the program appended, the preview with no changes
            shell(stack, command)
        program = (directory / "Pulumi.yaml").read_text()
        assert program.count('namespace: ${["analytics-raw"].name}') == 2  # what the importer refers to by itself
        assert program.count("      database: analytics\n") == 3 and program.count("      store: events\n") == 4

        stack.write(rewritten(program, diff))
        for command in after:
            shell(stack, command)
        assert "      database: analytics\n" not in (directory / "Pulumi.yaml").read_text()

        sent = Counter(local.server.counters.statements) - before
        assert sent and [kind for kind in sent if not kind.startswith(READS)] == [], sent
        assert catalog_sql(local, 'SELECT id, current_state FROM deltastream.sys."queries";') == [
            [query_id, "running"]]
        imported = {r["id"] for r in stack.state()["deployment"]["resources"]
                    if r["type"].startswith("deltastream:index:")}
        assert len(imported) == 9 and query_id in imported


def test_the_guide_names_every_list_filter() -> None:
    """The filters the guide lists for `pulumi do ... list` are the kinds' `listInputs`: none left out, none made up."""
    text = " ".join((GUIDES / GUIDE).read_text().split())
    start = text.index("The filters are")
    named = set(re.findall(r"`--([a-z]+)`", text[start:text.index("names them", start)]))
    assert named == {key for kind in resources() for key in (list_inputs(kind.token) or {}).get("properties", {})}
