"""Role: a custom role of the organization, which privileges and other roles are granted to. The whole kind is here:
its statements, its row of ``sys."roles"`` (the role hierarchy as JSON arrays), the lookups getRole / getRoles (with
the role's grants and its privileges) and how settle finds one."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import dataclass
from typing import Any

from ..deltastream import sql
from ..deltastream.catalog import SystemTables, Table, column
from ..errors import SessionError
from ..model.docs import Part, examples
from ..model.fields import Model, prop
from ..model.lookup import Arg, Filter, Many, One, Source
from ..model.sample import Sample, built
from .base import Context, Existing, Resource, check_identifier, create_then_wait, drop_then_wait
from .lifecycle import OWNER_DOC, dropping, existing_row, gone, owner_as_read, owner_session
from .ownership import grant_statement, transfer

#: The documented built-in roles: DeltaStream makes them, and none can be created, dropped or renamed.
BUILTIN_ROLES = ("orgadmin", "sysadmin", "useradmin", "securityadmin", "public")
INVALID_USER, INVALID_ROLE = "3D000", "3D001"  # the Go client's InvalidUser and InvalidRole


def create_statement(name: str) -> sql.Statement:
    return sql.statement([f"CREATE ROLE {sql.ident(name)}"])


def drop_statement(name: str) -> sql.Statement:
    return sql.statement([f"DROP ROLE {sql.ident(name)}"])


def names(value: Any) -> list[str]:
    """A JSON array of role names as ``sys."roles"`` shows it (text, or already a list; null: none), sorted."""
    if value in (None, ""):
        return []
    listed = json.loads(value) if isinstance(value, str) else value
    return sorted(str(name) for name in listed)


@dataclass(frozen=True)
class RoleRow:
    """A row of ``deltastream.sys."roles"``: ``granted_to`` are the roles this role is granted to, ``granted_roles``
    the roles granted to it (JSON arrays)."""

    name: str = column("name")
    owner: str = column("owner")
    granted_to: Any = column("granted_to")
    granted_roles: Any = column("granted_roles")
    created_at: str | None = column("created_at")


ROLES = Table("roles", RoleRow, ("name",), "name")


async def role_row(catalog: SystemTables, name: str) -> RoleRow | None:
    return await catalog.one(ROLES, {"name": name})


@dataclass(frozen=True)
class UserGrantRow:
    """A row of ``deltastream.sys."user_grants"``: one role granted to one user."""

    user_name: str | None = column("user_name")
    user_email: str = column("user_email")
    role_name: str = column("role_name")
    granted_at: str | None = column("granted_at")


USER_GRANTS = Table("user_grants", UserGrantRow, ("role_name", "user_email"), "user_email")


@dataclass(frozen=True)
class RolePrivilegeRow:
    """A row of ``deltastream.sys."role_privileges"``: one privilege of a role on a target."""

    role_name: str = column("role_name")
    privilege: str = column("role_priv_type")
    target: str = column("role_priv_target")
    target_name: str | None = column("role_priv_target_name")
    grant_option: Any = column("grant_option")


ROLE_PRIVILEGES = Table("role_privileges", RolePrivilegeRow,
                        ("role_name", "role_priv_target", "role_priv_target_name", "role_priv_type"), "role_name")


@dataclass
class RolePrivilege(Model):
    """A privilege a role holds on a target."""

    privilege: str = prop("The privilege, as DeltaStream spells it (`CREATE_DATABASE`, `USAGE`, ...).")
    target: str = prop("What it is on: `organization`, `database`, ...")
    target_name: str | None = prop("The target's name (none for the organization).", default=None)
    grant_option: bool | None = prop("Whether the role may grant it on (`WITH GRANT OPTION`).", default=None)


@dataclass
class RoleInfo(Model):
    """A role, with the roles it is granted to and those granted to it, the users granted it and its privileges."""

    name: str = prop("Name.")
    owner: str = prop("Owning role.")
    granted_to: list[str] = prop("Roles this role is granted to (which inherit its privileges), sorted.")
    granted_roles: list[str] = prop("Roles granted to this role (whose privileges it inherits), sorted.")
    users: list[str] = prop("Emails of the users granted this role, sorted.")
    privileges: list[RolePrivilege] = prop("Its privileges from `sys.\"role_privileges\"`, by target and "
                                           "privilege.")
    builtin: bool = prop("Whether it is one of DeltaStream's built-in roles.")
    created_at: str | None = prop("When it was created (RFC 3339).", default=None)


@dataclass
class RoleInputs(Model):
    name: str = prop("Name of the role. Case-sensitive; quoted for you. Built-in roles (orgadmin, sysadmin, "
                     "useradmin, securityadmin, public) are DeltaStream's and cannot be managed.", replaces=True)
    owner: str | None = prop(OWNER_DOC, default=None)


@dataclass
class RoleState(RoleInputs):
    granted_to: list[str] | None = prop("Roles this role is granted to (which inherit its privileges), sorted, "
                                        "as `sys.\"roles\"` shows them.", default=None)
    granted_roles: list[str] | None = prop("Roles granted to this role (whose privileges it inherits), sorted.",
                                           default=None)
    created_at: str | None = prop("When the role was created (RFC 3339).", default=None)


def _state(row: RoleRow) -> RoleState:
    return RoleState(name=row.name, owner=row.owner, granted_to=names(row.granted_to),
                     granted_roles=names(row.granted_roles), created_at=row.created_at)


STORY = Part(
    typescript='''const reporting = new deltastream.Role("reporting", { name: "reporting" });

export const reportingOwner = reporting.owner;''',
    python='''reporting = deltastream.Role("reporting", name="reporting")

pulumi.export("reportingOwner", reporting.owner)''',
    go='''reporting, err := deltastream.NewRole(ctx, "reporting", &deltastream.RoleArgs{
	Name: pulumi.String("reporting"),
})
if err != nil {
	return err
}
ctx.Export("reportingOwner", reporting.Owner)''',
    yaml='''resources:
  reporting:
    type: deltastream:Role
    properties:
      name: reporting
outputs:
  reportingOwner: ${reporting.owner}''')


class Role(Resource[RoleInputs, RoleState]):
    token = "deltastream:index:Role"
    description = f"""A custom role of the organization (`CREATE ROLE`, `DROP ROLE`).

Grant it to roles and users with `RoleGrant`, one edge each. A new name replaces the role (DeltaStream cannot rename
one). DeltaStream drops no role that owns an object or has roles granted to it: remove those first (Pulumi does,
when they are in the same program). The built-in roles (orgadmin, sysadmin, useradmin, securityadmin, public) are
refused at preview: DeltaStream makes them and none can be dropped. A role dropped outside Pulumi shows as gone on
refresh and is created again by the next `pulumi up`. The outputs `grantedTo` and `grantedRoles` are what
`sys."roles"` showed when the role was last read: grants made after it (its RoleGrants too) appear at the next
refresh, which changes no input.

{examples("A role", STORY)}

## Import

The ID is the role name:

```sh
pulumi import deltastream:index:Role reporting reporting
```"""
    inputs = RoleInputs
    state = RoleState
    ownership = "ROLE"
    always_set = ("owner", "grantedTo", "grantedRoles", "createdAt")

    def check(self, inputs: RoleInputs) -> list[tuple[str, str]]:
        failures = check_identifier("name", inputs.name) + check_identifier("owner", inputs.owner)
        if not failures and isinstance(inputs.name, str) and inputs.name.lower() in BUILTIN_ROLES:
            failures.append(("name", f"name {inputs.name!r} is a built-in role, which DeltaStream makes and which "
                                     "cannot be created or dropped; choose another name (refer to the built-in "
                                     "role by name in a RoleGrant instead)"))
        return failures

    async def existing(self, catalog: SystemTables, inputs: RoleInputs, excluded: Collection[str]) -> Existing:
        return existing_row(await role_row(catalog, inputs.name), inputs.name)

    async def create(self, ctx: Context, inputs: RoleInputs) -> tuple[str, RoleState]:
        session = owner_session(inputs.owner)
        row = await create_then_wait(ctx, create_statement(inputs.name), lambda: role_row(ctx.catalog, inputs.name),
                                     what=f"role {inputs.name!r}", resource_id=inputs.name,
                                     undo=dropping(ctx, drop_statement(inputs.name), session), session=session,
                                     exists=lambda: role_row(ctx.catalog, inputs.name))
        return inputs.name, _state(row)

    async def read(self, ctx: Context, resource_id: str, inputs: RoleInputs | None,
                   state: RoleState | None) -> tuple[RoleInputs, RoleState] | None:
        row = await ctx.catalog.in_group(ROLES, {}, {"name": resource_id})  # one SELECT serves a refresh
        if row is None:
            return None
        return RoleInputs(name=row.name, owner=owner_as_read(inputs, row)), _state(row)

    async def update(self, ctx: Context, resource_id: str, olds: RoleState, news: RoleInputs) -> RoleState:
        """The one change made in place, the owner (``GRANT OWNERSHIP ON ROLE``), then the role's row."""
        await transfer(ctx, "ROLE", sql.ident(resource_id), olds.owner, news.owner)
        found = await self.read(ctx, resource_id, news, olds)
        if found is None:
            raise gone(f"role {resource_id!r}")
        return found[1]

    async def delete(self, ctx: Context, resource_id: str, state: RoleState) -> None:
        """DROP ROLE; a role already gone is success (DeltaStream answers 3D001, invalid role, a session code)."""
        async def lookup() -> RoleRow | None:
            return await role_row(ctx.catalog, resource_id)

        try:
            await drop_then_wait(ctx, drop_statement(resource_id), lookup, what=f"role {resource_id!r}")
        except SessionError as refused:
            if refused.code != INVALID_ROLE or await lookup() is not None:
                raise


SAMPLE = Sample(
    inputs={"name": "analyst_role"}, budget={"create": 2, "read": 1, "delete": 2},  # the statement, the row's SELECT
    settle=({"name": "made"}, {"name": "never"}),
    built=(built(create_statement, "CREATE ROLE", "r"), built(drop_statement, "DROP ROLE", "r"),
           built(grant_statement, "GRANT OWNERSHIP ON ROLE", "ROLE", '"r"', "r2")))


async def _privileges(catalog: SystemTables, roles: list[str]) -> dict[str, list[RolePrivilege]]:
    """Each role's privileges, by one SELECT of ``sys."role_privileges"`` (a documented table: a failure to read it
    fails the lookup rather than showing a role without privileges)."""
    rows = await catalog.select(ROLE_PRIVILEGES, {"role_name": roles})
    found: dict[str, list[RolePrivilege]] = {}
    for row in rows:
        found.setdefault(row.role_name, []).append(RolePrivilege(
            privilege=row.privilege, target=row.target, target_name=row.target_name or None,
            grant_option=bool(row.grant_option) if row.grant_option is not None else None))
    return found


async def _fetch(catalog: SystemTables, where: dict[str, Any], limit: int) -> list[RoleInfo]:
    """Roles matching ``where`` (one SELECT of ``sys."roles"``), with their users (one of ``sys."user_grants"``) and
    privileges (one of ``sys."role_privileges"``)."""
    rows = await catalog.select(ROLES, where, limit=limit)
    if not rows:
        return []
    grants = await catalog.select(USER_GRANTS, {})
    privileges = await _privileges(catalog, [row.name for row in rows])
    return [RoleInfo(name=row.name, owner=row.owner, granted_to=names(row.granted_to),
                     granted_roles=names(row.granted_roles),
                     users=sorted(g.user_email for g in grants if g.role_name == row.name),
                     privileges=privileges.get(row.name, []), builtin=row.name in BUILTIN_ROLES,
                     created_at=row.created_at) for row in rows]


LOOKUPS_STORY = Part(
    typescript='''const reporting = new deltastream.Role("reporting", { name: "reporting" });
const found = deltastream.getRoleOutput({ name: reporting.name });
const mine = deltastream.getRolesOutput({ owner: reporting.owner });

export const reportingOwner = found.owner;
export const myRoles = mine.roles;''',
    python='''reporting = deltastream.Role("reporting", name="reporting")
found = deltastream.get_role_output(name=reporting.name)
mine = deltastream.get_roles_output(owner=reporting.owner)

pulumi.export("reportingOwner", found.owner)
pulumi.export("myRoles", mine.roles)''',
    go='''reporting, err := deltastream.NewRole(ctx, "reporting", &deltastream.RoleArgs{
	Name: pulumi.String("reporting"),
})
if err != nil {
	return err
}
found := deltastream.LookupRoleOutput(ctx, deltastream.LookupRoleOutputArgs{
	Name: reporting.Name,
})
mine := deltastream.GetRolesOutput(ctx, deltastream.GetRolesOutputArgs{
	Owner: reporting.Owner,
})

ctx.Export("reportingOwner", found.Owner())
ctx.Export("myRoles", mine.Roles())''',
    yaml='''resources:
  reporting:
    type: deltastream:Role
    properties:
      name: reporting
variables:
  found:
    fn::invoke:
      function: deltastream:index:getRole
      arguments:
        name: ${reporting.name}
  mine:
    fn::invoke:
      function: deltastream:index:getRoles
      arguments:
        owner: ${reporting.owner}
outputs:
  reportingOwner: ${found.owner}
  myRoles: ${mine.roles}''')

_ROLES = Source("role", "roles", _fetch, lambda role: role)
_LOOKUPS_EXAMPLE = examples("A role, then it and the roles of its owner looked up", LOOKUPS_STORY)
_READS = ('one SELECT of `sys."roles"`, one of `sys."user_grants"` and one of `sys."role_privileges"` (DeltaStream '
          "shows only the roles the provider's role has USAGE on)")
LOOKUPS = (
    One("getRole", f"Look up a role by name, with its role grants, users and privileges: {_READS}.\n\n"
                   f"{_LOOKUPS_EXAMPLE}", _ROLES,
        {"name": Arg("Name of the role.", Filter("name"), required=True)}, RoleInfo),
    Many("getRoles", f"List roles, filtered by owner, ordered by name, each with its role grants, users and "
                     f"privileges: {_READS}; at most 200.\n\n{_LOOKUPS_EXAMPLE}", _ROLES,
         {"owner": Arg("Only roles this role owns.", Filter("owner"))},
         "roles", RoleInfo, "Matching roles ordered by name (at most 200)."),
)
