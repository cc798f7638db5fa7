"""Provider logs go to the engine (shown by `pulumi up -v=N` / `--logtostderr`), never to stdout.

Every message leaves through :meth:`EngineLog.log`, which removes the call's known secret values
(:func:`redaction.redact_known`) whatever the level; records are redacted in place first, so no handler sees them
in the clear either.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Any

import grpc
from pulumi.runtime.proto import engine_pb2, engine_pb2_grpc

from ..deltastream.redaction import redact_known, redact_sql

_SEVERITY = {logging.DEBUG: engine_pb2.DEBUG, logging.INFO: engine_pb2.INFO, logging.WARNING: engine_pb2.WARNING,
             logging.ERROR: engine_pb2.ERROR}


class EngineLog:
    """The engine's log service; also used for status messages and warnings on a resource."""

    def __init__(self, address: str | None) -> None:
        # The stub is built on an asyncio channel, so its calls are awaitable (the generated stubs type them sync).
        self._stub: Any = None
        if address:
            self._stub = engine_pb2_grpc.EngineStub(grpc.aio.insecure_channel(address))

    async def log(self, severity: engine_pb2.LogSeverity.ValueType, message: str, urn: str = "",
                  ephemeral: bool = False) -> None:
        message = redact_known(message)
        if self._stub is None:
            print(message, file=sys.stderr)
            return
        try:
            await self._stub.Log(engine_pb2.LogRequest(severity=severity, message=message, urn=urn,
                                                       ephemeral=ephemeral))
        except grpc.aio.AioRpcError:
            print(message, file=sys.stderr)

    async def status(self, urn: str, message: str) -> None:
        await self.log(engine_pb2.INFO, message, urn, ephemeral=True)

    async def info(self, message: str, urn: str = "") -> None:
        await self.log(engine_pb2.INFO, message, urn)

    async def warn(self, message: str, urn: str = "") -> None:
        await self.log(engine_pb2.WARNING, message, urn)


class Redacting(logging.Filter):
    """Rewrites a record without secrets: its message (SQL by pattern, the call's known values) and traceback. The
    record is changed in place, so handlers of parent loggers, which run after this one, get it redacted too."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact_known(redact_sql(record.getMessage()))
        record.args = None
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact_known(redact_sql(record.exc_text))
        return True


class EngineHandler(logging.Handler):
    """Forwards Python log records to the engine, redacted (:class:`Redacting`)."""

    def __init__(self, engine: EngineLog) -> None:
        super().__init__()
        self.engine = engine
        self.addFilter(Redacting())
        self._sending: set[asyncio.Task[None]] = set()  # held until sent: the loop keeps only weak references
        self._pending: list[tuple[engine_pb2.LogSeverity.ValueType, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            return
        if not self._pending:
            loop.call_soon(self._send, loop)
        self._pending.append((_SEVERITY.get(record.levelno, engine_pb2.DEBUG), self.format(record)))

    def _send(self, loop: asyncio.AbstractEventLoop) -> None:
        """The records of one turn of the loop (the SQL trace of every statement answered in it) as one Log call
        per run of a severity, in order: each Log call is a gRPC call of its own, and a refresh's statements are
        answered in bursts."""
        pending, self._pending = self._pending, []
        start = 0
        for end in range(1, len(pending) + 1):
            if end == len(pending) or pending[end][0] != pending[start][0]:
                task = loop.create_task(self.engine.log(pending[start][0], "\n".join(m for _, m in pending[start:end])))
                self._sending.add(task)
                task.add_done_callback(self._sending.discard)
                start = end


LOGGERS = ("deltastream", "deltastream_provider")  # the client's traces, and the modules logging by __name__


def install(engine: EngineLog) -> None:
    handler = EngineHandler(engine)
    handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    for name in LOGGERS:
        root = logging.getLogger(name)
        root.addHandler(handler)
        root.setLevel(logging.DEBUG)  # the engine shows debug messages only when asked (--debug, -v)
        root.propagate = False
