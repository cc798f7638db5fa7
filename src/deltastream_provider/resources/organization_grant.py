"""OrganizationGrant: organization privileges granted to one role, additively: the resource owns the privileges it
declares and no other, so privileges granted by others never show in its diff and are never revoked by it. A change
of the list grants what was added and revokes what was removed, in place (no replacement, no moment without
access). The whole kind is here: inputs and state, its statements, its system-table row, how settle finds one."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from ..deltastream import sql
from ..deltastream.catalog import SystemTables
from ..errors import DeltaStreamError, NotFoundError
from ..model.docs import Part, examples
from ..model.fields import Model, prop
from ..model.sample import Sample, built
from ..model.unknown import UNKNOWN
from .base import Context, Diff, Existing, Resource, check_identifier, send_until_settled
from .role import ROLE_PRIVILEGES

#: The organization privileges GRANT PRIVILEGES lists (docs: command/grant-privileges), in its order.
PRIVILEGES = ("CREATE_COMPUTE_POOL", "CREATE_DATABASE", "CREATE_STORE", "CREATE_SCHEMA_REGISTRY",
              "CREATE_DESCRIPTOR_SOURCE", "CREATE_FUNCTION_SOURCE", "CREATE_FUNCTION", "CREATE_QUERY",
              "MANAGE_MEMBERS", "MANAGE_GRANTS")
ALL = "ALL PRIVILEGES"
TARGET = "organization"
NOT_REVOKED = "01006"  # PrivilegeNotRevoked: a privilege already gone is what a revoke wants
NOT_GRANTED = "01007"  # PrivilegeNotGranted: what DeltaStream may answer a grant of what is held (settled by reading)


def normal(privilege: str) -> str:
    """A privilege as the statements spell it: upper case, ``ALL PRIVILEGES`` with one space."""
    return " ".join(privilege.upper().split())


def expand(privileges: Collection[str]) -> frozenset[str]:
    """The organization privileges a list names, ``ALL PRIVILEGES`` as every one of them: what both sides of a
    comparison are reduced to, so case and ``ALL PRIVILEGES`` are never a change."""
    names = {normal(p) for p in privileges}
    return frozenset(PRIVILEGES) if ALL in names else frozenset(names)


def _listed(privileges: Collection[str]) -> str:
    """Privileges for a GRANT or REVOKE, in the documented order (``ALL PRIVILEGES`` alone when all are named)."""
    names = expand(privileges)
    return ALL if names == frozenset(PRIVILEGES) else ", ".join(p for p in PRIVILEGES if p in names)


def grant_statement(role: str, privileges: Collection[str], with_grant_option: bool) -> sql.Statement:
    """``GRANT p, ... ON ORGANIZATION TO ROLE r [WITH GRANT OPTION]``: the syntax block's ``TO ROLE`` (its example
    writes ``TO r``)."""
    option = " WITH GRANT OPTION" if with_grant_option else ""
    return sql.statement([f"GRANT {_listed(privileges)} ON ORGANIZATION TO ROLE {sql.ident(role)}{option}"])


def revoke_statement(role: str, privileges: Collection[str]) -> sql.Statement:
    """``REVOKE p, ... FROM ROLE r``: the revoke page's organization block, which has no ``ON ORGANIZATION``."""
    return sql.statement([f"REVOKE {_listed(privileges)} FROM ROLE {sql.ident(role)}"])


async def held(catalog: SystemTables, role: str) -> dict[str, bool]:
    """Each organization privilege ``role`` holds, with whether it holds it WITH GRANT OPTION (one SELECT). A row
    reading ``all privileges`` (the page shows no rows, so DeltaStream may keep it as granted) counts as the ten."""
    found: dict[str, bool] = {}
    for row in await catalog.select(ROLE_PRIVILEGES, {"role_name": role}):
        if str(row.target).lower() == TARGET:
            option = row.grant_option in (True, "true", "TRUE", 1)
            found.update({name: found.get(name, False) or option for name in expand([row.privilege])})
    return found


@dataclass
class OrganizationGrantInputs(Model):
    role: str = prop("The role the privileges are granted to. Case-sensitive; quoted for you.", replaces=True)
    privileges: list[str] = prop(
        "Organization privileges, as DeltaStream's GRANT PRIVILEGES page spells them, in any case: "
        f"{', '.join(f'`{p}`' for p in PRIVILEGES)}, or `ALL PRIVILEGES`. Only these are this resource's: a privilege "
        "the role holds from elsewhere is neither shown nor revoked. Adding one grants it, removing one revokes it, in "
        "place.")
    with_grant_option: bool | None = prop(
        "Grant them `WITH GRANT OPTION`, so the role may grant them on. Turning it on grants them again with the "
        "option; turning it off revokes them and grants them again without it (DeltaStream documents no way to revoke "
        "only the option), so for that moment the role lacks them.", default=None)


@dataclass
class OrganizationGrantState(OrganizationGrantInputs):
    granted: list[str] | None = prop("The privileges this resource grants, one by one (`ALL PRIVILEGES` as the ten), "
                                     "upper-case, in the documented order.", default=None)


def _present(declared: list[str], found: dict[str, bool]) -> list[str]:
    """The declared items the role holds, in the program's spelling (``ALL PRIVILEGES`` only while all are held)."""
    return [p for p in declared if expand([p]) <= found.keys()]


def _option(declared: list[str], found: dict[str, bool], wanted: bool | None) -> bool | None:
    """The grant option as read: the program's value, unless it asks for the option and a declared privilege the role
    holds lacks it (an option granted beyond the program's is not this resource's)."""
    present = expand(_present(declared, found))
    if wanted and not all(found[p] for p in present):
        return False
    return wanted


_STORY = Part(
    typescript='''const grant = new deltastream.OrganizationGrant("analyst-creates", {
    role: "analyst",
    privileges: ["CREATE_DATABASE", "CREATE_QUERY"],
});

export const granted = grant.privileges;''',
    python='''grant = deltastream.OrganizationGrant("analyst-creates",
    role="analyst",
    privileges=["CREATE_DATABASE", "CREATE_QUERY"])

pulumi.export("granted", grant.privileges)''',
    go='''grant, err := deltastream.NewOrganizationGrant(ctx, "analyst-creates", &deltastream.OrganizationGrantArgs{
	Role:       pulumi.String("analyst"),
	Privileges: pulumi.StringArray{pulumi.String("CREATE_DATABASE"), pulumi.String("CREATE_QUERY")},
})
if err != nil {
	return err
}
ctx.Export("granted", grant.Privileges)''',
    yaml='''resources:
  analyst-creates:
    type: deltastream:OrganizationGrant
    properties:
      role: analyst
      privileges: [CREATE_DATABASE, CREATE_QUERY]
outputs:
  granted: ${analyst-creates.privileges}''')


class OrganizationGrant(Resource[OrganizationGrantInputs, OrganizationGrantState]):
    token = "deltastream:index:OrganizationGrant"
    description = f"""Organization privileges granted to a role (`GRANT ... ON ORGANIZATION TO ROLE`).

Additive: the resource owns exactly the privileges it declares. Privileges the role holds from elsewhere (granted by
hand, by another stack or another resource) never show in its diff and are never revoked by it, so two resources may
grant to one role without fighting. A declared privilege revoked outside Pulumi shows as missing on refresh and is
granted again by the next `pulumi up`. Changing the list grants what was added and revokes what was removed, in
place. `ALL PRIVILEGES` stands for the ten privileges and case does not matter, on both sides of every comparison.
Granting needs `MANAGE_GRANTS`, ownership of the organization, or the privileges `WITH GRANT OPTION`.

{examples("Organization privileges for a role", _STORY)}

## Import

The ID is `<role>/organization`. An import takes every organization privilege the role holds (the program then
says which of them are this resource's: those it leaves out stay granted, untouched):

```sh
pulumi import deltastream:index:OrganizationGrant analyst-creates analyst/organization
```"""
    inputs = OrganizationGrantInputs
    state = OrganizationGrantState
    always_set = ("granted",)

    def check(self, inputs: OrganizationGrantInputs) -> list[tuple[str, str]]:
        failures = check_identifier("role", inputs.role)
        if inputs.privileges is UNKNOWN:
            return failures
        if not inputs.privileges:
            failures.append(("privileges", "privileges must name at least one organization privilege"))
        seen: set[str] = set()
        for i, privilege in enumerate(inputs.privileges or []):
            if privilege is UNKNOWN:
                continue
            name = normal(privilege) if isinstance(privilege, str) else ""
            if name not in (*PRIVILEGES, ALL):
                failures.append((f"privileges[{i}]", f"privileges[{i}] {privilege!r} is not an organization "
                                 f"privilege; use one of {', '.join(PRIVILEGES)} or ALL PRIVILEGES (any case)"))
            elif name in seen:
                failures.append((f"privileges[{i}]", f"privileges[{i}] {privilege!r} is named twice; list it once"))
            seen.add(name)
        return failures

    def diff(self, olds: OrganizationGrantInputs, news: OrganizationGrantInputs,
             state: OrganizationGrantState) -> Diff:
        """Privileges compare as sets of what they grant (case and ``ALL PRIVILEGES`` aside); the role replaces."""
        result = Diff(delete_before_replace=False)
        if news.role is UNKNOWN or olds.role != news.role:
            result.changes.append("role")
            result.replaces.append("role")
        if news.privileges is UNKNOWN or UNKNOWN in news.privileges or expand(olds.privileges) != expand(
                news.privileges):
            result.changes.append("privileges")
        if news.with_grant_option is UNKNOWN or bool(olds.with_grant_option) != bool(news.with_grant_option):
            result.changes.append("withGrantOption")
        return result

    async def existing(self, catalog: SystemTables, inputs: OrganizationGrantInputs,
                       excluded: Collection[str]) -> Existing:
        found = await held(catalog, inputs.role)
        return (_id(inputs.role), None) if expand(inputs.privileges) <= found.keys() else None

    async def create(self, ctx: Context, inputs: OrganizationGrantInputs) -> tuple[str, OrganizationGrantState]:
        await self._grant(ctx, inputs.role, inputs.privileges, bool(inputs.with_grant_option))
        return _id(inputs.role), _state(inputs)

    async def read(self, ctx: Context, resource_id: str, inputs: OrganizationGrantInputs | None,
                   state: OrganizationGrantState | None) -> tuple[OrganizationGrantInputs,
                                                                  OrganizationGrantState] | None:
        role = _role_of(resource_id)
        found = await held(ctx.catalog, role)
        if inputs is None:  # import: everything the role holds; the program then says what is its own
            if not found:
                return None
            current = OrganizationGrantInputs(role=role, privileges=[p for p in PRIVILEGES if p in found],
                                              with_grant_option=all(found.values()) or None)
        else:
            current = OrganizationGrantInputs(role=role, privileges=_present(inputs.privileges, found),
                                              with_grant_option=_option(inputs.privileges, found,
                                                                        inputs.with_grant_option))
        return current, _state(current)

    async def update(self, ctx: Context, resource_id: str, olds: OrganizationGrantState,
                     news: OrganizationGrantInputs) -> OrganizationGrantState:
        """Revoke what the program no longer declares, then grant what it declares (again, where the grant option
        is added; revoked first where it is taken away). Nothing still declared is revoked but to drop the option."""
        role = _role_of(resource_id)
        old, new = expand(olds.privileges), expand(news.privileges)
        had, wants = bool(olds.with_grant_option), bool(news.with_grant_option)
        removed = old if had and not wants else old - new
        if removed:
            await self._revoke(ctx, role, removed)
        added = new if had != wants else new - old
        if added:
            await self._grant(ctx, role, added, wants)
        return _state(news)

    async def delete(self, ctx: Context, resource_id: str, state: OrganizationGrantState) -> None:
        await self._revoke(ctx, _role_of(resource_id), expand(state.privileges))

    async def _grant(self, ctx: Context, role: str, privileges: Collection[str], option: bool) -> None:
        """GRANT is idempotent, so a lost answer, or one saying nothing was granted (``01007``), is settled by reading
        whether the role now holds them."""
        wanted = expand(privileges)

        async def landed() -> bool | None:
            found = await held(ctx.catalog, role)
            return True if wanted <= found.keys() and (not option or all(found[p] for p in wanted)) else None
        try:
            await send_until_settled(ctx, grant_statement(role, privileges, option), landed)
        except DeltaStreamError as refused:
            if refused.code != NOT_GRANTED or not await landed():
                raise

    async def _revoke(self, ctx: Context, role: str, privileges: Collection[str]) -> None:
        """REVOKE exactly these; one already gone (``01006``, or the role dropped) is what was wanted."""
        gone = frozenset(privileges)

        async def landed() -> bool | None:
            return True if not (gone & (await held(ctx.catalog, role)).keys()) else None
        try:
            await send_until_settled(ctx, revoke_statement(role, privileges), landed)
        except NotFoundError:
            return
        except DeltaStreamError as refused:
            if refused.code != NOT_REVOKED:
                raise


def _id(role: str) -> str:
    return f"{role}/{TARGET}"


def _role_of(resource_id: str) -> str:
    role, slash, target = resource_id.rpartition("/")
    if not slash or not role or target != TARGET:
        raise NotFoundError(f"{resource_id!r} is no OrganizationGrant id; it is `<role>/organization`, e.g. "
                            "`analyst/organization`")
    return role


def _state(inputs: OrganizationGrantInputs) -> OrganizationGrantState:
    names = expand(inputs.privileges)
    return OrganizationGrantState(role=inputs.role, privileges=list(inputs.privileges),
                                  with_grant_option=inputs.with_grant_option,
                                  granted=[p for p in PRIVILEGES if p in names])


SAMPLE = Sample(
    inputs={"role": "analyst", "privileges": ["CREATE_DATABASE"]},
    changed={"role": "analyst", "privileges": ["create_database", "CREATE_STORE"]},
    budget={"create": 1, "read": 1, "update": 1, "delete": 1},
    settle=({"role": "analyst", "privileges": ["CREATE_QUERY"]}, {"role": "analyst", "privileges": ["MANAGE_GRANTS"]}),
    built=(built(grant_statement, "GRANT ON ORGANIZATION", "r", ["CREATE_DATABASE"], False),
           built(grant_statement, "GRANT ON ORGANIZATION", "r", ["ALL PRIVILEGES"], True),
           built(revoke_statement, "REVOKE FROM ROLE", "r", ["CREATE_DATABASE", "CREATE_STORE"])))
