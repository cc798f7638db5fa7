"""What FunctionSource and DescriptorSource share: a file DeltaStream keeps under a name, sent once as the multipart
attachment its ``CREATE`` names (``'file' = '<basename>'``, as DeltaStream's dbt adapter and Python connector send
it). DeltaStream documents no statement that changes a source, so another file (another SHA-256) or description
replaces it; state knows the file by its hash (``fileHash``), never by its bytes."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Collection
from dataclasses import dataclass
from typing import ClassVar, Generic, Protocol, TypeVar

from ..deltastream import sql
from ..deltastream.catalog import SystemTables
from ..errors import InputError, InvalidInputError
from ..model.fields import Asset, Model, prop
from ..model.unknown import UNKNOWN
from .base import Context, Diff, Existing, Resource, check_identifier, create_then_wait, drop_then_wait
from .dependents import ACCEPT_DOC, BlastRadius
from .lifecycle import OWNER_DOC, dropping, existing_row, gone, owner_session, ready_row
from .ownership import transfer

FILE_DOC = ("The file, as a Pulumi asset: `new pulumi.asset.FileAsset(\"udfs.jar\")` (TypeScript), "
            "`pulumi.FileAsset(\"udfs.jar\")` (Python), `pulumi.NewFileAsset(\"udfs.jar\")` (Go), "
            "`fn::fileAsset: udfs.jar` (YAML), or a StringAsset. A relative path is the program's directory's. It is "
            "sent as an attachment named after the file (a StringAsset's: the source's name with `.jar` for a "
            "function source, `.desc` for a descriptor source); "
            "state keeps its SHA-256 (`fileHash`), never its bytes, and another file replaces the source. Required; "
            "`pulumi import` cannot read it back (see Import).")
DESCRIPTION_DOC = ("What the source holds. DeltaStream documents no statement that changes a source, so a change "
                   "replaces it.")


def file_bytes(asset: Asset) -> bytes:
    """The asset's bytes: its text, or its file read from the program's directory (the provider's working
    directory)."""
    if asset.text is not None:
        return asset.text.encode()
    if asset.path is not None:
        try:
            with open(asset.path, "rb") as found:
                return found.read()
        except OSError as exc:
            raise InputError(f"file: cannot read {asset.path!r} (relative to {os.getcwd()}): {exc.strerror}") from exc
    raise InputError("file: the asset has no path or text; give a FileAsset or a StringAsset")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def file_hash(asset: Asset) -> str:
    """The asset's SHA-256 (hex): the engine's, else of its bytes."""
    return asset.hash or digest(file_bytes(asset))


def check_file(asset: Asset | None) -> list[tuple[str, str]]:
    """Check's failures for ``file``: missing, remote, without content, a path that is no readable file."""
    if asset is UNKNOWN:
        return []
    if asset is None:
        return [("file", "file is required: give the file as an asset (a FileAsset of a local file, or in YAML "
                         "`fn::fileAsset: <path>`)")]
    if asset.uri is not None:
        return [("file", f"file: a remote asset ({asset.uri}) is not supported; download it and give a FileAsset of "
                         "the local file")]
    if asset.path is not None:
        if not os.path.isfile(asset.path):
            return [("file", f"file: {asset.path!r} is not a file (a relative path is the program's directory's, "
                             f"{os.getcwd()}); build it first or fix the path")]
        if os.path.getsize(asset.path) == 0:
            return [("file", f"file: {asset.path!r} is empty; DeltaStream needs the file's content")]
        return []
    if not asset.text:
        return [("file", "file: the asset has no content; give a FileAsset of the file")]
    return []


@dataclass
class FileSourceInputs(Model):
    name: str = prop("Name of the source. Case-sensitive; quoted for you.", replaces=True)
    file: Asset | None = prop(FILE_DOC, default=None, replaces=True)
    description: str | None = prop(DESCRIPTION_DOC, default=None, replaces=True)
    owner: str | None = prop(OWNER_DOC, default=None)
    accept_replacement: bool | None = prop(ACCEPT_DOC, default=None)


class Row(Protocol):
    """What a kind's read gives: the owner, the creation time, and ``phase``: ``ready``, ``errored`` (DeltaStream
    reports the source failed) or another word while it is not ready yet."""

    @property
    def owner(self) -> str | None: ...

    @property
    def created_at(self) -> str | None: ...

    @property
    def phase(self) -> str: ...


R = TypeVar("R", bound=Row)
I = TypeVar("I", bound=FileSourceInputs)  # noqa: E741
S = TypeVar("S", bound=FileSourceInputs)


class FileSource(Resource[I, S], Generic[I, S, R]):
    """A source kind: its label (``function source``), the extension a StringAsset's attachment takes, what uses it
    (for the replacement's refusal), how its row is read (None when there is none), its statements and its state."""

    label: ClassVar[str]
    extension: ClassVar[str]
    users: ClassVar[str]
    unread: ClassVar[tuple[str, ...]] = ()  # inputs besides file that no read gives back (an import leaves them unset)

    async def row(self, catalog: SystemTables, name: str) -> R | None:
        raise NotImplementedError

    def create_statement(self, inputs: I, attachment: str, data: bytes) -> sql.Statement:
        raise NotImplementedError

    def drop_statement(self, name: str) -> sql.Statement:
        raise NotImplementedError

    def state_of(self, inputs: I, row: R, file_hash: str | None) -> S:
        raise NotImplementedError

    def check(self, inputs: I) -> list[tuple[str, str]]:
        """An empty description is refused: a read reports an empty description as none (whether DeltaStream keeps
        an empty one or null is not shown), so it would be a change, and a replacement, after every refresh."""
        failures = (check_identifier("name", inputs.name) + check_file(inputs.file)
                    + check_identifier("owner", inputs.owner))
        if inputs.description == "":
            failures.append(("description", "description is empty; give a text or leave it unset"))
        return failures

    def diff(self, olds: I, news: I, state: S) -> Diff:
        """``file`` changes when its hash does (the engine's for a program's asset, ``fileHash`` for what was sent).
        After an import, whose file (and the kind's ``unread`` inputs) no read gives back, the program's are taken
        as DeltaStream's, with a warning: an import leaves no diff, and the next change replaces the source."""
        result = super().diff(olds, news, state)
        old = getattr(state, "file_hash", None) or (olds.file.hash if isinstance(olds.file, Asset) else None)
        imported = old is None  # or recorded without a hash: nothing to compare the program's file with
        adopted = ["file", *(key for key in self.unread if imported and getattr(olds, key) is None)]
        result.changes = [c for c in result.changes if c not in adopted]
        result.replaces = [c for c in result.replaces if c not in adopted]
        if not isinstance(news.file, Asset):
            changed = news.file is UNKNOWN
        elif imported:
            changed = False
            result.warnings.append(f"{self.label} {news.name!r} was imported, so the {' and '.join(adopted)} "
                                   "DeltaStream holds cannot be compared with the program's: taken as the same, and "
                                   "the next change replaces the source")
        else:
            changed = file_hash(news.file) != old
        if changed:
            result.changes.append("file")
            result.replaces.append("file")
        return result

    def preview(self, inputs: I) -> S:
        """No file in the outputs, as after a create: its hash is (``fileHash``)."""
        shown = super().preview(inputs)
        shown.file = None
        return shown

    async def _ready(self, ctx: Context, name: str) -> R | None:
        def failed(row: R) -> Exception:
            return InvalidInputError(f"{self.label} {name!r} failed in DeltaStream: its status is error (DeltaStream "
                                     "could not take the file)",
                                     hint=f"Check that the file is a valid {self.extension} file, then run `pulumi "
                                          "up` again")

        return await ready_row(lambda: self.row(ctx.catalog, name), field="phase", errored=failed)

    async def existing(self, catalog: SystemTables, inputs: I, excluded: Collection[str]) -> Existing:
        return existing_row(await self.row(catalog, inputs.name), inputs.name)

    async def create(self, ctx: Context, inputs: I) -> tuple[str, S]:
        if inputs.file is None:
            raise InputError("file is required")
        data = file_bytes(inputs.file)
        attachment = os.path.basename(inputs.file.path) if inputs.file.path else f"{inputs.name}{self.extension}"
        session = owner_session(inputs.owner)
        row = await create_then_wait(ctx, self.create_statement(inputs, attachment, data),
                                     lambda: self._ready(ctx, inputs.name),
                                     what=f"{self.label} {inputs.name!r} to be ready", resource_id=inputs.name,
                                     undo=dropping(ctx, self.drop_statement(inputs.name), session), session=session,
                                     exists=lambda: self.row(ctx.catalog, inputs.name))
        return inputs.name, self.state_of(inputs, row, digest(data))

    async def update(self, ctx: Context, resource_id: str, olds: S, news: I) -> S:
        """The one change made in place, the owner (``GRANT OWNERSHIP``), then the source's row."""
        assert self.ownership is not None
        await transfer(ctx, self.ownership, sql.ident(resource_id), olds.owner, news.owner)
        found = await self.read(ctx, resource_id, news, olds)
        if found is None:
            raise gone(f"{self.label} {resource_id!r}")
        return found[1]

    async def blast_radius(self, ctx: Context, resource_id: str, state: S) -> BlastRadius:
        """The gap itself: DeltaStream's catalog says nothing of what uses a source, so nothing is read."""
        return BlastRadius(other=[f"{self.label} {resource_id!r} itself: between its DROP and its CREATE no source of "
                                  "that name exists (and none until the next `pulumi up` if the CREATE fails), so "
                                  f"what uses it ({self.users}) cannot meanwhile; DeltaStream's catalog does not say "
                                  "what uses a source"])

    def replacement_advice(self, why: list[str]) -> str:
        return (f"keep {', '.join(why)} as DeltaStream has it, or create the new file as a new {type(self).__name__} "
                "under another name and move its users to it")

    async def delete(self, ctx: Context, resource_id: str, state: S) -> None:
        await drop_then_wait(ctx, self.drop_statement(resource_id), lambda: self.row(ctx.catalog, resource_id),
                             what=f"{self.label} {resource_id!r}")


def with_file(properties: list[tuple[str, sql.PropertyValue]], attachment: str,
              description: str | None) -> list[tuple[str, sql.PropertyValue]]:
    """``'file'`` first, then the kind's keys, then ``'description'``, as dbt sends them."""
    return [("file", attachment), *properties, *([("description", description)] if description is not None else [])]

