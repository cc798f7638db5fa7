"""``deltastream-provider adopt``: read the selection from DeltaStream (or take a stack export of DeltaStream's own
Pulumi provider, or a Terraform state), write the import file, tell what was left out."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from ..config import READ_TIMEOUT_SETTING, ProviderConfig
from ..deltastream.catalog import SystemTables
from ..deltastream.client import connect
from ..deltastream.waiting import call_deadline
from ..kinds.registry import resources
from .adopt import Adoption, write
from .adopt_read import Selection, adopt


def selection(database: str | None, namespace: str | None, kinds: str | None, include_access: bool) -> Selection:
    """The selection the options name; an unknown kind is a usage error naming the known ones."""
    chosen = None
    if kinds:
        known = {r.token.rsplit(":", 1)[-1] for r in resources()}
        chosen = frozenset(k.strip() for k in kinds.split(",") if k.strip())
        unknown = sorted(chosen - known)
        if unknown:
            raise click.BadParameter(f"unknown kind(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}",
                                     param_hint="--kinds")
    return Selection(database=database, namespace=namespace, kinds=chosen, include_access=include_access)


def run(settings: ProviderConfig, wanted: Selection, output: Path) -> None:
    """Adopt what DeltaStream holds in ``wanted``."""

    async def read() -> Adoption:
        from ..resources.base import Context

        with call_deadline(settings.read_timeout, READ_TIMEOUT_SETTING):
            async with connect(settings) as client:
                return await adopt(Context(client, SystemTables(client)), wanted)

    _tell(write(asyncio.run(read()), output, "DeltaStream"))


def run_from(source: Path, terraform: bool, output: Path) -> None:
    """Adopt what a Terraform state (``terraform``) or a stack export of DeltaStream's own Pulumi provider holds,
    without reading DeltaStream."""
    from . import from_pulumi_stack, from_terraform

    try:
        _tell((from_terraform if terraform else from_pulumi_stack).write(source, output))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


def _tell(lines: list[str]) -> None:
    for line in lines:
        click.echo(line, err=True)
