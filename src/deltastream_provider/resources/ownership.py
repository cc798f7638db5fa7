"""Ownership in place: ``GRANT OWNERSHIP ON <kind> <name> TO <role>`` (docs: reference/sql-syntax/command/
grant-ownership), for the kinds the page lists (no SECRET), and the preview's check of the page's two conditions.

DeltaStream transfers ownership "only if the current role is the owner of the object and has been granted the
destination role". The statement runs as the provider's role, the current role of its session. A role holds what it
has been granted (the docs' access control: a role inherits the privileges of the roles granted to it, ownership
among them), so the provider's role acts as the owner of what a role granted to it owns; read that way, an owner
changed by hand can be changed back, which a strict reading (only the owner itself) would forbid for good. A preview
checks both conditions before anything is sent, from the kind's row (the state, as the last read found it) and one
read of ``sys."roles"`` (``granted_roles``, followed transitively).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..deltastream import sql
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


async def transfer(ctx: Context, kind: str, target: str, current: str | None, new: str | None) -> None:
    """``GRANT OWNERSHIP`` to ``new``, as the provider's role, when the program names an owner other than the
    ``current`` one (the kind's row); an owner left unset is no change."""
    if new is not None and new != current:
        await ctx.client.execute(grant_statement(kind, target, new), timeout=ctx.remaining())


def held(rows: list[RoleRow], role: str) -> set[str]:
    """Every role ``role`` holds: itself, those granted to it, transitively, and ``public``, which every role holds
    (a role whose row is not shown holds only itself, as far as can be told)."""
    from .role import names

    granted = {row.name: names(row.granted_roles) for row in rows}
    found, todo = {role, "public"}, [role]
    while todo:
        for child in granted.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def check(kind: str, row_owner: str | None, new: str) -> Refusal:
    """The preview's check of a change of the owner to ``new``: the page's two conditions, each refused with the
    reason and the fix. ``row_owner`` is the owner the kind's row showed at the last read (None: not read yet, so
    the first condition is left to DeltaStream)."""
    async def refuse_if_denied(ctx: Context, resource_id: str) -> None:
        from .role import ROLES

        current = ctx.client.session.role or "sysadmin"
        holds = held(await ctx.catalog.select(ROLES, {}), current)
        what, who = f"{kind} {resource_id!r}", f"the provider's role {current!r}"
        if row_owner is not None and row_owner not in holds:
            raise PlanError(
                f"owner: {what} is owned by {row_owner!r}, which {who} has not been granted, and DeltaStream lets "
                f"only the owner transfer ownership (GRANT OWNERSHIP). Grant role {row_owner!r} to role {current!r} "
                f"first (a RoleGrant with role {row_owner!r} and toRole {current!r}), or change the provider's role "
                f"(deltastream:role) to one granted {row_owner!r}; if the owner was changed by hand, run "
                "`pulumi refresh` first.")
        if new not in holds:
            raise PlanError(
                f"owner: {who} has not been granted role {new!r} (or no such role exists), and DeltaStream "
                f"transfers the ownership of {what} only to a role the current role has been granted (GRANT "
                f"OWNERSHIP). Grant role {new!r} to role "
                f"{current!r} first (a RoleGrant with role {new!r} and toRole {current!r}, applied before this "
                f"change), or change the provider's role (deltastream:role) to one granted {new!r}.")
    return refuse_if_denied
