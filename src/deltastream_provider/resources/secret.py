"""Secret: a named credential DeltaStream keeps for its integrations (DeltaStream documents no UPDATE SECRET, so a
change replaces it, which leaves a gap: refused at preview unless the program accepts it). The whole kind is here:
inputs and state, its statements, its system-table row and the row its lookups return, and how settle finds one."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace

from ..deltastream import sql
from ..deltastream.catalog import SystemTables, Table, column
from ..model import story
from ..model.docs import examples
from ..model.fields import Model, prop
from ..model.sample import Sample, built
from .base import Context, Diff, Existing, Resource, check_identifier, create_then_wait, drop_then_wait
from .dependents import ACCEPT_DOC, BlastRadius
from .lifecycle import FIXED_OWNER_DOC, dropping, existing_row, owner_as_read, owner_session, ready_row

SECRET_TYPE = "generic_string"


def create_statement(name: str, properties: list[tuple[str, sql.PropertyValue]]) -> sql.Statement:
    return sql.statement([f"CREATE SECRET {sql.ident(name)}", sql.with_clause(properties)])


def drop_statement(name: str) -> sql.Statement:
    return sql.statement([f"DROP SECRET {sql.ident(name)}"])


@dataclass(frozen=True)
class SecretRow:
    """A row of ``deltastream.sys."secrets"``."""

    name: str = column("name")
    type: str = column("type")
    description: str | None = column("description")
    status: str = column("status")
    owner: str = column("owner")
    created_at: str | None = column("created_at")
    updated_at: str | None = column("updated_at")


SECRETS = Table("secrets", SecretRow, ("name",), "name")


async def secret_row(catalog: SystemTables, name: str) -> SecretRow | None:
    return await catalog.one(SECRETS, {"name": name})


@dataclass
class SecretInfo(Model):
    """A secret. Its value is never returned."""

    name: str = prop("Name.")
    type: str = prop("Type, e.g. `generic_string`.")
    status: str = prop("`ready` once DeltaStream holds it.")
    owner: str = prop("Owning role.")
    description: str | None = prop("What it is for.", default=None)
    created_at: str | None = prop("When it was created (RFC 3339).", default=None)
    updated_at: str | None = prop("When it last changed (RFC 3339).", default=None)

    @classmethod
    def of(cls, row: SecretRow) -> SecretInfo:
        return cls(name=row.name, type=row.type, status=row.status, owner=row.owner, description=row.description,
                   created_at=row.created_at, updated_at=row.updated_at)


@dataclass
class SecretInputs(Model):
    name: str = prop("Name of the secret. Case-sensitive; quoted for you.", replaces=True)
    secret_string: str = prop("The secret value. Secret in state, logs and errors; changing it replaces the secret "
                              "(DeltaStream documents no `UPDATE SECRET`): refused at preview without "
                              "`acceptReplacement`.", secret=True)
    description: str | None = prop("What the secret is for.", default=None)
    properties: dict[str, str] | None = prop("Further `WITH` properties DeltaStream documents for the secret; a "
                                             "change replaces the secret.", default=None)
    owner: str | None = prop(FIXED_OWNER_DOC, default=None)
    accept_replacement: bool | None = prop(ACCEPT_DOC, default=None)


@dataclass
class SecretState(SecretInputs):
    type: str | None = prop("Secret type as DeltaStream reports it: `generic_string`.", default=None)
    status: str | None = prop("Status: `ready` once DeltaStream holds it.", default=None)
    created_at: str | None = prop("When the secret was created (RFC 3339).", default=None)
    updated_at: str | None = prop("When the secret last changed (RFC 3339).", default=None)


def _properties(inputs: SecretInputs) -> list[tuple[str, sql.PropertyValue]]:
    """CREATE SECRET's WITH clause."""
    props: list[tuple[str, sql.PropertyValue]] = [("type", sql.Bare(SECRET_TYPE))]
    if inputs.description is not None:
        props.append(("description", inputs.description))
    props += sorted((inputs.properties or {}).items())
    props.append(("secret_string", sql.SecretLiteral(inputs.secret_string)))
    return props


def _state(inputs: SecretInputs, row: SecretRow) -> SecretState:
    return SecretState(name=inputs.name, secret_string=inputs.secret_string, description=inputs.description,
                       properties=inputs.properties, owner=row.owner, accept_replacement=inputs.accept_replacement,
                       type=row.type, status=row.status, created_at=row.created_at, updated_at=row.updated_at)


_EXAMPLES = examples("A secret from secret config", story.SECRET)


class Secret(Resource[SecretInputs, SecretState]):
    token = "deltastream:index:Secret"
    description = f"""A secret: a credential DeltaStream keeps under a name (type `generic_string`).

The value is a secret input and output, sent as a quoted literal and never logged. DeltaStream documents no
statement that changes a secret in place (`UPDATE SECRET` is named in a list of dbt's but its form is shown nowhere),
so a change (value, description, properties) can only replace it: `DROP SECRET`, then `CREATE SECRET` under the same
name. Between the two no secret of that name exists, and a failed create leaves none until the next `pulumi up`, so
such a change fails at preview, saying so; set `acceptReplacement: true` for the `pulumi up` that rotates it.

{_EXAMPLES}

## Import

The ID is the secret name. The value cannot be read back, so after importing set `secretString` in the program:
the first value given is taken as the one DeltaStream holds (the preview warns, and nothing is sent); a later change
rotates it, as above.

```sh
pulumi import deltastream:index:Secret api-token partner_api_token
```"""
    inputs = SecretInputs
    state = SecretState
    fixed_owner = "secret"
    always_set = ("owner", "type", "status", "createdAt", "updatedAt")

    def diff(self, olds: SecretInputs, news: SecretInputs, state: SecretState) -> Diff:
        """An imported secret's value was never read (DeltaStream never shows one): the first value the program gives
        is taken as the one DeltaStream holds, with nothing sent, rather than a replacement that leaves no secret
        between its DROP and CREATE. A later change is a rotation, refused at preview without acceptReplacement."""
        if olds.secret_string or not news.secret_string:
            return super().diff(olds, news, state)
        decided = super().diff(replace(olds, secret_string=news.secret_string), news, state)
        decided.warnings.append("secretString: taken as the value DeltaStream holds for this imported secret (it is "
                                "never shown, so it cannot be compared); nothing is sent. To rotate it, change it in "
                                "a later update, with acceptReplacement: true")
        return decided

    def check(self, inputs: SecretInputs) -> list[tuple[str, str]]:
        failures = check_identifier("name", inputs.name) + check_identifier("owner", inputs.owner)
        for key in inputs.properties or {}:
            if key in ("type", "description", "secret_string"):
                failures.append((f"properties.{key}", f"properties.{key}: set {key!r} with its own input"))
        return failures

    async def existing(self, catalog: SystemTables, inputs: SecretInputs, excluded: Collection[str]) -> Existing:
        return existing_row(await secret_row(catalog, inputs.name), inputs.name)

    async def create(self, ctx: Context, inputs: SecretInputs) -> tuple[str, SecretState]:
        session = owner_session(inputs.owner)
        row = await create_then_wait(ctx, create_statement(inputs.name, _properties(inputs)),
                                     lambda: ready_row(lambda: secret_row(ctx.catalog, inputs.name)),
                                     what=f"secret {inputs.name!r} to be ready", resource_id=inputs.name,
                                     undo=dropping(ctx, drop_statement(inputs.name), session), session=session,
                                     exists=lambda: secret_row(ctx.catalog, inputs.name))
        return inputs.name, _state(inputs, row)

    async def read(self, ctx: Context, resource_id: str, inputs: SecretInputs | None,
                   state: SecretState | None) -> tuple[SecretInputs, SecretState] | None:
        row = await ctx.catalog.in_group(SECRETS, {}, {"name": resource_id})  # one SELECT serves a refresh
        if row is None:
            return None
        value = inputs.secret_string if inputs is not None else ""  # never readable: kept from state
        current = SecretInputs(name=row.name, secret_string=value, description=row.description or None,
                               properties=inputs.properties if inputs is not None else None,
                               owner=owner_as_read(inputs, row),
                               accept_replacement=inputs.accept_replacement if inputs is not None else None)
        return current, _state(current, row)

    async def blast_radius(self, ctx: Context, resource_id: str, state: SecretState) -> BlastRadius:
        """The gap itself: nothing in DeltaStream's catalog says what uses a secret, so nothing is read."""
        return BlastRadius(other=[f"secret {resource_id!r} itself: between DROP SECRET and CREATE SECRET no secret of "
                                  "that name exists (and none until the next `pulumi up` if the CREATE fails), so "
                                  "whatever authenticates with it fails meanwhile; DeltaStream's catalog does not say "
                                  "what uses a secret"])

    def replacement_advice(self, why: list[str]) -> str:
        return (f"keep {', '.join(why)} as DeltaStream has it (DeltaStream documents no UPDATE SECRET), or "
                "create the new value as a new Secret under another name and move its users to it")

    async def delete(self, ctx: Context, resource_id: str, state: SecretState) -> None:
        await drop_then_wait(ctx, drop_statement(resource_id), lambda: secret_row(ctx.catalog, resource_id),
                             what=f"secret {resource_id!r}")


SAMPLE = Sample(
    inputs={"name": "token", "secretString": "v1"},
    budget={"create": 2, "read": 1, "delete": 2},  # no documented UPDATE SECRET: a change is refused
    settle=({"name": "made", "secretString": "s"}, {"name": "never", "secretString": "s"}),
    built=(built(create_statement, "CREATE SECRET", "x", [("type", sql.Bare("generic_string"))]),
           built(drop_statement, "DROP SECRET", "x")))
