"""Namespace: a DeltaStream schema inside a database. The whole kind is here: inputs and state, its statements, its
system-table row and the row its lookups return, and how settle finds one."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ..deltastream import sql
from ..deltastream.catalog import SystemTables, Table, column
from ..deltastream.ids import format_id, parse_id
from ..errors import AlreadyExistsError
from ..model import story
from ..model.docs import examples
from ..model.fields import Model, prop
from ..model.sample import Sample, built
from .base import Context, Existing, Resource, check_identifier, create_then_wait, drop_then_wait
from .dependents import ACCEPT_DOC, BlastRadius, on_relations
from .lifecycle import OWNER_DOC, dropping, existing_row, gone, owner_as_read, owner_session
from .ownership import grant_statement, transfer

ID_FORMAT = "DATABASE/NAMESPACE, or \"DATABASE\".\"NAMESPACE\" when a name contains / or \""


def create_statement(database: str, name: str) -> sql.Statement:
    return sql.statement([f"CREATE SCHEMA {sql.ident(name)} IN DATABASE {sql.ident(database)}"])


def drop_statement(database: str, name: str) -> sql.Statement:
    return sql.statement([f"DROP SCHEMA {sql.qualified(database, name)}"])


@dataclass(frozen=True)
class NamespaceRow:
    """A row of ``deltastream.sys."schemas"``."""

    database: str = column("database_name")
    name: str = column("name")
    owner: str = column("owner")
    created_at: str | None = column("created_at")


NAMESPACES = Table("schemas", NamespaceRow, ("database_name", "name"), "name")


async def namespace_row(catalog: SystemTables, database: str, name: str) -> NamespaceRow | None:
    return await catalog.one(NAMESPACES, {"database_name": database, "name": name})


@dataclass
class NamespaceInfo(Model):
    """A namespace (DeltaStream schema)."""

    database: str = prop("Database it belongs to.")
    name: str = prop("Name.")
    owner: str = prop("Owning role.")
    created_at: str | None = prop("When it was created (RFC 3339).", default=None)

    @classmethod
    def of(cls, row: NamespaceRow) -> NamespaceInfo:
        return cls(database=row.database, name=row.name, owner=row.owner, created_at=row.created_at)


@dataclass
class NamespaceInputs(Model):
    database: str = prop("Database the namespace belongs to.", replaces=True)
    name: str = prop("Name of the namespace (a DeltaStream schema). Case-sensitive; quoted for you.", replaces=True)
    owner: str | None = prop(OWNER_DOC, default=None)
    accept_replacement: bool | None = prop(ACCEPT_DOC, default=None)


@dataclass
class NamespaceState(NamespaceInputs):
    created_at: str | None = prop("When the namespace was created (RFC 3339).", default=None)


_EXAMPLES = examples("A namespace in the shop database", story.NAMESPACE)


class Namespace(Resource[NamespaceInputs, NamespaceState]):
    token = "deltastream:index:Namespace"
    description = f"""A namespace (DeltaStream calls it a schema) inside a database; objects live in namespaces.

Every database already has a namespace named `public`: refer to it by name rather than declaring it.

{_EXAMPLES}

## Import

The ID is {ID_FORMAT}:

```sh
pulumi import deltastream:index:Namespace raw analytics/raw
```"""
    inputs = NamespaceInputs
    state = NamespaceState
    ownership = "SCHEMA"
    always_set = ("owner", "createdAt")

    def check(self, inputs: NamespaceInputs) -> list[tuple[str, str]]:
        return (check_identifier("database", inputs.database) + check_identifier("name", inputs.name)
                + check_identifier("owner", inputs.owner))

    async def existing(self, catalog: SystemTables, inputs: NamespaceInputs, excluded: Collection[str]) -> Existing:
        row = await namespace_row(catalog, inputs.database, inputs.name)
        return existing_row(row, format_id(inputs.database, inputs.name))

    async def create(self, ctx: Context, inputs: NamespaceInputs) -> tuple[str, NamespaceState]:
        session = owner_session(inputs.owner)
        resource_id = format_id(inputs.database, inputs.name)
        try:
            row = await create_then_wait(
                ctx, create_statement(inputs.database, inputs.name),
                lambda: namespace_row(ctx.catalog, inputs.database, inputs.name),
                what=f"namespace {inputs.database}.{inputs.name}", resource_id=resource_id,
                undo=dropping(ctx, drop_statement(inputs.database, inputs.name), session), session=session,
                exists=lambda: namespace_row(ctx.catalog, inputs.database, inputs.name))
        except AlreadyExistsError as exc:
            if inputs.name == "public":
                exc.hint = ("every database has a namespace named public from the start: use \"public\" as "
                            "the namespace of your objects instead of declaring it")
            raise
        return resource_id, NamespaceState(database=row.database, name=row.name, owner=row.owner,
                                           created_at=row.created_at)

    async def read(self, ctx: Context, resource_id: str,
                   inputs: NamespaceInputs | None,
                   state: NamespaceState | None) -> tuple[NamespaceInputs, NamespaceState] | None:
        database, name = parse_id(resource_id, 2, ID_FORMAT)
        row = await ctx.catalog.in_group(NAMESPACES, {"database_name": database}, {"name": name})  # one per database
        if row is None:
            return None
        return (NamespaceInputs(database=row.database, name=row.name, owner=owner_as_read(inputs, row),
                                accept_replacement=inputs.accept_replacement if inputs is not None else None),
                NamespaceState(database=row.database, name=row.name, owner=row.owner, created_at=row.created_at))

    async def update(self, ctx: Context, resource_id: str, olds: NamespaceState,
                     news: NamespaceInputs) -> NamespaceState:
        """The one change made in place, the owner (``GRANT OWNERSHIP ON SCHEMA``), then the namespace's row."""
        database, name = parse_id(resource_id, 2, ID_FORMAT)
        await transfer(ctx, "SCHEMA", sql.qualified(database, name), olds.owner, news.owner)
        found = await self.read(ctx, resource_id, news, olds)
        if found is None:
            raise gone(f"namespace {database}.{name}")
        return found[1]

    async def blast_radius(self, ctx: Context, resource_id: str, state: NamespaceState) -> BlastRadius:
        """The relations in the namespace and the running queries reading them."""
        database, name = parse_id(resource_id, 2, ID_FORMAT)
        return await on_relations(ctx.catalog, {"database_name": database, "schema_name": name})

    def replacement_advice(self, why: list[str]) -> str:
        return ("keep the namespace's database and name (DeltaStream cannot rename or move one), or create a second "
                "namespace and move to it")

    async def delete(self, ctx: Context, resource_id: str, state: NamespaceState) -> None:
        database, name = parse_id(resource_id, 2, ID_FORMAT)
        await drop_then_wait(ctx, drop_statement(database, name), lambda: namespace_row(ctx.catalog, database, name),
                             what=f"namespace {database}.{name}")


SAMPLE = Sample(
    inputs={"database": "db", "name": "ns"}, budget={"create": 2, "read": 1, "delete": 2},
    settle=({"database": "db", "name": "made"}, {"database": "db", "name": "never"}),
    built=(built(create_statement, "CREATE SCHEMA", "db", "s"), built(drop_statement, "DROP SCHEMA", "db", "s"),
           built(grant_statement, "GRANT OWNERSHIP ON SCHEMA", "SCHEMA", '"db"."s"', "r")))
