"""Database: a DeltaStream database (it contains namespaces, and a ``public`` one from the start). The whole kind is
here: inputs and state, its statements, its system-table row and the row its lookups return, and how settle finds
one."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ..deltastream import sql
from ..deltastream.catalog import SystemTables, Table, column
from ..model import story
from ..model.docs import examples
from ..model.fields import Model, prop
from ..model.sample import Sample, built
from .base import Context, Existing, Resource, check_identifier, create_then_wait, drop_then_wait
from .dependents import ACCEPT_DOC, BlastRadius, on_relations
from .lifecycle import OWNER_DOC, dropping, existing_row, gone, owner_as_read, owner_session
from .ownership import grant_statement, transfer


def create_statement(name: str) -> sql.Statement:
    return sql.statement([f"CREATE DATABASE {sql.ident(name)}"])


def drop_statement(name: str) -> sql.Statement:
    return sql.statement([f"DROP DATABASE {sql.ident(name)}"])


@dataclass(frozen=True)
class DatabaseRow:
    """A row of ``deltastream.sys."databases"``."""

    name: str = column("name")
    owner: str = column("owner")
    created_at: str | None = column("created_at")


DATABASES = Table("databases", DatabaseRow, ("name",), "name")


async def database_row(catalog: SystemTables, name: str) -> DatabaseRow | None:
    return await catalog.one(DATABASES, {"name": name})


@dataclass
class DatabaseInfo(Model):
    """A database."""

    name: str = prop("Name.")
    owner: str = prop("Owning role.")
    created_at: str | None = prop("When it was created (RFC 3339).", default=None)

    @classmethod
    def of(cls, row: DatabaseRow) -> DatabaseInfo:
        return cls(name=row.name, owner=row.owner, created_at=row.created_at)


@dataclass
class DatabaseInputs(Model):
    name: str = prop("Name of the database. Case-sensitive; quoted for you.", replaces=True)
    owner: str | None = prop(OWNER_DOC, default=None)
    accept_replacement: bool | None = prop(ACCEPT_DOC, default=None)


@dataclass
class DatabaseState(DatabaseInputs):
    created_at: str | None = prop("When the database was created (RFC 3339).", default=None)


_EXAMPLES = examples("A database", story.DATABASE)


class Database(Resource[DatabaseInputs, DatabaseState]):
    token = "deltastream:index:Database"
    create_privilege = "CREATE_DATABASE"
    description = f"""A DeltaStream database: the top-level container of namespaces, objects and queries.

Every new database has a namespace named `public`.

{_EXAMPLES}

## Import

The ID is the database name:

```sh
pulumi import deltastream:index:Database analytics analytics
```"""
    inputs = DatabaseInputs
    state = DatabaseState
    ownership = "DATABASE"
    always_set = ("owner", "createdAt")

    def check(self, inputs: DatabaseInputs) -> list[tuple[str, str]]:
        return check_identifier("name", inputs.name) + check_identifier("owner", inputs.owner)

    async def existing(self, catalog: SystemTables, inputs: DatabaseInputs, excluded: Collection[str]) -> Existing:
        return existing_row(await database_row(catalog, inputs.name), inputs.name)

    async def create(self, ctx: Context, inputs: DatabaseInputs) -> tuple[str, DatabaseState]:
        session = owner_session(inputs.owner)
        row = await create_then_wait(ctx, create_statement(inputs.name),
                                     lambda: database_row(ctx.catalog, inputs.name), what=f"database {inputs.name!r}",
                                     resource_id=inputs.name, undo=dropping(ctx, drop_statement(inputs.name), session),
                                     session=session, exists=lambda: database_row(ctx.catalog, inputs.name))
        return inputs.name, DatabaseState(name=row.name, owner=row.owner, created_at=row.created_at)

    async def read(self, ctx: Context, resource_id: str,
                   inputs: DatabaseInputs | None,
                   state: DatabaseState | None) -> tuple[DatabaseInputs, DatabaseState] | None:
        row = await ctx.catalog.in_group(DATABASES, {}, {"name": resource_id})  # one SELECT serves a refresh
        if row is None:
            return None
        return (DatabaseInputs(name=row.name, owner=owner_as_read(inputs, row),
                               accept_replacement=inputs.accept_replacement if inputs is not None else None),
                DatabaseState(name=row.name, owner=row.owner, created_at=row.created_at))

    async def update(self, ctx: Context, resource_id: str, olds: DatabaseState, news: DatabaseInputs) -> DatabaseState:
        """The one change made in place, the owner (``GRANT OWNERSHIP``), then the database's row."""
        await transfer(ctx, "DATABASE", sql.ident(resource_id), olds.owner, news.owner)
        found = await self.read(ctx, resource_id, news, olds)
        if found is None:
            raise gone(f"database {resource_id!r}")
        return found[1]

    async def blast_radius(self, ctx: Context, resource_id: str, state: DatabaseState) -> BlastRadius:
        """The relations in the database and the running queries reading them."""
        return await on_relations(ctx.catalog, {"database_name": resource_id})

    def replacement_advice(self, why: list[str]) -> str:
        return "keep the database's name (DeltaStream cannot rename one), or create a second database and move to it"

    async def delete(self, ctx: Context, resource_id: str, state: DatabaseState) -> None:
        await drop_then_wait(ctx, drop_statement(resource_id), lambda: database_row(ctx.catalog, resource_id),
                             what=f"database {resource_id!r}")


SAMPLE = Sample(
    inputs={"name": "db"}, budget={"create": 2, "read": 1, "delete": 2},  # the statement and the row's SELECT
    settle=({"name": "made"}, {"name": "never"}),
    built=(built(create_statement, "CREATE DATABASE", "db"), built(drop_statement, "DROP DATABASE", "db"),
           built(grant_statement, "GRANT OWNERSHIP ON DATABASE", "DATABASE", '"db"', "r")))
