"""Provider settings: Pulumi config (``deltastream:<key>``) first, then environment variables.

The same loader serves the provider's Configure and ``deltastream-provider doctor``.
"""

from __future__ import annotations

import math
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

DEFAULT_SERVER = "https://api.deltastream.io/v2"
DEFAULT_ROLE = "sysadmin"
DEFAULT_READ_TIMEOUT = 300.0  # seconds: a refresh, import or lookup, which Pulumi gives no timeout
READ_TIMEOUT_SETTING = "deltastream:readTimeout (DELTASTREAM_READ_TIMEOUT)"
DEFAULT_CONNECT_TIMEOUT = 10.0  # seconds to open a connection (TCP and TLS)
DEFAULT_REQUEST_TIMEOUT = 60.0  # seconds one request may go unanswered; a long statement is answered 202 and polled
DEFAULT_MAX_RETRIES = 9         # resends of a request that failed for a reason that may pass (503, 429, a reset)
DEFAULT_RETRY_BASE_DELAY = 0.2  # the first backoff, doubled each retry ...
DEFAULT_RETRY_MAX_DELAY = 20.0  # ... up to this (also the most a 429's Retry-After is waited)
DEFAULT_OPERATION_TIMEOUT = 20 * 60.0  # a create, update or delete without customTimeouts


@dataclass(frozen=True)
class Key:
    name: str          # Pulumi config key, camelCase
    env: str           # environment variable fallback
    description: str
    secret: bool = False
    type: str = "string"  # the schema's type of the value


KEYS = (
    Key("server", "DELTASTREAM_SERVER", f"API base URL ending in /v2 (default {DEFAULT_SERVER}); "
                                        "for the local server, the URL `deltastream-provider local` prints."),
    Key("apiKey", "DELTASTREAM_API_KEY", "API token (DeltaStream UI: Integrations > API Tokens). Always secret: "
                                         "set it with `pulumi config set --secret deltastream:apiKey`.", True),
    Key("organization", "DELTASTREAM_ORGANIZATION", "Organization UUID or name; a name is resolved to its UUID "
                                                    "once per run. Default: the token's organization."),
    Key("role", "DELTASTREAM_ROLE", f"Role the statements run as (default {DEFAULT_ROLE})."),
    Key("sessionId", "DELTASTREAM_SESSION_ID", "Optional session id sent with every statement; RANDOM picks one."),
    Key("insecureSkipVerify", "DELTASTREAM_INSECURE_SKIP_VERIFY", "Skip TLS certificate verification (testing only).",
        type="boolean"),
    Key("checkQueriesAtPreview", "DELTASTREAM_CHECK_QUERIES_AT_PREVIEW",
        "Whether a preview of a new query or application sends `DESCRIBE <its statement>` (read-only) so that a "
        "query DeltaStream refuses (an unknown column or function, a syntax error) fails the preview rather than "
        "`up` (default true). Set false where the preview's role may not read the queries' sources.",
        type="boolean"),
    Key("readTimeout", "DELTASTREAM_READ_TIMEOUT",
        f"Seconds a read (refresh, import) or a lookup may take, every request and poll of it included (default "
        f"{DEFAULT_READ_TIMEOUT:g}). Pulumi gives them no timeout; creates, updates and deletes have "
        "customTimeouts.", type="number"),
    Key("connectTimeout", "DELTASTREAM_CONNECT_TIMEOUT",
        f"Seconds to open a connection to the API, TCP and TLS (default {DEFAULT_CONNECT_TIMEOUT:g}).", type="number"),
    Key("requestTimeout", "DELTASTREAM_REQUEST_TIMEOUT",
        f"Seconds one request may go unanswered once sent (default {DEFAULT_REQUEST_TIMEOUT:g}); then a read fails "
        "and a create, update or delete reads whether it ran. A long statement is answered at once and polled.",
        type="number"),
    Key("maxRetries", "DELTASTREAM_MAX_RETRIES",
        f"Resends of a request that failed for a reason that may pass: HTTP 429 (its Retry-After honoured), 503, a "
        f"dropped connection (default {DEFAULT_MAX_RETRIES}). A connection refused or not taken in time gets 3 "
        "quick resends; an unknown host, a certificate that does not verify and a rejected token none.",
        type="integer"),
    Key("retryBaseDelay", "DELTASTREAM_RETRY_BASE_DELAY",
        f"Seconds before the first resend, doubled each time with jitter (default {DEFAULT_RETRY_BASE_DELAY:g}).",
        type="number"),
    Key("retryMaxDelay", "DELTASTREAM_RETRY_MAX_DELAY",
        f"The longest wait between resends, and the longest Retry-After honoured (default "
        f"{DEFAULT_RETRY_MAX_DELAY:g}).", type="number"),
    Key("createTimeout", "DELTASTREAM_CREATE_TIMEOUT",
        f"Seconds a create may take when the resource sets no customTimeouts (default {DEFAULT_OPERATION_TIMEOUT:g}).",
        type="number"),
    Key("updateTimeout", "DELTASTREAM_UPDATE_TIMEOUT",
        f"Seconds an update may take when the resource sets no customTimeouts (default {DEFAULT_OPERATION_TIMEOUT:g}).",
        type="number"),
    Key("deleteTimeout", "DELTASTREAM_DELETE_TIMEOUT",
        f"Seconds a delete may take when the resource sets no customTimeouts (default {DEFAULT_OPERATION_TIMEOUT:g}).",
        type="number"),
)

#: Each number's default and the least it may be (delays and retries may be none; a timeout must be more than
#: nothing). ``maxRetries`` is also a whole number.
NUMBERS: dict[str, tuple[float, float]] = {
    "readTimeout": (DEFAULT_READ_TIMEOUT, 0.0), "connectTimeout": (DEFAULT_CONNECT_TIMEOUT, 0.0),
    "requestTimeout": (DEFAULT_REQUEST_TIMEOUT, 0.0), "maxRetries": (DEFAULT_MAX_RETRIES, -1.0),
    "retryBaseDelay": (DEFAULT_RETRY_BASE_DELAY, -1.0), "retryMaxDelay": (DEFAULT_RETRY_MAX_DELAY, -1.0),
    "createTimeout": (DEFAULT_OPERATION_TIMEOUT, 0.0), "updateTimeout": (DEFAULT_OPERATION_TIMEOUT, 0.0),
    "deleteTimeout": (DEFAULT_OPERATION_TIMEOUT, 0.0),
}


def setting(name: str) -> str:
    """How a message names a key: ``deltastream:requestTimeout (DELTASTREAM_REQUEST_TIMEOUT)``."""
    key = next(k for k in KEYS if k.name == name)
    return f"deltastream:{key.name} ({key.env})"


@dataclass(frozen=True)
class ProviderConfig:
    server: str = DEFAULT_SERVER
    api_key: str | None = None
    organization: str | None = None
    role: str = DEFAULT_ROLE
    session_id: str | None = None
    insecure_skip_verify: bool = False
    check_queries_at_preview: bool = True
    read_timeout: float = DEFAULT_READ_TIMEOUT
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    max_retries: float = DEFAULT_MAX_RETRIES
    retry_base_delay: float = DEFAULT_RETRY_BASE_DELAY
    retry_max_delay: float = DEFAULT_RETRY_MAX_DELAY
    create_timeout: float = DEFAULT_OPERATION_TIMEOUT
    update_timeout: float = DEFAULT_OPERATION_TIMEOUT
    delete_timeout: float = DEFAULT_OPERATION_TIMEOUT

    def __repr__(self) -> str:
        key = "'****'" if self.api_key else "None"
        numbers = ", ".join(f"{_attribute(name)}={getattr(self, _attribute(name)):g}" for name in NUMBERS)
        return (f"ProviderConfig(server={self.server!r}, api_key={key}, organization={self.organization!r}, "
                f"role={self.role!r}, session_id={self.session_id!r}, "
                f"insecure_skip_verify={self.insecure_skip_verify}, "
                f"check_queries_at_preview={self.check_queries_at_preview}, {numbers})")


def _attribute(name: str) -> str:
    """The field of a config key: ``requestTimeout`` -> ``request_timeout``."""
    return re.sub(r"[A-Z]", lambda m: "_" + m.group(0).lower(), name)


@dataclass(frozen=True)
class Problem:
    key: str
    message: str


def _truthy(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in ("1", "true", "yes", "on")


def load(config: Mapping[str, Any], env: Mapping[str, str] = os.environ) -> ProviderConfig:
    """ProviderConfig from Pulumi config values (keys with or without the ``deltastream:`` prefix)."""
    values: dict[str, Any] = {}
    for key in KEYS:
        value = config.get(key.name, config.get(f"deltastream:{key.name}"))
        if value in (None, ""):
            value = env.get(key.env) or None
        values[key.name] = value
    session_id = values["sessionId"]
    if isinstance(session_id, str) and session_id.upper() == "RANDOM":
        session_id = str(uuid.uuid4())
    return ProviderConfig(
        server=str(values["server"] or DEFAULT_SERVER).rstrip("/"),
        api_key=values["apiKey"],
        organization=values["organization"],
        role=values["role"] or DEFAULT_ROLE,
        session_id=session_id,
        insecure_skip_verify=(_truthy(values["insecureSkipVerify"])
                              if values["insecureSkipVerify"] is not None else False),
        check_queries_at_preview=(_truthy(values["checkQueriesAtPreview"])
                                  if values["checkQueriesAtPreview"] is not None else True),
        **{_attribute(name): _number(values[name], default, least, name == "maxRetries")
           for name, (default, least) in NUMBERS.items()},
    )


def _number(value: Any, default: float, least: float, whole: bool = False) -> float:
    """A number from config (a number, or its text from the environment); what is not a finite number above
    ``least`` (or, ``whole``, not a whole number) is NaN, which :func:`problems` reports."""
    if value is None:
        return default
    try:
        number = float(str(value).strip())
    except ValueError:
        return math.nan
    if not math.isfinite(number) or number <= least or (whole and number != int(number)):
        return math.nan
    return number


def problems(settings: ProviderConfig) -> list[Problem]:
    """Everything wrong with the settings, each naming the key and the fix."""
    found = []
    url = urlparse(settings.server)
    if url.scheme not in ("http", "https") or not url.hostname:
        found.append(Problem("server", f"{settings.server!r} is not an http(s) URL; set deltastream:server "
                                       f"(or DELTASTREAM_SERVER) to e.g. {DEFAULT_SERVER}"))
    elif not url.path.rstrip("/").endswith("/v2"):
        found.append(Problem("server", f"{settings.server!r} must end in /v2, e.g. {DEFAULT_SERVER}"))
    for name, (default, least) in NUMBERS.items():
        if math.isnan(getattr(settings, _attribute(name))):
            what = "a whole number, 0 or more" if name == "maxRetries" else (
                "a number of seconds, 0 or more" if least < 0 else "a positive number of seconds")
            key = next(k for k in KEYS if k.name == name)
            found.append(Problem(name, f"must be {what}; set deltastream:{name} (or {key.env}), e.g. {default:g}"))
    if not settings.api_key:
        found.append(Problem("apiKey", "no API token: run `pulumi config set --secret deltastream:apiKey <token>` "
                                       "or export DELTASTREAM_API_KEY"))
    return found
