"""ApiToken: a DeltaStream API token that acts as one role, its secret a secret output, renewed in place. The whole
kind is here: inputs and state, its statements (``CREATE``, ``ALTER ... RENEW TOKEN``, ``DROP API_TOKEN``), how it
is read (``LIST API_TOKENS``: name and times, never the role or the secret), when it is due for renewal, its registry
example and its sample, and how settle finds one.

DeltaStream shows a token's secret once, in the ``Token`` column of the CREATE or RENEW answer. So a create whose
answer was lost, but which LIST finds made, is renewed at once: the secret it produced reached nobody, so renewing
invalidates nothing anyone holds, and the stack gets a secret it can hand out."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any

from ..deltastream import sql
from ..deltastream.catalog import SystemTables
from ..deltastream.reads import Shape
from ..deltastream.redaction import secrets_known
from ..deltastream.values import parse_timestamp, rfc3339
from ..errors import AlreadyExistsError, CreateFailed, InvalidInputError, OutcomeUnknownError, SessionError
from ..model.docs import Part, examples
from ..model.fields import Model, prop
from ..model.sample import Sample, built
from .base import CLOCK_SKEW, Context, Diff, Existing, Resource, check_identifier, drop_then_wait, send_until_settled
from .lifecycle import gone

if TYPE_CHECKING:
    from ..deltastream.client import Result  # the schema is built without the HTTP client

DEFAULT_DAYS = 90  # token.expires_in_days when it is not given (the CREATE API_TOKEN page)
INVALID_TOKEN = "3D012"  # go-deltastream's SqlStateInvalidApiToken: also what names a missing API_TOKEN

#: The provider's clock, which Diff compares a token's expiry with; tests replace it.
clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)  # noqa: E731


def create_statement(name: str, role: str, expires_in_days: int | None) -> sql.Statement:
    properties: list[tuple[str, sql.PropertyValue]] = [("token.role_name", role)]
    if expires_in_days is not None:
        properties.append(("token.expires_in_days", expires_in_days))
    return sql.statement([f"CREATE API_TOKEN {sql.ident(name)}", sql.with_clause(properties)])


def renew_statement(name: str) -> sql.Statement:
    return sql.statement([f"ALTER API_TOKEN {sql.ident(name)} RENEW TOKEN"])


def drop_statement(name: str) -> sql.Statement:
    return sql.statement([f"DROP API_TOKEN {sql.ident(name)}"])


def list_statement() -> sql.Statement:
    return sql.statement(["LIST API_TOKENS"], mutating=False)


#: The docs' column order (the ALTER and DROP pages); their names hold spaces, so they are read by position.
LIST_API_TOKENS = Shape("LIST API_TOKENS", {0: "name", 1: "last_used", 2: "created_at", 3: "expires_at"})
CREATED = Shape("CREATE API_TOKEN", by_name=("Token",))
RENEWED = Shape("ALTER API_TOKEN RENEW TOKEN", by_name=("Token",))


def _time(value: Any) -> str | None:
    """A LIST cell as RFC 3339: a typed timestamp, or the text the docs show (``... +0000 UTC``); Go's zero time
    (an older page's never-used) is none."""
    if value is None or value == "":
        return None
    if not isinstance(value, dt.datetime):
        value = parse_timestamp(str(value).removesuffix(" UTC"))
    return None if value.year <= 1 else rfc3339(value)


@dataclass(frozen=True)
class ApiTokenRow:
    """A token, as ``LIST API_TOKENS`` shows it."""

    name: str
    last_used_at: str | None
    created_at: str | None
    expires_at: str | None


def _tokens(result: Result) -> list[ApiTokenRow]:
    return [ApiTokenRow(str(LIST_API_TOKENS.get(row, "name")), _time(LIST_API_TOKENS.get(row, "last_used")),
                        _time(LIST_API_TOKENS.get(row, "created_at")), _time(LIST_API_TOKENS.get(row, "expires_at")))
            for row in result.rows]


async def listed_tokens(catalog: SystemTables, *, shared: bool = False) -> list[ApiTokenRow]:
    """One LIST API_TOKENS: with ``shared``, the one every read of the command shares
    (:meth:`SystemTables.listed`); else one of its own, as a wait on a change needs."""
    return await catalog.listing(list_statement(), _tokens, shared=shared)


async def token_row(catalog: SystemTables, name: str, *, shared: bool = False) -> ApiTokenRow | None:
    return next((t for t in await listed_tokens(catalog, shared=shared) if t.name == name), None)


def token_id(name: str, role: str) -> str:
    """The resource's ID, ``<token>/<role>``: no read shows the role, so an import by this ID has it."""
    return f"{name}/{role}" if role else name


def _import_id(resource_id: str) -> tuple[str, str]:
    """``<token>/<role>`` (the last ``/`` ends the name); a bare name leaves the role unknown (empty)."""
    name, slash, role = resource_id.rpartition("/")
    return (name, role) if slash and name else (resource_id, "")


def due(expires_at: str | None, renew_before_days: int | None, now: dt.datetime) -> bool:
    """Whether fewer than ``renew_before_days`` remain before ``expires_at`` (never without either)."""
    if expires_at is None or renew_before_days is None:
        return False
    return parse_timestamp(expires_at) - now < dt.timedelta(days=renew_before_days)


@dataclass
class ApiTokenInputs(Model):
    name: str = prop("Name of the API token (only for managing it: LIST, RENEW, DROP). Case-sensitive; quoted for "
                     "you. A new name replaces the token.", replaces=True)
    role: str = prop("Role the token acts as (`token.role_name`): a request bearing it has that role's privileges. "
                     "A new role replaces the token (DeltaStream cannot change it): the old token is dropped first, "
                     "since the name is the same, and the new one has a new secret.", replaces=True)
    expires_in_days: int | None = prop("Days until the token expires (`token.expires_in_days`; DeltaStream's default "
                                       "90). A change replaces the token, as `role` does; a renewal keeps the "
                                       "length.", default=None, replaces=True)
    renew_before_days: int | None = prop("Renew the token in place (`ALTER API_TOKEN ... RENEW TOKEN`) once fewer "
                                         "than this many days remain before it expires: a preview or `pulumi up` "
                                         "from then on shows the renewal as an update. Less than `expiresInDays`. "
                                         "Unset: only `renewTrigger` renews it.", default=None)
    renew_trigger: str | None = prop("Any text; changing it renews the token in place (a new secret; the old one "
                                     "stops working). The way to get a secret for an imported token.", default=None)


@dataclass
class ApiTokenState(ApiTokenInputs):
    token: str | None = prop("The token's secret (a bearer token for DeltaStream's API), shown by DeltaStream once: "
                             "at create and at each renewal. Secret. Empty after an import until the token is renewed.",
                             default=None, secret=True)
    expires_at: str | None = prop("When the token expires (RFC 3339).", default=None)
    created_at: str | None = prop("When the token was created or last renewed (RFC 3339).", default=None)
    last_used_at: str | None = prop("When the token last authenticated a request (RFC 3339); unset when never "
                                    "since its last renewal.", default=None)


def _state(inputs: ApiTokenInputs, row: ApiTokenRow, token: str | None) -> ApiTokenState:
    return ApiTokenState(name=inputs.name, role=inputs.role, expires_in_days=inputs.expires_in_days,
                         renew_before_days=inputs.renew_before_days, renew_trigger=inputs.renew_trigger, token=token,
                         expires_at=row.expires_at, created_at=row.created_at, last_used_at=row.last_used_at)


def _secret(result: Any, shape: Shape) -> str:
    """The ``Token`` cell of a CREATE or RENEW answer, made a known secret of the call at once (so no log or error
    of it shows the value)."""
    records = result.records()
    value = shape.named(records[0], "Token") if records else None
    if not value:
        raise InvalidInputError(f"{shape.kind} answered no Token: the secret cannot be read",
                                hint="Renew it (change renewTrigger) and run `pulumi up` again")
    with secrets_known([str(value)]):
        return str(value)


STORY = Part(
    typescript='''const ciToken = new deltastream.ApiToken("ci-token", {
    name: "ci_token",
    role: "sysadmin",
    expiresInDays: 90,
    renewBeforeDays: 14,
    renewTrigger: "2026-01",
});

export const ciTokenExpiresAt = ciToken.expiresAt;
export const ciTokenSecret = pulumi.secret(ciToken.token);''',
    python='''ci_token = deltastream.ApiToken("ci-token",
    name="ci_token",
    role="sysadmin",
    expires_in_days=90,
    renew_before_days=14,
    renew_trigger="2026-01")

pulumi.export("ciTokenExpiresAt", ci_token.expires_at)
pulumi.export("ciTokenSecret", pulumi.Output.secret(ci_token.token))''',
    go='''ciToken, err := deltastream.NewApiToken(ctx, "ci-token", &deltastream.ApiTokenArgs{
	Name:            pulumi.String("ci_token"),
	Role:            pulumi.String("sysadmin"),
	ExpiresInDays:   pulumi.Int(90),
	RenewBeforeDays: pulumi.Int(14),
	RenewTrigger:    pulumi.String("2026-01"),
})
if err != nil {
	return err
}
ctx.Export("ciTokenExpiresAt", ciToken.ExpiresAt)
ctx.Export("ciTokenSecret", pulumi.ToSecret(ciToken.Token))''',
    yaml='''resources:
  ci-token:
    type: deltastream:ApiToken
    properties:
      name: ci_token
      role: sysadmin
      expiresInDays: 90
      renewBeforeDays: 14
      renewTrigger: "2026-01"
outputs:
  ciTokenExpiresAt: ${ci-token.expiresAt}
  ciTokenSecret:
    fn::secret: ${ci-token.token}''')


class ApiToken(Resource[ApiTokenInputs, ApiTokenState]):
    token = "deltastream:index:ApiToken"
    description = f"""A DeltaStream API token: a bearer token for automated systems that acts as one role.

Its secret is the `token` output, a secret: DeltaStream shows it once (at create and at each renewal), so it lives in
the stack's state (encrypted) and nowhere else. The token is renewed in place (`ALTER API_TOKEN ... RENEW TOKEN`: a new
secret, the old one stops working, a new expiry) when `renewTrigger` changes, or once fewer than `renewBeforeDays`
remain before it expires (a preview then shows `expiresAt` as an update). A new `name`, `role` or `expiresInDays`
replaces it: DeltaStream changes none of them, and the same name cannot exist twice, so the old token is dropped
first.

{examples("A CI token, renewed two weeks before it expires", STORY)}

## Import

The ID is `<token>/<role>`, as a create records it: `LIST API_TOKENS` shows a token's name and times
(`expiresInDays` is read from them), not its role, which the ID gives. Its secret DeltaStream never shows again: the
stack has none until it is renewed, which the next preview warns about; `renewTrigger` and `renewBeforeDays` are taken
as the program's, so the import renews nothing (a `renewTrigger` first set after the import is taken so too); once
a `pulumi up` has recorded it, change `renewTrigger` and run `pulumi up` to get a new secret.

```sh
pulumi import deltastream:index:ApiToken ci-token ci_token/sysadmin
```"""
    inputs = ApiTokenInputs
    state = ApiTokenState
    always_set = ("createdAt", "expiresAt")

    def check(self, inputs: ApiTokenInputs) -> list[tuple[str, str]]:
        failures = check_identifier("name", inputs.name)
        if inputs.role == "":
            failures.append(("role", "role must be the name of the role the token acts as; LIST API_TOKENS does not "
                                     "show it, so an import names it in the ID: `<token>/<role>`"))
        else:
            failures += check_identifier("role", inputs.role)
        days = inputs.expires_in_days
        if isinstance(days, int) and days < 1:
            failures.append(("expiresInDays", f"expiresInDays: {days} is not a number of days; give 1 or more, or "
                                              f"leave it unset for DeltaStream's {DEFAULT_DAYS}"))
        before = inputs.renew_before_days
        if isinstance(before, int):
            lasts = days if isinstance(days, int) else DEFAULT_DAYS
            if before < 0:
                failures.append(("renewBeforeDays", f"renewBeforeDays: {before} is negative; give 0 or more days, or "
                                                    "leave it unset"))
            elif before >= lasts:
                failures.append(("renewBeforeDays", f"renewBeforeDays: {before} is not less than the token's "
                                                    f"{lasts} days (expiresInDays), so it would renew on every "
                                                    "`pulumi up`; give fewer days"))
        return failures

    def diff(self, olds: ApiTokenInputs, news: ApiTokenInputs, state: ApiTokenState) -> Diff:
        """What no read shows is taken as the program's after an import, with a warning: the role of a token imported
        by bare name, and renewTrigger and renewBeforeDays (so adopting a token renews it only when the program
        changes renewTrigger afterwards: its secret may be in use). A token due for renewal, or with no secret in the
        state, says so."""
        adopted: dict[str, Any] = {}
        if not olds.role:
            adopted["role"] = news.role
        if not state.token and olds.renew_trigger is None:
            adopted.update(renew_trigger=news.renew_trigger, renew_before_days=news.renew_before_days)
        result = super().diff(replace(olds, **adopted), news, state)
        if "role" in adopted:
            result.warnings.append(f"API token {news.name!r} was imported without its role, which DeltaStream does "
                                   f"not show: the program's ({news.role!r}) is taken as its own")
        renewing = "renewTrigger" in result.changes
        if result.replaces:
            return result
        if not renewing and due(state.expires_at, news.renew_before_days, clock()):
            result.changes.append("expiresAt")
            result.warnings.append(f"API token {news.name!r} expires at {state.expires_at}, fewer than "
                                   f"{news.renew_before_days} days (renewBeforeDays) from now: it is renewed in place "
                                   "(a new secret; the old one stops working)")
        elif not renewing and not state.token:
            result.warnings.append(f"API token {news.name!r} has no secret in the stack (imported, or its create's "
                                   "answer was lost): DeltaStream shows a secret only once; change renewTrigger to "
                                   "renew it and get a new one (the old secret stops working). A renewTrigger the "
                                   "stack has not recorded yet is taken as the token's (so an import renews nothing): "
                                   "set it, run `pulumi up`, then change it")
        return result

    async def existing(self, catalog: SystemTables, inputs: ApiTokenInputs, excluded: Collection[str]) -> Existing:
        found = await token_row(catalog, inputs.name)
        return (token_id(inputs.name, inputs.role), found.created_at) if found is not None else None

    async def create(self, ctx: Context, inputs: ApiTokenInputs) -> tuple[str, ApiTokenState]:
        """CREATE, then one LIST for its times. An answer lost is settled by reading: a token found made since the
        CREATE was sent is renewed at once (its secret reached nobody); one older than that is not this create's."""
        sent_at = clock()
        lookup = partial(token_row, ctx.catalog, inputs.name)
        made = token_id(inputs.name, inputs.role)
        try:
            answer = await send_until_settled(ctx, create_statement(inputs.name, inputs.role,
                                                                    inputs.expires_in_days), lookup)
        except OutcomeUnknownError as unknown:
            raise CreateFailed(f"API token {inputs.name!r}: {unknown}; it may exist, so it is kept in state for the "
                               "next `pulumi up` to read (and renew) it", made) from unknown
        except asyncio.CancelledError:
            raise CreateFailed(f"cancelled while creating API token {inputs.name!r}; it may exist, so it is kept in "
                               "state for the next `pulumi up` or `pulumi destroy`", made) from None
        except SessionError as refused:
            raise self._unknown_role(refused, inputs.role) from refused
        if isinstance(answer, ApiTokenRow) or answer is None:
            found = answer or await lookup()
            created = parse_timestamp(found.created_at) if found and found.created_at else None
            if found is None or created is None or created < sent_at - CLOCK_SKEW:
                raise AlreadyExistsError(f"API token {inputs.name!r} already exists and was not made by this create "
                                         "(its answer was lost, and the token found is older)")
            secret = await self._renew(ctx, inputs.name)
        else:
            secret = _secret(answer, CREATED)
        row = await lookup()
        if row is None:
            raise CreateFailed(f"API token {inputs.name!r} was created but LIST API_TOKENS does not show it",
                               made, ApiTokenState(name=inputs.name, role=inputs.role, token=secret))
        return made, _state(inputs, row, secret)

    @staticmethod
    def _unknown_role(refused: SessionError, role: str) -> Exception:
        """3D001 (invalid role) to a CREATE names the token's role, which the provider's session hint would not."""
        if refused.code != "3D001":
            return refused
        return InvalidInputError(f"role: DeltaStream refused role {role!r} for the token: {refused.message}",
                                 code=refused.code, hint="Name an existing role (LIST ROLES), or create it first")

    async def _renew(self, ctx: Context, name: str) -> str:
        """``ALTER API_TOKEN ... RENEW TOKEN`` and its new secret. An answer lost is sent again: the only secret it
        may have made reached nobody, so a second renewal takes nothing from anyone."""
        while True:
            try:
                result = await ctx.client.execute(renew_statement(name), timeout=ctx.remaining())
            except OutcomeUnknownError:
                if ctx.remaining() <= 0.001:
                    raise
                continue
            except SessionError as refused:
                if refused.code == INVALID_TOKEN:
                    raise gone(f"API token {name!r}") from refused
                raise
            return _secret(result, RENEWED)

    async def read(self, ctx: Context, resource_id: str, inputs: ApiTokenInputs | None,
                   state: ApiTokenState | None) -> tuple[ApiTokenInputs, ApiTokenState] | None:
        name, role = (inputs.name, inputs.role) if inputs is not None else _import_id(resource_id)
        row = await token_row(ctx.catalog, name, shared=True)  # one LIST serves a refresh
        if row is None:
            return None
        if inputs is None:  # import: the role from the ID, the length from its times, no secret
            lasts = None
            if row.created_at and row.expires_at:
                lasts = round((parse_timestamp(row.expires_at) - parse_timestamp(row.created_at)).total_seconds()
                              / 86400)
            inputs = ApiTokenInputs(name=row.name, role=role, expires_in_days=lasts)
        return inputs, _state(inputs, row, state.token if state is not None else None)

    async def update(self, ctx: Context, resource_id: str, olds: ApiTokenState,
                     news: ApiTokenInputs) -> ApiTokenState:
        """Renew when renewTrigger changed or the token is due; any other change (renewBeforeDays) is the state's
        alone and sends nothing."""
        if news.renew_trigger == olds.renew_trigger and not due(olds.expires_at, news.renew_before_days, clock()):
            return replace(olds, role=news.role, renew_before_days=news.renew_before_days)
        secret = await self._renew(ctx, olds.name)
        row = await token_row(ctx.catalog, olds.name)
        if row is None:
            raise gone(f"API token {olds.name!r}")
        return _state(news, row, secret)

    async def finish(self, ctx: Context, resource_id: str, partial: ApiTokenState,
                     inputs: ApiTokenInputs) -> ApiTokenState:
        """After a create whose outcome was unknown: create it, or renew what it made (its secret reached nobody)."""
        if await token_row(ctx.catalog, partial.name) is None:
            return (await self.create(ctx, inputs))[1]
        secret = partial.token or await self._renew(ctx, partial.name)
        row = await token_row(ctx.catalog, partial.name)
        if row is None:
            raise gone(f"API token {partial.name!r}")
        return _state(inputs, row, secret)

    async def delete(self, ctx: Context, resource_id: str, state: ApiTokenState) -> None:
        """DROP, then a LIST that no longer shows it; a token already gone (3D012) is success."""
        lookup = partial(token_row, ctx.catalog, state.name)
        try:
            await drop_then_wait(ctx, drop_statement(state.name), lookup, what=f"API token {state.name!r}")
        except SessionError as refused:
            if refused.code != INVALID_TOKEN or await lookup() is not None:
                raise


_TOKEN = {"name": "ci_token", "role": "sysadmin", "expiresInDays": 30, "renewBeforeDays": 7, "renewTrigger": "1"}
SAMPLE = Sample(
    inputs=_TOKEN, changed={**_TOKEN, "renewTrigger": "2"},
    # create: CREATE, a LIST for its times; update (renewTrigger): RENEW, a LIST; delete: DROP, a LIST
    budget={"create": 2, "read": 1, "update": 2, "delete": 2},
    settle=({"name": "made", "role": "sysadmin"}, {"name": "never", "role": "sysadmin"}),
    built=(built(create_statement, "CREATE API_TOKEN", "t", "sysadmin", 30),
           built(renew_statement, "ALTER API_TOKEN RENEW TOKEN", "t"),
           built(drop_statement, "DROP API_TOKEN", "t"), built(list_statement, "LIST API_TOKENS")))
