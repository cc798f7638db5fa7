"""Ownership in place: ``GRANT OWNERSHIP ON <kind> <name> TO <role>`` (docs: reference/sql-syntax/command/
grant-ownership), for the kinds the page lists (no SECRET), and the preview's check of the page's two conditions.

DeltaStream transfers ownership "only if the current role is the owner of the object and has been granted the
destination role". The statement runs as the role the object was created as (:func:`.lifecycle.owner_session`: the
owner the program named, or the provider's role), so a preview checks, before anything is sent, that the kind's row
(the state, as the last read found it) shows that role as the owner, and, from one read of ``sys."roles"``, that the
role holds the new owner (``granted_roles``, followed transitively).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..deltastream import sql
from ..deltastream.session import Session
from ..errors import PlanError
from .base import Context, Refusal

if TYPE_CHECKING:  # the Role kind changes its owner here too: its module is imported where it is read
    from .role import RoleRow

#: The page's words for its kinds (each a statement kind ``GRANT OWNERSHIP ON <kind with spaces>`` in the register).
KINDS = ("COMPUTE_POOL", "DATABASE", "SCHEMA", "RELATION", "STORE", "SCHEMA_REGISTRY", "QUERY", "DESCRIPTOR_SOURCE",
         "FUNCTION_SOURCE", "FUNCTION", "ROLE")


def grant_statement(kind: str, target: str, role: str) -> sql.Statement:
    """``target`` is the object's name as SQL (quoted, qualified, or a query's bare id)."""
    assert kind in KINDS, kind
    return sql.statement([f"GRANT OWNERSHIP ON {kind} {target} TO {sql.ident(role)}"])


def acting_role(ctx: Context, owner: str | None) -> str:
    """The role a statement about the object runs as: ``owner`` (what the object was created as), or the
    provider's."""
    return owner or ctx.client.session.role or "sysadmin"


async def transfer(ctx: Context, kind: str, target: str, current: str | None, new: str | None) -> None:
    """``GRANT OWNERSHIP`` to ``new`` as the current owner ``current`` (the kind's row), when the program names
    another owner; an owner left unset is no change."""
    if new is not None and new != current:
        await ctx.client.execute(grant_statement(kind, target, new), session=Session(role=current) if current else None,
                                 timeout=ctx.remaining())


def held(rows: list[RoleRow], role: str) -> set[str] | None:
    """Every role ``role`` holds (itself, those granted to it, transitively, and ``public``, which every role
    holds); None when its row is not shown (the reader has no USAGE on it: nothing can be told)."""
    from .role import names

    granted = {row.name: names(row.granted_roles) for row in rows}
    if role not in granted:
        return None
    found, todo = {role, "public"}, [role]
    while todo:
        for child in granted.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def check(kind: str, old_input: str | None, row_owner: str | None, new: str) -> Refusal:
    """The preview's check of a change of the owner to ``new``: the two conditions of the page, each refused
    with the reason and the fix. ``old_input`` is the owner the program named before (None: the provider's role),
    ``row_owner`` the owner the kind's row showed at the last read (None: not read yet, not checked)."""
    async def refuse_if_denied(ctx: Context, resource_id: str) -> None:
        what = f"{kind} {resource_id!r}"
        current = acting_role(ctx, old_input)
        origin = "the owner the program named before" if old_input else "the provider's role"
        who = f"role {current!r} ({origin})"
        if row_owner is not None and row_owner != current:
            raise PlanError(
                f"owner: {what} is owned by {row_owner!r}, but the change would be made as {who}, and DeltaStream "
                f"transfers ownership only as the owning role (GRANT OWNERSHIP). If it was changed by hand, run "
                f"`pulumi refresh` first; otherwise set the provider's role (deltastream:role) to {row_owner!r}.")
        from .role import ROLES

        rows = await ctx.catalog.select(ROLES, {})
        holds = held(rows, current)
        shown = {row.name for row in rows}
        if holds is None and new not in shown:
            return  # neither role is shown to the provider's role: DeltaStream decides
        if holds is not None and new in holds:
            return
        if new not in shown and current == acting_role(ctx, None):
            raise PlanError(f"owner: role {new!r} does not exist (or {who} has not been granted it, so cannot see "
                            f"it): create it (a Role) and grant it to role {current!r} first (a RoleGrant with role "
                            f"{new!r} and toRole {current!r}), or keep the owner as it is.")
        if holds is not None:
            raise PlanError(
                f"owner: {who} has not been granted role {new!r}, and DeltaStream transfers the ownership of {what} "
                f"only to a role the owner has been granted (GRANT OWNERSHIP). Grant role {new!r} to role "
                f"{current!r} first (a RoleGrant with role {new!r} and toRole {current!r}, applied before this "
                f"change), or change the provider's role (deltastream:role) to one granted {new!r}.")
    return refuse_if_denied
