"""Every error the provider reports, in one tree.

Anything raised that is not a :class:`ProviderError` is a bug in the provider, and the gRPC server reports it
as one (``INTERNAL``, "please report it"); everything below is an expected failure with a message for the user
and, where there is one, a hint saying what to do::

    ProviderError
    ├── InputError                  bad input, refused before anything is sent
    │   ├── SqlTextError            a query body or column type that is not exactly one of its kind
    │   └── QuotingError            a value that cannot be quoted safely
    ├── PlanError                   Diff refuses a change: the preview fails with the message
    ├── CreateFailed                a create left something behind; it is kept in state
    ├── LookupFailed                a singular lookup found none, or several
    ├── NotConfiguredError          a call before Configure, or for a token the provider does not serve
    ├── CheckFailed                 a step of ``deltastream-provider doctor`` failed
    ├── PulumiCommandError          a ``pulumi`` command run by ``deltastream-provider settle`` failed
    └── DeltaStreamError            what DeltaStream answered, or why no answer came
        ├── TransportError          the network path failed
        │   ├── ConnectFailed       the request never left: always safe to resend
        │   │   ├── ConnectRefused  refused, or not taken in time: resent a few times only (a server restarting)
        │   │   └── NotReachable    the host does not resolve, or TLS fails: never resent, waiting cannot help
        │   └── NoAnswerError       a request sent and unanswered within deltastream:requestTimeout
        ├── OutcomeUnknownError     a mutating statement may or may not have run
        ├── StatementTimeoutError
        │   └── CallTimeoutError    the provider call's deadline ran out (also a TimeoutError)
        ├── AuthenticationError, BadRequestError, EndpointNotFoundError,
        │   RequestTimeoutError, RateLimitedError, ServerError, ServiceUnavailableError (HTTP status)
        └── SQLError                DeltaStream rejected a statement (SQLSTATE)
            ├── NotFoundError       the object the statement names does not exist (only these codes mean gone)
            ├── SessionError        the session is wrong (role, organization, user, token): says nothing about
            │                       whether anything exists
            ├── AlreadyExistsError, PermissionDeniedError, InvalidInputError,
            │   DependentObjectsError, NotReadyError, RemoteUnavailableError
            ├── QueryErrored        a query failed to start (it was terminated)
            ├── StoreErrored        DeltaStream could not connect with a store's settings
            ├── RegistryErrored     ... or with a schema registry's
            └── ComputePoolErrored  a compute pool failed to reach its running or stopped state
"""

from __future__ import annotations

import os
import sys
from typing import Any


def doctor_command() -> str:
    """The doctor as this installation runs it, for hints: the executable plugin and the source plugin answer
    ``doctor`` themselves (neither brings the ``deltastream-provider`` command); an installed package has that
    command."""
    if getattr(sys, "frozen", False):
        parts = [sys.executable]
    else:  # the source plugin's language host runs ``<venv>/bin/python <plugin folder>``
        started = os.path.abspath(sys.argv[0]) if sys.argv and sys.argv[0] else ""
        folder = started if os.path.isdir(started) else os.path.dirname(started)
        if not os.path.isfile(os.path.join(folder, "PulumiPlugin.yaml")):
            return "deltastream-provider doctor"
        parts = [sys.executable, folder]
    return " ".join(f'"{part}"' if " " in part else part for part in [*parts, "doctor"])


DOCTOR = doctor_command()


class ProviderError(Exception):
    """Base class. ``str()`` gives the message and the hint."""

    hint = ""

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:
        return self.message + (f". {self.hint}" if self.hint else "")


class InputError(ProviderError):
    """Bad input, refused before anything reaches DeltaStream."""


class SqlTextError(InputError):
    """SQL text that is not exactly one statement (or one column type); the message says where it breaks."""


class QuotingError(InputError):
    """A value that cannot be quoted safely as an identifier or literal."""


class PlanError(ProviderError):
    """Diff refuses the change: preview fails with this message."""


class CreateFailed(ProviderError):
    """Create got far enough that something may exist: its id and what is known (``state``; None: the inputs) are
    kept in the stack as partial state, so the next refresh, up or destroy reads whether it does."""

    def __init__(self, message: str, resource_id: str, state: Any = None) -> None:
        super().__init__(message)
        self.resource_id = resource_id
        self.state = state
        self.properties: Any = None  # the partial state as the engine records it (set by the servicer)


class LookupFailed(ProviderError):
    """Not found, or more than one found, for a singular lookup (FR-030, FR-031)."""


class NotConfiguredError(ProviderError):
    """The engine asked for something the provider cannot serve yet (not configured) or at all (unknown token)."""


class CheckFailed(ProviderError):
    """A doctor step failed: ``detail`` says what, ``fix`` what to do."""

    def __init__(self, detail: str, fix: str) -> None:
        super().__init__(detail, hint=fix)
        self.detail = detail
        self.fix = fix


class PulumiCommandError(ProviderError):
    """A `pulumi` command the operator commands run failed; the message says why."""


class DeltaStreamError(ProviderError):
    """DeltaStream's answer (or its absence). ``str()`` gives message, code, statement id and the hint."""

    def __init__(self, message: str, *, code: str | None = None, statement_id: str | None = None,
                 http_status: int | None = None, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.code = code
        self.statement_id = statement_id
        self.http_status = http_status

    def __str__(self) -> str:
        details = []
        if self.code:
            details.append(f"SQLSTATE {self.code}")
        if self.http_status:
            details.append(f"HTTP {self.http_status}")
        if self.statement_id:
            details.append(f"statement {self.statement_id}")
        text = self.message + (f" ({', '.join(details)})" if details else "")
        return text + (f". {self.hint}" if self.hint else "")


# --- transport and HTTP status ----------------------------------------------------------------

class TransportError(DeltaStreamError):
    hint = f"Check deltastream:server and the network path to it; `{DOCTOR}` tests each step"


class ConnectFailed(TransportError):
    """The request never reached the server (connection refused, DNS, connect timeout): nothing was processed."""


class ConnectRefused(ConnectFailed):
    """Nothing takes the connection: refused (a port typo, a server restarting) or not taken within the connect
    timeout (a firewall, a wrong address), so only a few quick resends."""


class NotReachable(ConnectFailed):
    """The host name does not resolve, or the TLS handshake fails (a certificate that does not verify, a name that
    does not match it): resending cannot change the answer, so the first one is reported."""


class NoAnswerError(TransportError):
    """A read was sent and nothing came back within the request timeout: it is not resent (a server that kept it
    that long would keep the next); a mutating statement's silence is an :class:`OutcomeUnknownError` instead."""


class OutcomeUnknownError(DeltaStreamError):
    """A mutating statement was sent but no answer came back: it may or may not have run.

    It is never resent blindly; the caller reconciles by reading the system tables.
    """

    hint = "The statement may or may not have been applied; run `pulumi refresh` to reconcile state"


class StatementTimeoutError(DeltaStreamError):
    hint = "Raise the resource's customTimeouts or check the statement in DeltaStream"


class CallTimeoutError(StatementTimeoutError, TimeoutError):
    """The deadline of the provider call ran out (every request and poll of a call ends by it). Also a
    :class:`TimeoutError`, so a wait or a settling read that bounds its own reads reports its own timeout."""


class AuthenticationError(DeltaStreamError):
    hint = ("The API token was rejected: set deltastream:apiKey (pulumi config set --secret deltastream:apiKey ...) "
            "or DELTASTREAM_API_KEY to a valid token")


class BadRequestError(DeltaStreamError):
    hint = "The request was malformed; this is a bug in the provider, please report it"


class EndpointNotFoundError(DeltaStreamError):
    hint = "deltastream:server must be the API base URL ending in /v2, e.g. https://api.deltastream.io/v2"


class RequestTimeoutError(DeltaStreamError):
    hint = "DeltaStream timed out; retry, or raise customTimeouts"


class RateLimitedError(DeltaStreamError):
    hint = "DeltaStream is rate limiting requests; lower `pulumi up --parallel` or retry later"

    def __init__(self, message: str, *, http_status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(message, http_status=http_status)
        self.retry_after = retry_after


class ServerError(DeltaStreamError):
    hint = "DeltaStream reported an internal error; retry, and contact DeltaStream support if it persists"


class ServiceUnavailableError(DeltaStreamError):
    hint = "DeltaStream is temporarily unavailable; retry later"


# --- SQL errors (HTTP 200 with a SQLSTATE) ----------------------------------------------------

class SQLError(DeltaStreamError):
    """DeltaStream rejected the statement."""


class NotFoundError(SQLError):
    """The object the statement names does not exist: the one SQL error a read or a DROP takes to mean gone."""

    hint = "Check the name and that the configured role can see it"


class SessionError(SQLError):
    """The session the statement was to run in is wrong (an unknown role, organization, user or token), so nothing
    was looked up: never read as not-found, or a refresh would forget resources and a destroy drop nothing."""

    hint = ("Check deltastream:role, deltastream:organization and deltastream:apiKey; "
            f"`{DOCTOR}` tests each")


class AlreadyExistsError(SQLError):
    hint = "Choose another name, or adopt the existing one with `pulumi import`"

    def adopt(self, token: str, name: str, resource_id: str) -> None:
        """Give the whole command that adopts what exists (unless a kind gave a hint of its own)."""
        if self.hint == AlreadyExistsError.hint:
            import shlex

            command = " ".join(shlex.quote(part) for part in ("pulumi", "import", token, name, resource_id))
            self.hint = f"Choose another name, or adopt the existing one: `{command}`"


class PermissionDeniedError(SQLError):
    hint = ("The configured role lacks the privilege; use a role that has it (deltastream:role) "
            "or have an administrator grant it")


class InvalidInputError(SQLError):
    hint = "Fix the statement or the property named in the message"


class DependentObjectsError(SQLError):
    hint = ("Other objects or running queries depend on it; remove or terminate them first. When they are in this "
            "stack but were imported (an import records no dependencies, so Pulumi may delete this one first), run "
            "`pulumi up` once to record them, or delete them first with `pulumi destroy --target <their urn>`")


class NotReadyError(SQLError):
    hint = "A dependency (store, registry or relation) is not ready yet; retry when it is"


class RemoteUnavailableError(SQLError):
    hint = "A system DeltaStream depends on is unreachable; check the store's connectivity and retry"


class QueryErrored(SQLError):
    hint = "Fix the query; it was terminated so nothing keeps running"


class StoreErrored(SQLError):
    hint = "Fix the store's settings (DeltaStream could not connect with them) and run `pulumi up` again"


class RegistryErrored(SQLError):
    hint = "Fix the schema registry's settings (DeltaStream could not use them) and run `pulumi up` again"


class ComputePoolErrored(SQLError):
    hint = ("DeltaStream could not run the compute pool (its ErrorMessages say why); fix its size, or stop it "
            "(running: false) and run `pulumi up` again")


# Codes naming an object that does not exist (InvalidDatabase, InvalidSchema, InvalidStore, InvalidTopic, ...).
_NOT_FOUND = {"3D002", "3D003", "3D006", "3D007", "3D009", "3D010", "3D011", "3D013", "3D014", "3D015", "3D016",
              "3D017", "3D018", "3D019", "3D020", "3D022", "3D023", "3D024", "3D025", "3D026", "3D027"}
# Codes about the session itself (InvalidUser, InvalidRole, InvalidOrganization, InvalidApiToken,
# AmbiguousOrganization), each with the setting that fixes it.
_ORGANIZATION_FIX = ("Set deltastream:organization (pulumi config set deltastream:organization <name or UUID>, or "
                     "DELTASTREAM_ORGANIZATION) to an organization the token can see, or leave it unset for the "
                     "token's own")
_TOKEN_FIX = ("Set deltastream:apiKey (pulumi config set --secret deltastream:apiKey <token>, or DELTASTREAM_API_KEY) "
              "to a valid token")
_SESSION = {
    "3D000": _TOKEN_FIX + " of an existing user",
    "3D001": ("Set deltastream:role (pulumi config set deltastream:role <role>, or DELTASTREAM_ROLE) to a role "
              f"granted to the token's user, e.g. sysadmin; `{DOCTOR}` checks it"),
    "3D004": _ORGANIZATION_FIX,
    "3D012": _TOKEN_FIX,
    "42P001": _ORGANIZATION_FIX,
}
# InvalidRegion (3D005) is a store's access region, AmbiguousStore (42P002) a store name matching several: inputs.
_INVALID = {"42601", "42622", "0A000", "3D005", "3D008", "3D021", "22000", "22023", "42P002"}


def _normalise(code: str) -> str:
    """``42P017`` and ``42P17`` are the same code: clients declare the 6-character forms."""
    if len(code) == 5 and code.startswith("42P") and code[3:].isdigit() and int(code[3:]) >= 10:
        return "42P0" + code[3:]
    return code


def sql_error(code: str, message: str, statement_id: str | None) -> DeltaStreamError:
    """The exception for a SQLSTATE."""
    normal = _normalise(code)
    if normal in _SESSION:
        return SessionError(message, code=code, statement_id=statement_id, hint=_SESSION[normal])
    if normal in _NOT_FOUND:
        cls: type[SQLError] = NotFoundError
    elif normal in _INVALID:
        cls = InvalidInputError
    elif normal.startswith("42P") or normal == "42710":
        cls = AlreadyExistsError
    elif normal == "42501":
        cls = PermissionDeniedError
    elif normal == "2BP01":
        cls = DependentObjectsError
    elif normal.startswith("3E"):
        cls = NotReadyError
    elif normal == "57015":
        cls = RemoteUnavailableError
    elif normal == "57014":
        return StatementTimeoutError(message, code=code, statement_id=statement_id)
    else:
        cls = SQLError
    return cls(message, code=code, statement_id=statement_id)


def http_error(status: int, message: str, retry_after: float | None = None) -> DeltaStreamError:
    """The exception for a non-2xx HTTP status."""
    if status in (401, 403):
        return AuthenticationError(message, http_status=status)
    if status == 400:
        return BadRequestError(message, http_status=status)
    if status == 404:
        return EndpointNotFoundError(message, http_status=status)
    if status == 408:
        return RequestTimeoutError(message, http_status=status)
    if status == 429:
        return RateLimitedError(message, http_status=status, retry_after=retry_after)
    if status in (502, 503, 504):
        return ServiceUnavailableError(message, http_status=status)
    return ServerError(message, http_status=status)
