"""API tokens: bearer tokens that act as one role, made by ``CREATE API_TOKEN``, renewed by ``ALTER API_TOKEN ... RENEW
TOKEN``, listed by ``LIST API_TOKENS`` and dropped by ``DROP API_TOKEN``.

A token's secret is random and shown once, in the ``Token`` column of the CREATE or RENEW answer; the shared
``api_tokens`` table (the roles family's) keeps only its SHA-256. A request whose bearer token is one of these
(:func:`authenticated_role`, which the HTTP side asks after its configured tokens) runs as the token's role until the
token expires (over the server's clock), is renewed (its old secret stops working) or is dropped; each such request
sets the token's ``Last Used``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
import sqlite3
from dataclasses import dataclass

from ..catalog import TS, timestamp
from ..property_values import refuse_nulls
from ..results import VARCHAR, Outcome, SqlFailure
from ..statements import Identifier, Keyword, ListObjects, PropertyValue
from . import Call, Family, Named
from .roles import effective_roles, role_exists

GRAMMAR = """
api_tokens_create: CREATE API_TOKEN ident [with_clause]
api_tokens_renew: ALTER API_TOKEN ident RENEW TOKEN
api_tokens_drop: DROP API_TOKEN ident
API_TOKEN: "API_TOKEN"i
RENEW: "RENEW"i
TOKEN: "TOKEN"i
"""

#: Missing: go-deltastream's InvalidApiToken; taken: its DuplicateApiToken.
TOKENS = Named("api_tokens", "api token", missing="3D012", duplicate="42P09")
DEFAULT_DAYS = 90  # the CREATE API_TOKEN page's default token.expires_in_days
KEYS = {"token.role_name", "token.expires_in_days"}
DAY = 86400.0


@dataclass(frozen=True)
class CreateApiToken:
    name: str
    properties: dict[str, PropertyValue] | None = None


@dataclass(frozen=True)
class RenewApiToken:
    name: str


@dataclass(frozen=True)
class DropApiToken:
    name: str


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _seconds(stamp: str) -> float:
    return dt.datetime.strptime(stamp, "%Y-%m-%d %H:%M:%S.%fZ").replace(tzinfo=dt.UTC).timestamp()


def _role_name(value: PropertyValue) -> str:
    """``'token.role_name'`` as a string (the parameter table's type) or bare (the page's example: ``= sysadmin``)."""
    if isinstance(value, str):
        return value
    if isinstance(value, Keyword):
        return value.word.lower()
    if isinstance(value, Identifier):
        return value.name
    raise SqlFailure("3D008", "token.role_name must be a role name")


def _held_by(call: Call, role: str) -> bool:
    """Whether the session's role has ``role`` (itself or granted to it, transitively)."""
    return role in effective_roles(call.db, call.session.role)


def _answer(call: Call, command: str, name: str, summary: str, secret: str | None) -> Outcome:
    """The CREATE / ALTER / DROP answer the pages show: ``Type, Name, Command, Summary`` and, with a secret,
    ``Token``."""
    columns = [("Type", VARCHAR), ("Name", VARCHAR), ("Command", VARCHAR), ("Summary", VARCHAR)]
    row: list[str] = ["api_token", name, command, f"api_token {name} was successfully {summary}"]
    if secret is not None:
        columns.append(("Token", VARCHAR))
        row.append(secret)
    return call.done(columns, [row])


def _new_secret() -> str:
    return "dsl_" + secrets.token_urlsafe(32)


def create(call: Call, st: CreateApiToken) -> Outcome:
    props = dict(st.properties or {})
    refuse_nulls(props)
    unknown = sorted(set(props) - KEYS)
    if unknown:
        raise SqlFailure("3D008", f"unknown api token parameter {unknown[0]!r}")
    if "token.role_name" not in props:
        raise SqlFailure("3D008", "token.role_name is required")
    role = _role_name(props["token.role_name"])
    days = props.get("token.expires_in_days", DEFAULT_DAYS)
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise SqlFailure("3D008", f"invalid token.expires_in_days {days!r}: a number of days, 1 or more")
    TOKENS.refuse_taken(call, st.name)
    if not role_exists(call.db, role):
        raise SqlFailure("3D001", f"role {role!r} does not exist")
    if not _held_by(call, role):
        raise SqlFailure("42501", f"role {call.session.role!r} cannot create a token for role {role!r}: it is not "
                                  "granted that role")
    secret = _new_secret()
    call.db.execute("INSERT INTO api_tokens (name, role, secret_sha256, owner, created_at, expires_at) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (st.name, role, _digest(secret), call.session.owner, timestamp(call.now),
                     timestamp(call.now + days * DAY)))
    return _answer(call, "CREATE", st.name, "created", secret)


def _owned(call: Call, name: str) -> sqlite3.Row:
    """The token, where the session's role owns it (DROP API_TOKEN's page: only its owner may)."""
    row = TOKENS.row(call, name)
    if not _held_by(call, row["owner"]):
        raise SqlFailure("42501", f"api token {name!r} is owned by role {row['owner']!r}")
    return row


def renew(call: Call, st: RenewApiToken) -> Outcome:
    """A new secret, Created At now and Expires At as far ahead as before, Last Used reset (the ALTER page)."""
    row = _owned(call, st.name)
    lasted = _seconds(row["expires_at"]) - _seconds(row["created_at"]) if row["expires_at"] else DEFAULT_DAYS * DAY
    secret = _new_secret()
    call.db.execute("UPDATE api_tokens SET secret_sha256 = ?, created_at = ?, expires_at = ?, last_used_at = NULL "
                    "WHERE name = ?", (_digest(secret), timestamp(call.now), timestamp(call.now + lasted), st.name))
    return _answer(call, "ALTER", st.name, "refreshed", secret)


def drop(call: Call, st: DropApiToken) -> Outcome:
    _owned(call, st.name)
    call.db.execute("DELETE FROM api_tokens WHERE name = ?", (st.name,))
    return _answer(call, "DROP", st.name, "dropped", None)


def listed(call: Call, _: ListObjects) -> Outcome:
    """``LIST API_TOKENS``: the pages' columns, in their order."""
    rows = call.db.execute("SELECT name, last_used_at, created_at, expires_at FROM api_tokens ORDER BY name")
    return call.done([("Name", VARCHAR), ("Last Used", TS), ("Created At", TS), ("Expires At", TS)],
                     [tuple(row) for row in rows])


def authenticated_role(db: sqlite3.Connection, secret: str, now: float) -> str | None:
    """The role of the unexpired token whose secret this is (its Last Used set to now), or None."""
    row = db.execute("SELECT name, role, expires_at FROM api_tokens WHERE secret_sha256 = ?",
                     (_digest(secret),)).fetchone()
    if row is None or (row["expires_at"] is not None and _seconds(row["expires_at"]) <= now):
        return None
    db.execute("UPDATE api_tokens SET last_used_at = ? WHERE name = ?", (timestamp(now), row["name"]))
    return str(row["role"])


FAMILY = Family(
    grammar=GRAMMAR,
    statements={"api_tokens_create": CreateApiToken, "api_tokens_renew": RenewApiToken,
                "api_tokens_drop": DropApiToken},
    handlers={CreateApiToken: create, RenewApiToken: renew, DropApiToken: drop},
    lists={"API_TOKENS": listed},
    choices={
        "API tokens": "`CREATE API_TOKEN t WITH ('token.role_name' = r[, 'token.expires_in_days' = n])` takes the "
                      "role as a string or bare (the page's parameter table says String, its example writes it "
                      "bare); a missing role is `3D001`, a role the session's role does not have (itself or "
                      "granted) `42501` (a guess: who may make a token for a role is not documented), a taken name "
                      "`42P09` (go-deltastream's DuplicateApiToken), a missing token in ALTER or DROP `3D012` "
                      "(its InvalidApiToken), other parameters or a days value under 1 `3D008` (guesses). The secret "
                      "is random, answered once in `Token` (the answer's `Type, Name, Command, Summary, Token`, as "
                      "the pages show), and only its SHA-256 is kept. `ALTER ... RENEW TOKEN` makes a new secret, "
                      "sets Created At to now and Expires At as far ahead as the token lasted, and resets Last Used "
                      "(the ALTER page's example); only a role having the owner may renew or drop a token (the DROP "
                      "page: its owner; `42501`, a guess). `LIST API_TOKENS` answers `Name, Last Used, Created At, "
                      "Expires At` (the pages' order; an older page shows another order and ISO times) and shows "
                      "every token of the organization, expired ones too (liberal: DeltaStream may show a user only "
                      "their own)",
        "API token authentication": "a request whose bearer token is a created token's secret, unexpired over the "
                                    "server's clock, authenticates as the token's role and sets its Last Used; a "
                                    "renewed token's old secret, a dropped token's and an expired one's are refused "
                                    "as any unknown token is (HTTP 403). Such a request runs as the token's role "
                                    "(the create page: it \"assumes all roles and privileges of the role_name\"), "
                                    "so one naming a role its role is not granted is refused `3D001` and a statement "
                                    "its role lacks the privilege for `42501` (the roles and privileges families' "
                                    "checks; DeltaStream's answers there are guesses)",
    },
)
