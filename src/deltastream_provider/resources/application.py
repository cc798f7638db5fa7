"""Application: several statements (``BEGIN APPLICATION ... END APPLICATION``) launched and run as one query."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..deltastream import sql
from ..deltastream.query_text import application
from ..errors import InputError, SqlTextError
from ..model import story
from ..model.docs import examples
from ..model.fields import Model, prop
from ..model.sample import Sample
from ..model.unknown import UNKNOWN
from .base import Context, check_identifier
from .continuous import SESSION, Continuous, QueryRow, fqn, plan, session_of, start


@dataclass
class ApplicationInputs(Model):
    sql: str = prop("The application: `BEGIN APPLICATION <name> <statement>; ... END APPLICATION;`, holding "
                    "`CREATE VIRTUAL STREAM|CHANGELOG virtual.<namespace>.<name> AS SELECT ...`, "
                    "`CREATE STREAM|CHANGELOG|TABLE ... AS SELECT ...` and `INSERT INTO ...` statements. Immutable: "
                    "to change it, create a new Application (with another resource name) and remove this one.")
    database: str | None = prop("Database that unqualified relation names resolve in. " + SESSION, default=None)
    namespace: str | None = prop("Namespace that unqualified relation names resolve in (default `public`). "
                                 + SESSION, default=None)
    owner: str | None = prop("Role that owns the application; changed in place. Default: the provider's role.",
                             default=None)


@dataclass
class ApplicationState(ApplicationInputs):
    application_id: str | None = prop("DeltaStream's id of the application's query (a UUID).", default=None)
    name: str | None = prop("The application's name, from its SQL.", default=None)
    version: int | None = prop("Version of the application under its name.", default=None)
    state: str | None = prop("Current state: `running`, `errored`, `terminate_requested` or `terminated`.",
                             default=None)
    sources: list[str] | None = prop("fqns of the relations the application reads, from DeltaStream's plan.",
                                     default=None)
    sinks: list[str] | None = prop("fqns of the relations the application writes, from DeltaStream's plan.",
                                   default=None)
    created_at: str | None = prop("When the application was started (RFC 3339).", default=None)
    updated_at: str | None = prop("When the application last changed state (RFC 3339).", default=None)


_EXAMPLES = examples("One application splitting pageviews by device", story.APPLICATION)


class Application(Continuous[ApplicationInputs, ApplicationState]):
    token = "deltastream:index:Application"
    create_privilege = "CREATE_QUERY"  # an application runs as one query
    description = f"""A streaming application: several statements launched and run as one query, reading each
source once. Virtual relations (`CREATE VIRTUAL STREAM virtual.public.x AS SELECT ...`) exist only inside it.

The SQL is checked with `DESCRIBE` before the application starts, and the relations it reads and writes are
taken from DeltaStream's plan (outputs `sources` and `sinks`). Like a Query, an application is immutable: a
changed body fails `pulumi preview` with a summary of the difference (whitespace, comments and keyword case are
no change). An application found terminated or errored by a refresh is started again by the next `pulumi up`,
and one whose SQL names a relation being replaced is replaced with it; the preview warns that the new one runs
from the beginning of its sources. The owner changes in place, and so do `database` and `namespace` while the
SQL resolves to the same relations there. Deleting terminates it and waits until it is terminated.

{_EXAMPLES}

## Import

The ID is the application's query id (a UUID):

```sh
pulumi import deltastream:index:Application fanout 6a1c0d2e-2a4f-4c5e-9f55-3c0b5c0f1a77
```"""
    inputs = ApplicationInputs
    state = ApplicationState
    always_set = ("owner", "applicationId", "name", "state", "sources", "sinks", "createdAt", "updatedAt")
    kind = "application"
    id_field = "application_id"
    immutable = ("sql",)
    advice = ("To run different SQL, declare a new Application resource (a new resource name, and a new application "
              "name in the SQL) and remove this one; Pulumi then starts the new one and terminates the old one.")

    def check(self, inputs: ApplicationInputs) -> list[tuple[str, str]]:
        failures = (check_identifier("database", inputs.database) + check_identifier("namespace", inputs.namespace)
                    + check_identifier("owner", inputs.owner))
        if isinstance(inputs.sql, str):
            try:
                application(inputs.sql)
            except SqlTextError as exc:
                failures.append(("sql", f"sql {exc}"))
        if inputs.namespace is not None and inputs.database is None and inputs.namespace is not UNKNOWN:
            failures.append(("database", "namespace needs database: set database too"))
        return failures

    def label(self, state: ApplicationState) -> str:
        return state.name or ""

    def statement(self, inputs: ApplicationInputs) -> sql.Statement:
        return sql.raw(application(inputs.sql).text)

    def planned(self, found: dict[str, Any]) -> dict[str, Any]:
        return {key: sorted(fqn(s) for s in found.get(key) or []) for key in ("sources", "sinks")}

    def recorded(self, state: ApplicationState) -> dict[str, Any] | None:
        if state.sources is None or state.sinks is None:
            return None
        return {"sources": sorted(state.sources), "sinks": sorted(state.sinks)}

    async def create(self, ctx: Context, inputs: ApplicationInputs) -> tuple[str, ApplicationState]:
        session = session_of(inputs.database, inputs.namespace, inputs.owner)
        statement = self.statement(inputs)
        found = await plan(ctx, statement, session)
        row = await start(ctx, statement, session, "application")
        return row.id, self._state(inputs, row, [fqn(s) for s in found.get("sources") or []],
                                   [fqn(s) for s in found.get("sinks") or []])

    def _state(self, inputs: ApplicationInputs, row: QueryRow, sources: list[str] | None,
               sinks: list[str] | None) -> ApplicationState:
        return ApplicationState(sql=inputs.sql, database=inputs.database, namespace=inputs.namespace, owner=row.owner,
                                application_id=row.id, name=row.name, version=row.version, state=row.state,
                                sources=sources, sinks=sinks, created_at=row.created_at, updated_at=row.updated_at)

    async def read(self, ctx: Context, resource_id: str, inputs: ApplicationInputs | None,
                   state: ApplicationState | None) -> tuple[ApplicationInputs, ApplicationState] | None:
        found = await self.current(ctx, resource_id, inputs, state)
        if found is None:
            return None
        current, row = found
        sources, sinks = (state.sources, state.sinks) if state is not None else (None, None)
        if sources is None:  # import: the plan of the running SQL says what it reads and writes
            sources, sinks = await self._plan(ctx, row.id, current)
        return current, self._state(current, row, sources, sinks)

    async def _plan(self, ctx: Context, query_id: str, inputs: ApplicationInputs) -> tuple[list[str], list[str]]:
        """What an imported application reads and writes, from DeltaStream's plan of its SQL."""
        try:
            text = application(inputs.sql).text
        except SqlTextError:
            raise InputError(f"query {query_id} is not an application (its SQL is no BEGIN APPLICATION block): "
                             "import it as deltastream:index:Query") from None
        statement = sql.raw(text, mutating=False)
        found = await plan(ctx, statement, session_of(inputs.database, inputs.namespace, inputs.owner))
        return [fqn(s) for s in found.get("sources") or []], [fqn(s) for s in found.get("sinks") or []]

    async def update(self, ctx: Context, resource_id: str, olds: ApplicationState,
                     news: ApplicationInputs) -> ApplicationState:
        await self.session_moved(ctx, resource_id, olds, news)
        row = await self.owner_changed(ctx, resource_id, olds, news)
        return self._state(news, row, olds.sources, olds.sinks)


_INSERT = 'INSERT INTO "db"."public"."dst" SELECT id FROM "db"."public"."src"'
SAMPLE = Sample(
    inputs={"sql": f"BEGIN APPLICATION app {_INSERT}; END APPLICATION;"},
    budget={"create": 3, "read": 1, "delete": 3},  # DESCRIBE, BEGIN APPLICATION, SELECT
    settle=({"sql": f"BEGIN APPLICATION made {_INSERT}; END APPLICATION;"},
            {"sql": f"BEGIN APPLICATION never {_INSERT}; END APPLICATION;"}),
    built=())
