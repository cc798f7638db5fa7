"""Lifecycle patterns several resources share, one helper each: the owner (how it is documented, the session a create
runs in, what a read reports; a change in place is :mod:`.ownership`'s), the probe that waits for ready and fails on
errored, an update that waits for ready again, the undo of a half-made create, what ``existing`` reports, and the
error of an update that finds its resource gone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Protocol, TypeVar

from ..deltastream.session import Session
from ..deltastream.sql import Statement
from ..errors import NotFoundError
from .base import Context, Existing

Row = TypeVar("Row")

OWNER_DOC = ("Role that owns it. Default: the provider's role. The create runs as this role, so DeltaStream makes it "
             "the owner. A change is made in place (GRANT OWNERSHIP, sent as the provider's role), which DeltaStream "
             "allows only when the provider's role owns it (or has been granted its owner) and has been granted the "
             "new one: a preview checks both. Unset after a create: the owner is left as it is.")
#: The owner of a kind DeltaStream's GRANT OWNERSHIP does not list (a secret).
FIXED_OWNER_DOC = ("Role that owns it. Default: the provider's role. The create runs as this role, so DeltaStream "
                   "makes it the owner. DeltaStream's GRANT OWNERSHIP does not list this kind, so a change is refused "
                   "at preview.")


class Owned(Protocol):
    @property
    def owner(self) -> str | None: ...


class Created(Protocol):
    @property
    def created_at(self) -> str | None: ...


def owner_session(owner: str | None) -> Session | None:
    """The session a create runs in: as the owner's role, so DeltaStream makes it the owner (None: the provider's)."""
    return Session(role=owner) if owner else None


def owner_as_read(inputs: Owned | None, row: Owned) -> str | None:
    """The owner input a read reports: DeltaStream's where the program names one; none where the program leaves the
    owner to the provider's role (so that is no diff), and none on import."""
    return row.owner if inputs is not None and inputs.owner is not None else None


async def ready_row(lookup: Callable[[], Awaitable[Row | None]], *, field: str = "status", ready: str = "ready",
                    errored: Callable[[Row], Exception | Awaitable[Exception]] | None = None) -> Row | None:
    """A probe for :meth:`Context.wait_until`: the row once its ``field`` reads ``ready``; when it reads ``errored``,
    the exception ``errored`` makes from the row is raised (without ``errored``, one errored is waited on)."""
    row = await lookup()
    if row is None:
        return None
    if errored is not None and getattr(row, field) == "errored":
        failure = errored(row)
        raise failure if isinstance(failure, Exception) else await failure
    return row if getattr(row, field) == ready else None


async def update_then_wait(ctx: Context, statement: Statement, probe: Callable[[], Awaitable[Row | None]],
                           what: str) -> Row:
    """An ``UPDATE``, then the wait until ``probe`` sees ``what`` ready again, within the call's timeout."""
    await ctx.client.execute(statement, timeout=ctx.remaining())
    return await ctx.wait_until(probe, f"{what} to be ready after the update")


def dropping(ctx: Context, statement: Statement, session: Session | None = None) -> Callable[[], Awaitable[None]]:
    """The undo of a half-made create (for ``create_then_wait``): its ``DROP``, sent once as the role that created
    it."""
    async def undo() -> None:
        await ctx.client.execute(statement, session=session)
    return undo


def existing_row(row: Created | None, resource_id: str) -> Existing:
    """What ``existing`` reports of a row read by the kind's lookup: the id and DeltaStream's creation time."""
    return (resource_id, row.created_at) if row is not None else None


def gone(what: str) -> NotFoundError:
    """An update that finds its resource gone."""
    return NotFoundError(f"{what} no longer exists; run `pulumi refresh`")
