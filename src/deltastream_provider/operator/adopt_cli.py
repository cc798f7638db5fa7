"""``deltastream-provider adopt``: connect, read the selection, write the import file, tell what was left out."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import click

from ..config import READ_TIMEOUT_SETTING, ProviderConfig
from ..deltastream.catalog import SystemTables
from ..deltastream.client import connect
from ..deltastream.waiting import call_deadline
from ..kinds.registry import resources
from .adopt import Adoption, document, report
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


def run(settings: ProviderConfig, database: str | None, namespace: str | None, kinds: str | None, include_access: bool,
        output: Path) -> None:
    wanted = selection(database, namespace, kinds, include_access)

    async def read() -> Adoption:
        from ..resources.base import Context

        with call_deadline(settings.read_timeout, READ_TIMEOUT_SETTING):
            async with connect(settings) as client:
                return await adopt(Context(client, SystemTables(client)), wanted)

    adoption = asyncio.run(read())
    output.write_text(json.dumps(document(adoption), indent=2) + "\n", encoding="utf-8")
    for line in report(adoption):
        click.echo(line, err=True)
    click.echo(f"wrote {output}: {len(adoption.entries)} resource(s), {len(adoption.skipped)} skipped; "
               f"next: pulumi import --file {output}", err=True)
