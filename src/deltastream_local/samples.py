"""Sample records in, expected records out: a pipeline checked against the local server.

After ``pulumi up`` against ``deltastream-provider local``, write sample records to the source topics and compare
what the running queries wrote to the sink topics with what was expected::

    python -m deltastream_local.samples samples.json --store events

``samples.json`` is ``{"inputs": {"<topic>": [<record>, ...]}, "expected": {"<topic>": [<record>, ...]}}``. The
server and token are the provider's (``DELTASTREAM_SERVER``, ``DELTASTREAM_API_KEY``). Records go in with
``INSERT INTO ENTITY`` and come out with ``PRINT ENTITY``, as from any DeltaStream client; the exit status is 1 with
the differences when a sink holds other records than expected. Each sink is compared from where it stood before the
inputs were written: what earlier runs left there is not counted, so the check can run again on the same stack.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import httpx

from .runner import DEFAULT_TOKEN

Record = dict[str, Any]


class SampleError(Exception):
    """A statement the server refused, with its SQLSTATE and message."""


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


@dataclass
class Samples:
    """Writes and reads the records of a store's entities over the statements API."""

    server: str  # the API base URL, ending in /v2
    token: str = DEFAULT_TOKEN
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=60), repr=False)

    def __enter__(self) -> Samples:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        """Close the HTTP client's connections."""
        self.http.close()

    def run(self, statement: str, **context: str) -> list[list[Any]]:
        """Run one statement (in the session ``context`` gives: database, schema, store...); its rows."""
        body = self.http.post(f"{self.server}/statements", json={"statement": statement, **context},
                              headers={"Authorization": f"Bearer {self.token}"}).json()
        if body.get("sqlState") != "00000":
            raise SampleError(f"{statement}: {body.get('sqlState')} {body.get('message')}")
        rows: list[list[Any]] = body.get("data", [])
        return rows

    def write(self, store: str, entity: str, records: list[Record]) -> None:
        """Append records to an entity, in order: each one runs the queries reading it."""
        for record in records:
            self.run(f"INSERT INTO ENTITY {_ident(entity)} IN STORE {_ident(store)} "
                      f"VALUE({_literal(json.dumps(record))});")

    def read(self, store: str, entity: str) -> list[Record]:
        """The records an entity holds, oldest first."""
        rows = self.run(f"PRINT ENTITY {_ident(entity)} IN STORE {_ident(store)};")
        return [json.loads(value) for _, _, value in rows]

    def check(self, store: str, inputs: dict[str, list[Record]],
              expected: dict[str, list[Record]]) -> list[str]:
        """Write ``inputs`` and compare what each sink gained meanwhile with ``expected``; the differences, none when
        it matches. Records a sink held before (an earlier run's) are skipped, not compared."""
        held = {entity: len(self.read(store, entity)) for entity in expected}
        for entity, records in inputs.items():
            self.write(store, entity, records)
        problems = []
        for entity, want in expected.items():
            got = self.read(store, entity)[held[entity]:]
            if got != want:
                problems.append(f"{entity}: expected {json.dumps(want)}\n{' ' * len(entity)}  got      "
                                f"{json.dumps(got)}")
        return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deltastream_local.samples", description=__doc__.split("\n")[0])
    parser.add_argument("samples", type=Path, help="JSON: {inputs: {topic: [records]}, expected: {topic: [records]}}")
    parser.add_argument("--store", required=True, help="the store holding the topics")
    parser.add_argument("--server", default=os.environ.get("DELTASTREAM_SERVER", "http://127.0.0.1:8787/v2"))
    parser.add_argument("--token", default=os.environ.get("DELTASTREAM_API_KEY", DEFAULT_TOKEN))
    args = parser.parse_args(argv)
    spec = json.loads(args.samples.read_text())
    try:
        with Samples(args.server, args.token) as samples:
            problems = samples.check(args.store, spec.get("inputs", {}), spec["expected"])
    except SampleError as exc:
        print(exc, file=sys.stderr)
        return 2
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        count = sum(len(v) for v in spec["expected"].values())
        print(f"{count} record{'s' * (count != 1)} as expected")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
