"""What every resource is: typed inputs, typed state, and its lifecycle methods.

The gRPC layer (:mod:`deltastream_provider.plugin.servicer`) decodes requests into these types, calls the
methods, and encodes the answers; resources never see protobuf, HTTP or SQL text.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import re
import time
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Literal, TypeVar

from ..deltastream.catalog import SystemTables
from ..deltastream.values import parse_timestamp
from ..deltastream.waiting import call_deadline, wait_for
from ..errors import (
    AlreadyExistsError,
    CreateFailed,
    DeltaStreamError,
    DependentObjectsError,
    InputError,
    NotFoundError,
    OutcomeUnknownError,
    PlanError,
    StatementTimeoutError,
)
from ..model.fields import Model
from ..model.unknown import UNKNOWN

if TYPE_CHECKING:
    from ..deltastream.client import DeltaStreamClient, Result
    from .dependents import BlastRadius

ACCEPT_KEY = "acceptReplacement"  # the input that lets a replacement with dependents go ahead (.dependents)

InputsT = TypeVar("InputsT", bound=Model)
StateT = TypeVar("StateT", bound=Model)
L = TypeVar("L")

DEFAULT_TIMEOUT = 20 * 60.0
#: Seconds a DROP refused for a dependent (2BP01) is retried: long enough for a dependent being deleted beside it in
#: the same run to go, short of the timeout, as the engine may well delete that dependent only after this one.
DEPENDENT_GRACE = 60.0

#: What a create made, found by reading: its id and when DeltaStream says it was created (None: not shown).
Existing = tuple[str, str | None] | None


@dataclass
class Context:
    """What one lifecycle call may use."""

    client: DeltaStreamClient
    catalog: SystemTables
    timeout: float = DEFAULT_TIMEOUT
    status: Callable[[str], Awaitable[None]] | None = None
    deadline: float = field(init=False)  # the call's timeout as a point in time.monotonic()

    def __post_init__(self) -> None:
        self.deadline = time.monotonic() + self.timeout

    def remaining(self) -> float:
        """What is left of the call's timeout: every send and wait of the call fits in it (cleanup and deletes
        take the whole timeout of their own)."""
        return max(self.deadline - time.monotonic(), 0.001)

    async def wait_until(self, probe: Callable[[], Awaitable[L | None]], what: str) -> L:
        """:func:`wait_for` within what is left of the call's timeout, reporting progress to the engine."""
        return await wait_for(probe, timeout=self.remaining(), limit=self.timeout, what=what, progress=self.progress)

    async def progress(self, message: str) -> None:
        if self.status is not None:
            await self.status(message)


@dataclass
class Diff:
    """Top-level property changes (a kind's :meth:`Resource.diff`); ``replaces`` is the subset that forces
    replacement."""

    changes: list[str] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)
    delete_before_replace: bool = False
    warnings: list[str] = field(default_factory=list)  # told to the user at preview, on the resource (not failing)


#: How the value at a property path changed.
Change = Literal["ADD", "DELETE", "UPDATE"]


@dataclass(frozen=True)
class PropertyChange:
    """One entry of a detailed diff: how the value at a property path changed, whether that replaces the resource,
    and whether it is an input (False: an output that drifted while no input changed)."""

    kind: Change
    replaces: bool = False
    input: bool = True


#: A replacement's check at preview (:meth:`Resource.refuse_replacement`), given the call's context and the id.
Refusal = Callable[[Context, str], Awaitable[None]]


@dataclass
class DetailedDiff(Diff):
    """A :class:`Diff` and, for each property path that changed, how (:meth:`Resource.detailed_diff`); ``refusal``,
    where the replacement may take dependents down, reads them and fails the preview when there are any."""

    properties: dict[str, PropertyChange] = field(default_factory=dict)
    refusal: Refusal | None = None


# Identifier rule shared by every resource (FR-011): DeltaStream quotes names, so only characters
# that cannot be quoted safely, and names that are too long, are refused before anything is sent.
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f]")
MAX_NAME = 255


def check_identifier(path: str, value: Any) -> list[tuple[str, str]]:
    if value is UNKNOWN or value is None:
        return []
    if not isinstance(value, str) or not value.strip():
        return [(path, f"{path} must be a non-empty name")]
    if value != value.strip():
        return [(path, f"{path} {value!r} has leading or trailing spaces; remove them")]
    if _FORBIDDEN.search(value):
        return [(path, f"{path} {value!r} contains a control character (such as a newline or tab); "
                       "DeltaStream names cannot contain them")]
    if len(value) > MAX_NAME:
        return [(path, f"{path} is {len(value)} characters long; DeltaStream names are at most {MAX_NAME}")]
    return []


def half_a_pair(block: str, first: tuple[str, Any], second: tuple[str, Any]) -> list[tuple[str, str]]:
    """A credential pair given half (a user name without its password, a key id without its secret): the Check
    failure naming the missing half."""
    (first_name, first_value), (second_name, second_value) = first, second
    if (first_value is None) == (second_value is None):
        return []
    missing, given = (second_name, first_name) if second_value is None else (first_name, second_name)
    return [(f"{block}.{missing}", f"{block}.{missing} is required with {block}.{given}: they are given together")]


def refuse_owner_change(kind: str, old: Any, new: Any) -> None:
    """A different owner is refused at preview for a kind DeltaStream's GRANT OWNERSHIP does not list."""
    if new is not None and not equal(old, new):
        raise PlanError(f"the owner of a {kind} cannot be changed in place (from {old!r} to {new!r}): "
                        f"DeltaStream's GRANT OWNERSHIP, its only statement that changes an owner, does not list "
                        f"the {kind} kind. Keep owner {old!r}, or create a new {kind} under another name owned by the "
                        "new role and move its contents.")


def equal(old: Any, new: Any) -> bool:
    """Inputs compare equal when they are, treating missing and null alike."""
    if new is UNKNOWN:
        return False
    if isinstance(old, dict) and isinstance(new, dict):
        keys = set(old) | set(new)
        return all(equal(old.get(k), new.get(k)) for k in keys)
    if isinstance(old, list) and isinstance(new, list):
        return len(old) == len(new) and all(equal(a, b) for a, b in zip(old, new, strict=True))
    return old == new or (old in (None, "", [], {}) and new in (None, "", [], {}))


def replacing_paths(properties: dict[str, PropertyChange]) -> list[str]:
    """The input paths whose change replaces, as a refusal names them (``kafka.uris (removed)``)."""
    return [f"{path} (removed)" if change.kind == "DELETE" else path
            for path, change in properties.items() if change.replaces and change.input]


def missing_required(model: type[Model], props: dict[str, Any]) -> list[str]:
    """The required properties ``props`` lacks: none when it is a record of ``model``."""
    return [prop.key for prop in model.wire_fields() if prop.required and props.get(prop.key) is None]


class Resource(Generic[InputsT, StateT]):
    token: ClassVar[str]
    description: ClassVar[str]
    inputs: ClassVar[type[Model]]
    state: ClassVar[type[Model]]
    delete_before_replace: ClassVar[bool] = True
    fixed_owner: ClassVar[str | None] = None  # the kind's name where GRANT OWNERSHIP does not list it (a secret)
    #: The kind's word in ``GRANT OWNERSHIP ON <word>`` where the docs list it: its ``owner`` changes in place, after
    #: the preview's check of the statement's two conditions (:mod:`.ownership`); None: the kind has no owner input.
    ownership: ClassVar[str | None] = None
    #: The organization privilege a create needs, which a preview asks about (``CAN I``, plugin/preflight.py); None
    #: where it is a privilege on a database, schema or store, which a preview cannot ask about before those exist.
    create_privilege: ClassVar[str | None] = None
    always_set: ClassVar[tuple[str, ...]] = ()  # outputs present after every create (required in the schema)
    #: The kinds whose resource an alias may turn into this one, as ``module.Class`` in this package (a Pipeline's
    #: sink is one child, an object or a view): a Diff given their stored inputs answers a replacement
    #: (:meth:`across_kinds`).
    aliased_from: ClassVar[tuple[str, ...]] = ()

    def check(self, inputs: InputsT) -> list[tuple[str, str]]:
        """Failures beyond types and required properties, which the server checks first."""
        return []

    def diff(self, olds: InputsT, news: InputsT, state: StateT) -> Diff:
        """Changed inputs; those declared ``replaces`` force a replacement, and so does every change of a resource
        without :meth:`update`.

        Where the owner is fixed, a different owner is refused here (at preview) and an owner that merely
        names the current one (the state's, as DeltaStream showed it) is no change; an owner left unset is no change
        either (the object keeps its owner).
        """
        if self.fixed_owner is not None:
            refuse_owner_change(self.fixed_owner, getattr(olds, "owner", None) or getattr(state, "owner", None),
                                getattr(news, "owner", None))
        result = Diff(delete_before_replace=self.delete_before_replace)
        old_props, new_props = olds.to_props(), news.to_props()
        for prop in self.inputs.wire_fields():
            key = prop.key
            if equal(old_props.get(key), new_props.get(key)) or (key == "owner" and (
                    self.fixed_owner is not None or new_props.get(key) is None
                    or equal(getattr(state, "owner", None), new_props.get(key)))):
                continue
            if key == ACCEPT_KEY:  # a permission for the replacement, never a change by itself
                continue
            result.changes.append(key)
            if prop.field.metadata.get("replaces") or not self.updatable:
                result.replaces.append(key)
        return result

    def detailed_diff(self, olds: dict[str, Any], news: dict[str, Any], state: dict[str, Any]) -> DetailedDiff:
        """What a Diff answers, from the engine's records: old inputs, new inputs, state (plain values). :meth:`diff`
        decides on the typed values; each input it found changed is told by the innermost paths at which the records
        differ (``kinesis.secretAccessKey``, ``columns[2].type``: :func:`.diff_paths.changed_paths`, as the engine,
        which shows its own values there, has them), replacing when its top-level property does. A change the values
        do not show (a rule of the kind) is told at the top, and so is an output's (drift). Old inputs of another
        kind, which an alias brought here, are answered by :meth:`across_kinds`."""
        from .diff_paths import changed_paths  # only a Diff needs it

        if missing_required(self.inputs, olds):
            return self.across_kinds(olds, news, state)
        typed_state = self.stored_state(state, olds)
        decided = self.diff(self.stored_inputs(olds), self.inputs.from_props(news),  # type: ignore[arg-type]
                            typed_state)
        properties: dict[str, PropertyChange] = {}
        for key in decided.changes:
            replaces = key in decided.replaces
            if key not in news and key not in olds:  # an output (drift), not an input
                properties[key] = PropertyChange("UPDATE", replaces, input=False)
                continue
            for path, kind in changed_paths(olds.get(key), news.get(key), key) or [(key, "UPDATE")]:
                properties[path] = PropertyChange(kind, replaces)
        refusal: Refusal | None = None
        if (self.ownership is not None and "owner" in decided.changes and not decided.replaces
                and isinstance(news.get("owner"), str)):
            from .ownership import check  # only an owner change needs it
            refusal = check(self.token.rsplit(":", 1)[-1], state.get("owner"), news["owner"])
        if decided.replaces and self.guarded and news.get(ACCEPT_KEY) is not True:
            why = replacing_paths(properties) or decided.replaces

            async def refusal(ctx: Context, resource_id: str) -> None:
                await self.refuse_replacement(ctx, resource_id, typed_state, why)
        return DetailedDiff(decided.changes, decided.replaces, decided.delete_before_replace, warnings=decided.warnings,
                            properties=properties, refusal=refusal)

    def across_kinds(self, olds: dict[str, Any], news: dict[str, Any], state: dict[str, Any]) -> DetailedDiff:
        """The Diff of a resource whose stored inputs are another kind's. A kind of :attr:`aliased_from` is replaced,
        the old one deleted first (the two share the name), each input that differs told as replacing; where the old
        kind is guarded, its refusal on the old state decides (what replacing the old one takes down), unless the new
        inputs accept the replacement. Any other kind's record cannot be compared, and a refresh, which reads with
        the same record, does not mend it."""
        from .diff_paths import changed_paths  # only a Diff needs it

        kind = self.token.rsplit(":", 1)[-1]
        formers = self.former_kinds()
        former = next((k for k in formers if not missing_required(k.inputs, olds)), None)
        if former is None:
            nor = "".join(f" nor a {k.token.rsplit(':', 1)[-1]}'s" for k in formers)
            raise InputError(f"the stored inputs of this resource are not a {kind}'s (no "
                             f"{', '.join(missing_required(self.inputs, olds))}){nor}, so they cannot be compared "
                             "with the program's: the stack recorded the resource as another type (an alias from a "
                             f"type that cannot become a {kind}), which a refresh, reading it as that type, does not "
                             "change. Declare it again as the type the stack recorded, or take it out of the stack "
                             f"(`pulumi state delete` with its URN) and adopt it as a {kind} (`pulumi import`)")
        keys = {p.key for p in self.inputs.wire_fields()} | {p.key for p in former.inputs.wire_fields()}
        changed = sorted(k for k in keys - {ACCEPT_KEY} if not equal(olds.get(k), news.get(k)))
        properties = {path: PropertyChange(how, replaces=True) for key in changed
                      for path, how in changed_paths(olds.get(key), news.get(key), key) or [(key, "UPDATE")]}
        refusal: Refusal | None = None
        if former.guarded and news.get(ACCEPT_KEY) is not True:
            old_state = former.stored_state(state, olds)
            why = replacing_paths(properties)

            async def refusal(ctx: Context, resource_id: str) -> None:
                await former.refuse_replacement(ctx, resource_id, old_state, why)
        return DetailedDiff(changed, changed, delete_before_replace=True, properties=properties, refusal=refusal)

    def former_kinds(self) -> list[Resource[Any, Any]]:
        """The kinds of :attr:`aliased_from`, as their modules serve them (a kind never imports the registry)."""
        import importlib  # only a Diff across kinds needs it

        found: list[Resource[Any, Any]] = []
        for path in self.aliased_from:
            module, name = path.rsplit(".", 1)
            found.append(getattr(importlib.import_module(f"{__package__}.{module}"), name)())
        return found

    @property
    def guarded(self) -> bool:
        """Whether a replacement is refused while something depends on it: the kind's inputs take
        ``acceptReplacement`` (see :mod:`.dependents`)."""
        return any(prop.key == ACCEPT_KEY for prop in self.inputs.wire_fields())

    async def blast_radius(self, ctx: Context, resource_id: str, state: StateT) -> BlastRadius:
        """What replacing the resource takes down, read from DeltaStream (the kinds that take ``acceptReplacement``
        answer it)."""
        raise NotImplementedError

    def replacement_advice(self, why: list[str]) -> str:
        """How to make the change without replacing: the refusal's way out (``why``: the property paths that
        replace)."""
        return f"keep {', '.join(why)} as it is"

    async def refuse_replacement(self, ctx: Context, resource_id: str, state: StateT, why: list[str]) -> None:
        """Fail the preview of a replacement that takes something down, naming it and the property paths that
        replace; where nothing depends on it, the replacement goes ahead."""
        from .dependents import refusal

        radius = await self.blast_radius(ctx, resource_id, state)
        if radius:
            kind = self.token.rsplit(":", 1)[-1]
            paths = [w.removesuffix(" (removed)") for w in why]
            raise refusal(f"{kind} {resource_id!r}", why, radius, self.replacement_advice(paths))

    @property
    def updatable(self) -> bool:
        """Whether the resource changes anything in place; without :meth:`update`, every change replaces."""
        return type(self).update is not Resource.update

    def preview(self, inputs: InputsT) -> StateT:
        """The state shown in a preview: inputs as given, everything computed unknown."""
        values = {prop.name: getattr(inputs, prop.name) for prop in self.inputs.wire_fields()}
        computed = {prop.name: UNKNOWN for prop in self.state.wire_fields() if prop.name not in values}
        return self.state(**values, **computed)  # type: ignore[return-value]

    def preview_update(self, state: StateT, inputs: InputsT) -> StateT:
        """The state shown in an update's preview: :meth:`preview` of the new inputs, with what it cannot know yet
        as ``state`` (the engine's record) has it."""
        preview = self.preview(inputs)
        for prop in self.state.wire_fields():
            if getattr(preview, prop.name) is UNKNOWN:
                setattr(preview, prop.name, getattr(state, prop.name))
        return preview

    async def check_at_preview(self, ctx: Context, inputs: InputsT) -> None:
        """What a preview of a create asks DeltaStream before ``up`` would (read-only); most kinds ask nothing."""

    async def create(self, ctx: Context, inputs: InputsT) -> tuple[str, StateT]:
        raise NotImplementedError

    async def read(self, ctx: Context, resource_id: str, inputs: InputsT | None,
                   state: StateT | None) -> tuple[InputsT, StateT] | None:
        """Current inputs and state from DeltaStream, or None when it no longer exists.

        ``inputs`` is None on import: everything must then be rebuilt from the server.
        """
        raise NotImplementedError

    async def update(self, ctx: Context, resource_id: str, olds: StateT, news: InputsT) -> StateT:
        """Change in place what can be; optional (see :attr:`updatable`)."""
        raise NotImplementedError

    async def delete(self, ctx: Context, resource_id: str, state: StateT) -> None:
        raise NotImplementedError

    def partial(self, inputs: InputsT) -> StateT:
        """What is known of a create that could not finish: its inputs, nothing read yet."""
        return state_of(self.state, inputs)  # type: ignore[return-value]

    def is_partial(self, state: StateT) -> bool:
        """A state recorded by a create that could not finish: no output was ever read from DeltaStream."""
        given = {f.name for f in self.inputs.wire_fields()}
        return all(getattr(state, f.name) is None for f in self.state.wire_fields() if f.name not in given)

    def stored_inputs(self, props: dict[str, Any]) -> InputsT:
        """Typed inputs from the engine's record of the resource."""
        try:
            return self.inputs.from_props(props)  # type: ignore[return-value]
        except TypeError as exc:
            raise InputError(f"the stored {self.inputs.__name__} is incomplete ({exc}); run `pulumi refresh` to "
                             "rebuild it from DeltaStream") from exc

    def inputs_to_read_with(self, props: dict[str, Any]) -> InputsT | None:
        """The stored inputs a read starts from; None where there are none or they are incomplete, so the read
        rebuilds them from DeltaStream as an import does (what makes a refresh mend an incomplete record)."""
        if not props:
            return None
        try:
            return self.stored_inputs(props)
        except InputError:
            return None

    def stored_state(self, props: dict[str, Any], inputs: dict[str, Any] | None) -> StateT:
        """Typed state from the engine's record of the resource; one a create could not finish (no outputs, as
        earlier releases recorded it) is rebuilt from its ``inputs`` (:meth:`partial`), so refresh, up and destroy
        can read whether it exists."""
        try:
            return self.state.from_props(props)  # type: ignore[return-value]
        except TypeError:
            if not inputs:
                raise
            return self.partial(self.stored_inputs(inputs))

    def read_id(self, resource_id: str, state: StateT) -> str:
        """The id a read found (an unsettled query's is only known once it is found)."""
        return resource_id

    async def apply_update(self, ctx: Context, resource_id: str, state: StateT, inputs: InputsT) -> StateT:
        """What an Update does: :meth:`finish` a create that could not finish (``state`` is partial), else
        :meth:`update` in place."""
        if self.is_partial(state):
            return await self.finish(ctx, resource_id, state, inputs)
        return await self.update(ctx, resource_id, state, inputs)

    async def finish(self, ctx: Context, resource_id: str, partial: StateT, inputs: InputsT) -> StateT:
        """The next `pulumi up` after a create that could not finish: adopt what exists (bringing it to ``inputs``),
        or create it when it does not. Only kinds whose id follows from their inputs get here."""
        found = await self.read(ctx, resource_id, inputs, partial)
        if found is None:
            try:
                return (await self.create(ctx, inputs))[1]
            except AlreadyExistsError:  # the create this state records landed since the read: it is this stack's
                found = await self.read(ctx, resource_id, inputs, partial)
                if found is None:
                    raise
        current, state = found
        if self.updatable and self.diff(current, inputs, state).changes:
            return await self.update(ctx, resource_id, state, inputs)
        return state

    async def existing(self, catalog: SystemTables, inputs: InputsT, excluded: Collection[str]) -> Existing:
        """What a create with ``inputs`` made, when it exists, read from DeltaStream (``deltastream-provider
        settle`` after a killed `pulumi up`); ``excluded`` are ids the stack already holds. Every kind has one."""
        raise NotImplementedError


def state_of(state_type: type[StateT], inputs: Model, **computed: Any) -> StateT:
    """A state value: every input as given, plus the computed outputs."""
    values = {f.name: getattr(inputs, f.name) for f in dataclasses.fields(inputs)}  # type: ignore[arg-type]
    return state_type(**values, **computed)


async def drop_then_wait(ctx: Context, statement: Any, lookup: Callable[[], Awaitable[Any]], *, what: str) -> None:
    """Drop, then wait until ``lookup`` finds nothing; something already gone is success (idempotent).

    A DROP whose outcome is unknown is settled by reading: sent again only while the thing is still there.
    A DROP refused because a dependent still exists (``2BP01``) is retried for :data:`DEPENDENT_GRACE`, as the
    dependent may be being deleted beside it (imports record no dependencies), then reported: the engine does not
    always delete such a dependent concurrently (it may wait for this delete first), so waiting out the whole timeout
    would only hang the destroy; the error's hint says how to order it.
    """
    deadline = time.monotonic() + ctx.timeout
    refusals: list[DependentObjectsError] = []
    first_refused: list[float] = []

    async def dropped() -> bool | None:
        try:
            await ctx.client.execute(statement, timeout=max(deadline - time.monotonic(), 0.001))
        except NotFoundError:
            return True
        except OutcomeUnknownError:
            return True if await lookup() is None else None
        except DependentObjectsError as refused:
            now = time.monotonic()
            first_refused[:] = first_refused or [now]
            if now >= deadline or now - first_refused[0] >= DEPENDENT_GRACE:
                raise
            refusals.append(refused)
            await ctx.progress(f"waiting for what depends on {what} to go: {refused.message}")
            return None
        return True

    try:
        await wait_for(dropped, timeout=ctx.timeout, what=f"{what} to be dropped", progress=ctx.progress)
    except (StatementTimeoutError, OutcomeUnknownError):
        if refusals:  # out of time while a dependent held it: that is what the user must hear
            raise refusals[-1] from None
        raise

    async def gone() -> bool | None:
        return True if await lookup() is None else None

    await wait_for(gone, timeout=max(deadline - time.monotonic(), 0.001), what=f"{what} to be dropped",
                   progress=ctx.progress)


async def send_until_settled(ctx: Context, statement: Any, landed: Callable[[], Awaitable[L | None]],
                             session: Any = None) -> Result | L | None:
    """Send a mutating statement until its outcome is known: DeltaStream's answer, or, when an answer is lost,
    what ``landed`` finds by reading (the statement is sent again only while it finds nothing), within the
    resource's timeout. None: a resend was refused as a duplicate, so a send whose answer was lost did land."""
    deadline = ctx.deadline
    lost = False
    while True:
        try:
            return await ctx.client.execute(statement, session=session,
                                            timeout=max(deadline - time.monotonic(), 0.001))
        except AlreadyExistsError:
            if lost:
                return None
            raise
        except OutcomeUnknownError:
            lost = True
            try:
                async with asyncio.timeout(max(deadline - time.monotonic(), 0)):
                    found = await landed()
            except TimeoutError:
                raise OutcomeUnknownError("its answer was lost, and reading whether it ran did not finish within the "
                                          "timeout") from None
            except DeltaStreamError as unread:  # no answer to the read either: whether it ran is still unknown
                raise OutcomeUnknownError(f"its answer was lost, and reading whether it ran failed: {unread.message}"
                                          ) from unread
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise


SETTLE_ON_CANCEL = 10.0  # seconds a cancelled create may spend reading whether it landed
CLOCK_SKEW = dt.timedelta(seconds=60)  # between this machine and DeltaStream, when telling whose an object is


async def _created_since(exists: Callable[[], Awaitable[Any]], sent_at: dt.datetime) -> bool:
    """Whether ``exists`` finds the object, created since ``sent_at`` (less the clock skew): read shielded from the
    cancellation that asked, within :data:`SETTLE_ON_CANCEL`. A kind whose row shows no creation time never is."""
    try:
        async with asyncio.timeout(SETTLE_ON_CANCEL):
            found = await asyncio.shield(exists())
    except (TimeoutError, DeltaStreamError, asyncio.CancelledError):
        return False
    created = getattr(found, "created_at", None)
    return isinstance(created, str) and parse_timestamp(created) >= sent_at - CLOCK_SKEW


async def create_then_wait(ctx: Context, statement: Any, probe: Callable[[], Awaitable[Any]], *, what: str,
                           resource_id: str, undo: Callable[[], Awaitable[None]],
                           exists: Callable[[], Awaitable[Any]], session: Any = None) -> Any:
    """Run a CREATE, then wait until ``probe`` sees the object ready.

    An unknown outcome (connection lost, gateway timeout) is settled by reading (:func:`send_until_settled`, with
    ``exists``). Once the CREATE has succeeded, a failure undoes it, and when even that fails, or the wait is
    cancelled (Ctrl-C), the resource is kept in state (no orphan). A cancellation during the CREATE itself is settled
    by a shielded, bounded read: what exists and was created since the CREATE was sent is kept in state; anything
    else is passed on (a name that belongs to an object that existed before must never end up in this stack's
    state).
    """
    sent_at = dt.datetime.now(dt.UTC)
    try:
        await send_until_settled(ctx, statement, exists, session)
    except asyncio.CancelledError:
        if await _created_since(exists, sent_at):
            raise CreateFailed(f"cancelled while creating {what}; it was created, so it is kept in state for the next "
                               "`pulumi up` or `pulumi destroy` to finish or remove", resource_id) from None
        raise
    except OutcomeUnknownError as unknown:
        raise CreateFailed(f"{what}: {unknown}; it may exist, so it is kept in state for `pulumi refresh` or the next "
                           "`pulumi up` to read whether it does", resource_id) from unknown
    try:
        return await ctx.wait_until(probe, what)
    except asyncio.CancelledError:
        raise CreateFailed(f"cancelled while waiting for {what}; it exists, so it is kept in state for the next "
                           "`pulumi up` or `pulumi destroy` to finish or remove", resource_id) from None
    except Exception as failure:
        try:
            with call_deadline(ctx.timeout, "the resource's customTimeouts"):  # cleanup has a timeout of its own
                await undo()
        except DeltaStreamError as cleanup:
            raise CreateFailed(f"{failure}; removing the half-created object failed too ({cleanup}): "
                               "it is kept in state so `pulumi destroy` or a retry can deal with it",
                               resource_id) from failure
        raise
