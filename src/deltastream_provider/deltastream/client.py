"""An async client for DeltaStream's REST API v2: SQL statements over HTTP.

One pooled keep-alive ``httpx.AsyncClient`` per instance (the provider makes one per process).
Statements may answer 202 and are then polled, first at once and then with backoff; results may be
split into partitions, which are fetched concurrently. Failures that may pass (429, 503, a dropped connection) are
retried with jittered exponential backoff, each retry reported to the call's user (:func:`.waiting.report`); those
waiting cannot fix (a host that does not resolve, a certificate that does not verify, a rejected token) fail at
once, and a refused connection after a few quick tries. A mutating statement whose outcome is unknown is never
resent: :class:`OutcomeUnknownError` is raised instead, and callers reconcile from the system tables.
"""

from __future__ import annotations

import asyncio
import errno
import functools
import json
import logging
import os
import random
import socket
import ssl
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

import httpx

from .. import __version__
from ..config import ProviderConfig, setting
from ..errors import (
    AuthenticationError,
    CallTimeoutError,
    ConnectFailed,
    ConnectRefused,
    DeltaStreamError,
    NoAnswerError,
    NotReachable,
    OutcomeUnknownError,
    RateLimitedError,
    ServiceUnavailableError,
    SessionError,
    StatementTimeoutError,
    TransportError,
    http_error,
    sql_error,
)
from .network import AsyncioTransport, proxy_for
from .redaction import secrets_known
from .session import Session
from .sql import Statement, list_organizations, raw
from .values import cell_value
from .waiting import Deadline, current_deadline, duration, report, report_due, still_waiting

log = logging.getLogger("deltastream.client")

SUCCESS = "00000"
RUNNING = "03000"


@dataclass(frozen=True)
class ResultColumn:
    name: str
    type: str
    nullable: bool = True


@dataclass(frozen=True)
class Result:
    """A complete result: every partition, cells decoded by column type."""

    statement_id: str
    columns: tuple[ResultColumn, ...]
    rows: tuple[tuple[Any, ...], ...]
    context: Session

    def records(self) -> list[dict[str, Any]]:
        names = [c.name for c in self.columns]
        return [dict(zip(names, row, strict=True)) for row in self.rows]


@dataclass(frozen=True)
class Timeouts:
    """Per-request limits in seconds; a statement's overall deadline is given per call. ``report_after``: a request
    unanswered that long is reported as still waiting (and again every ``report_after`` seconds)."""

    connect: float = 10.0
    read: float = 60.0
    write: float = 30.0
    pool: float = 30.0
    report_after: float = 10.0

    def httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


@dataclass(frozen=True)
class RetryPolicy:
    """``attempts`` in all for a failure that may pass; a connection refused or not taken within the connect timeout
    gets ``refused_delays`` (a server restarting comes back within them; a port typo fails in their sum, 1.75 s)."""

    attempts: int = 10
    base_delay: float = 0.2
    max_delay: float = 20.0
    first_poll_delay: float = 0.0
    poll_delay: float = 0.05
    max_poll_delay: float = 1.0
    refused_delays: tuple[float, ...] = (0.25, 0.5, 1.0)


@dataclass
class ClientStats:
    """Counters a benchmark or a test reads."""

    requests: int = 0
    retries: int = 0
    polls: int = 0
    statements: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


class DeltaStreamClient:
    def __init__(self, server: str, api_key: str, *, session: Session = Session(), session_id: str | None = None,
                 verify: bool = True, timeouts: Timeouts = Timeouts(), retry: RetryPolicy = RetryPolicy(),
                 max_connections: int = 32, trust_env: bool = True,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep) -> None:
        self.server = server.rstrip("/")
        self.session = session
        self.session_id = session_id
        self.retry = retry
        self.timeouts = timeouts
        self._sleep = sleep  # between retries; a test gives a clock of its own
        self._reports: set[asyncio.Task[None]] = set()  # "still waiting" lines in flight (the loop holds weak refs)
        self.stats = ClientStats()
        self.answered = False  # a statement has succeeded: the token, organization and role work
        # Moves when a mutating statement is sent and again when it ends: a read shared across calls is good until
        # this moves, so one begun while a change was in flight is not served after it.
        self.changes = 0
        self._api_key = api_key
        self._org_lock = asyncio.Lock()
        agent = f"pulumi-deltastream-provider/{__version__}" + (f" session/{session_id}" if session_id else "")
        self._headers = httpx.Headers({"Authorization": f"Bearer {api_key}", "User-Agent": agent,
                                       "Accept": "application/json"})
        self._extensions = {"timeout": timeouts.httpx().as_dict()}
        self._statements = httpx.URL(self.server + "/statements")
        # Requests go straight to the transport: an httpx.AsyncClient would add cookie, redirect and authentication
        # handling the API does not use (a tenth of a request's CPU). A plain-HTTP server has no TLS to verify:
        # not loading the CA bundle saves about 50 ms of CPU per process. The proxy is the one the environment names
        # for the server, as httpx.AsyncClient chooses it (trust_env): the doctor's checks take the same path.
        self.proxy = proxy_for(self.server) if trust_env else None
        checked = verify and self.server.startswith("https://")
        self._transport = AsyncioTransport(
            verify=verified_tls(trust_env) if checked else False, trust_env=trust_env, proxy=self.proxy,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections,
                                keepalive_expiry=120))

    async def __aenter__(self) -> DeltaStreamClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._transport.aclose()

    # --- public API ---------------------------------------------------------------------------

    async def version(self) -> dict[str, int]:
        response = await self._send(lambda: self._request("GET", httpx.URL(self.server + "/version")), resendable=True,
                                    what="GET /version")
        version: dict[str, int] = response.json()
        return version

    async def execute(self, statement: Statement | str, *, session: Session | None = None,
                      timeout: float | None = None) -> Result:
        """Run one statement to completion and return its whole result.

        ``timeout`` bounds the whole statement including polling (Pulumi's customTimeouts).
        """
        if isinstance(statement, str):
            statement = raw(statement)
        if not statement.mutating:
            return await self._run(statement, self.session.merged(session), timeout)
        self.changes += 1
        try:
            return await self._run(statement, self.session.merged(session), timeout)
        finally:
            self.changes += 1  # a read shared while it ran may have been answered before it landed

    async def _run(self, statement: Statement, context: Session, timeout: float | None) -> Result:
        """Run within ``timeout`` and within the deadline of the provider call it belongs to, whichever ends first."""
        accepted: list[str] = []
        call = current_deadline()
        binding = call if call is not None and (not timeout or call.left() <= timeout) else None
        limit = binding.left() if binding is not None else timeout
        if not limit:
            if binding is not None:  # the call is out of time: nothing more is sent
                raise CallTimeoutError(f"{statement_kind(statement.sql)} not sent: the call's {binding.seconds:g}s "
                                       f"timeout ({binding.setting}) had run out: {statement.redacted}",
                                       hint=f"Raise {binding.setting}")
            return await self._complete(statement, context, None, accepted)
        try:
            async with asyncio.timeout(limit):
                return await self._complete(statement, context, time.monotonic() + limit, accepted)
        except TimeoutError:
            raise self._late(statement, timeout, binding, accepted) from None

    @staticmethod
    def _late(statement: Statement, timeout: float | None, call: Deadline | None,
              accepted: list[str]) -> DeltaStreamError:
        """The error for a statement out of time, naming its kind, the timeout and what sets it."""
        seconds = _rounded(call.seconds if call is not None else timeout or 0)
        kind = statement_kind(statement.sql)
        if statement.mutating:  # unanswered, or accepted and still running: it may yet land, so settle by reading
            running = f" (accepted as {accepted[0]}, still running)" if accepted and accepted[0] else ""
            return OutcomeUnknownError(f"no answer within {seconds}s to a mutating statement ({kind}){running}: "
                                       f"{statement.redacted}")
        where = f" (the call's timeout, {call.setting})" if call is not None else ""
        return (CallTimeoutError if call is not None else StatementTimeoutError)(
            f"{kind} did not finish in time: still running after {seconds}s{where}: {statement.redacted}",
            statement_id=accepted[0] if accepted and accepted[0] else None,
            hint=f"Raise {call.setting}, or check the statement in DeltaStream" if call is not None else None)

    async def _complete(self, statement: Statement, context: Session, deadline: float | None,
                        accepted: list[str]) -> Result:
        """Send, poll while it runs, and fetch every partition of the result; ``accepted`` gets the statement id as
        soon as DeltaStream has answered the request (from then on its outcome is DeltaStream's to tell)."""
        kind = statement.sql.split(None, 1)[0].upper() if statement.sql.strip() else "?"
        self.stats.statements += 1
        self.stats.by_kind[kind] = self.stats.by_kind.get(kind, 0) + 1
        started = time.monotonic()
        try:
            response = await self._send(lambda: self._statement_request(statement, context),
                                        resendable=not statement.mutating, what=statement_kind(statement.sql))
            body = response.json()
            accepted.append(str(body.get("statementID") or ""))
            if response.status_code == 202 or body.get("sqlState") == RUNNING:
                body = await self._poll(body["statementID"], deadline, statement)
            result = await self._result(body)
            self.answered = True
        except DeltaStreamError as exc:
            with secrets_known(statement.secrets, [self._api_key]):  # DeltaStream's text may echo them
                log.debug("sql failed after %.3fs: %s: %s", time.monotonic() - started, statement.redacted, exc)
            raise
        log.debug("sql %.3fs %s rows=%d: %s", time.monotonic() - started, result.statement_id,
                  len(result.rows), statement.redacted)
        return result

    async def organization_id(self) -> str | None:
        """The organization as a UUID, resolving a configured name once with LIST ORGANIZATIONS."""
        configured = self.session.organization
        if configured is None or _is_uuid(configured):
            return configured
        async with self._org_lock:
            if _is_uuid(self.session.organization or ""):
                return self.session.organization
            # Listing organizations must not name one, or the server would look the name up first.
            listing = await self._run(list_organizations(), replace(self.session, organization=None), None)
            matches = [r for r in listing.records() if _field(r, "name") == configured]
            if not matches:
                known = ", ".join(sorted(str(_field(r, "name")) for r in listing.records())) or "none"
                raise SessionError(f"organization {configured!r} not found (visible: {known})",
                                   hint="Set deltastream:organization to one of the visible names or its UUID")
            self.session = replace(self.session, organization=str(_field(matches[0], "id")))
            return self.session.organization

    # --- internals ----------------------------------------------------------------------------

    def _statement_request(self, statement: Statement, session: Session) -> httpx.Request:
        body: dict[str, Any] = {"statement": statement.sql, **session.request_fields(), "parameters": {}}
        if self.session_id:
            body["parameters"]["sessionID"] = self.session_id
        if not statement.attachments:
            return self._request("POST", self._statements, json=body)
        # Multipart as the official Go driver sends it: a JSON part named "request", then one
        # "attachments" part per file, whose filename is what the SQL refers to.
        files: list[tuple[str, tuple[str | None, bytes, str]]] = [
            ("request", (None, json.dumps(body).encode(), "application/json"))]
        files += [("attachments", (name, data, "application/octet-stream"))
                  for name, data in statement.attachments.items()]
        return self._request("POST", self._statements, files=files)

    async def _poll(self, statement_id: str, deadline: float | None, statement: Statement) -> dict[str, Any]:
        """Poll a running statement: first at once, then backing off to ``max_poll_delay``; a statement running
        past :data:`.waiting.FIRST_REPORT` is reported, with its id."""
        delay = self.retry.first_poll_delay
        started, reported = time.monotonic(), None
        kind = statement_kind(statement.sql)
        while True:
            if delay:
                await asyncio.sleep(delay * random.uniform(0.8, 1.2))
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError  # _run names the statement and the timeout
            self.stats.polls += 1
            response = await self._send(lambda: self._status_request(statement_id, 0), resendable=True,
                                        what=f"polling {kind}")
            body: dict[str, Any] = response.json()
            if response.status_code != 202 and body.get("sqlState") != RUNNING:
                return body
            waited = time.monotonic() - started
            if report_due(waited, reported):
                reported = waited
                await report(still_waiting(f"{kind} (statement {statement_id}) to finish", waited))
            delay = min(max(delay * 2, self.retry.poll_delay), self.retry.max_poll_delay)

    def _status_request(self, statement_id: str, partition: int) -> httpx.Request:
        params: dict[str, Any] = {"partitionID": partition}
        if self.session_id:
            params["sessionID"] = self.session_id
        return self._request("GET", httpx.URL(f"{self.server}/statements/{statement_id}"), params=params)

    def _request(self, method: str, url: httpx.URL, **content: Any) -> httpx.Request:
        return httpx.Request(method, url, headers=self._headers, extensions=self._extensions, **content)

    async def _result(self, body: dict[str, Any]) -> Result:
        code = body.get("sqlState", SUCCESS)
        statement_id = body.get("statementID")
        if code != SUCCESS:
            raise sql_error(code, body.get("message") or "statement failed", statement_id)
        metadata = body.get("metadata") or {}
        columns = tuple(ResultColumn(c["name"], c.get("type", "VARCHAR"), c.get("nullable", True))
                        for c in (metadata.get("columns") or []))
        partitions = [p.get("rowCount", 0) for p in (metadata.get("partitionInfo") or [])]
        pages = [body.get("data") or []] if partitions and partitions[0] else [[]] if partitions else []
        if len(partitions) > 1:
            rest = await asyncio.gather(*(self._partition(statement_id or "", p) for p in range(1, len(partitions))))
            pages += rest
        rows: list[tuple[Any, ...]] = []
        for page in pages:
            for cells in page:
                if len(cells) != len(columns):
                    raise DeltaStreamError(f"row has {len(cells)} cells but {len(columns)} columns",
                                           statement_id=statement_id)
                rows.append(tuple(cell_value(c.type, cell) for c, cell in zip(columns, cells, strict=True)))
        return Result(statement_id or "", columns, tuple(rows), Session.from_context(metadata.get("context")))

    async def _partition(self, statement_id: str, partition: int) -> list[list[str | None]]:
        response = await self._send(lambda: self._status_request(statement_id, partition), resendable=True,
                                    what="reading a result partition")
        body = response.json()
        if body.get("sqlState", SUCCESS) != SUCCESS:
            raise sql_error(body["sqlState"], body.get("message") or "fetching a partition failed", statement_id)
        return body.get("data") or []

    async def _send(self, build: Callable[[], httpx.Request], *, resendable: bool, what: str) -> httpx.Response:
        """Send with retries. ``resendable`` says whether a request that may have been processed can be sent again
        (reads and polls can; mutating statements cannot); ``what`` names the request in the lines that say a retry
        is coming."""
        attempt = 1
        while True:
            try:
                return await self._send_once(build(), resendable, what)
            except DeltaStreamError as exc:
                delay = self._retry_delay(exc, attempt, resendable)
                if delay is None:
                    if isinstance(exc, ServiceUnavailableError) and not resendable and exc.http_status in (502, 504):
                        raise OutcomeUnknownError(f"gateway answered {exc.http_status} to a mutating statement",
                                                  http_status=exc.http_status) from exc
                    if attempt > 1:
                        exc.message += f" (after {attempt} attempts)"
                    raise
                self.stats.retries += 1
                limit = len(self.retry.refused_delays) + 1 if isinstance(exc, ConnectRefused) else self.retry.attempts
                reason = exc.message + (f" (HTTP {exc.http_status})" if exc.http_status else "")
                log.debug("retrying %s after %s (attempt %d)", what, reason, attempt)
                await report(f"{what}: {reason}; try {attempt + 1} of {limit} in {duration(delay)}")
                await self._sleep(delay)
                attempt += 1

    def _retry_delay(self, exc: DeltaStreamError, attempt: int, resendable: bool) -> float | None:
        """How long to wait before sending again after ``attempt`` failed with ``exc``; None: not again."""
        if isinstance(exc, (NotReachable, NoAnswerError, AuthenticationError)):
            return None  # waiting cannot change the answer
        if isinstance(exc, ConnectRefused):
            delays = self.retry.refused_delays
            return delays[attempt - 1] if attempt <= len(delays) else None
        if attempt >= self.retry.attempts:
            return None
        if isinstance(exc, ServiceUnavailableError):
            retried = exc.http_status == 503 or resendable
        else:
            retried = isinstance(exc, (ConnectFailed, RateLimitedError)) or (
                isinstance(exc, TransportError) and resendable)
        if not retried:
            return None
        if isinstance(exc, RateLimitedError) and exc.retry_after is not None:
            # Spread out: callers told the same Retry-After must not all come back at the same instant.
            return min(exc.retry_after * random.uniform(1.0, 1.5), self.retry.max_delay)
        ceiling = min(self.retry.max_delay, self.retry.base_delay * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    async def _send_once(self, request: httpx.Request, resendable: bool, what: str) -> httpx.Response:
        self.stats.requests += 1
        try:
            response = await self._answer(request, what)
        except httpx.ConnectTimeout as exc:  # nothing took the connection: a firewall, a wrong address
            raise ConnectRefused(f"could not connect to {self.server}: no connection within "
                                 f"{duration(self.timeouts.connect)} ({setting('connectTimeout')})") from exc
        except (httpx.ConnectError, httpx.PoolTimeout) as exc:
            raise self._not_connected(exc) from exc
        except httpx.ReadTimeout as exc:
            waited = f"{self.timeouts.read:g}s ({setting('requestTimeout')})"
            if resendable:
                raise NoAnswerError(f"no answer from {self.server} to {what} within {waited}",
                                    hint=f"Raise {setting('requestTimeout')}, or check the server") from exc
            raise OutcomeUnknownError(f"no answer within {waited} to a mutating statement ({what})") from exc
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            if resendable:
                raise TransportError(f"request to {self.server} failed: {exc!r}") from exc
            raise OutcomeUnknownError(f"connection lost after sending a mutating statement: {exc!r}") from exc
        if response.status_code >= 400:
            raise http_error(response.status_code, _message(response), _retry_after(response))
        return response

    def _not_connected(self, exc: httpx.TransportError) -> ConnectFailed:
        """Why no connection was made, as the error that says whether trying again can help."""
        cause = _root_cause(exc)
        where = f"could not connect to {self.server}"
        if isinstance(cause, socket.gaierror):
            host = httpx.URL(self.proxy or self.server).host
            return NotReachable(f"{where}: the host name {host!r} does not resolve ({cause.strerror or cause}); "
                                "not retried")
        if isinstance(cause, ssl.SSLCertVerificationError):
            why = str(cause.verify_message or cause.reason).rstrip(".")
            return NotReachable(f"{where}: the server's certificate does not verify "
                                f"({why}: CERTIFICATE_VERIFY_FAILED); not retried")
        if isinstance(cause, ssl.SSLError):
            return NotReachable(f"{where}: the TLS handshake failed ({cause.reason or cause}); not retried")
        if isinstance(cause, OSError) and cause.errno == errno.ECONNREFUSED:  # asyncio raises a plain OSError
            return ConnectRefused(f"{where}: connection refused (nothing listens at that host and port)")
        return ConnectFailed(f"{where}: {exc}")

    async def _answer(self, request: httpx.Request, what: str) -> httpx.Response:
        """The exchange, reporting every ``report_after`` seconds that no answer has come yet (a server that
        accepts and never answers is otherwise silent until the request timeout)."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        every = self.timeouts.report_after
        pending: list[asyncio.TimerHandle] = []

        def tell() -> None:  # runs in a copy of this context: the call's reporter with it
            waited = loop.time() - started
            line = (f"no answer yet from {self.server} to {what} ({waited:.0f}s; "
                    f"gives up at {duration(self.timeouts.read)}: {setting('requestTimeout')})")
            task = loop.create_task(report(line))
            self._reports.add(task)
            task.add_done_callback(self._reports.discard)
            pending[0] = loop.call_later(every, tell)

        pending.append(loop.call_later(every, tell))
        try:
            return await self._exchange(request)
        finally:
            pending[0].cancel()

    async def _exchange(self, request: httpx.Request) -> httpx.Response:
        """One request and its whole response body, the connection returned to the pool."""
        response = await self._transport.handle_async_request(request)
        try:
            await response.aread()
        finally:
            await response.aclose()
        response.request = request
        return response


def _rounded(seconds: float) -> str:
    """Seconds for a message: what is left of a call's timeout (299.9984) reads as the timeout (300)."""
    return f"{float(f'{seconds:.3g}'):g}"


_TWO_WORDS = {"ALTER", "CAN", "CREATE", "DESCRIBE", "DROP", "INSERT", "LIST", "RESTART", "SHOW", "TERMINATE", "UPDATE"}


def statement_kind(text: str) -> str:
    """What a statement is, for messages: its verb, and for a verb on many kinds of object the kind too
    (``DESCRIBE ENTITY``, ``LIST QUERIES``)."""
    words = text.split(None, 2)
    if not words:
        return "statement"
    verb, noun = words[0].upper().rstrip(";"), words[1].rstrip(";") if len(words) > 1 else ""
    return f"{verb} {noun.upper()}" if verb in _TWO_WORDS and noun.isalpha() else verb


def _root_cause(exc: BaseException) -> BaseException:
    """The first error of a chain (httpx's, from httpcore's, from the socket's or TLS's own: httpcore re-raises it
    from within its handler, so the chain is the context there, not the cause)."""
    while (earlier := exc.__cause__ or exc.__context__) is not None:
        exc = earlier
    return exc


def _message(response: httpx.Response) -> str:
    try:
        return str(response.json().get("message") or response.reason_phrase)
    except (ValueError, AttributeError):
        return response.text[:200] or response.reason_phrase


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None


def _is_uuid(value: str) -> bool:
    try:
        uuid.UUID(value)
        return True
    except ValueError:
        return False


def _field(record: dict[str, Any], name: str) -> Any:
    """LIST statements name columns in CamelCase or lower case depending on the version."""
    for key, value in record.items():
        if key.lower() == name.lower():
            return value
    return None


def verified_tls(trust_env: bool = True) -> ssl.SSLContext:
    """The certificate-checking TLS context httpx would make (certifi's bundle, or the environment's
    ``SSL_CERT_FILE`` / ``SSL_CERT_DIR`` when ``trust_env``): loading a bundle costs about 25 ms of CPU, so it is
    done once per process."""
    names = ("SSL_CERT_FILE", "SSL_CERT_DIR")
    return _verified_tls(tuple(os.environ.get(n) for n in names) if trust_env else None)


@functools.cache
def _verified_tls(bundle: tuple[str | None, ...] | None) -> ssl.SSLContext:
    return httpx.create_ssl_context(trust_env=bundle is not None)


def connect(settings: ProviderConfig, **options: Any) -> DeltaStreamClient:
    """The client for the provider's (or the doctor's) settings: its timeouts and retries too."""
    options.setdefault("timeouts", Timeouts(connect=settings.connect_timeout, read=settings.request_timeout))
    options.setdefault("retry", RetryPolicy(attempts=int(settings.max_retries) + 1,
                                            base_delay=settings.retry_base_delay, max_delay=settings.retry_max_delay))
    return DeltaStreamClient(settings.server, settings.api_key or "",
                             session=Session(organization=settings.organization, role=settings.role),
                             session_id=settings.session_id, verify=not settings.insecure_skip_verify, **options)
