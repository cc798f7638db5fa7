"""Accounts for adopt's tests, made outside Pulumi: SQL sent straight to the local server's API, as a team that made
its account by hand (or with another tool) would have sent it. The statements are the kinds' own builders, so they
are the forms the register holds evidence for."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from deltastream_provider.config import load
from deltastream_provider.deltastream import sql
from deltastream_provider.deltastream.client import connect
from deltastream_provider.resources import (
    compute_pool,
    database,
    descriptor_source,
    entity,
    function,
    function_source,
    materialized_view,
    namespace,
    object,
    organization_grant,
    role,
    role_grant,
    schema_registry,
    secret,
    store,
)
from deltastream_provider.resources.object import ColumnDef
from testkit import TOKEN


@dataclass(frozen=True)
class Stream:
    database: str
    namespace: str
    name: str
    store: str
    columns: tuple[tuple[str, str], ...]  # (name, type)


@dataclass
class Account:
    """A small account: what the property-based round trip generates."""

    databases: list[str] = field(default_factory=list)
    namespaces: list[tuple[str, str]] = field(default_factory=list)
    stores: list[str] = field(default_factory=list)
    streams: list[Stream] = field(default_factory=list)
    roles: list[str] = field(default_factory=list)
    grants: list[tuple[str, str]] = field(default_factory=list)  # (role, the role it is granted to)
    organization: list[tuple[str, str]] = field(default_factory=list)  # (role, privilege)

    def statements(self) -> Iterator[sql.Statement]:
        for name in self.roles:
            yield role.create_statement(name)
        for granted, member in self.grants:
            yield role_grant.grant_to_role_statement(granted, member)
        for name, privilege in self.organization:
            yield organization_grant.grant_statement(name, [privilege], False)
        for name in self.databases:
            yield database.create_statement(name)
        for db, ns in self.namespaces:
            yield namespace.create_statement(db, ns)
        for name in self.stores:
            yield _kafka(name)
        for s in self.streams:
            yield object.create_statement("stream", s.database, s.namespace, s.name,
                                          [ColumnDef(n, t, True) for n, t in s.columns], [],
                                          [("store", s.store), ("topic", s.name), ("value.format", "json")])


def _kafka(name: str) -> sql.Statement:
    return store.create_statement(name, [("type", sql.Bare("KAFKA")), ("uris", "b:9092"),
                                         ("kafka.sasl.hash_function", sql.Bare("NONE"))])


def every_kind(count: int, prefix: str = "a") -> Iterator[sql.Statement]:
    """``count`` of every kind the provider serves but API tokens (whose role no read shows): a role granted to
    another with an organization privilege, a database with a namespace holding a stream fed by a query into a
    second stream and a materialized view, an application, a store with a topic, a secret, a schema registry, a
    compute pool, a function source and descriptor source and a function of the first."""
    for i in range(count):
        p = f"{prefix}{i}"
        yield role.create_statement(f"{p}_role")
        yield role.create_statement(f"{p}_reader")
        yield role_grant.grant_to_role_statement(f"{p}_reader", f"{p}_role")
        yield organization_grant.grant_statement(f"{p}_role", ["CREATE_DATABASE"], False)
        yield database.create_statement(f"{p}_db")
        yield namespace.create_statement(f"{p}_db", "raw")
        yield _kafka(f"{p}_kafka")
        yield entity.create_statement([f"{p}_topic"], f"{p}_kafka", [("kafka.partitions", 1)])
        columns = [ColumnDef("userid", "VARCHAR", True), ColumnDef("url", "VARCHAR", True)]
        for name in ("pageviews", "clean"):
            yield object.create_statement("stream", f"{p}_db", "raw", name, columns, [],
                                          [("store", f"{p}_kafka"), ("topic", f"{p}_topic"), ("value.format", "json")])
        source, sink = f'"{p}_db"."raw"."pageviews"', f'"{p}_db"."raw"."clean"'
        yield sql.statement([f"INSERT INTO {sink} SELECT userid, url FROM {source}"])
        yield materialized_view.create_statement(f"{p}_db", "raw", "per_user", [],
                                                 f"SELECT userid, COUNT(*) AS n FROM {source} GROUP BY userid")
        yield sql.statement([f"BEGIN APPLICATION {p}_app INSERT INTO {sink} SELECT userid, url FROM {source}; "
                             "END APPLICATION;"])
        yield secret.create_statement(f"{p}_secret", [("type", sql.Bare("generic_string")),
                                                       ("secret_string", "s3cr3t")])
        yield schema_registry.create_statement(f"{p}_registry", [("type", sql.Bare("CONFLUENT")),
                                                                 ("uris", "https://registry:8081")])
        yield compute_pool.create_statement(f"{p}_pool", [("compute_pool.size", "small")])
        yield function_source.create_statement(f"{p}_udfs", [("file", "udfs.jar"), ("language", "java")],
                                               {"udfs.jar": b"PK"})
        yield descriptor_source.create_statement(f"{p}_protos", [("file", "protos.desc")], {"protos.desc": b"\n"})
        yield function.create_statement(f"{p}_title", [("a", "VARCHAR")], "VARCHAR", "java", f"{p}_udfs", "x.Title")


def seed(url: str, statements: Iterator[sql.Statement]) -> int:
    """Sends ``statements`` in order; how many were sent."""
    async def send() -> int:
        sent = 0
        async with connect(load({"server": url, "apiKey": TOKEN})) as client:
            for statement in statements:
                await client.execute(statement)
                sent += 1
        return sent

    return asyncio.run(send())


def fill(program: dict[str, Any], report: str, directory: Path) -> None:
    """What adopt's report says no read gives back, given in a YAML program as the user would: the files (a jar, a
    descriptor set) and a function's return type."""
    resources = program["resources"]
    for name, input_ in re.findall(r"^input (\S+?)\.(\S+) cannot be read back", report, re.MULTILINE):
        properties = resources[name]["properties"]
        if input_ == "file":
            (directory / f"{name}.bin").write_bytes(b"PK")
            properties["file"] = {"fn::fileAsset": f"{name}.bin"}
        elif input_ == "returns":
            properties["returns"] = "VARCHAR"
