"""The dataplane route: how DeltaStream answers an interactive SELECT of a stream or changelog.

The statement's answer carries no rows but ``metadata.dataplaneRequest`` (``uri``, ``statementID``, ``token``,
``requestType: 'streaming'``); the client opens a websocket at ``uri``, sends ``{"type": "auth", "accessToken",
"sessionId"}`` and reads ``{"type": "metadata", "headers", "columns"}`` then one ``{"type": "data", "headers",
"data"}`` per row (deltastream-connector-python ``streaming_rows.py``, ts-deltastream ``streaming-rows.ts``).
A streaming SELECT never ends in DeltaStream; here the rows held are sent and the socket stays open until the
client closes it (both clients stop reading once the socket is closed, dropping rows not yet taken).
"""

from __future__ import annotations

import json
import secrets
from collections import OrderedDict
from dataclasses import dataclass

from aiohttp import WSCloseCode, WSMessage, WSMsgType, web

from .results import Outcome

PATH = "/dataplane/v2/statements/{statement_id}"
KEPT = 1_000  # streams opened by a SELECT but not yet read


@dataclass
class Streamed(Outcome):
    """An outcome whose rows go through the dataplane, not in the statement's answer."""


@dataclass(frozen=True)
class _Pending:
    token: str
    columns: list[tuple[str, str]]
    rows: list[list[str | None]]


class Dataplane:
    """Streams registered by SELECTs, each read once over a websocket with the token its answer gave."""

    def __init__(self) -> None:
        self._pending: OrderedDict[str, _Pending] = OrderedDict()
        self._open: set[web.WebSocketResponse] = set()
        self.sent: OrderedDict[str, int] = OrderedDict()  # rows sent per statement once all are: tests read it

    def register(self, base: web.Request, statement_id: str, columns: list[tuple[str, str]],
                 rows: list[list[str | None]]) -> dict[str, str]:
        """Keep the rows for ``statement_id``; the ``dataplaneRequest`` that tells the client where to read them."""
        token = secrets.token_urlsafe(24)
        self._pending[statement_id] = _Pending(token, columns, rows)
        while len(self._pending) > KEPT:
            self._pending.popitem(last=False)
        uri = base.url.with_scheme("wss" if base.secure else "ws").with_path(
            PATH.format(statement_id=statement_id)).with_query(None)
        return {"uri": str(uri), "statementID": statement_id, "token": token, "requestType": "streaming"}

    async def serve(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        first = await ws.receive()
        pending = self._pending.get(request.match_info["statement_id"])
        if not _authenticates(first, pending):
            await ws.close(code=WSCloseCode.POLICY_VIOLATION, message=b"unknown statement or wrong token")
            return ws
        assert pending is not None
        del self._pending[request.match_info["statement_id"]]
        await ws.send_json({"type": "metadata", "headers": {},
                            "columns": [{"name": n, "type": t, "nullable": True} for n, t in pending.columns]})
        self._open.add(ws)
        try:
            for row in pending.rows:
                await ws.send_json({"type": "data", "headers": {}, "data": row})
            self.sent[request.match_info["statement_id"]] = len(pending.rows)
            while len(self.sent) > KEPT:
                self.sent.popitem(last=False)
            async for _ in ws:  # held open, as a streaming query is, until the client closes it
                pass
        finally:
            self._open.discard(ws)
        return ws

    async def close_all(self) -> None:
        """The server stops: end the streams still open (a client sees the socket close)."""
        for ws in list(self._open):
            await ws.close(code=WSCloseCode.GOING_AWAY, message=b"server shutting down")


def _authenticates(message: WSMessage, pending: _Pending | None) -> bool:
    if pending is None or message.type != WSMsgType.TEXT:
        return False
    try:
        body = json.loads(message.data)
    except json.JSONDecodeError:
        return False
    return isinstance(body, dict) and body.get("type") == "auth" and secrets.compare_digest(
        str(body.get("accessToken")), pending.token)
