"""ComputePool: DeltaStream compute that queries run on, sized and suspended after a timeout, running or stopped as
the program says. The whole kind is here: inputs and state, its statements, how it is read (``LIST COMPUTE_POOLS``,
the one read DeltaStream's clients use: dbt's adapter notes there is no ``DESCRIBE COMPUTE_POOL``), how it is brought
to its running or stopped state (``START`` / ``STOP COMPUTE_POOL``, then waiting on ``ActualState``) and stopped
before it is dropped, its lookups' row, its registry example and its sample, and how settle finds one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..deltastream import sql
from ..deltastream.catalog import SystemTables
from ..deltastream.reads import Shape
from ..errors import ComputePoolErrored, OutcomeUnknownError
from ..model.docs import Part, examples
from ..model.fields import Model, prop
from ..model.lookup import Arg, Filter, Many, One, Source
from ..model.sample import Sample, built
from .base import Context, Diff, Existing, Resource, check_identifier, create_then_wait, drop_then_wait
from .lifecycle import OWNER_DOC, gone, owner_as_read, owner_session
from .ownership import grant_statement, transfer

if TYPE_CHECKING:
    from ..deltastream.client import Result  # the schema is built without the HTTP client

SIZES = ("small", "medium", "large")
RUNNING, STOPPED = "running", "stopped"  # IntendedState and ActualState as the SDK's rows show them


def create_statement(name: str, properties: Sequence[tuple[str, sql.PropertyValue]]) -> sql.Statement:
    return sql.statement([f"CREATE COMPUTE_POOL {sql.ident(name)}", sql.with_clause(properties)])


def update_statement(name: str, properties: Sequence[tuple[str, sql.PropertyValue]]) -> sql.Statement:
    return sql.statement([f"UPDATE COMPUTE_POOL {sql.ident(name)}", sql.with_clause(properties)])


def drop_statement(name: str) -> sql.Statement:
    return sql.statement([f"DROP COMPUTE_POOL {sql.ident(name)}"])


def start_statement(name: str) -> sql.Statement:
    return sql.statement([f"START COMPUTE_POOL {sql.ident(name)}"])


def stop_statement(name: str) -> sql.Statement:
    return sql.statement([f"STOP COMPUTE_POOL {sql.ident(name)}"])


def list_statement() -> sql.Statement:
    return sql.statement(["LIST COMPUTE_POOLS"], mutating=False)


LIST_COMPUTE_POOLS = Shape("LIST COMPUTE_POOLS", by_name=("Name", "Size", "IntendedState", "ActualState",
                                                          "ErrorMessages", "Owner", "CreatedAt"))


@dataclass
class ComputePoolInfo(Model):
    """A compute pool, as ``LIST COMPUTE_POOLS`` shows it."""

    name: str = prop("Name.")
    size: str | None = prop("Size: `small`, `medium` or `large`.", default=None)
    state: str | None = prop("Its actual state as DeltaStream reports it: `running`, `stopped`, or on its way to "
                             "one.", default=None)
    intended_state: str | None = prop("The state it was last asked for: `running` (created or started) or "
                                      "`stopped`.", default=None)
    error_messages: str | None = prop("Why it failed to reach its intended state, as DeltaStream reports it; empty "
                                      "or unset when it did not fail.", default=None)
    owner: str | None = prop("Owning role.", default=None)
    created_at: str | None = prop("When it was created.", default=None)

    @classmethod
    def of(cls, record: dict[str, Any]) -> ComputePoolInfo:
        def cell(column: str) -> str | None:
            value = LIST_COMPUTE_POOLS.named(record, column)
            return None if value is None else str(value)

        size = cell("Size")
        return cls(name=str(cell("Name")), size=size.lower() if size else None, state=cell("ActualState"),
                   intended_state=cell("IntendedState"), error_messages=cell("ErrorMessages"), owner=cell("Owner"),
                   created_at=cell("CreatedAt"))


def _pools(result: Result) -> list[ComputePoolInfo]:
    return sorted((ComputePoolInfo.of(r) for r in result.records()), key=lambda p: p.name)


async def listed_pools(catalog: SystemTables, *, shared: bool = False) -> list[ComputePoolInfo]:
    """One LIST COMPUTE_POOLS, ordered by name: with ``shared``, the one every read of the command shares
    (:meth:`SystemTables.listed`); else one of its own, as a wait on a change needs."""
    return await catalog.listing(list_statement(), _pools, shared=shared)


async def pool_row(catalog: SystemTables, name: str, *, shared: bool = False) -> ComputePoolInfo | None:
    return next((p for p in await listed_pools(catalog, shared=shared) if p.name == name), None)


@dataclass
class ComputePoolInputs(Model):
    name: str = prop("Name of the compute pool. Case-sensitive; quoted for you.", replaces=True)
    size: str | None = prop("Size: `small`, `medium` or `large` (DeltaStream's default when unset). Changed in "
                            "place.", default=None)
    timeout_min: int | None = prop("Minutes without work after which DeltaStream suspends the pool. Changed in "
                                   "place; `LIST COMPUTE_POOLS` shows no documented unit for it, so a read keeps the "
                                   "program's value.", default=None)
    running: bool = prop("Whether the pool runs (`START COMPUTE_POOL`) or is stopped (`STOP COMPUTE_POOL`). Default: "
                         "true. Changed in place; a pool stopped outside Pulumi shows as a change on refresh and the "
                         "next `pulumi up` starts it again.", default=True)
    owner: str | None = prop(OWNER_DOC, default=None)


@dataclass
class ComputePoolState(ComputePoolInputs):
    state: str | None = prop("Its actual state as DeltaStream reports it: `running`, `stopped`, or on its way to "
                             "one.", default=None)
    created_at: str | None = prop("When the compute pool was created.", default=None)


def _properties(inputs: ComputePoolInputs) -> list[tuple[str, sql.PropertyValue]]:
    """The ``WITH`` keys DeltaStream's dbt adapter sends: ``'compute_pool.size'``, ``'compute_pool.timeout_min'``."""
    props: list[tuple[str, sql.PropertyValue]] = []
    if inputs.size is not None:
        props.append(("compute_pool.size", inputs.size))
    if inputs.timeout_min is not None:
        props.append(("compute_pool.timeout_min", inputs.timeout_min))
    return props


def _state(inputs: ComputePoolInputs, found: ComputePoolInfo) -> ComputePoolState:
    return ComputePoolState(name=inputs.name, size=inputs.size, timeout_min=inputs.timeout_min, running=inputs.running,
                            state=found.state, owner=found.owner, created_at=found.created_at)


def _wanted(running: bool) -> str:
    return RUNNING if running else STOPPED


def reaching(ctx: Context, name: str, running: bool, *, first: ComputePoolInfo | None = None,
             missing: Callable[[], ComputePoolInfo | None] = lambda: None, await_actual: bool = True
             ) -> Callable[[], Awaitable[ComputePoolInfo | None]]:
    """A probe for :meth:`Context.wait_until` that brings the pool to ``running`` or stopped: it reads the pool
    (``first``: a row just read), sends ``START`` or ``STOP`` once where its intended state is not that (one whose
    answer is lost is settled by the next read, and sent again only if that finds it did not run), and answers the
    row once its actual state is; a pool DeltaStream reports errored (or with error messages) on the way fails. With
    ``await_actual`` False the actual state is awaited only after a ``START`` or ``STOP`` the probe sent: a pool already
    intended so is answered as read (an idle pool DeltaStream suspended after its timeout is not waited on). A pool
    not found is what ``missing`` says (None: wait for it)."""
    wanted = _wanted(running)
    sent = False
    given = first

    async def probe() -> ComputePoolInfo | None:
        nonlocal sent, given
        found, given = given or await pool_row(ctx.catalog, name), None
        if found is None:
            return missing()
        if found.intended_state != wanted and not sent:
            try:
                await ctx.client.execute((start_statement if running else stop_statement)(name),
                                         timeout=ctx.remaining())
            except OutcomeUnknownError:
                return None
            sent = True
            return None
        if found.state == wanted:
            return found
        if found.state == "errored" or found.error_messages:
            raise ComputePoolErrored(f"compute pool {name!r} did not reach {wanted}: it is {found.state}: "
                                     f"{found.error_messages or 'no message'}")
        return None if await_actual or sent else found
    return probe


STORY = Part(
    typescript='''const pool = new deltastream.ComputePool("etl-pool", {
    name: "etl_pool",
    size: "small",
    timeoutMin: 10,
});

export const poolState = pool.state;''',
    python='''pool = deltastream.ComputePool("etl-pool",
    name="etl_pool",
    size="small",
    timeout_min=10)

pulumi.export("poolState", pool.state)''',
    go='''pool, err := deltastream.NewComputePool(ctx, "etl-pool", &deltastream.ComputePoolArgs{
	Name:       pulumi.String("etl_pool"),
	Size:       pulumi.String("small"),
	TimeoutMin: pulumi.Int(10),
})
if err != nil {
	return err
}
ctx.Export("poolState", pool.State)''',
    yaml='''resources:
  etl-pool:
    type: deltastream:ComputePool
    properties:
      name: etl_pool
      size: small
      timeoutMin: 10
outputs:
  poolState: ${etl-pool.state}''')


#: The lookups' example: a pool, then it and the pools of its size looked up (the output forms wait for its create).
LOOKUPS_STORY = Part(
    typescript='''const pool = new deltastream.ComputePool("etl-pool", { name: "etl_pool", size: "small" });
const found = deltastream.getComputePoolOutput({ name: pool.name });
const small = deltastream.getComputePoolsOutput({ size: pool.size.apply(size => size ?? "small") });

export const foundState = found.state;
export const smallPools = small.computePools;''',
    python='''pool = deltastream.ComputePool("etl-pool", name="etl_pool", size="small")
found = deltastream.get_compute_pool_output(name=pool.name)
small = deltastream.get_compute_pools_output(size=pool.size)

pulumi.export("foundState", found.state)
pulumi.export("smallPools", small.compute_pools)''',
    go='''pool, err := deltastream.NewComputePool(ctx, "etl-pool", &deltastream.ComputePoolArgs{
	Name: pulumi.String("etl_pool"),
	Size: pulumi.String("small"),
})
if err != nil {
	return err
}
found := deltastream.LookupComputePoolOutput(ctx, deltastream.LookupComputePoolOutputArgs{
	Name: pool.Name,
})
small := deltastream.GetComputePoolsOutput(ctx, deltastream.GetComputePoolsOutputArgs{
	Size: pool.Size,
})

ctx.Export("foundState", found.State())
ctx.Export("smallPools", small.ComputePools())''',
    yaml='''resources:
  etl-pool:
    type: deltastream:ComputePool
    properties:
      name: etl_pool
      size: small
variables:
  found:
    fn::invoke:
      function: deltastream:index:getComputePool
      arguments:
        name: ${etl-pool.name}
  small:
    fn::invoke:
      function: deltastream:index:getComputePools
      arguments:
        size: ${etl-pool.size}
outputs:
  foundState: ${found.state}
  smallPools: ${small.computePools}''')


class ComputePool(Resource[ComputePoolInputs, ComputePoolState]):
    token = "deltastream:index:ComputePool"
    description = f"""A DeltaStream compute pool: compute that queries run on, of a size, suspended after a timeout.

Size and timeout change in place (`UPDATE COMPUTE_POOL`); removing either, or a new name, replaces the pool. `running`
(default true) starts or stops it in place (`START` / `STOP COMPUTE_POOL`); a pool stopped outside Pulumi shows as a
change on refresh, and the next `pulumi up` starts it again. A running pool is stopped before it is dropped.

{examples("A compute pool", STORY)}

## Import

The ID is the compute pool name:

```sh
pulumi import deltastream:index:ComputePool etl-pool etl_pool
```"""
    inputs = ComputePoolInputs
    state = ComputePoolState
    ownership = "COMPUTE_POOL"
    always_set = ("state",)

    def diff(self, olds: ComputePoolInputs, news: ComputePoolInputs, state: ComputePoolState) -> Diff:
        """``UPDATE COMPUTE_POOL`` sets keys and cannot clear one: a size or timeout removed replaces the pool."""
        result = super().diff(olds, news, state)
        result.replaces += [key for key, old, new in (("size", olds.size, news.size),
                                                      ("timeoutMin", olds.timeout_min, news.timeout_min))
                            if old is not None and new is None and key not in result.replaces]
        return result

    def check(self, inputs: ComputePoolInputs) -> list[tuple[str, str]]:
        failures = check_identifier("name", inputs.name) + check_identifier("owner", inputs.owner)
        if inputs.size is not None and inputs.size not in SIZES:
            failures.append(("size", f"size: {inputs.size!r} is not a compute pool size; use one of "
                                     f"{', '.join(SIZES)}"))
        if inputs.timeout_min is not None and inputs.timeout_min < 1:
            failures.append(("timeoutMin", f"timeoutMin: {inputs.timeout_min} is not a number of minutes; give 1 "
                                           "or more, or leave it unset"))
        return failures

    async def existing(self, catalog: SystemTables, inputs: ComputePoolInputs, excluded: Collection[str]) -> Existing:
        found = await pool_row(catalog, inputs.name)
        return (inputs.name, found.created_at) if found is not None else None

    async def create(self, ctx: Context, inputs: ComputePoolInputs) -> tuple[str, ComputePoolState]:
        """Create it, then bring it to the program's state (a STOP where the program says stopped; a START only
        where DeltaStream did not start it); a pool that fails on the way is stopped and dropped again."""
        found = await create_then_wait(ctx, create_statement(inputs.name, _properties(inputs)),
                                       reaching(ctx, inputs.name, inputs.running),
                                       what=f"compute pool {inputs.name!r} to be {_wanted(inputs.running)}",
                                       resource_id=inputs.name,
                                       undo=lambda: self.delete(ctx, inputs.name, ComputePoolState(name=inputs.name)),
                                       session=owner_session(inputs.owner),
                                       exists=lambda: pool_row(ctx.catalog, inputs.name))
        return inputs.name, _state(inputs, found)

    async def read(self, ctx: Context, resource_id: str, inputs: ComputePoolInputs | None,
                   state: ComputePoolState | None) -> tuple[ComputePoolInputs, ComputePoolState] | None:
        found = await pool_row(ctx.catalog, resource_id, shared=True)  # one LIST serves a refresh
        if found is None:
            return None
        current = ComputePoolInputs(name=found.name, size=found.size if inputs is None or inputs.size else None,
                                    timeout_min=inputs.timeout_min if inputs is not None else None,
                                    running=found.intended_state != STOPPED, owner=owner_as_read(inputs, found))
        return current, _state(current, found)

    async def update(self, ctx: Context, resource_id: str, olds: ComputePoolState,
                     news: ComputePoolInputs) -> ComputePoolState:
        """``UPDATE COMPUTE_POOL`` where the size or timeout changed, ``GRANT OWNERSHIP`` where the owner did, then
        ``START`` / ``STOP`` where the pool's intended state is not the program's, waiting until its actual state is;
        a pool already intended so is not waited on."""
        if _properties(olds) != _properties(news):
            await ctx.client.execute(update_statement(resource_id, _properties(news)), timeout=ctx.remaining())
        await transfer(ctx, "COMPUTE_POOL", sql.ident(resource_id), olds.owner, news.owner)

        def missing() -> ComputePoolInfo | None:
            raise gone(f"compute pool {resource_id!r}")

        found = await ctx.wait_until(reaching(ctx, resource_id, news.running, missing=missing, await_actual=False),
                                     f"compute pool {resource_id!r} to be {_wanted(news.running)}")
        return _state(news, found)

    async def delete(self, ctx: Context, resource_id: str, state: ComputePoolState) -> None:
        """Stop it first, unless it is stopped, and wait until it is: DeltaStream drops only a stopped pool."""
        found = await pool_row(ctx.catalog, resource_id)
        if found is None:
            return
        if found.state != STOPPED:  # one gone while it stops is as good as stopped: the DROP finds it gone
            await ctx.wait_until(reaching(ctx, resource_id, False, first=found, missing=lambda: found),
                                 f"compute pool {resource_id!r} to be stopped before it is dropped")
        await drop_then_wait(ctx, drop_statement(resource_id), lambda: pool_row(ctx.catalog, resource_id),
                             what=f"compute pool {resource_id!r}")


_POOL = {"name": "etl_pool", "size": "small", "timeoutMin": 10}
SAMPLE = Sample(
    inputs=_POOL, changed={**_POOL, "timeoutMin": 5},
    # create, update: the statement, a LIST COMPUTE_POOLS that finds it running; delete of a running pool: a LIST,
    # STOP, a LIST that finds it stopped, DROP, a LIST that finds it gone
    budget={"create": 2, "read": 1, "update": 2, "delete": 5},
    settle=({"name": "made"}, {"name": "never"}),
    built=(built(create_statement, "CREATE COMPUTE_POOL", "p", [("compute_pool.size", "small")]),
           built(update_statement, "UPDATE COMPUTE_POOL", "p", [("compute_pool.timeout_min", 5)]),
           built(start_statement, "START COMPUTE_POOL", "p"), built(stop_statement, "STOP COMPUTE_POOL", "p"),
           built(drop_statement, "DROP COMPUTE_POOL", "p"), built(list_statement, "LIST COMPUTE_POOLS"),
           built(grant_statement, "GRANT OWNERSHIP ON COMPUTE POOL", "COMPUTE_POOL", '"p"', "r")))


async def _fetch(catalog: SystemTables, where: dict[str, Any], limit: int) -> list[ComputePoolInfo]:
    return [p for p in await listed_pools(catalog) if all(getattr(p, k) == v for k, v in where.items())][:limit]


_POOLS = Source("compute pool", "compute pools", _fetch, lambda pool: pool)
_LOOKUPS_EXAMPLE = examples("A compute pool, then it and the pools of its size looked up", LOOKUPS_STORY)
LOOKUPS = (
    One("getComputePool", f"Look up an existing compute pool by name, with one LIST COMPUTE_POOLS.\n\n"
                          f"{_LOOKUPS_EXAMPLE}", _POOLS,
        {"name": Arg("Name of the compute pool.", Filter("name"), required=True)}, ComputePoolInfo),
    Many("getComputePools", f"List compute pools, filtered by size, ordered by name, with one LIST COMPUTE_POOLS; "
                            f"at most 200.\n\n{_LOOKUPS_EXAMPLE}", _POOLS,
         {"size": Arg("Only compute pools of this size: `small`, `medium` or `large`.", Filter("size", str.lower))},
         "compute_pools", ComputePoolInfo, "Matching compute pools ordered by name (at most 200)."),
)
