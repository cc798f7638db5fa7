"""The HTTP side of the local server: DeltaStream's API v2 wire contract over aiohttp.

Envelopes, context echo, 202 + polling, partition paging and HTTP errors follow the API contract;
choices where real behaviour is unconfirmed are listed in ``CHOICES.md`` beside this module.
"""

from __future__ import annotations

import asyncio
import email.parser
import email.policy
import json
import random
import threading
import time
import uuid
from collections import Counter, OrderedDict, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, NoReturn

from aiohttp import hdrs, web

from . import schema_registry
from .catalog import Catalog
from .dataplane import PATH as DATAPLANE_PATH
from .dataplane import Dataplane, Streamed
from .engine import Engine
from .families.api_tokens import authenticated_role
from .families.file_sources import KINDS as FILE_SOURCE_KINDS
from .families.file_sources import download
from .families.privileges import provision
from .families.roles import SESSION_ROLE, effective_roles, ensure_roles, role_exists
from .knobs import Knobs
from .parser import SqlSyntaxError, parse
from .results import Outcome, SessionState, SqlFailure

SUCCESS, RUNNING = "00000", "03000"
KEPT_RESULTS = 50_000  # statements whose results stay retrievable by id (polling, partitions)
NEVER = 2**31  # polls a never-answered statement stays running


@dataclass
class StoredResult:
    """A statement's final answer, kept for polling and paging."""

    statement_id: str
    created_on: int
    sql_state: str = SUCCESS
    message: str | None = None
    columns: list[tuple[str, str]] = field(default_factory=list)
    rows: list[list[str | None]] = field(default_factory=list)
    context: dict[str, str] = field(default_factory=dict)
    statement_ids: list[str] = field(default_factory=list)
    polls_left: int = 0
    dataplane_request: dict[str, str] | None = None  # rows to read through the dataplane instead of ``data``

    def page(self, partition: int, page_size: int) -> dict[str, Any]:
        size = page_size or max(len(self.rows), 1)
        pages = [self.rows[i:i + size] for i in range(0, len(self.rows), size)]
        body: dict[str, Any] = {
            "sqlState": self.sql_state, "statementID": self.statement_id, "createdOn": self.created_on,
            "metadata": {"encoding": "json", "partitionInfo": [{"rowCount": len(p)} for p in pages],
                         "columns": [{"name": n, "type": t, "nullable": True} for n, t in self.columns],
                         "context": self.context},
        }
        if self.sql_state != SUCCESS:
            body["message"] = self.message
        elif self.dataplane_request is not None:
            body["metadata"]["dataplaneRequest"] = self.dataplane_request
        else:
            body["data"] = pages[partition] if partition < len(pages) else []
        if len(self.statement_ids) > 1:
            body["statementIDs"] = self.statement_ids
        return body

    def status(self) -> dict[str, Any]:
        return {"sqlState": RUNNING, "statementID": self.statement_id, "createdOn": self.created_on,
                "message": "statement is running"}


class Counters:
    def __init__(self) -> None:
        self.requests: Counter[str] = Counter()
        self.statements: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        self.sql_states: Counter[str] = Counter()
        self.texts: deque[str] = deque(maxlen=1000)  # the last requests' SQL as received, for tests to read
        self.compute_pools: Counter[str] = Counter()  # "<pool> <statement kind>" of each statement sent in a pool
        self.peers: set[str] = set()
        self._ran = threading.Condition()

    def count_statement(self, kind: str) -> None:
        with self._ran:
            self.statements[kind] += 1
            self._ran.notify_all()

    def wait_for_statements(self, kind: str, count: int, timeout: float) -> bool:
        """Block until ``count`` statements of ``kind`` have run (False after ``timeout`` s): a test waits on the
        server's progress instead of sleeping."""
        with self._ran:
            return self._ran.wait_for(lambda: self.statements[kind] >= count, timeout)

    def as_dict(self) -> dict[str, Any]:
        return {"requests": dict(self.requests), "statements": dict(self.statements),
                "statuses": dict(self.statuses), "sqlStates": dict(self.sql_states),
                "connections": len(self.peers)}


def _json(body: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=json.dumps(body), status=status, content_type="application/json", headers=headers)


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return _json({"message": message}, status, headers)


class LocalServer:
    """``tokens`` maps each accepted API token to the role it acts as; ``roles`` (and the tokens' roles) are made in
    the catalog's ``roles`` when missing, granted to sysadmin."""

    def __init__(self, catalog: Catalog, knobs: Knobs, tokens: dict[str, str],
                 roles: frozenset[str] = frozenset(), clock: Callable[[], float] = time.time) -> None:
        self.catalog = catalog
        with catalog.transaction() as db:
            ensure_roles(db, roles | frozenset(tokens.values()), clock())
            provision(db, roles | frozenset(tokens.values()), clock())
        self.knobs = knobs
        self.tokens = tokens
        self.engine = Engine(catalog, knobs, clock)
        self.clock = clock
        self.stopping = False  # set when the server shuts down: requests held by latency are let go
        self.results: OrderedDict[str, StoredResult] = OrderedDict()
        self.counters = Counters()
        self.dataplane = Dataplane()
        self.app = web.Application(middlewares=[self._middleware], client_max_size=64 * 1024 * 1024)
        self.app.on_shutdown.append(self._stop_holding)
        self.app.on_shutdown.append(lambda app: self.dataplane.close_all())
        self.app.add_routes([
            web.get("/v2/version", self.version),
            web.post("/v2/statements", self.submit),
            web.get("/v2/statements/{statement_id}", self.status),
            web.get("/v2/download/{resource_type}/{organization_id}/{name}", self.download),
            web.get(DATAPLANE_PATH, self.dataplane.serve),
            web.get("/admin/knobs", self.get_knobs),
            web.put("/admin/knobs", self.put_knobs),
            web.get("/admin/counters", self.get_counters),
            web.post("/admin/reset", self.reset_counters),
            *schema_registry.routes(catalog.transaction),
        ])

    # --- cross-cutting: auth, counters, latency, injected faults ------------------------------

    @web.middleware
    async def _middleware(self, request: web.Request,
                          handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> web.StreamResponse:
        route = request.match_info.route.resource.canonical if request.match_info.route.resource else request.path
        self.counters.requests[f"{request.method} {route}"] += 1
        if request.transport is not None:
            self.counters.peers.add(str(request.transport.get_extra_info("peername")))
        response = await self._handle(request, handler, route)
        self.counters.statuses[str(response.status)] += 1
        return response

    async def _handle(self, request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
                      route: str) -> web.StreamResponse:
        if request.match_info.http_exception is not None:
            return _error(request.match_info.http_exception.status, f"path not found: {request.path}")
        if route == DATAPLANE_PATH:  # authenticated by its first message, and not a statement the knobs fail
            return await handler(request)
        if route.startswith(schema_registry.PATH):  # a schema registry of its own: no DeltaStream token, no faults
            return await handler(request)
        if self._role(request) is None:
            return _error(403, "invalid token: error while authenticating with server")
        if route.startswith("/admin"):
            return await handler(request)
        if self.knobs.latency_ms or self.knobs.jitter_ms:
            await self._delay((self.knobs.latency_ms + random.uniform(0, self.knobs.jitter_ms)) / 1000)
        if self.knobs.due("429"):
            return _error(429, "rate limit exceeded", {"Retry-After": f"{self.knobs.retry_after_s:g}"})
        if self.knobs.due("503"):
            return _error(503, "service unavailable")
        if self.knobs.due("504"):
            await handler(request)
            return _error(504, "gateway timeout")
        if self.knobs.due("drop"):
            if self.knobs.drop_after_processing:
                await handler(request)
            self._drop(request)
        return await handler(request)

    async def _stop_holding(self, app: web.Application) -> None:
        self.stopping = True

    async def _delay(self, seconds: float) -> None:
        """The latency knobs: real seconds, or, under a test's clock, until that clock has moved past them, so a test
        that never advances it gets no answer whatever the machine's speed (setting the knobs back to 0 releases the
        requests held)."""
        if self.clock is time.time:
            await asyncio.sleep(seconds)
            return
        until = self.clock() + seconds
        # The test's clock moves on the test's thread and notifies no one here, so the wait polls it.
        while self.clock() < until and (self.knobs.latency_ms or self.knobs.jitter_ms) and not self.stopping:  # noqa: ASYNC110
            await asyncio.sleep(0.005)

    def _drop(self, request: web.Request) -> NoReturn:
        """Close the connection without an answer, as a failing network or proxy does."""
        assert request.transport is not None
        request.transport.close()
        raise ConnectionResetError("connection dropped by the local server's fault knobs")

    def _role(self, request: web.Request) -> str | None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        return self.tokens.get(token) or self._issued_role(token)

    def _issued_role(self, token: str) -> str | None:
        """The role of a token made by CREATE API_TOKEN (its Last Used set), or None."""
        with self.catalog.transaction() as db:
            return authenticated_role(db, token, self.clock())

    # --- API ----------------------------------------------------------------------------------

    async def version(self, request: web.Request) -> web.Response:
        return _json({"major": 2, "minor": 0, "patch": 0})

    async def submit(self, request: web.Request) -> web.Response:
        try:
            body, attachments = await self._read_request(request)
        except ValueError as exc:
            return _error(400, str(exc))
        statement = body.get("statement")
        if not isinstance(statement, str) or not statement.strip():
            return _error(400, "request must contain a non-empty 'statement'")
        wire = {fault: self.knobs.failure_for(statement, fault)
                for fault in ("drop_before", "drop_after", "504", "never_answered")}
        if wire["drop_before"]:
            self._drop(request)
        result = await self._execute(statement, self._session(body, request), attachments, request)
        if wire["drop_after"]:
            self._drop(request)
        if wire["504"]:
            return _error(504, "gateway timeout")
        self.results[result.statement_id] = result
        while len(self.results) > KEPT_RESULTS:  # a long-running server keeps the newest answers only
            self.results.popitem(last=False)
        if self.knobs.async_polls > 0 or wire["never_answered"]:
            result.polls_left = NEVER if wire["never_answered"] else self.knobs.async_polls
            return _json(result.status(), 202)
        return _json(result.page(0, self.knobs.page_size))

    async def status(self, request: web.Request) -> web.Response:
        result = self.results.get(request.match_info["statement_id"])
        if result is None:
            return _error(404, "statement not found")
        if result.polls_left > 0:
            result.polls_left -= 1
            return _json(result.status(), 202)
        try:
            partition = int(request.query.get("partitionID", "0"))
        except ValueError:
            return _error(400, "partitionID must be an integer")
        return _json(result.page(partition, self.knobs.page_size))

    async def download(self, request: web.Request) -> web.Response:
        """A function or descriptor source's file, as sent when it was created (``application/octet-stream``)."""
        kind, org = request.match_info["resource_type"], request.match_info["organization_id"]
        if kind not in FILE_SOURCE_KINDS:
            return _error(400, f"resource type must be one of {', '.join(FILE_SOURCE_KINDS)}, not {kind!r}")
        if org not in (self.catalog.organization.id, self.catalog.organization.name):
            return _error(404, f"organization {org!r} does not exist")
        with self.catalog.transaction() as db:
            found = download(db, kind, request.match_info["name"])
        if found is None:
            return _error(404, f"{kind.replace('_', ' ')} {request.match_info['name']!r} does not exist")
        file_name, content = found
        return web.Response(body=content, content_type="application/octet-stream",
                            headers={hdrs.CONTENT_DISPOSITION: f'attachment; filename="{file_name}"'})

    async def _read_request(self, request: web.Request) -> tuple[dict[str, Any], dict[str, bytes]]:
        if not request.content_type.startswith("multipart/"):
            return _parse_json(await request.text()), {}
        body: dict[str, Any] | None = None
        attachments: dict[str, bytes] = {}
        for name, filename, content in _form_parts(request.headers[hdrs.CONTENT_TYPE], await request.read()):
            if name == "request":
                body = _parse_json(content.decode())
            elif name == "attachments":
                attachments[filename or "attachment"] = content
        if body is None:
            raise ValueError("multipart request has no 'request' part")
        return body, attachments

    def _session(self, body: dict[str, Any], request: web.Request) -> SessionState | SqlFailure:
        organization = body.get("organization")
        org = self.catalog.organization
        if organization and organization not in (org.id, org.name):
            return SqlFailure("3D004", f"organization {organization!r} does not exist")
        database, schema = body.get("database"), body.get("schema")
        token_role = self._role(request) or "sysadmin"
        role = body.get("role") or token_role
        with self.catalog.transaction() as db:
            if not role_exists(db, role):
                return SqlFailure("3D001", f"role {role!r} does not exist")
            if role not in effective_roles(db, token_role):
                return SqlFailure("3D001", f"role {role!r} is not granted to the token's role {token_role!r}")
        SESSION_ROLE.set(role)  # what sys."roles" shows this request
        return SessionState(organization=org.id, role=role,
                       database=database, schema=schema or ("public" if database else None),
                       store=body.get("store"), compute_pool=body.get("computePool"))

    async def _execute(self, sql: str, session: SessionState | SqlFailure,
                       attachments: dict[str, bytes], request: web.Request) -> StoredResult:
        result = StoredResult(str(uuid.uuid4()), int(time.time()))
        if isinstance(session, SqlFailure):
            return self._failed(result, session, {"organizationID": self.catalog.organization.id})
        result.context = session.context()
        self.counters.texts.append(sql)
        try:
            parsed = parse(sql)
        except SqlSyntaxError as exc:
            return self._failed(result, SqlFailure("42601", str(exc)), result.context)
        if not parsed:
            return self._failed(result, SqlFailure("42601", "no statement to run"), result.context)
        outcome: Outcome | None = None
        for index, statement in enumerate(parsed):
            statement_id = result.statement_id if index == len(parsed) - 1 else str(uuid.uuid4())
            result.statement_ids.append(statement_id)
            self.counters.count_statement(statement.kind)
            if session.compute_pool:
                self.counters.compute_pools[f"{session.compute_pool} {statement.kind}"] += 1
            try:
                outcome = await self.engine.run(statement, session, attachments)
            except SqlFailure as failure:
                result.statement_id = statement_id
                return self._failed(result, failure, session.context())
            session = outcome.session
        assert outcome is not None
        result.columns, result.rows, result.context = outcome.columns, outcome.rows, outcome.session.context()
        if isinstance(outcome, Streamed):
            result.dataplane_request = self.dataplane.register(request, result.statement_id, outcome.columns,
                                                               outcome.rows)
            result.rows = []
        self.counters.sql_states[SUCCESS] += 1
        return result

    def _failed(self, result: StoredResult, failure: SqlFailure, context: dict[str, str]) -> StoredResult:
        self.counters.sql_states[failure.code] += 1
        result.sql_state, result.message, result.context = failure.code, failure.message, context
        return result

    # --- admin --------------------------------------------------------------------------------

    async def get_knobs(self, request: web.Request) -> web.Response:
        return _json(self.knobs.as_dict())

    async def put_knobs(self, request: web.Request) -> web.Response:
        try:
            self.knobs.update(_parse_json(await request.text()))
        except (ValueError, TypeError) as exc:
            return _error(400, str(exc))
        return _json(self.knobs.as_dict())

    async def get_counters(self, request: web.Request) -> web.Response:
        return _json(self.counters.as_dict())

    async def reset_counters(self, request: web.Request) -> web.Response:
        self.counters = Counters()
        return _json({})


def _parse_json(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"request body is not JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise ValueError("request body must be a JSON object")
    return value


def _form_parts(content_type: str, body: bytes) -> list[tuple[str | None, str | None, bytes]]:
    """Each part's ``name``, ``filename`` and bytes. Parsed with the standard library's MIME parser, which
    reads Go's ``form-data; name="request";`` (a trailing semicolon) as it is meant; aiohttp's own multipart
    reader warns about that header on every request from DeltaStream's Go driver."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    if not message.is_multipart():
        raise ValueError("multipart request has no parts (is the boundary right?)")
    parts = []
    for part in message.iter_parts():
        if part.is_multipart():
            raise ValueError("nested multipart bodies are not supported")
        name = part.get_param("name", header=hdrs.CONTENT_DISPOSITION)
        content = part.get_payload(decode=True)
        parts.append((name if isinstance(name, str) else None, part.get_filename(),
                      content if isinstance(content, bytes) else b""))
    return parts
