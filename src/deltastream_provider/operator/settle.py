"""``deltastream-provider settle``: after a `pulumi up` was killed, the stack holds pending creates that may or
may not exist in DeltaStream. Each is settled by reading the catalog, never by guessing: what exists is imported
into the stack under its id (every id but a query's follows from its inputs; a query is found by its SQL in
`LIST QUERIES`), what does not is cleared. Then the next `pulumi up` converges with nothing orphaned or doubled."""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..deltastream.catalog import SystemTables
from ..deltastream.client import DeltaStreamClient
from ..deltastream.values import parse_timestamp
from ..errors import InputError
from ..kinds.registry import resource
from ..resources.base import CLOCK_SKEW, Existing

PREFIX = "deltastream:index:"


@dataclass(frozen=True)
class PendingCreate:
    urn: str
    type: str
    inputs: dict[str, Any]
    parent: str | None = None

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


@dataclass(frozen=True)
class Settlement:
    imports: list[tuple[PendingCreate, str]]  # what exists and is this stack's, with its id
    cleared: list[PendingCreate]              # pending creates that never happened
    foreign: list[PendingCreate]              # planned creates whose name is taken by something older
    untimed: list[tuple[PendingCreate, str]]  # planned creates that exist, of a kind DeltaStream shows no time for


def pending_creates(deployment: dict[str, Any]) -> list[PendingCreate]:
    """The stack's pending creates of this provider's resources (from `pulumi stack export --show-secrets`)."""
    found = []
    for operation in deployment.get("pending_operations") or []:
        resource = operation.get("resource") or {}
        if operation.get("type") == "creating" and str(resource.get("type", "")).startswith(PREFIX):
            found.append(PendingCreate(resource["urn"], resource["type"].removeprefix(PREFIX),
                                       _plain(resource.get("inputs") or {}), resource.get("parent")))
    return found


UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # an input `pulumi preview --json` cannot know yet


def planned_creates(preview: dict[str, Any]) -> list[PendingCreate]:
    """Creates a `pulumi preview --json` plans, with inputs it already knows (a killed provider leaves no pending
    create behind: the engine saw its create fail)."""
    found = []
    for step in preview.get("steps") or []:
        state = step.get("newState") or {}
        if step.get("op") == "create" and str(state.get("type", "")).startswith(PREFIX) \
                and UNKNOWN not in json.dumps(state.get("inputs") or {}):
            found.append(PendingCreate(step["urn"], state["type"].removeprefix(PREFIX), _plain(state["inputs"]),
                                       state.get("parent")))
    return found


def crashed_run_start(history: list[dict[str, Any]]) -> dt.datetime | None:
    """When the last update started, if it failed: what it created since then is this stack's."""
    updates = [h for h in history if h.get("kind") == "update"]
    if not updates or updates[0].get("result") != "failed":
        return None
    return parse_timestamp(updates[0]["startTime"])


async def settle(client: DeltaStreamClient, pending: list[PendingCreate], planned: list[PendingCreate],
                 owned_ids: set[str], crashed_since: dt.datetime | None) -> Settlement:
    """What to import and what to clear. A pending create is this stack's attempt (the engine recorded it): it is
    imported when it exists. A planned create that exists is imported only when it appeared after the crashed run
    started; anything older is someone else's and is left alone (the next `pulumi up` reports it)."""
    catalog = SystemTables(client)
    imports, cleared, foreign, untimed = [], [], [], []
    for create in pending:
        found = await _existing(catalog, create, owned_ids)
        if found is None:
            cleared.append(create)
        else:
            imports.append((create, found[0]))
            owned_ids.add(found[0])
    pending_urns = {c.urn for c in pending}
    for create in planned:
        if create.urn in pending_urns:
            continue
        found = await _existing(catalog, create, owned_ids)
        if found is None:
            continue
        created_at = parse_timestamp(found[1]) if found[1] is not None else None
        if created_at is None:
            untimed.append((create, found[0]))  # whose it is cannot be read: the user decides
        elif crashed_since is not None and created_at >= crashed_since - CLOCK_SKEW:
            imports.append((create, found[0]))
            owned_ids.add(found[0])
        else:
            foreign.append(create)
    return Settlement(imports, cleared, foreign, untimed)


async def _existing(catalog: SystemTables, create: PendingCreate, owned_ids: set[str]) -> Existing:
    """The id and creation time of what ``create`` would have made, when it exists: each kind's own ``existing``."""
    served = resource(PREFIX + create.type)
    if served is None:
        raise InputError(f"create of unknown type {create.type!r} ({create.urn})")
    try:
        inputs = served.inputs.from_props(create.inputs)
    except (TypeError, ValueError) as exc:
        raise InputError(f"the pending create {create.urn} has inputs this provider cannot read ({exc})") from exc
    return await served.existing(catalog, inputs, owned_ids)


SECRET = "4dabf18193072939515e22adb298388d"  # the marker of a secret value in Pulumi's state format


def _plain(value: Any) -> Any:
    """Inputs as exported with --show-secrets, secret values unwrapped."""
    if isinstance(value, dict):
        if SECRET in value:
            return _plain(json.loads(value["plaintext"])) if "plaintext" in value else None
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def import_file(settlement: Settlement, stack_urn_prefix: str) -> dict[str, Any]:
    """A `pulumi import --file` document for what exists, each under its own name and parent."""
    names: dict[str, str] = {}
    resources = []
    for create, id_ in settlement.imports:
        entry: dict[str, Any] = {"type": PREFIX + create.type, "name": create.name, "id": id_}
        if create.parent and not create.parent.startswith(stack_urn_prefix):
            entry["parent"] = names.setdefault(create.parent, f"parent{len(names)}")
        resources.append(entry)
    return {"nameTable": {name: urn for urn, name in names.items()}, "resources": resources}


def commands(settlement: Settlement, stack: str | None, import_path: Path, *, clear_pending: bool) -> list[list[str]]:
    """The Pulumi runs that apply a settlement: drop the pending creates from the state, then import what exists
    (the engine's own `--import-pending-creates` only marks them, it does not import them)."""
    selected = (["--stack", stack] if stack else []) + ["--yes", "--skip-preview", "--non-interactive"]
    runs = [["pulumi", "refresh", "--clear-pending-creates", *selected]] if clear_pending else []
    if settlement.imports:
        runs.append(["pulumi", "import", "--file", str(import_path), "--protect=false", "--generate-code=false",
                     *selected])
    return runs
