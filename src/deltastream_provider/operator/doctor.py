"""``deltastream-provider doctor``: checks each step between this machine and a usable DeltaStream.

Checks run in order and stop at the first failure, since each needs the one before it; every
failure says what to change. The API key is never printed. Where the environment names a proxy for the server
(``HTTPS_PROXY``, ``HTTP_PROXY``, ``NO_PROXY``), DNS and TCP are checked to the proxy and every request goes
through it, exactly as the provider's requests do.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import urlparse

import httpx

from ..config import ProviderConfig, problems
from ..deltastream import sql
from ..deltastream.client import connect
from ..deltastream.network import proxy_for
from ..deltastream.reads import CAN_I
from ..deltastream.waiting import call_deadline
from ..errors import AuthenticationError, CheckFailed, DeltaStreamError, PermissionDeniedError, SessionError

TIMEOUT = 10.0


@dataclass
class Check:
    name: str
    status: str = "skip"      # pass | fail | skip
    detail: str = ""
    fix: str = ""


class Doctor:
    def __init__(self, settings: ProviderConfig) -> None:
        self.settings = settings
        url = urlparse(settings.server)
        self.host = url.hostname or ""
        self.port = url.port or (443 if url.scheme == "https" else 80)
        self.tls = url.scheme == "https"
        self.addresses: list[str] = []
        self.proxy = proxy_for(settings.server) if url.hostname else None
        # The first hop: the proxy when there is one (DNS and TCP are checked to it), else the server.
        hop = urlparse(self.proxy) if self.proxy else url
        self.hop_host = hop.hostname or ""
        self.hop_port = hop.port or (443 if hop.scheme == "https" else 80)
        self.via = f" (through the proxy {self.hop_host}:{self.hop_port})" if self.proxy else ""

    async def run(self) -> list[Check]:
        steps: list[tuple[str, Callable[[], Awaitable[str]]]] = [
            ("URL well-formed", self.url), ("DNS", self.dns), ("TCP", self.tcp), ("TLS", self.tls_handshake),
            ("API answers", self.api), ("token accepted", self.token), ("organization resolves", self.organization),
            ("role usable", self.role), ("read-only statement", self.read_only),
        ]
        checks = [Check(name) for name, _ in steps]
        for check, (_, step) in zip(checks, steps, strict=False):
            try:
                with call_deadline(TIMEOUT, f"the doctor's {TIMEOUT:g}s per check"):  # a statement may never finish
                    check.detail = await step()
                check.status = "pass"
            except CheckFailed as failure:
                check.status, check.detail, check.fix = "fail", failure.detail, failure.fix
                break
        return checks

    async def url(self) -> str:
        server_problems = [p for p in problems(self.settings) if p.key == "server"]
        if server_problems:
            raise CheckFailed(server_problems[0].message, "set deltastream:server or DELTASTREAM_SERVER")
        return self.settings.server

    async def dns(self) -> str:
        fix = ("check the proxy's host name in HTTPS_PROXY / HTTP_PROXY (or exempt the server with NO_PROXY)"
               if self.proxy else "check the host name in deltastream:server") + " and this machine's DNS"
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(self.hop_host, self.hop_port,
                                                                 type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise CheckFailed(f"{self.hop_host} does not resolve: {exc.strerror}", fix) from exc
        self.addresses = sorted({str(info[4][0]) for info in infos})
        return f"{self.hop_host} -> {', '.join(self.addresses)}{' (the proxy)' if self.proxy else ''}"

    async def tcp(self) -> str:
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(self.hop_host, self.hop_port), TIMEOUT)
        except (TimeoutError, OSError) as exc:
            raise CheckFailed(f"cannot connect to {self.hop_host}:{self.hop_port}{' (the proxy)' if self.proxy else ''}"
                              f": {exc or 'timed out'}",
                              "check the port, that the server runs, and firewalls or proxies in between") from exc
        writer.close()
        return f"connected to {self.hop_host}:{self.hop_port}{' (the proxy)' if self.proxy else ''}"

    async def tls_handshake(self) -> str:
        if not self.tls:
            return "not used (http)"
        if self.proxy:
            return f"end to end through the proxy {self.hop_host}:{self.hop_port}: checked by the next step"
        context = ssl.create_default_context()
        if self.settings.insecure_skip_verify:
            context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        try:
            _, writer = await asyncio.wait_for(
                asyncio.open_connection(self.host, self.port, ssl=context, server_hostname=self.host), TIMEOUT)
        except (TimeoutError, OSError, ssl.SSLError) as exc:
            raise CheckFailed(f"TLS handshake with {self.host}:{self.port} failed: {exc}",
                              "use http:// for a plain-HTTP server (such as the local one), or trust the "
                              "server's certificate; insecureSkipVerify only for testing") from exc
        version: str = writer.get_extra_info("ssl_object").version()
        writer.close()
        return version

    async def api(self) -> str:
        try:
            async with httpx.AsyncClient(verify=not self.settings.insecure_skip_verify, timeout=TIMEOUT,
                                         proxy=self.proxy) as http:  # the proxy the provider's client takes
                response = await http.get(self.settings.server.rstrip("/") + "/version")
        except httpx.HTTPError as exc:
            raise CheckFailed(f"no HTTP answer from {self.settings.server}: {exc!r}",
                              "check that deltastream:server points at the DeltaStream API") from exc
        if response.status_code == 404 or "json" not in response.headers.get("content-type", ""):
            raise CheckFailed(f"GET /version answered HTTP {response.status_code} without the API's JSON",
                              "deltastream:server must be the API base URL ending in /v2")
        return f"the DeltaStream API answers{self.via} (the token is checked next)"

    async def token(self) -> str:
        if not self.settings.api_key:
            raise CheckFailed("no API token is configured",
                              "pulumi config set --secret deltastream:apiKey <token>, or export DELTASTREAM_API_KEY")
        async with connect(self.settings) as client:
            try:
                version = await client.version()
            except AuthenticationError as exc:
                raise CheckFailed(f"the token was rejected (HTTP {exc.http_status})",
                                  "create a new API token in DeltaStream and set deltastream:apiKey") from exc
            except DeltaStreamError as exc:
                raise CheckFailed(str(exc), "retry; if it persists, check DeltaStream's status") from exc
        return "API version {major}.{minor}.{patch}".format(**version)

    async def organization(self) -> str:
        async with connect(self.settings) as client:
            try:
                org = await client.organization_id()
                if org is None:
                    return "none configured: the token's default organization is used"
                await client.execute(sql.list_organizations())
            except SessionError as exc:
                raise CheckFailed(exc.message, "set deltastream:organization to a visible name or UUID") from exc
            except DeltaStreamError as exc:
                raise CheckFailed(str(exc), "set deltastream:organization to a visible name or UUID") from exc
        return org

    async def role(self) -> str:
        async with connect(self.settings) as client:
            try:
                result = await client.execute(sql.can_i("CREATE_DATABASE"))
            except (SessionError, PermissionDeniedError) as exc:
                raise CheckFailed(f"role {self.settings.role!r} cannot be used: {exc.message} (SQLSTATE {exc.code})",
                                  "set deltastream:role (DELTASTREAM_ROLE) to a role granted to the token's user"
                                  ) from exc
            except DeltaStreamError as exc:
                raise CheckFailed(str(exc), "set deltastream:role to a role granted to the token's user") from exc
        # DeltaStream answers CAN I with a row, yes or no: a role without the privilege is usable, and says so.
        answer = CAN_I.get(result.rows[0], "answer") if result.rows else None
        allowed = "yes" if answer is True or str(answer).lower() == "true" else "no"
        return f"{self.settings.role} (may create databases: {allowed})"

    async def read_only(self) -> str:
        async with connect(self.settings) as client:
            try:
                result = await client.execute(sql.select("databases", ["name"], order_by="name", limit=1))
            except DeltaStreamError as exc:
                raise CheckFailed(str(exc), "check the role's privileges on the system tables") from exc
        return f"SELECT from deltastream.sys.\"databases\" returned {len(result.rows)} row(s)"


def run(settings: ProviderConfig) -> list[Check]:
    return asyncio.run(Doctor(settings).run())
