"""Provider settings: Pulumi config (``deltastream:<key>``) first, then environment variables.

The same loader serves the provider's Configure and ``deltastream-provider doctor``.
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

DEFAULT_SERVER = "https://api.deltastream.io/v2"
DEFAULT_ROLE = "sysadmin"
DEFAULT_READ_TIMEOUT = 300.0  # seconds: a refresh, import or lookup, which Pulumi gives no timeout
READ_TIMEOUT_SETTING = "deltastream:readTimeout (DELTASTREAM_READ_TIMEOUT)"


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
    Key("readTimeout", "DELTASTREAM_READ_TIMEOUT",
        f"Seconds a read (refresh, import) or a lookup may take, every request and poll of it included (default "
        f"{DEFAULT_READ_TIMEOUT:g}). Pulumi gives them no timeout; creates, updates and deletes have "
        "customTimeouts.", type="number"),
)


@dataclass(frozen=True)
class ProviderConfig:
    server: str = DEFAULT_SERVER
    api_key: str | None = None
    organization: str | None = None
    role: str = DEFAULT_ROLE
    session_id: str | None = None
    insecure_skip_verify: bool = False
    read_timeout: float = DEFAULT_READ_TIMEOUT

    def __repr__(self) -> str:
        key = "'****'" if self.api_key else "None"
        return (f"ProviderConfig(server={self.server!r}, api_key={key}, organization={self.organization!r}, "
                f"role={self.role!r}, session_id={self.session_id!r}, "
                f"insecure_skip_verify={self.insecure_skip_verify}, read_timeout={self.read_timeout:g})")


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
        read_timeout=_seconds(values["readTimeout"]),
    )


def _seconds(value: Any) -> float:
    """A timeout from config (a number, or its text from the environment); what is not a positive number is NaN,
    which :func:`problems` reports."""
    if value is None:
        return DEFAULT_READ_TIMEOUT
    try:
        seconds = float(str(value).strip())
    except ValueError:
        return math.nan
    return seconds if seconds > 0 and math.isfinite(seconds) else math.nan


def problems(settings: ProviderConfig) -> list[Problem]:
    """Everything wrong with the settings, each naming the key and the fix."""
    found = []
    url = urlparse(settings.server)
    if url.scheme not in ("http", "https") or not url.hostname:
        found.append(Problem("server", f"{settings.server!r} is not an http(s) URL; set deltastream:server "
                                       f"(or DELTASTREAM_SERVER) to e.g. {DEFAULT_SERVER}"))
    elif not url.path.rstrip("/").endswith("/v2"):
        found.append(Problem("server", f"{settings.server!r} must end in /v2, e.g. {DEFAULT_SERVER}"))
    if math.isnan(settings.read_timeout):
        found.append(Problem("readTimeout", "must be a positive number of seconds; set deltastream:readTimeout "
                                            f"(or DELTASTREAM_READ_TIMEOUT), e.g. {DEFAULT_READ_TIMEOUT:g}"))
    if not settings.api_key:
        found.append(Problem("apiKey", "no API token: run `pulumi config set --secret deltastream:apiKey <token>` "
                                       "or export DELTASTREAM_API_KEY"))
    return found
