"""API requests each provider operation makes, read from the local server's counters.

    .venv/bin/python -m bench.provider_requests

Drives the provider over gRPC exactly as the engine does (see tests/contract/harness.py). The kinds and their
inputs are the registry's: each kind's ``SAMPLE`` (``model/sample.py``) is created, read and updated in the
registry's order, the operations that span kinds run on what they made, and the kinds are deleted in reverse.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable
from typing import Any, TypeVar

import grpc
from testkit.provider import Harness

from deltastream_local.runner import BackgroundServer, ServerSettings
from deltastream_provider.kinds import registry
from deltastream_provider.plugin.wire import SecretValue

TOKEN = "bench-token"
T = "deltastream:index:"
Result = TypeVar("Result")


async def refused(call: Awaitable[Any]) -> str:
    """A Diff refusing a replacement at preview: its message (one that goes ahead answers its diff)."""
    try:
        return str(await call)
    except grpc.aio.AioRpcError as refusal:
        return refusal.details() or ""


async def measure(server: BackgroundServer, token: str = TOKEN) -> list[tuple[str, int, str, float]]:
    harness = await Harness().start()
    await harness.configure(server=server.url, apiKey=SecretValue(token))
    rows = []

    async def op(label: str, call: Awaitable[Result]) -> Result:
        before = Counter(server.server.counters.statements)
        requests = sum(server.server.counters.requests.values())
        started = time.perf_counter()
        result = await call
        elapsed = (time.perf_counter() - started) * 1000
        spent = Counter(server.server.counters.statements) - before
        rows.append((label, sum(server.server.counters.requests.values()) - requests,
                     ", ".join(f"{k} {v}" for k, v in sorted(spent.items())), elapsed))
        return result

    made: list[tuple[str, str, str, dict[str, Any]]] = []  # (label, token, id, state), in the order made
    for kind, sample in registry.samples():
        label, token_ = sample.label or kind, T + kind
        rid, state = await op(f"{label} create", harness.create(token_, dict(sample.inputs)))
        if "read" in sample.budget:
            await op(f"{label} read", harness.read(token_, rid, state, dict(sample.inputs)))
        if sample.changed is not None:
            state = await op(f"{label} update", harness.update(token_, rid, state, dict(sample.changed)))
        made.append((label, token_, rid, state))
        for more in sample.also:
            also_id, also_state = await harness.create(token_, dict(more))
            made.append(("", token_, also_id, also_state))
    kinds = dict(registry.samples())
    namespace, store = kinds["Namespace"].inputs, kinds["Store"].inputs
    await op("Check / Diff / preview (any)", harness.create(T + "DeltaStreamObject",
                                                            dict(kinds["DeltaStreamObject"].inputs), preview=True))
    ids = {token_: (rid, state) for label, token_, rid, state in made if label}
    await op("Diff replacing what nothing depends on", refused(harness.diff(  # SELECT relations: none
        T + "Namespace", *ids[T + "Namespace"], {**namespace, "name": "ns2"})))
    await op("Diff refusing a replacement", refused(harness.diff(  # SELECT relations, LIST QUERIES
        T + "Store", *ids[T + "Store"], {**store, "name": "events2"})))
    for label, token_, rid, state in reversed(made):
        deleted = harness.delete(token_, rid, state)
        await (op(f"{label} delete", deleted) if label else deleted)
    await harness.stop()
    return rows


def main() -> None:
    # the samples name the role analyst (an owner, a grant's role), as the tests' local server has it
    with BackgroundServer(ServerSettings(port=0, tokens={TOKEN: "sysadmin"}, roles=frozenset({"analyst"}))) as server:
        rows = asyncio.run(measure(server))
    print("| operation | HTTP requests | statements | ms |\n| --- | --- | --- | --- |")
    for label, requests, statements, ms in rows:
        print(f"| {label} | {requests} | {statements or '-'} | {ms:.1f} |")


if __name__ == "__main__":
    main()
