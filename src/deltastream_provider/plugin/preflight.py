"""What a preview checks before it promises a plan that `pulumi up` would fail on: the session (token, organization,
role), once per provider process, and for each resource a create needs an organization privilege for (the kind's
``create_privilege``), that the role holds it, asked with DeltaStream's documented ``CAN I <privilege>`` (docs: CAN I,
GRANT PRIVILEGES). Namespaces, objects, entities and secrets need privileges on their database, schema or store, which
a preview cannot ask about before those exist: for them the session alone is checked.

The session is checked first and alone (``CAN I CREATE_DATABASE``), so a wrong server, token, organization or role is
one failure, reported once, not one per privilege; a process whose client has had an answer from DeltaStream already
(a lookup, a read) knows the session works and skips it. Each question is asked once per process and its answer (or
failure) shared by every preview that needs it, so a plan of many creates costs one statement per privilege, and at
most one more. A preview with no creates or updates never gets here: it sends nothing.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from ..deltastream import sql
from ..deltastream.reads import CAN_I
from ..errors import PermissionDeniedError
from ..kinds.registry import resource

if TYPE_CHECKING:
    from ..deltastream.client import DeltaStreamClient

SESSION_CHECK = "CREATE_DATABASE"  # any CAN I runs in the session; for a kind needing no privilege its answer is unread


class Preflight:
    """The answers of one provider process (one client: a new Configure starts again)."""

    def __init__(self, client: DeltaStreamClient) -> None:
        self.client = client
        self._answers: dict[str, asyncio.Future[bool]] = {}

    async def check(self, token: str, creating: bool) -> None:
        """Fail (with the error `up` would meet) unless the session works and, for a create, the role holds the
        privilege the kind needs."""
        kind = token.rsplit(":", 1)[-1]
        served = resource(token) if creating else None
        privilege = served.create_privilege if served is not None else None  # each kind declares its own
        if SESSION_CHECK in self._answers or not self.client.answered:
            await self._ask(SESSION_CHECK)
        if privilege is not None and not await self._ask(privilege):
            role = self.client.session.role or "the token's default"
            raise PermissionDeniedError(f"role {role!r} lacks the {privilege} privilege that creating a {kind} needs "
                                        f"(`CAN I {privilege}` answered false)")

    async def _ask(self, privilege: str) -> bool:
        """``CAN I <privilege>``, sent once: later and concurrent askers share the answer, or the failure."""
        answer = self._answers.get(privilege)
        if answer is None:
            answer = self._answers[privilege] = asyncio.ensure_future(self._send(privilege))
        return await asyncio.shield(answer)

    async def _send(self, privilege: str) -> bool:
        result = await self.client.execute(sql.can_i(privilege))
        cell = CAN_I.get(result.rows[0], "answer") if result.rows else None
        return cell is True or str(cell).lower() == "true"
