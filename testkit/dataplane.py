"""Reading an interactive SELECT of a stream or changelog as DeltaStream's clients do: the statement's answer gives
``metadata.dataplaneRequest``; the rows come over a websocket at its ``uri`` after an ``auth`` message."""

from __future__ import annotations

import json
from typing import Any

import httpx
from websockets.sync.client import connect

from . import TOKEN


def answer(url: str, statement: str, **context: str) -> dict[str, Any]:
    """A successful answer of ``POST <url>/statements`` (``url`` is the API base, ending in ``/v2``)."""
    body: dict[str, Any] = httpx.post(f"{url}/statements", json={"statement": statement, **context},
                                      headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30).json()
    assert body["sqlState"] == "00000", body
    return body


def stream(request: dict[str, str], count: int) -> tuple[list[dict[str, Any]], list[list[str | None]]]:
    """The metadata's columns and the first ``count`` rows of a ``dataplaneRequest``; the socket is closed after
    them (a streaming SELECT never ends by itself)."""
    assert request["requestType"] == "streaming", request
    with connect(request["uri"], open_timeout=30) as ws:
        ws.send(json.dumps({"type": "auth", "accessToken": request["token"], "sessionId": None}))
        metadata = json.loads(ws.recv(timeout=30))
        assert metadata["type"] == "metadata", metadata
        rows = []
        for _ in range(count):
            message = json.loads(ws.recv(timeout=30))
            assert message["type"] == "data", message
            rows.append(message["data"])
    return metadata["columns"], rows


def select(url: str, statement: str, count: int, **context: str) -> list[list[str | None]]:
    """The rows of an interactive SELECT of a stream or changelog: the first ``count``."""
    return stream(answer(url, statement, **context)["metadata"]["dataplaneRequest"], count)[1]
