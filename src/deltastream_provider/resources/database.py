"""Database: a DeltaStream database (it contains namespaces, and a ``public`` one from the start)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ..deltastream import sql
from ..deltastream.catalog import SystemTables
from ..deltastream.session import Session
from ..model.docs import examples
from ..model.fields import Model, prop
from .base import Context, Existing, Resource, check_identifier, create_then_wait, drop_then_wait

OWNER_DOC = ("Role that owns it. Default: the provider's role. DeltaStream has no statement to change an owner, "
             "so a change is refused at preview.")


@dataclass
class DatabaseInputs(Model):
    name: str = prop("Name of the database. Case-sensitive; quoted for you.", replaces=True)
    owner: str | None = prop(OWNER_DOC, default=None)


@dataclass
class DatabaseState(DatabaseInputs):
    created_at: str | None = prop("When the database was created (RFC 3339).", default=None)


_EXAMPLES = examples("A database",
    typescript='''const analytics = new deltastream.Database("analytics", { name: "analytics" });''',
    python='''analytics = deltastream.Database("analytics", name="analytics")''',
    go='''analytics, err := deltastream.NewDatabase(ctx, "analytics", &deltastream.DatabaseArgs{
	Name: pulumi.String("analytics"),
})''',
    yaml='''resources:
  analytics:
    type: deltastream:index:Database
    properties:
      name: analytics''')


class Database(Resource[DatabaseInputs, DatabaseState]):
    token = "deltastream:index:Database"
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
    fixed_owner = "database"
    always_set = ("owner", "createdAt")

    def check(self, inputs: DatabaseInputs) -> list[tuple[str, str]]:
        return check_identifier("name", inputs.name) + check_identifier("owner", inputs.owner)

    async def existing(self, catalog: SystemTables, inputs: DatabaseInputs, excluded: Collection[str]) -> Existing:
        row = await catalog.database(inputs.name)
        return (inputs.name, row.created_at) if row else None

    async def create(self, ctx: Context, inputs: DatabaseInputs) -> tuple[str, DatabaseState]:
        session = Session(role=inputs.owner) if inputs.owner else None

        async def undo() -> None:
            await ctx.client.execute(sql.drop_database(inputs.name), session=session)

        row = await create_then_wait(ctx, sql.create_database(inputs.name),
                                     lambda: ctx.catalog.database(inputs.name), what=f"database {inputs.name!r}",
                                     resource_id=inputs.name, undo=undo, session=session,
                                     exists=lambda: ctx.catalog.database(inputs.name))
        return inputs.name, DatabaseState(name=row.name, owner=row.owner, created_at=row.created_at)

    async def read(self, ctx: Context, resource_id: str,
                   inputs: DatabaseInputs | None,
                   state: DatabaseState | None) -> tuple[DatabaseInputs, DatabaseState] | None:
        row = await ctx.catalog.database(resource_id)
        if row is None:
            return None
        owner = row.owner if inputs is not None and inputs.owner is not None else None
        return (DatabaseInputs(name=row.name, owner=owner),
                DatabaseState(name=row.name, owner=row.owner, created_at=row.created_at))

    async def delete(self, ctx: Context, resource_id: str, state: DatabaseState) -> None:
        await drop_then_wait(ctx, sql.drop_database(resource_id), lambda: ctx.catalog.database(resource_id),
                             what=f"database {resource_id!r}")
