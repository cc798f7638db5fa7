"""RoleGrant: one role granted to one role or to one user (``GRANT ROLE`` / ``REVOKE ROLE``), one edge per resource, so
removing it revokes exactly that edge. Read from ``sys."roles"`` (a role edge shows in the granted role's
``granted_to`` and in the member's ``granted_roles``) and ``sys."user_grants"`` (a user edge)."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass

from ..deltastream import sql
from ..deltastream.catalog import SystemTables
from ..errors import AlreadyExistsError, InputError, InvalidInputError, SessionError, SQLError
from ..model.docs import Part, examples
from ..model.fields import Model, prop
from ..model.sample import Sample, built
from ..model.unknown import UNKNOWN
from .base import Context, Existing, Resource, check_identifier, create_then_wait, drop_then_wait
from .role import INVALID_ROLE, INVALID_USER, ROLES, USER_GRANTS, RoleRow, UserGrantRow, names
from .role import STORY as ROLE_STORY

#: DeltaStream's own hierarchy (docs: orgadmin inherits sysadmin and securityadmin, securityadmin inherits
#: useradmin), each (role, the role it is granted to): never a resource's to revoke.
BUILTIN_EDGES = frozenset({("sysadmin", "orgadmin"), ("securityadmin", "orgadmin"), ("useradmin", "securityadmin")})
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+$")
_ID = re.compile(r"^(?P<role>.+?)/(?P<kind>role|user)/(?P<member>.+)$")
#: The Go client's PrivilegeNotGranted and PrivilegeNotRevoked (warnings): what DeltaStream may answer a GRANT of an
#: edge that exists and a REVOKE of one that does not (not shown); each is settled by reading the edge.
NOT_GRANTED, NOT_REVOKED = "01007", "01006"


def grant_to_role_statement(role: str, member: str) -> sql.Statement:
    return sql.statement([f"GRANT ROLE {sql.ident(role)} TO ROLE {sql.ident(member)}"])


def grant_to_user_statement(role: str, email: str) -> sql.Statement:
    return sql.statement([f"GRANT ROLE {sql.ident(role)} TO USER {sql.literal(email)}"])


def revoke_from_role_statement(role: str, member: str) -> sql.Statement:
    return sql.statement([f"REVOKE ROLE {sql.ident(role)} FROM ROLE {sql.ident(member)}"])


def revoke_from_user_statement(role: str, email: str) -> sql.Statement:
    return sql.statement([f"REVOKE ROLE {sql.ident(role)} FROM USER {sql.literal(email)}"])


@dataclass
class RoleGrantInputs(Model):
    role: str = prop("The role granted. Case-sensitive; quoted for you.", replaces=True)
    to_role: str | None = prop("The role it is granted to, which then inherits its privileges. Exactly one of "
                               "`toRole` and `toUser`.", default=None, replaces=True)
    to_user: str | None = prop("Email of the organization's user it is granted to, who may then use it. Exactly "
                               "one of `toRole` and `toUser`.", default=None, replaces=True)


@dataclass
class RoleGrantState(RoleGrantInputs):
    granted_at: str | None = prop("When the role was granted to the user (RFC 3339; `sys.\"user_grants\"`); none for "
                                  "a grant to a role, whose time DeltaStream does not show.", default=None)


def edge_id(inputs: RoleGrantInputs) -> str:
    """``<role>/role/<member>`` or ``<role>/user/<email>``: the import id."""
    if inputs.to_user is not None:
        return f"{inputs.role}/user/{inputs.to_user}"
    return f"{inputs.role}/role/{inputs.to_role}"


def parse_id(resource_id: str) -> RoleGrantInputs:
    found = _ID.match(resource_id)
    if found is None:
        raise InputError(f"import id {resource_id!r} is not <role>/role/<role> or <role>/user/<email>, e.g. "
                         "analyst/role/sysadmin or analyst/user/a@example.com")
    role, member = found["role"], found["member"]
    return RoleGrantInputs(role=role, to_role=member if found["kind"] == "role" else None,
                           to_user=member if found["kind"] == "user" else None)


def role_edge(role: RoleRow | None, member: RoleRow | None, inputs: RoleGrantInputs) -> bool:
    """Whether ``sys."roles"`` shows the role granted to the member role, on either side: DeltaStream shows only the
    roles the provider's role has USAGE on, so one of the two rows may be missing."""
    return ((role is not None and inputs.to_role in names(role.granted_to))
            or (member is not None and inputs.role in names(member.granted_roles)))


Found = RoleGrantState | None


async def edge(catalog: SystemTables, inputs: RoleGrantInputs) -> Found:
    """The edge as DeltaStream shows it now (one SELECT), or None."""
    if inputs.to_user is not None:
        row = await catalog.one(USER_GRANTS, {"role_name": inputs.role, "user_email": inputs.to_user})
        return _user_state(inputs, row) if row is not None else None
    assert inputs.to_role is not None
    rows = {row.name: row for row in await catalog.select(ROLES, {"name": [inputs.role, inputs.to_role]})}
    return _role_state(inputs) if role_edge(rows.get(inputs.role), rows.get(inputs.to_role), inputs) else None


async def edge_in_group(catalog: SystemTables, inputs: RoleGrantInputs) -> Found:
    """:func:`edge` from the reads a refresh shares: one SELECT of each table, whatever the number of grants."""
    if inputs.to_user is not None:
        row = await catalog.in_group(USER_GRANTS, {}, {"role_name": inputs.role, "user_email": inputs.to_user})
        return _user_state(inputs, row) if row is not None else None
    assert inputs.to_role is not None
    role = await catalog.in_group(ROLES, {}, {"name": inputs.role})
    member = await catalog.in_group(ROLES, {}, {"name": inputs.to_role})
    return _role_state(inputs) if role_edge(role, member, inputs) else None


def _role_state(inputs: RoleGrantInputs) -> RoleGrantState:
    return RoleGrantState(role=inputs.role, to_role=inputs.to_role)


def _user_state(inputs: RoleGrantInputs, row: UserGrantRow) -> RoleGrantState:
    return RoleGrantState(role=inputs.role, to_user=inputs.to_user, granted_at=row.granted_at)


def _grant(inputs: RoleGrantInputs) -> sql.Statement:
    if inputs.to_user is not None:
        return grant_to_user_statement(inputs.role, inputs.to_user)
    assert inputs.to_role is not None
    return grant_to_role_statement(inputs.role, inputs.to_role)


def _revoke(inputs: RoleGrantInputs) -> sql.Statement:
    if inputs.to_user is not None:
        return revoke_from_user_statement(inputs.role, inputs.to_user)
    assert inputs.to_role is not None
    return revoke_from_role_statement(inputs.role, inputs.to_role)


def _refused(refused: SessionError, inputs: RoleGrantInputs) -> Exception:
    """An unknown role (3D001) or user (3D000) named by the GRANT: the input that names it, not the provider's
    session setting, which the session error's hint would suggest."""
    if refused.code == INVALID_USER and inputs.to_user is not None:
        return InvalidInputError(f"toUser: DeltaStream refused user {inputs.to_user!r}: {refused.message}",
                                 code=refused.code, hint="Name the email of a member of the organization "
                                                         "(invite the user first)")
    if refused.code == INVALID_ROLE:
        named = "role" if inputs.to_user is not None else "role or toRole"
        return InvalidInputError(f"{named}: DeltaStream refused a role of {edge_id(inputs)!r}: {refused.message}",
                                 code=refused.code, hint="Name an existing role, or create it first (a Role "
                                                         "resource of the program, passed by its output)")
    return refused


def _described(inputs: RoleGrantInputs) -> str:
    return (f"role {inputs.role!r} granted to " +
            (f"user {inputs.to_user!r}" if inputs.to_user is not None else f"role {inputs.to_role!r}"))


STORY = Part(
    typescript='''const reportingToSysadmin = new deltastream.RoleGrant("reporting-to-sysadmin", {
    role: reporting.name,
    toRole: "sysadmin",
});
const reportingToAdmin = new deltastream.RoleGrant("reporting-to-admin", {
    role: reporting.name,
    toUser: "admin@example.com",
});

export const adminGrantedAt = reportingToAdmin.grantedAt;''',
    python='''reporting_to_sysadmin = deltastream.RoleGrant("reporting-to-sysadmin",
    role=reporting.name,
    to_role="sysadmin")
reporting_to_admin = deltastream.RoleGrant("reporting-to-admin",
    role=reporting.name,
    to_user="admin@example.com")

pulumi.export("adminGrantedAt", reporting_to_admin.granted_at)''',
    go='''_, err = deltastream.NewRoleGrant(ctx, "reporting-to-sysadmin", &deltastream.RoleGrantArgs{
	Role:   reporting.Name,
	ToRole: pulumi.String("sysadmin"),
})
if err != nil {
	return err
}
reportingToAdmin, err := deltastream.NewRoleGrant(ctx, "reporting-to-admin", &deltastream.RoleGrantArgs{
	Role:   reporting.Name,
	ToUser: pulumi.String("admin@example.com"),
})
if err != nil {
	return err
}
ctx.Export("adminGrantedAt", reportingToAdmin.GrantedAt)''',
    yaml='''resources:
  reporting-to-sysadmin:
    type: deltastream:RoleGrant
    properties:
      role: ${reporting.name}
      toRole: sysadmin
  reporting-to-admin:
    type: deltastream:RoleGrant
    properties:
      role: ${reporting.name}
      toUser: admin@example.com
outputs:
  adminGrantedAt: ${reporting-to-admin.grantedAt}''',
    needs=(ROLE_STORY,))


class RoleGrant(Resource[RoleGrantInputs, RoleGrantState]):
    token = "deltastream:index:RoleGrant"
    description = f"""One role granted to one role (`toRole`, which inherits its privileges) or to one user of the
organization (`toUser`, an email, who may then use it): `GRANT ROLE`, and `REVOKE ROLE` when removed.

One resource is one edge, so removing it revokes exactly that edge and never another grant of the role, whoever made
it. Every change replaces it, and the new edge is granted before the old one is revoked, so no access is lost in
between. A grant revoked outside Pulumi shows as gone on refresh and is granted again by the next `pulumi up`; an
edge that already exists when the resource is created (granted by hand) is adopted, not an error. DeltaStream's own
hierarchy (sysadmin and securityadmin granted to orgadmin, useradmin to securityadmin) is refused at preview: it is
DeltaStream's, not the program's to revoke.

{examples("A role granted to sysadmin and to a user", STORY)}

## Import

The ID is `<role>/role/<role it is granted to>` or `<role>/user/<email>`:

```sh
pulumi import deltastream:index:RoleGrant reporting-to-sysadmin reporting/role/sysadmin
pulumi import deltastream:index:RoleGrant reporting-to-admin reporting/user/admin@example.com
```"""
    inputs = RoleGrantInputs
    state = RoleGrantState
    delete_before_replace = False  # grant the new edge, then revoke the old: no access gap

    def check(self, inputs: RoleGrantInputs) -> list[tuple[str, str]]:
        failures = check_identifier("role", inputs.role) + check_identifier("toRole", inputs.to_role)
        if inputs.to_role is None and inputs.to_user is None:
            failures.append(("toRole", "toRole or toUser is required: set toRole to a role's name, or toUser to a "
                                       "user's email"))
        elif inputs.to_role is not None and inputs.to_user is not None:
            failures.append(("toUser", "toRole and toUser are exclusive: one RoleGrant is one edge; declare a second "
                                       "RoleGrant for the other"))
        if inputs.to_user not in (None, UNKNOWN) and not _EMAIL.match(str(inputs.to_user)):
            failures.append(("toUser", f"toUser {inputs.to_user!r} is not an email: name the user by the email "
                                       "they were invited with"))
        if inputs.to_role not in (None, UNKNOWN) and inputs.to_role == inputs.role:
            failures.append(("toRole", f"toRole {inputs.to_role!r} is the role itself: a role cannot be granted to "
                                       "itself; name another role"))
        if (inputs.role, inputs.to_role) in BUILTIN_EDGES:
            failures.append(("toRole", f"role {inputs.role!r} is granted to {inputs.to_role!r} by DeltaStream's "
                                       "built-in hierarchy, which is not a program's to grant or revoke; remove "
                                       "this RoleGrant"))
        return failures

    async def existing(self, catalog: SystemTables, inputs: RoleGrantInputs, excluded: Collection[str]) -> Existing:
        found = await edge(catalog, inputs)
        return (edge_id(inputs), found.granted_at) if found is not None else None

    async def create(self, ctx: Context, inputs: RoleGrantInputs) -> tuple[str, RoleGrantState]:
        """GRANT ROLE, then the read that shows the edge; an edge granted already (by hand) is adopted."""
        lookup: Callable[[], Awaitable[Found]] = lambda: edge(ctx.catalog, inputs)  # noqa: E731
        try:
            state = await create_then_wait(ctx, _grant(inputs), lookup, what=_described(inputs),
                                           resource_id=edge_id(inputs), undo=self._undo(ctx, inputs), exists=lookup)
        except SessionError as refused:
            raise _refused(refused, inputs) from refused
        except (AlreadyExistsError, SQLError) as refused:
            if not isinstance(refused, AlreadyExistsError) and refused.code != NOT_GRANTED:
                raise
            state = await lookup()  # granted already: adopted
            if state is None:
                raise
        return edge_id(inputs), state

    @staticmethod
    def _undo(ctx: Context, inputs: RoleGrantInputs) -> Callable[[], Awaitable[None]]:
        async def undo() -> None:
            await ctx.client.execute(_revoke(inputs))
        return undo

    async def read(self, ctx: Context, resource_id: str, inputs: RoleGrantInputs | None,
                   state: RoleGrantState | None) -> tuple[RoleGrantInputs, RoleGrantState] | None:
        wanted = inputs if inputs is not None else parse_id(resource_id)
        found = await edge_in_group(ctx.catalog, wanted)
        if found is None:
            return None
        return RoleGrantInputs(role=wanted.role, to_role=wanted.to_role, to_user=wanted.to_user), found

    async def delete(self, ctx: Context, resource_id: str, state: RoleGrantState) -> None:
        """REVOKE ROLE of this one edge; one already gone (01006, or its role or user gone: 3D001, 3D000) is
        success once a read shows it gone."""
        try:
            await drop_then_wait(ctx, _revoke(state), lambda: edge(ctx.catalog, state),
                                 what=_described(state))
        except SQLError as refused:
            if refused.code not in (INVALID_ROLE, INVALID_USER, NOT_REVOKED) or await edge(ctx.catalog, state):
                raise


_GRANT = {"role": "analyst_role", "toRole": "sysadmin"}
SAMPLE = Sample(
    inputs=_GRANT,
    # create: GRANT ROLE and the SELECT that shows it; read: one SELECT of sys."roles" (of sys."user_grants" for a
    # user); delete: REVOKE ROLE and the SELECT that shows it gone
    budget={"create": 2, "read": 1, "delete": 2},
    settle=({"role": "made", "toRole": "sysadmin"}, {"role": "made", "toUser": "nobody@example.com"}),
    built=(built(grant_to_role_statement, "GRANT ROLE", "r", "m"),
           built(grant_to_user_statement, "GRANT ROLE", "r", "a@example.com"),
           built(revoke_from_role_statement, "REVOKE ROLE", "r", "m"),
           built(revoke_from_user_statement, "REVOKE ROLE", "r", "a@example.com")))

