"""The provider process: Pulumi's ResourceProvider gRPC service over the typed resources.

The engine starts ``pulumi-resource-deltastream [flags] <engine address>``; the process prints its
port on stdout and serves until killed. Everything here is translation: protobuf to typed values,
errors to gRPC statuses, secrets kept secret on the way out.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc, status_pb2

from .. import __version__
from ..config import NUMBERS, READ_TIMEOUT_SETTING, ProviderConfig, load, problems, setting
from ..deltastream.redaction import redact_values, secrets_known
from ..deltastream.waiting import call_deadline, reporting
from ..errors import (
    AlreadyExistsError,
    AuthenticationError,
    CreateFailed,
    DeltaStreamError,
    NotConfiguredError,
    PlanError,
    ProviderError,
    SessionError,
)
from ..model.fields import Model
from .engine_log import EngineLog, install
from .engine_watch import engine_gone
from .protocol import load_the_sdk
from .wire import Path, conceal, decode, encode, has_unknowns, reveal

if TYPE_CHECKING:
    from ..deltastream.catalog import SystemTables
    from ..deltastream.client import DeltaStreamClient
    from ..resources.base import Context, PropertyChange, Resource
    from .preflight import Preflight

Handler = Callable[..., Awaitable[Any]]
log = logging.getLogger(__name__)
T = TypeVar("T")
CUSTOM_TIMEOUTS = "the resource's customTimeouts"
GrpcContext = grpc.aio.ServicerContext[Any, Any]


def resource_type(urn: str, declared: str = "") -> str:
    """The type token: given by newer engines, else the last type in the URN."""
    if declared:
        return declared
    parts = urn.split("::")
    return parts[2].split("$")[-1] if len(parts) >= 4 else ""


def _property_diff(change: PropertyChange) -> provider_pb2.PropertyDiff:
    """One entry of a detailed diff: ``ADD``, ``DELETE`` or ``UPDATE``, its ``_REPLACE`` kind when it replaces."""
    kind = provider_pb2.PropertyDiff.Kind.Value(f"{change.kind}_REPLACE" if change.replaces else change.kind)
    return provider_pb2.PropertyDiff(kind=kind, inputDiff=change.input)


# As the Pulumi SDK's own servers: messages up to 400 MiB, and no limit on how long a request may wait.
CHANNEL_OPTIONS = [("grpc.max_receive_message_length", 400 * 1024 * 1024),
                   ("grpc.server_max_unrequested_time_in_server", 30 * 60)]


def check_failures(failures: list[tuple[str, str]], inputs: dict[str, Any]) -> list[provider_pb2.CheckFailure]:
    """Check failures as the engine prints them. It prints "property P value V has a problem: R" with ``inputs[P]``,
    the top level only, so a nested path (``kafka.saslUsername``) or an absent property would show ``{<nil>}``: those
    go without a property ("has a problem: R"), their reason naming the path."""
    found = []
    for path, reason in failures:
        if path in inputs:
            found.append(provider_pb2.CheckFailure(property=path, reason=reason))
        else:
            named = reason if not path or reason.startswith((f"{path} ", f"{path}:")) else f"{path}: {reason}"
            found.append(provider_pb2.CheckFailure(reason=named))
    return found


class DeltaStreamProvider(provider_pb2_grpc.ResourceProviderServicer):
    """Every RPC is ours but Construct's second half: Pulumi's Python servicer runs a component's program against
    the engine's monitor, and it is loaded (with the whole Pulumi SDK) on the first Construct only."""

    def __init__(self, engine: EngineLog, engine_address: str = "") -> None:
        self.engine = engine
        self.engine_address = engine_address
        self.client: DeltaStreamClient | None = None
        self.settings: ProviderConfig | None = None  # from Configure; the client is made by the first call needing it
        self.tasks: set[asyncio.Task[Any]] = set()
        self._components: Any = None
        self._tables: SystemTables | None = None
        self._preflight: Preflight | None = None

    def _catalog(self) -> SystemTables:
        """The system tables of the configured client, shared by every call (it remembers store types)."""
        from ..deltastream.catalog import SystemTables

        client = self._configured_client()
        if self._tables is None or self._tables.client is not client:
            self._tables = SystemTables(client)
        return self._tables

    def _component_servicer(self) -> Any:
        if self._components is None:
            load_the_sdk()
            from pulumi.provider.server import ProviderServicer

            from .construct import ComponentHost

            self._components = ProviderServicer(ComponentHost(), [], self.engine_address)
        return self._components

    # --- plumbing -----------------------------------------------------------------------------

    async def _run(self, context: GrpcContext, secrets: list[str], work: Callable[[], Awaitable[Any]]) -> Any:
        """Run a handler; errors become gRPC errors with secret values removed from the text.

        The call's secrets (``secrets``, the API key, and what its statements add while it runs) are known for its
        whole run, so its logs are redacted too (:func:`secrets_known`). Expected failures are
        :class:`ProviderError`; any other exception is reported as the bug it is."""
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)
        api_key = self.settings.api_key if self.settings is not None else None
        with secrets_known(secrets, [api_key]) as known:
            try:
                return await work()
            except PlanError as exc:
                await context.abort(grpc.StatusCode.FAILED_PRECONDITION, redact_values(str(exc), known))
            except CreateFailed as exc:
                await self._abort_init_failed(context, exc, sorted(known))
            except ProviderError as exc:
                await context.abort(grpc.StatusCode.UNKNOWN, redact_values(str(exc), known))
            except asyncio.CancelledError:
                await context.abort(grpc.StatusCode.CANCELLED, "cancelled")
            except Exception as bug:  # anything outside the error tree is a bug in the provider
                log.exception("bug in the DeltaStream provider")
                await context.abort(grpc.StatusCode.INTERNAL, redact_values(
                    f"internal error in the DeltaStream provider (a bug; please report it with this message): "
                    f"{type(bug).__name__}: {bug}", known))
            finally:
                if task is not None:
                    self.tasks.discard(task)

    async def _abort_init_failed(self, context: GrpcContext, exc: CreateFailed, secrets: list[str]) -> None:
        message = redact_values(str(exc), secrets)
        detail = provider_pb2.ErrorResourceInitFailed(id=exc.resource_id, properties=exc.properties or encode({}),
                                                      reasons=[message])
        status = status_pb2.Status(code=grpc.StatusCode.UNKNOWN.value[0], message=message)
        status.details.add().Pack(detail)
        await context.abort(grpc.StatusCode.UNKNOWN, message,
                            trailing_metadata=(("grpc-status-details-bin", status.SerializeToString()),))

    def _resource(self, urn: str, declared: str = "") -> Resource[Any, Any]:
        from ..kinds.registry import resource as served

        token = resource_type(urn, declared)
        resource = served(token)
        if resource is None:
            raise NotConfiguredError(f"unknown resource type {token!r}")
        return resource

    def _configured_client(self) -> DeltaStreamClient:
        """The HTTP client, made by the first call that talks to DeltaStream: Check and Diff never do, so a no-change
        preview does not import or build it."""
        if self.client is None:
            if self.settings is None:
                raise NotConfiguredError("the provider is not configured: set deltastream:server and "
                                         "deltastream:apiKey")
            from ..deltastream.client import connect

            self.client = connect(self.settings)
        return self.client

    def _context(self, urn: str, timeout: float) -> Context:
        from ..resources.base import Context

        return Context(self._configured_client(), self._catalog(), timeout, self._status(urn))

    def _status(self, urn: str) -> Callable[[str], Awaitable[None]]:
        """What reports progress on the resource ``urn`` while a call waits (retries, long polls)."""
        async def status(message: str) -> None:
            await self.engine.status(urn, message)

        return status

    def _timeout(self, given: float, operation: str) -> tuple[float, str]:
        """A create's, update's or delete's timeout and what sets it: the resource's customTimeouts, else the
        provider's deltastream:<operation>Timeout."""
        if given:
            return given, CUSTOM_TIMEOUTS
        key = f"{operation}Timeout"
        seconds: float = getattr(self.settings or ProviderConfig(), f"{operation}_timeout")
        return seconds, f"{CUSTOM_TIMEOUTS}, else {setting(key)}"

    @staticmethod
    async def _within(ctx: Context, work: Awaitable[T], setting: str = CUSTOM_TIMEOUTS) -> T:
        """``work`` under the call's deadline (``ctx.timeout``, set by ``setting``): every request and poll of it
        ends in time, the reads included, which have no timeout of their own. Retries and long waits are reported
        on the resource while they happen."""
        with call_deadline(ctx.timeout, setting), reporting(ctx.progress):
            return await work

    async def _check_before_preview(self, urn: str, token: str, creating: bool) -> None:
        """A preview planning a create or an update first checks what `up` would hit (:mod:`.preflight`); a
        provider whose configuration is not known yet (unknown values in a preview) has nothing to check."""
        if self.settings is None:
            return
        from .preflight import Preflight

        client = self._configured_client()
        if self._preflight is None or self._preflight.client is not client:
            self._preflight = Preflight(client)
        with call_deadline(self._read_timeout(), READ_TIMEOUT_SETTING), reporting(self._status(urn)):
            await self._preflight.check(token, creating)

    async def _check_at_preview(self, urn: str, resource: Resource[Any, Any], inputs: Any) -> None:
        """A preview of a create sends what the resource checks before it runs (a query's ``DESCRIBE``), unless
        deltastream:checkQueriesAtPreview is false or the configuration is not known yet (unknown values)."""
        if self.settings is None or not self.settings.check_queries_at_preview:
            return
        ctx = self._context(urn, self._read_timeout())
        await self._within(ctx, resource.check_at_preview(ctx, inputs), READ_TIMEOUT_SETTING)

    async def _name_the_import(self, ctx: Context, resource: Resource[Any, Any], inputs: Model, urn: str,
                               taken: AlreadyExistsError) -> None:
        """The already-exists hint gives the whole `pulumi import` command, with the id of what exists read from
        DeltaStream (one read, as settle does, under deltastream:readTimeout); left as it was when the read fails or
        finds nothing."""
        try:
            with call_deadline(self._read_timeout(), READ_TIMEOUT_SETTING):
                found = await resource.existing(ctx.catalog, inputs, ())
        except (DeltaStreamError, TimeoutError):
            return
        if found is not None:
            taken.adopt(resource.token, urn.rsplit("::", 1)[-1], found[0])

    def _stale_settings(self, refused: SessionError | AuthenticationError) -> str:
        """A refresh refused for its session runs with the provider settings the stack's state holds from the last
        update, not the program's: the hint says so first, with the stored value, since the one to set may be set
        already."""
        stored = self.settings or ProviderConfig()
        named = {"3D001": f"deltastream:role is {stored.role!r} there",
                 "3D004": f"deltastream:organization is {stored.organization!r} there",
                 "42P001": f"deltastream:organization is {stored.organization!r} there"}.get(refused.code or "", "")
        return (f"A refresh uses the provider settings the stack's state holds from the last update"
                f"{' (' + named + ')' if named else ''}: if the program's settings have changed since, run "
                f"`pulumi refresh --run-program`. Otherwise: {refused.hint}")

    def _read_timeout(self) -> float:
        """Reads and lookups, which the engine gives no timeout: deltastream:readTimeout."""
        return (self.settings or ProviderConfig()).read_timeout

    def _encode(self, declared: type[Model], value: Model, secret_paths: set[Path]) -> struct_pb2.Struct:
        """Properties with secrets wrapped: where the engine sent them and where the schema declares them."""
        return encode(conceal(value.to_props(), secret_paths, declared))

    # --- plugin -------------------------------------------------------------------------------

    async def Handshake(self, request: provider_pb2.ProviderHandshakeRequest, context: Any) -> Any:
        return provider_pb2.ProviderHandshakeResponse(accept_secrets=True, accept_resources=True,
                                                      accept_outputs=False)

    async def GetPluginInfo(self, request: empty_pb2.Empty, context: Any) -> plugin_pb2.PluginInfo:
        return plugin_pb2.PluginInfo(version=__version__)

    async def GetSchema(self, request: provider_pb2.GetSchemaRequest, context: Any) -> Any:
        """The packaged copy (see :mod:`.schema`): served without importing a resource."""
        from ..kinds.schema import PACKAGED

        return provider_pb2.GetSchemaResponse(schema=PACKAGED.read_text(encoding="utf-8"))

    async def GetMappings(self, request: provider_pb2.GetMappingsRequest, context: Any) -> Any:
        """The Terraform provider this plugin maps (``pulumi convert --from terraform``), as pulumi-kubernetes
        answers: ``deltastream`` for the key ``terraform``, nothing for any other key."""
        return provider_pb2.GetMappingsResponse(providers=["deltastream"] if request.key == "terraform" else [])

    async def GetMapping(self, request: provider_pb2.GetMappingRequest, context: Any) -> Any:
        """DeltaStream's Terraform provider mapped to this package (see :mod:`..kinds.terraform`); an empty answer
        for another key or provider, which the engine takes as "no mapping here"."""
        if request.key != "terraform" or request.provider not in ("", "deltastream"):
            return provider_pb2.GetMappingResponse(provider="", data=b"")
        from ..kinds.terraform import mapping_json

        return provider_pb2.GetMappingResponse(provider="deltastream", data=mapping_json())

    async def Attach(self, request: plugin_pb2.PluginAttach, context: Any) -> empty_pb2.Empty:
        self.engine = EngineLog(request.address)
        return empty_pb2.Empty()

    async def Cancel(self, request: empty_pb2.Empty, context: Any) -> empty_pb2.Empty:
        for task in list(self.tasks):
            task.cancel()
        return empty_pb2.Empty()

    # --- configuration ------------------------------------------------------------------------

    def _config(self, args: struct_pb2.Struct | None, variables: dict[str, str] | None = None) -> dict[str, Any]:
        config = {k.rsplit(":", 1)[-1]: v for k, v in (variables or {}).items()}
        plain = reveal(decode(args)).plain
        config.update({k: v for k, v in plain.items() if k != "version"})
        return config

    async def CheckConfig(self, request: provider_pb2.CheckRequest, context: Any) -> provider_pb2.CheckResponse:
        config = self._config(request.news)
        failures = []
        if not has_unknowns(config):
            failures = [provider_pb2.CheckFailure(property=p.key, reason=p.message)
                        for p in problems(load(config)) if p.key == "server" or p.key in NUMBERS]
        return provider_pb2.CheckResponse(inputs=request.news, failures=failures)

    async def DiffConfig(self, request: provider_pb2.DiffRequest, context: Any) -> provider_pb2.DiffResponse:
        olds, news = self._config(request.old_inputs or request.olds), self._config(request.news)
        changed = sorted(k for k in set(olds) | set(news) if olds.get(k) != news.get(k))
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=changed)

    async def Configure(self, request: provider_pb2.ConfigureRequest, context: GrpcContext) -> Any:
        config = self._config(request.args, dict(request.variables))
        if not has_unknowns(config):
            settings = load(config)
            found = problems(settings)
            if found:
                await context.abort(grpc.StatusCode.INVALID_ARGUMENT,
                                    "the DeltaStream provider is misconfigured: "
                                    + "; ".join(f"{p.key}: {p.message}" for p in found))
            if self.client is not None:
                await self.client.aclose()
                self.client = None
            self.settings = settings
        return provider_pb2.ConfigureResponse(acceptSecrets=True, supportsPreview=True, acceptResources=True,
                                              acceptOutputs=False)

    # --- resources ----------------------------------------------------------------------------

    async def Check(self, request: provider_pb2.CheckRequest, context: GrpcContext) -> Any:
        program_inputs = decode(request.news)
        news = reveal(program_inputs)

        async def work() -> provider_pb2.CheckResponse:
            resource = self._resource(request.urn, request.type)
            failures = resource.inputs.validate(news.plain)
            if not failures:
                typed = resource.inputs.from_props(news.plain)
                failures = resource.check(typed)
                for _, message in typed.deprecations():  # an input an earlier release took: a warning, not a failure
                    await self.engine.warn(message, request.urn)
            # Declared secrets become secret even when the program passed plain values, so the
            # engine never writes them to state in the clear.
            checked = encode(conceal(program_inputs, model=resource.inputs))
            return provider_pb2.CheckResponse(inputs=checked, failures=check_failures(failures, news.plain))

        return await self._run(context, news.secrets, work)

    async def Diff(self, request: provider_pb2.DiffRequest, context: GrpcContext) -> Any:
        news = reveal(decode(request.news))

        async def work() -> provider_pb2.DiffResponse:
            resource = self._resource(request.urn, request.type)
            olds = reveal(decode(request.olds)).plain
            old_inputs = reveal(decode(request.old_inputs)).plain if request.HasField("old_inputs") else olds
            diff = resource.detailed_diff(old_inputs, news.plain, olds)
            if diff.refusal is not None and self.settings is not None:  # a replacement that may take dependents
                # down: read them, refuse if any (unconfigured, as in a preview of unknown config: up refuses)
                ctx = self._context(request.urn, self._read_timeout())
                await self._within(ctx, diff.refusal(ctx, request.id), READ_TIMEOUT_SETTING)
            for warning in diff.warnings:
                await self.engine.warn(warning, request.urn)
            return provider_pb2.DiffResponse(
                changes=provider_pb2.DiffResponse.DIFF_SOME if diff.changes else provider_pb2.DiffResponse.DIFF_NONE,
                replaces=diff.replaces, diffs=diff.changes, hasDetailedDiff=True,
                detailedDiff={path: _property_diff(change) for path, change in diff.properties.items()},
                deleteBeforeReplace=bool(diff.replaces) and diff.delete_before_replace)

        return await self._run(context, news.secrets, work)

    async def Create(self, request: provider_pb2.CreateRequest, context: GrpcContext) -> Any:
        props = reveal(decode(request.properties))

        async def work() -> provider_pb2.CreateResponse:
            resource = self._resource(request.urn, request.type)
            inputs = resource.inputs.from_props(props.plain)
            if request.preview:
                await self._check_before_preview(request.urn, resource_type(request.urn, request.type), creating=True)
                await self._check_at_preview(request.urn, resource, inputs)
                return provider_pb2.CreateResponse(
                    id="", properties=self._encode(resource.state, resource.preview(inputs), props.paths))
            timeout, set_by = self._timeout(request.timeout, "create")
            ctx = self._context(request.urn, timeout)
            try:
                resource_id, state = await self._within(ctx, resource.create(ctx, inputs), set_by)
            except AlreadyExistsError as taken:
                await self._name_the_import(ctx, resource, inputs, request.urn, taken)
                raise
            except CreateFailed as failed:  # kept as partial state: the next command reads whether it exists
                partial = failed.state if failed.state is not None else resource.partial(inputs)
                failed.properties = self._encode(resource.state, partial, props.paths)
                raise
            return provider_pb2.CreateResponse(id=resource_id,
                                               properties=self._encode(resource.state, state, props.paths))

        return await self._run(context, props.secrets, work)

    async def Read(self, request: provider_pb2.ReadRequest, context: GrpcContext) -> Any:
        props = reveal(decode(request.properties))

        async def work() -> provider_pb2.ReadResponse:
            resource = self._resource(request.urn, request.type)
            old_inputs = reveal(decode(request.inputs))
            inputs = resource.inputs_to_read_with(old_inputs.plain)
            ctx = self._context(request.urn, request.timeout or self._read_timeout())
            try:
                found = await self._within(ctx, resource.read(ctx, request.id, inputs,
                                                              resource.stored_state(props.plain, old_inputs.plain)
                                                              if old_inputs.plain else None),
                                           CUSTOM_TIMEOUTS if request.timeout else READ_TIMEOUT_SETTING)
            except (SessionError, AuthenticationError) as refused:
                if props.plain:  # a refresh of what the state holds (an import has nothing yet, and current settings)
                    refused.hint = self._stale_settings(refused)
                raise
            if found is None:
                return provider_pb2.ReadResponse(id="")
            new_inputs, state = found
            return provider_pb2.ReadResponse(
                id=resource.read_id(request.id, state), properties=self._encode(resource.state, state, props.paths),
                inputs=self._encode(resource.inputs, new_inputs, old_inputs.paths))

        return await self._run(context, props.secrets, work)

    async def Update(self, request: provider_pb2.UpdateRequest, context: GrpcContext) -> Any:
        news = reveal(decode(request.news))

        async def work() -> provider_pb2.UpdateResponse:
            resource = self._resource(request.urn, request.type)
            olds = reveal(decode(request.olds)).plain
            old_inputs = reveal(decode(request.old_inputs)).plain if request.HasField("old_inputs") else {}
            old_state = resource.stored_state(olds, old_inputs or news.plain)
            inputs = resource.inputs.from_props(news.plain)
            if request.preview:
                await self._check_before_preview(request.urn, resource_type(request.urn, request.type), creating=False)
                preview = resource.preview_update(old_state, inputs)
                return provider_pb2.UpdateResponse(properties=self._encode(resource.state, preview, news.paths))
            timeout, set_by = self._timeout(request.timeout, "update")
            ctx = self._context(request.urn, timeout)
            state = await self._within(ctx, resource.apply_update(ctx, request.id, old_state, inputs), set_by)
            return provider_pb2.UpdateResponse(properties=self._encode(resource.state, state, news.paths))

        return await self._run(context, news.secrets, work)

    async def Delete(self, request: provider_pb2.DeleteRequest, context: GrpcContext) -> Any:
        props = reveal(decode(request.properties))

        async def work() -> empty_pb2.Empty:
            resource = self._resource(request.urn, request.type)
            old_inputs = reveal(decode(request.old_inputs)).plain if request.HasField("old_inputs") else {}
            timeout, set_by = self._timeout(request.timeout, "delete")
            ctx = self._context(request.urn, timeout)
            await self._within(ctx, resource.delete(ctx, request.id, resource.stored_state(props.plain, old_inputs)),
                               set_by)
            return empty_pb2.Empty()

        return await self._run(context, props.secrets, work)

    # --- components ---------------------------------------------------------------------------

    async def Construct(self, request: provider_pb2.ConstructRequest, context: GrpcContext) -> Any:
        """Validate a component's inputs (naming each bad property), then construct it."""
        from deltastream_components.registry import COMPONENTS_BY_TOKEN

        component = COMPONENTS_BY_TOKEN.get(request.type)
        if component is not None:
            inputs = reveal(decode(request.inputs)).plain
            failures = component.inputs.validate(inputs)
            if not failures:
                typed = component.inputs.from_props(inputs)
                failures = component.check(typed)
                for _, message in typed.deprecations():
                    await self.engine.warn(f"{request.type.rsplit(':', 1)[-1]} {request.name!r}: {message}")
            if failures:
                summary = "; ".join(f"{p}: {r}" for p, r in failures)
                status = self._component_servicer().create_grpc_invalid_properties_status(
                    f"invalid inputs for {request.type.rsplit(':', 1)[-1]} {request.name!r}: {summary}",
                    [{"property_path": p, "reason": r} for p, r in failures])
                await context.abort_with_status(status)
        return await self._component_servicer().Construct(request, context)

    # --- listing ------------------------------------------------------------------------------

    async def List(self, request: provider_pb2.ListRequest, context: GrpcContext) -> AsyncIterator[Any]:
        """``pulumi do deltastream <Type> list``: one page of import ids and names (:mod:`..kinds.listing`), then
        the next page's token; one ``Computed`` when the query holds unknowns."""
        query = reveal(decode(request.query)).plain if request.HasField("query") else {}

        async def work() -> list[provider_pb2.ListResponse]:
            from ..kinds import listing

            found = listing.lister(request.token)
            if found is None:
                raise NotConfiguredError(f"unknown resource type {request.token!r}")
            if has_unknowns(query):
                return [provider_pb2.ListResponse(computed=provider_pb2.ListResponse.Computed())]
            given = listing.query_of(request.token, found, query)
            cursor = listing.Cursor.of(request.continuation_token)
            with call_deadline(self._read_timeout(), READ_TIMEOUT_SETTING), reporting(self.engine.info):
                results = await found.fetch(self._catalog(), given)
            sent, following = listing.page(results, cursor, request.limit, request.page_size)
            answer = [provider_pb2.ListResponse(result=provider_pb2.ListResponse.Result(id=r.id, name=r.name))
                      for r in sent]
            if following:
                answer.append(provider_pb2.ListResponse(
                    continuation=provider_pb2.ListResponse.Continuation(continuation_token=following)))
            return answer

        for response in await self._run(context, [], work) or []:
            yield response

    # --- functions ----------------------------------------------------------------------------

    async def Invoke(self, request: provider_pb2.InvokeRequest, context: GrpcContext) -> Any:
        async def work() -> provider_pb2.InvokeResponse:
            from ..kinds.registry import function as served

            function = served(request.tok)
            if function is None:
                raise NotConfiguredError(f"unknown function {request.tok!r}")
            args = reveal(decode(request.args)).plain
            failures = function.args.validate(args)
            if failures:
                return provider_pb2.InvokeResponse(
                    failures=[provider_pb2.CheckFailure(property=p, reason=r) for p, r in failures])
            if has_unknowns(args):
                return provider_pb2.InvokeResponse()
            with call_deadline(self._read_timeout(), READ_TIMEOUT_SETTING), reporting(self.engine.info):
                answer = await function.invoke(self._catalog(), function.args.from_props(args))
            for warning in answer.warnings:
                await self.engine.warn(f"{request.tok.rsplit(':', 1)[-1]}: {warning}")
            response = provider_pb2.InvokeResponse()
            getattr(response, "return").CopyFrom(encode(answer.result.to_props()))  # `return` is a Python keyword
            return response

        return await self._run(context, [], work)


def engine_address(argv: list[str]) -> str | None:
    """The engine's address is the last positional argument; flags (some with values) come first."""
    positional: list[str] = []
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("--tracing", "--root"):
            skip = True
        elif not arg.startswith("-"):
            positional.append(arg)
    return positional[-1] if positional else None


def exit_when_told() -> None:
    """The engine ends a provider it is done with by SIGINT (CTRL_BREAK_EVENT, seen as SIGBREAK, on Windows; SIGKILL
    after a cooldown) and waits for the process to exit before its command can finish, so every command pays for
    the exit. Nothing needs tearing down: a call still in flight is abandoned as a stopping server would cancel it,
    and the sockets close with the process. So the process exits at once, with status 0, instead of unwinding
    asyncio, gRPC and the interpreter (measured at about 70 ms per command) and printing a KeyboardInterrupt
    traceback into the engine's log.

    The event loop's own signal handling is used where it has one: Python runs a handler in the main thread only,
    and the kernel may give a process's signal to any of its threads (gRPC's); the loop's wake-up descriptor
    wakes the main thread wherever the signal landed."""

    def exit_now(*_: object) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)

    loop = asyncio.get_running_loop()
    for name in ("SIGINT", "SIGTERM", "SIGBREAK"):
        if hasattr(signal, name):
            try:
                loop.add_signal_handler(getattr(signal, name), exit_now)
            except NotImplementedError:  # Windows' event loops
                signal.signal(getattr(signal, name), exit_now)


async def serve(argv: list[str], servicer: type[DeltaStreamProvider] = DeltaStreamProvider) -> None:
    """Serve until the engine ends the process or is gone; ``servicer`` is replaced only by the benchmark's
    stand-in that does no work."""
    exit_when_told()
    address = engine_address(argv)
    engine = EngineLog(address)
    install(engine)
    server = grpc.aio.server(options=CHANNEL_OPTIONS)
    provider = servicer(engine, address or "")
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(provider, server)
    port = server.add_insecure_port("127.0.0.1:0")
    await server.start()
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    waits: list[asyncio.Future[Any]] = [asyncio.ensure_future(server.wait_for_termination())]
    if address:
        waits.append(asyncio.ensure_future(engine_gone(address)))
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiting in waits:
            waiting.cancel()
        await server.stop(grace=None)  # cancels calls in flight: nothing outlives the engine
        if provider.client is not None:
            await provider.client.aclose()

