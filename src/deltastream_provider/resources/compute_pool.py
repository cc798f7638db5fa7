"""ComputePool: DeltaStream compute that queries run on, sized and suspended after a timeout. The whole kind is
here: inputs and state, its statements, how it is read (``LIST COMPUTE_POOLS``, the one read DeltaStream's clients
use: dbt's adapter notes there is no ``DESCRIBE COMPUTE_POOL``), its lookups' row, its registry example and its
sample, and how settle finds one."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import Any

from ..deltastream import sql
from ..deltastream.catalog import SystemTables
from ..deltastream.reads import Shape
from ..model.docs import Part, examples
from ..model.fields import Model, prop
from ..model.lookup import Arg, Filter, Many, One, Source
from ..model.sample import Sample, built
from .base import Context, Existing, Resource, check_identifier, create_then_wait, drop_then_wait
from .lifecycle import dropping, gone, update_then_wait

SIZES = ("small", "medium", "large")


def create_statement(name: str, properties: Sequence[tuple[str, sql.PropertyValue]]) -> sql.Statement:
    return sql.statement([f"CREATE COMPUTE_POOL {sql.ident(name)}", sql.with_clause(properties)])


def update_statement(name: str, properties: Sequence[tuple[str, sql.PropertyValue]]) -> sql.Statement:
    return sql.statement([f"UPDATE COMPUTE_POOL {sql.ident(name)}", sql.with_clause(properties)])


def drop_statement(name: str) -> sql.Statement:
    return sql.statement([f"DROP COMPUTE_POOL {sql.ident(name)}"])


def list_statement() -> sql.Statement:
    return sql.statement(["LIST COMPUTE_POOLS"])


LIST_COMPUTE_POOLS = Shape("LIST COMPUTE_POOLS", by_name=("Name", "Size", "ActualState", "Owner", "CreatedAt"))


@dataclass
class ComputePoolInfo(Model):
    """A compute pool, as ``LIST COMPUTE_POOLS`` shows it."""

    name: str = prop("Name.")
    size: str | None = prop("Size: `small`, `medium` or `large`.", default=None)
    state: str | None = prop("Its state as DeltaStream reports it, e.g. `running`.", default=None)
    owner: str | None = prop("Owning role.", default=None)
    created_at: str | None = prop("When it was created.", default=None)

    @classmethod
    def of(cls, record: dict[str, Any]) -> ComputePoolInfo:
        def cell(column: str) -> str | None:
            value = LIST_COMPUTE_POOLS.named(record, column)
            return None if value is None else str(value)

        size = cell("Size")
        return cls(name=str(cell("Name")), size=size.lower() if size else None, state=cell("ActualState"),
                   owner=cell("Owner"), created_at=cell("CreatedAt"))


async def listed_pools(catalog: SystemTables) -> list[ComputePoolInfo]:
    """One LIST COMPUTE_POOLS, ordered by name."""
    records = (await catalog.client.execute(list_statement())).records()
    return sorted((ComputePoolInfo.of(r) for r in records), key=lambda p: p.name)


async def pool_row(catalog: SystemTables, name: str) -> ComputePoolInfo | None:
    return next((p for p in await listed_pools(catalog) if p.name == name), None)


@dataclass
class ComputePoolInputs(Model):
    name: str = prop("Name of the compute pool. Case-sensitive; quoted for you.", replaces=True)
    size: str | None = prop("Size: `small`, `medium` or `large` (DeltaStream's default when unset). Changed in "
                            "place.", default=None)
    timeout_min: int | None = prop("Minutes without work after which DeltaStream suspends the pool. Changed in "
                                   "place; `LIST COMPUTE_POOLS` shows no documented unit for it, so a read keeps the "
                                   "program's value.", default=None)


@dataclass
class ComputePoolState(ComputePoolInputs):
    state: str | None = prop("Its state as DeltaStream reports it, e.g. `running`.", default=None)
    owner: str | None = prop("Owning role.", default=None)
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
    return ComputePoolState(name=inputs.name, size=inputs.size, timeout_min=inputs.timeout_min, state=found.state,
                            owner=found.owner, created_at=found.created_at)


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

Size and timeout change in place (`UPDATE COMPUTE_POOL`); a new name replaces the pool.

{examples("A compute pool", STORY)}

## Import

The ID is the compute pool name:

```sh
pulumi import deltastream:index:ComputePool etl-pool etl_pool
```"""
    inputs = ComputePoolInputs
    state = ComputePoolState
    always_set = ("state",)

    def check(self, inputs: ComputePoolInputs) -> list[tuple[str, str]]:
        failures = check_identifier("name", inputs.name)
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
        found = await create_then_wait(ctx, create_statement(inputs.name, _properties(inputs)),
                                       lambda: pool_row(ctx.catalog, inputs.name),
                                       what=f"compute pool {inputs.name!r}", resource_id=inputs.name,
                                       undo=dropping(ctx, drop_statement(inputs.name)),
                                       exists=lambda: pool_row(ctx.catalog, inputs.name))
        return inputs.name, _state(inputs, found)

    async def read(self, ctx: Context, resource_id: str, inputs: ComputePoolInputs | None,
                   state: ComputePoolState | None) -> tuple[ComputePoolInputs, ComputePoolState] | None:
        found = await pool_row(ctx.catalog, resource_id)
        if found is None:
            return None
        current = ComputePoolInputs(name=found.name, size=found.size if inputs is None or inputs.size else None,
                                    timeout_min=inputs.timeout_min if inputs is not None else None)
        return current, _state(current, found)

    async def update(self, ctx: Context, resource_id: str, olds: ComputePoolState,
                     news: ComputePoolInputs) -> ComputePoolState:
        async def probe() -> ComputePoolInfo | None:
            found = await pool_row(ctx.catalog, resource_id)
            if found is None:
                raise gone(f"compute pool {resource_id!r}")
            return found

        found = await update_then_wait(ctx, update_statement(resource_id, _properties(news)), probe,
                                       f"compute pool {resource_id!r}")
        return _state(news, found)

    async def delete(self, ctx: Context, resource_id: str, state: ComputePoolState) -> None:
        await drop_then_wait(ctx, drop_statement(resource_id), lambda: pool_row(ctx.catalog, resource_id),
                             what=f"compute pool {resource_id!r}")


_POOL = {"name": "etl_pool", "size": "small", "timeoutMin": 10}
SAMPLE = Sample(
    inputs=_POOL, changed={**_POOL, "timeoutMin": 5},
    budget={"create": 2, "read": 1, "update": 2, "delete": 2},  # the statement, a LIST COMPUTE_POOLS
    settle=({"name": "made"}, {"name": "never"}),
    built=(built(create_statement, "CREATE COMPUTE_POOL", "p", [("compute_pool.size", "small")]),
           built(update_statement, "UPDATE COMPUTE_POOL", "p", [("compute_pool.timeout_min", 5)]),
           built(drop_statement, "DROP COMPUTE_POOL", "p"), built(list_statement, "LIST COMPUTE_POOLS")))


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
