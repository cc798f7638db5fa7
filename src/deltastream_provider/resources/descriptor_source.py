"""DescriptorSource: compiled protocol buffer descriptors (a descriptor set) DeltaStream keeps under a name, which
protobuf streams decode with. The whole kind is here: inputs and state, its statements, how it is read (``LIST
DESCRIPTOR_SOURCES``, the read DeltaStream's clients use: no system table of descriptor sources is documented), its
lookups, its registry example and its sample; what it shares with FunctionSource is in :mod:`.file_source`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..deltastream import sql
from ..deltastream.catalog import SystemTables
from ..deltastream.reads import Shape
from ..model.docs import Part, examples
from ..model.fields import Asset, Model, prop
from ..model.lookup import Arg, Filter, Many, One, Source
from ..model.sample import Sample, built
from .base import Context
from .file_source import FileSource, FileSourceInputs, with_file
from .lifecycle import owner_as_read
from .ownership import grant_statement

if TYPE_CHECKING:
    from ..deltastream.client import Result  # the schema is built without the HTTP client


def create_statement(name: str, properties: list[tuple[str, sql.PropertyValue]],
                     attachments: dict[str, bytes]) -> sql.Statement:
    return sql.statement([f"CREATE DESCRIPTOR_SOURCE {sql.ident(name)}", sql.with_clause(properties)],
                         attachments=attachments)


def drop_statement(name: str) -> sql.Statement:
    return sql.statement([f"DROP DESCRIPTOR_SOURCE {sql.ident(name)}"])


def list_statement() -> sql.Statement:
    return sql.statement(["LIST DESCRIPTOR_SOURCES"], mutating=False)


LIST_DESCRIPTOR_SOURCES = Shape("LIST DESCRIPTOR_SOURCES", by_name=("Name", "Owner", "CreatedAt"))


@dataclass
class DescriptorSourceInfo(Model):
    """A descriptor source, as ``LIST DESCRIPTOR_SOURCES`` shows it."""

    name: str = prop("Name.")
    owner: str | None = prop("Owning role.", default=None)
    created_at: str | None = prop("When it was created.", default=None)

    @property
    def phase(self) -> str:
        """Listed is ready: no read DeltaStream documents shows a descriptor source's status."""
        return "ready"

    @classmethod
    def of(cls, record: dict[str, Any]) -> DescriptorSourceInfo:
        def cell(column: str) -> str | None:
            value = LIST_DESCRIPTOR_SOURCES.named(record, column)
            return None if value is None else str(value)

        return cls(name=str(cell("Name")), owner=cell("Owner"), created_at=cell("CreatedAt"))


def _sources(result: Result) -> list[DescriptorSourceInfo]:
    return sorted((DescriptorSourceInfo.of(r) for r in result.records()), key=lambda s: s.name)


async def listed_sources(catalog: SystemTables, *, shared: bool = False) -> list[DescriptorSourceInfo]:
    """One LIST DESCRIPTOR_SOURCES, ordered by name: with ``shared``, the one every read of the command shares
    (:meth:`SystemTables.listed`); else one of its own, as a wait on a change needs."""
    return await catalog.listing(list_statement(), _sources, shared=shared)


async def descriptor_source_row(catalog: SystemTables, name: str, *,
                                shared: bool = False) -> DescriptorSourceInfo | None:
    return next((s for s in await listed_sources(catalog, shared=shared) if s.name == name), None)


@dataclass
class DescriptorSourceInputs(FileSourceInputs):
    pass


@dataclass
class DescriptorSourceState(DescriptorSourceInputs):
    file_hash: str | None = prop("SHA-256 (hex) of the file sent; unset after an import.", default=None)
    created_at: str | None = prop("When it was created.", default=None)


STORY = Part(
    typescript='''// Descriptors compiled beside the program (protoc --include_imports
// --descriptor_set_out=build/shop.desc shop.proto): new pulumi.asset.FileAsset("build/shop.desc").
const shopProtos = new deltastream.DescriptorSource("shop-protos", {
    name: "shop_protos",
    file: new pulumi.asset.StringAsset("the descriptor set's bytes"),
    description: "The shop's protobuf messages",
});

export const shopProtosHash = shopProtos.fileHash;''',
    python='''# Descriptors compiled beside the program (protoc --include_imports
# --descriptor_set_out=build/shop.desc shop.proto): pulumi.FileAsset("build/shop.desc").
shop_protos = deltastream.DescriptorSource("shop-protos",
    name="shop_protos",
    file=pulumi.StringAsset("the descriptor set's bytes"),
    description="The shop's protobuf messages")

pulumi.export("shopProtosHash", shop_protos.file_hash)''',
    go='''// Descriptors compiled beside the program (protoc --include_imports
// --descriptor_set_out=build/shop.desc shop.proto): pulumi.NewFileAsset("build/shop.desc").
shopProtos, err := deltastream.NewDescriptorSource(ctx, "shop-protos", &deltastream.DescriptorSourceArgs{
	Name:        pulumi.String("shop_protos"),
	File:        pulumi.NewStringAsset("the descriptor set's bytes"),
	Description: pulumi.String("The shop's protobuf messages"),
})
if err != nil {
	return err
}
ctx.Export("shopProtosHash", shopProtos.FileHash)''',
    yaml='''resources:
  shop-protos:
    type: deltastream:DescriptorSource
    properties:
      name: shop_protos
      # Descriptors compiled beside the program: fn::fileAsset: build/shop.desc
      file:
        fn::stringAsset: the descriptor set's bytes
      description: The shop's protobuf messages
outputs:
  shopProtosHash: ${shop-protos.fileHash}''')

LOOKUPS_STORY = Part(
    typescript='''const shopProtos = new deltastream.DescriptorSource("shop-protos", {
    name: "shop_protos",
    file: new pulumi.asset.StringAsset("the descriptor set's bytes"),
});
const found = deltastream.getDescriptorSourceOutput({ name: shopProtos.name });
const owned = deltastream.getDescriptorSourcesOutput({ owner: shopProtos.owner.apply(owner => owner ?? "sysadmin") });

export const foundOwner = found.owner;
export const ownedSources = owned.descriptorSources;''',
    python='''shop_protos = deltastream.DescriptorSource("shop-protos", name="shop_protos",
    file=pulumi.StringAsset("the descriptor set's bytes"))
found = deltastream.get_descriptor_source_output(name=shop_protos.name)
owned = deltastream.get_descriptor_sources_output(owner=shop_protos.owner)

pulumi.export("foundOwner", found.owner)
pulumi.export("ownedSources", owned.descriptor_sources)''',
    go='''shopProtos, err := deltastream.NewDescriptorSource(ctx, "shop-protos", &deltastream.DescriptorSourceArgs{
	Name: pulumi.String("shop_protos"),
	File: pulumi.NewStringAsset("the descriptor set's bytes"),
})
if err != nil {
	return err
}
found := deltastream.LookupDescriptorSourceOutput(ctx, deltastream.LookupDescriptorSourceOutputArgs{
	Name: shopProtos.Name,
})
owned := deltastream.GetDescriptorSourcesOutput(ctx, deltastream.GetDescriptorSourcesOutputArgs{
	Owner: shopProtos.Owner,
})

ctx.Export("foundOwner", found.Owner())
ctx.Export("ownedSources", owned.DescriptorSources())''',
    yaml='''resources:
  shop-protos:
    type: deltastream:DescriptorSource
    properties:
      name: shop_protos
      file:
        fn::stringAsset: the descriptor set's bytes
variables:
  found:
    fn::invoke:
      function: deltastream:index:getDescriptorSource
      arguments:
        name: ${shop-protos.name}
  owned:
    fn::invoke:
      function: deltastream:index:getDescriptorSources
      arguments:
        owner: ${shop-protos.owner}
outputs:
  foundOwner: ${found.owner}
  ownedSources: ${owned.descriptorSources}''')


class DescriptorSource(FileSource[DescriptorSourceInputs, DescriptorSourceState, DescriptorSourceInfo]):
    token = "deltastream:index:DescriptorSource"
    description = f"""A descriptor source: compiled protocol buffer descriptors (a descriptor set, `protoc
--descriptor_set_out=... --include_imports`) DeltaStream keeps under a name, which protobuf streams decode with.

The file is a Pulumi asset, sent as an attachment of `CREATE DESCRIPTOR_SOURCE` named after the file (as DeltaStream's
dbt adapter sends it); state keeps its SHA-256 (`fileHash`), never its bytes. It is read with `LIST
DESCRIPTOR_SOURCES` (DeltaStream documents no system table of descriptor sources, and no client reads a status of
one, so it has no `status` output: listed is taken as ready).

DeltaStream documents no statement that changes a descriptor source, so another file (another hash) or description
replaces it: `DROP DESCRIPTOR_SOURCE`, then `CREATE DESCRIPTOR_SOURCE` under the same name. Between the two no
source of that name exists, so such a change fails at preview, saying so; set `acceptReplacement: true` for the
`pulumi up` that replaces it.

{examples("A descriptor source", STORY)}

## Import

The ID is the descriptor source's name. DeltaStream gives the file back to no documented read the provider uses, and
`LIST DESCRIPTOR_SOURCES` shows no description a client reads, so an import leaves `file`, `fileHash` and
`description` unset (`pulumi import` warns that `file` is required): set them in the program; the first preview
takes the program's file and description as the ones DeltaStream holds (with a warning), and a later change of either
replaces the source.

```sh
pulumi import deltastream:index:DescriptorSource shop-protos shop_protos
```"""
    inputs = DescriptorSourceInputs
    state = DescriptorSourceState
    create_privilege = "CREATE_DESCRIPTOR_SOURCE"  # an organization privilege (docs: access control)
    label = "descriptor source"
    ownership = "DESCRIPTOR_SOURCE"
    extension = ".desc"
    users = "streams decoding with its descriptors"
    unread = ("description",)

    async def row(self, catalog: SystemTables, name: str) -> DescriptorSourceInfo | None:
        return await descriptor_source_row(catalog, name)

    def create_statement(self, inputs: DescriptorSourceInputs, attachment: str, data: bytes) -> sql.Statement:
        return create_statement(inputs.name, with_file([], attachment, inputs.description), {attachment: data})

    def drop_statement(self, name: str) -> sql.Statement:
        return drop_statement(name)

    def state_of(self, inputs: DescriptorSourceInputs, row: DescriptorSourceInfo,
                 file_hash: str | None) -> DescriptorSourceState:
        return DescriptorSourceState(name=inputs.name, file=None, description=inputs.description,
                                     accept_replacement=inputs.accept_replacement, file_hash=file_hash,
                                     owner=row.owner, created_at=row.created_at)

    async def read(self, ctx: Context, resource_id: str, inputs: DescriptorSourceInputs | None,
                   state: DescriptorSourceState | None) -> tuple[DescriptorSourceInputs, DescriptorSourceState] | None:
        row = await descriptor_source_row(ctx.catalog, resource_id, shared=True)  # one LIST serves a refresh
        if row is None:
            return None
        current = DescriptorSourceInputs(
            name=row.name, file=inputs.file if inputs is not None else None,
            description=inputs.description if inputs is not None else None,  # no client reads it from the LIST
            owner=owner_as_read(inputs, row),
            accept_replacement=inputs.accept_replacement if inputs is not None else None)
        return current, self.state_of(current, row, state.file_hash if state is not None else None)


_SAMPLE_FILE = Asset(text="a descriptor set's bytes")
SAMPLE = Sample(
    inputs={"name": "protos", "file": _SAMPLE_FILE, "description": "messages"},
    budget={"create": 2, "read": 1, "delete": 2},  # the statement, a LIST; no documented update: a change replaces
    settle=({"name": "made", "file": _SAMPLE_FILE}, {"name": "never", "file": _SAMPLE_FILE}),
    built=(built(create_statement, "CREATE DESCRIPTOR_SOURCE", "protos",
                 [("file", "protos.desc"), ("description", "messages")], {"protos.desc": b"\n"}),
           built(drop_statement, "DROP DESCRIPTOR_SOURCE", "protos"),
           built(list_statement, "LIST DESCRIPTOR_SOURCES"),
           built(grant_statement, "GRANT OWNERSHIP ON DESCRIPTOR SOURCE", "DESCRIPTOR_SOURCE", '"protos"', "r")))


async def _fetch(catalog: SystemTables, where: dict[str, Any], limit: int) -> list[DescriptorSourceInfo]:
    return [s for s in await listed_sources(catalog) if all(getattr(s, k) == v for k, v in where.items())][:limit]


_SOURCES = Source("descriptor source", "descriptor sources", _fetch, lambda source: source)
_LOOKUPS_EXAMPLE = examples("A descriptor source, then it and every descriptor source of its owner looked up",
                            LOOKUPS_STORY)
LOOKUPS = (
    One("getDescriptorSource", f"Look up an existing descriptor source by name, with one LIST DESCRIPTOR_SOURCES.\n\n"
                               f"{_LOOKUPS_EXAMPLE}", _SOURCES,
        {"name": Arg("Name of the descriptor source.", Filter("name"), required=True)}, DescriptorSourceInfo),
    Many("getDescriptorSources", f"List descriptor sources, filtered by owner, ordered by name, with one LIST "
                                 f"DESCRIPTOR_SOURCES; at most 200.\n\n{_LOOKUPS_EXAMPLE}", _SOURCES,
         {"owner": Arg("Only descriptor sources this role owns.", Filter("owner"))},
         "descriptor_sources", DescriptorSourceInfo, "Matching descriptor sources ordered by name (at most 200)."),
)
