"""FunctionSource: a Java jar DeltaStream keeps under a name, which functions (UDFs) are created from. The whole kind
is here: inputs and state, its statements, its system-table row (``deltastream.sys."function_sources"``, whose
documented ``status`` says whether DeltaStream took the file), its lookups, its registry example and its sample; what
it shares with DescriptorSource is in :mod:`.file_source`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, cast

from ..deltastream import sql
from ..deltastream.catalog import SystemTables, Table, column
from ..model.docs import Part, examples
from ..model.fields import Asset, Model, prop
from ..model.lookup import Arg, Filter, Many, One, Source
from ..model.sample import Sample, built
from .base import Context
from .dependents import BlastRadius
from .file_source import FileSource, FileSourceInputs, with_file
from .lifecycle import owner_as_read
from .ownership import grant_statement

LANGUAGE = "java"


def create_statement(name: str, properties: list[tuple[str, sql.PropertyValue]],
                     attachments: dict[str, bytes]) -> sql.Statement:
    return sql.statement([f"CREATE FUNCTION_SOURCE {sql.ident(name)}", sql.with_clause(properties)],
                         attachments=attachments)


def drop_statement(name: str) -> sql.Statement:
    return sql.statement([f"DROP FUNCTION_SOURCE {sql.ident(name)}"])


@dataclass(frozen=True)
class FunctionSourceRow:
    """A row of ``deltastream.sys."function_sources"`` (status ``ready`` or ``error``, as documented)."""

    name: str = column("name")
    language: str | None = column("language")
    status: str = column("status")
    description: str | None = column("description")
    download_url: str | None = column("download_url")
    owner: str | None = column("owner")
    created_at: str | None = column("created_at")

    @property
    def phase(self) -> str:
        return "errored" if self.status == "error" else self.status


FUNCTION_SOURCES = Table("function_sources", FunctionSourceRow, ("name",), "name")


async def function_source_row(catalog: SystemTables, name: str) -> FunctionSourceRow | None:
    return await catalog.one(FUNCTION_SOURCES, {"name": name})


@dataclass
class FunctionSourceInfo(Model):
    """A function source, as ``deltastream.sys."function_sources"`` shows it."""

    name: str = prop("Name.")
    status: str = prop("`ready` once DeltaStream took the file, `error` when it could not.")
    language: str | None = prop("Language of its functions: `java`.", default=None)
    description: str | None = prop("What it holds.", default=None)
    download_url: str | None = prop("DeltaStream's URL of the file.", default=None)
    owner: str | None = prop("Owning role.", default=None)
    created_at: str | None = prop("When it was created (RFC 3339).", default=None)

    @classmethod
    def of(cls, row: FunctionSourceRow) -> FunctionSourceInfo:
        return cls(name=row.name, status=row.status, language=row.language, description=row.description,
                   download_url=row.download_url, owner=row.owner, created_at=row.created_at)


@dataclass
class FunctionSourceInputs(FileSourceInputs):
    language: Literal["java"] = prop("Language of the jar's functions: `java`, the one DeltaStream documents.",
                                     default=LANGUAGE, replaces=True)


@dataclass
class FunctionSourceState(FunctionSourceInputs):
    file_hash: str | None = prop("SHA-256 (hex) of the file sent; unset after an import.", default=None)
    status: str | None = prop("Status: `ready` once DeltaStream took the file.", default=None)
    download_url: str | None = prop("DeltaStream's URL of the file.", default=None)
    created_at: str | None = prop("When it was created (RFC 3339).", default=None)


STORY = Part(
    typescript='''// A jar the build wrote beside the program: new pulumi.asset.FileAsset("build/udfs.jar").
const udfs = new deltastream.FunctionSource("udfs", {
    name: "udfs",
    file: new pulumi.asset.StringAsset("the jar's bytes"),
    description: "Java UDFs of the shop",
});

export const udfsHash = udfs.fileHash;''',
    python='''# A jar the build wrote beside the program: pulumi.FileAsset("build/udfs.jar").
udfs = deltastream.FunctionSource("udfs",
    name="udfs",
    file=pulumi.StringAsset("the jar's bytes"),
    description="Java UDFs of the shop")

pulumi.export("udfsHash", udfs.file_hash)''',
    go='''// A jar the build wrote beside the program: pulumi.NewFileAsset("build/udfs.jar").
udfs, err := deltastream.NewFunctionSource(ctx, "udfs", &deltastream.FunctionSourceArgs{
	Name:        pulumi.String("udfs"),
	File:        pulumi.NewStringAsset("the jar's bytes"),
	Description: pulumi.String("Java UDFs of the shop"),
})
if err != nil {
	return err
}
ctx.Export("udfsHash", udfs.FileHash)''',
    yaml='''resources:
  udfs:
    type: deltastream:FunctionSource
    properties:
      name: udfs
      # A jar the build wrote beside the program: fn::fileAsset: build/udfs.jar
      file:
        fn::stringAsset: the jar's bytes
      description: Java UDFs of the shop
outputs:
  udfsHash: ${udfs.fileHash}''')

LOOKUPS_STORY = Part(
    typescript='''const udfs = new deltastream.FunctionSource("udfs", {
    name: "udfs",
    file: new pulumi.asset.StringAsset("the jar's bytes"),
});
const found = deltastream.getFunctionSourceOutput({ name: udfs.name });
const ready = deltastream.getFunctionSourcesOutput({ status: udfs.status.apply(status => status ?? "ready") });

export const foundUrl = found.downloadUrl;
export const readySources = ready.functionSources;''',
    python='''udfs = deltastream.FunctionSource("udfs", name="udfs", file=pulumi.StringAsset("the jar's bytes"))
found = deltastream.get_function_source_output(name=udfs.name)
ready = deltastream.get_function_sources_output(status=udfs.status)

pulumi.export("foundUrl", found.download_url)
pulumi.export("readySources", ready.function_sources)''',
    go='''udfs, err := deltastream.NewFunctionSource(ctx, "udfs", &deltastream.FunctionSourceArgs{
	Name: pulumi.String("udfs"),
	File: pulumi.NewStringAsset("the jar's bytes"),
})
if err != nil {
	return err
}
found := deltastream.LookupFunctionSourceOutput(ctx, deltastream.LookupFunctionSourceOutputArgs{
	Name: udfs.Name,
})
ready := deltastream.GetFunctionSourcesOutput(ctx, deltastream.GetFunctionSourcesOutputArgs{
	Status: udfs.Status,
})

ctx.Export("foundUrl", found.DownloadUrl())
ctx.Export("readySources", ready.FunctionSources())''',
    yaml='''resources:
  udfs:
    type: deltastream:FunctionSource
    properties:
      name: udfs
      file:
        fn::stringAsset: the jar's bytes
variables:
  found:
    fn::invoke:
      function: deltastream:index:getFunctionSource
      arguments:
        name: ${udfs.name}
  ready:
    fn::invoke:
      function: deltastream:index:getFunctionSources
      arguments:
        status: ${udfs.status}
outputs:
  foundUrl: ${found.downloadUrl}
  readySources: ${ready.functionSources}''')


class FunctionSource(FileSource[FunctionSourceInputs, FunctionSourceState, FunctionSourceRow]):
    token = "deltastream:index:FunctionSource"
    description = f"""A function source: a Java jar DeltaStream keeps under a name, which functions (UDFs) are created
from (a `Function`'s `source`).

The file is a Pulumi asset, sent as an attachment of `CREATE FUNCTION_SOURCE` named after the file (as DeltaStream's
dbt adapter sends it); state keeps its SHA-256 (`fileHash`), never its bytes (a StringAsset's text is in the
engine's record of the program's inputs, as every asset's is: use a FileAsset for a jar). The create waits until
DeltaStream reports the source `ready` in `deltastream.sys."function_sources"`; one it reports `error` fails the
create, naming the source, and is dropped.

DeltaStream documents no statement that changes a function source, so another file (another hash), description or
language replaces it: `DROP FUNCTION_SOURCE`, then `CREATE FUNCTION_SOURCE` under the same name. Between the two no
source of that name exists, so while functions are created from it (`LIST FUNCTIONS` shows each one's source) such a
change fails at preview, naming them; set `acceptReplacement: true` for the `pulumi up` that replaces it.

{examples("A function source", STORY)}

## Import

The ID is the function source's name. DeltaStream gives the file back to no documented read the provider uses, so
an import leaves `file` and `fileHash` unset (`pulumi import` warns that `file` is required): set `file` in the
program; the first preview takes the program's file as the one DeltaStream holds (with a warning), and a later
change of the file replaces the source.

```sh
pulumi import deltastream:index:FunctionSource udfs udfs
```"""
    inputs = FunctionSourceInputs
    state = FunctionSourceState
    always_set = ("status",)
    create_privilege = "CREATE_FUNCTION_SOURCE"  # an organization privilege (docs: access control)
    label = "function source"
    ownership = "FUNCTION_SOURCE"
    extension = ".jar"
    users = "functions created from it"

    async def row(self, catalog: SystemTables, name: str) -> FunctionSourceRow | None:
        return await function_source_row(catalog, name)

    async def blast_radius(self, ctx: Context, resource_id: str, state: FunctionSourceState) -> BlastRadius:
        """The functions created from it, by ``LIST FUNCTIONS``' ``SourceName`` (one LIST, only in a replacing
        preview): between its DROP and its CREATE they have no source. None: nothing is taken down."""
        from .function import listed_functions  # only a replacing preview needs it

        users = [f.signature for f in await listed_functions(ctx.catalog) if f.source == resource_id]
        if not users:
            return BlastRadius()
        return BlastRadius(other=[
            f"{len(users)} function(s) created from it, left without their source between its DROP and its CREATE "
            f"(and until the next `pulumi up` if the CREATE fails; what DeltaStream does with them meanwhile is not "
            f"documented): {', '.join(users)}"])

    def create_statement(self, inputs: FunctionSourceInputs, attachment: str, data: bytes) -> sql.Statement:
        return create_statement(inputs.name, with_file([("language", inputs.language)], attachment,
                                                       inputs.description), {attachment: data})

    def drop_statement(self, name: str) -> sql.Statement:
        return drop_statement(name)

    def state_of(self, inputs: FunctionSourceInputs, row: FunctionSourceRow,
                 file_hash: str | None) -> FunctionSourceState:
        return FunctionSourceState(name=inputs.name, file=None, description=inputs.description,
                                   accept_replacement=inputs.accept_replacement, language=inputs.language,
                                   file_hash=file_hash, status=row.status, download_url=row.download_url,
                                   owner=row.owner, created_at=row.created_at)

    async def read(self, ctx: Context, resource_id: str, inputs: FunctionSourceInputs | None,
                   state: FunctionSourceState | None) -> tuple[FunctionSourceInputs, FunctionSourceState] | None:
        row = await ctx.catalog.in_group(FUNCTION_SOURCES, {}, {"name": resource_id})  # one SELECT serves a refresh
        if row is None:
            return None
        language = cast(Literal["java"], (row.language or LANGUAGE).lower())  # drift to another shows at preview
        current = FunctionSourceInputs(name=row.name, file=inputs.file if inputs is not None else None,
                                       description=row.description or None, language=language,
                                       owner=owner_as_read(inputs, row),
                                       accept_replacement=inputs.accept_replacement if inputs is not None else None)
        return current, self.state_of(current, row, state.file_hash if state is not None else None)


_SAMPLE_FILE = Asset(text="a jar's bytes")
SAMPLE = Sample(
    inputs={"name": "udfs", "file": _SAMPLE_FILE, "description": "UDFs"},
    budget={"create": 2, "read": 1, "delete": 2},  # the statement, a SELECT; no documented update: a change replaces
    settle=({"name": "udfs", "file": _SAMPLE_FILE}, {"name": "never", "file": _SAMPLE_FILE}),  # Function's uses it
    built=(built(create_statement, "CREATE FUNCTION_SOURCE", "udfs",
                 [("file", "udfs.jar"), ("language", "java"), ("description", "UDFs")], {"udfs.jar": b"PK"}),
           built(drop_statement, "DROP FUNCTION_SOURCE", "udfs"),
           built(grant_statement, "GRANT OWNERSHIP ON FUNCTION SOURCE", "FUNCTION_SOURCE", '"udfs"', "r")))


_SOURCES = Source("function source", "function sources", Source.table(FUNCTION_SOURCES), FunctionSourceInfo.of)
_LOOKUPS_EXAMPLE = examples("A function source, then it and every function source of its status looked up",
                            LOOKUPS_STORY)
LOOKUPS = (
    One("getFunctionSource", f"Look up an existing function source by name, with one SELECT of "
                             f"`deltastream.sys.\"function_sources\"`.\n\n{_LOOKUPS_EXAMPLE}", _SOURCES,
        {"name": Arg("Name of the function source.", Filter("name"), required=True)}, FunctionSourceInfo),
    Many("getFunctionSources", f"List function sources, filtered by status, ordered by name, with one SELECT; at most "
                               f"200.\n\n{_LOOKUPS_EXAMPLE}", _SOURCES,
         {"status": Arg("Only function sources of this status: `ready` or `error`.", Filter("status"))},
         "function_sources", FunctionSourceInfo, "Matching function sources ordered by name (at most 200)."),
)
