"""Roles: the organization's roles, the grants of roles to roles and to users, and the tables of access control the
other families share (``privileges``, ``api_tokens``), with :func:`effective_roles`, what a role may act as.

The built-in roles and their hierarchy are seeded (docs: orgadmin is the root and inherits sysadmin and
securityadmin; securityadmin inherits useradmin); every role holds ``public``. A row of ``role_members`` is one
``GRANT ROLE role TO ROLE|USER member``. The organization's users are the ``users`` knob's emails.
"""

from __future__ import annotations

import sqlite3
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from lark import Token

from ..catalog import TS, Catalog, timestamp
from ..dsql.parse import string
from ..knobs import Knobs
from ..results import BOOLEAN, VARCHAR, Outcome, SqlFailure
from ..statements import ListObjects
from . import Call, Family, Named

GRAMMAR = """
roles_create: CREATE ROLE roles_if_not_exists? ident _roles_with?
roles_drop: DROP ROLE ident
roles_grant: GRANT ROLE ident ("," ident)* TO _roles_members
roles_revoke: REVOKE ROLE ident ("," ident)* FROM _roles_members
roles_if_not_exists: IF NOT EXISTS
_roles_with: WITH "(" _roles_option ("," _roles_option)* ")"
_roles_option: roles_in_role | roles_member_roles
roles_in_role: IN ROLE "(" ident ("," ident)* ")"
roles_member_roles: ROLE "(" ident ("," ident)* ")"
_roles_members: roles_to_user | roles_to_roles
roles_to_user: USER STRING
roles_to_roles: ROLE ident ("," ident)*
GRANT: "GRANT"i
REVOKE: "REVOKE"i
ROLE: "ROLE"i
USER: "USER"i
IF: "IF"i
EXISTS: "EXISTS"i
"""

BUILTIN = ("orgadmin", "sysadmin", "useradmin", "securityadmin", "public")
#: The documented hierarchy, each (role, the role it is granted to): orgadmin inherits sysadmin and securityadmin,
#: securityadmin inherits useradmin.
HIERARCHY = (("sysadmin", "orgadmin"), ("securityadmin", "orgadmin"), ("useradmin", "securityadmin"))
ADMINS = frozenset({"orgadmin", "useradmin", "securityadmin"})

_NOW = "strftime('%Y-%m-%d %H:%M:%fZ', 'now')"  # the seed rows' time, by SQLite's clock (the schema is plain SQL)
_SEED_ROLES = ", ".join(f"('{role}', 'orgadmin', 1, {_NOW}, {_NOW})" for role in BUILTIN)
_SEED_EDGES = ", ".join(f"('{role}', 'role', '{member}', {_NOW}, NULL)" for role, member in HIERARCHY)

SCHEMA = f"""
CREATE TABLE IF NOT EXISTS roles (
    name TEXT PRIMARY KEY, owner TEXT NOT NULL, builtin INTEGER NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL, updated_at TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS role_members (
    role TEXT NOT NULL, member_kind TEXT NOT NULL, member TEXT NOT NULL, granted_at TEXT NOT NULL, grantor TEXT,
    PRIMARY KEY (role, member_kind, member));
CREATE TABLE IF NOT EXISTS privileges (
    role TEXT NOT NULL, privilege TEXT NOT NULL, target_kind TEXT NOT NULL, target_name TEXT NOT NULL,
    grant_option INTEGER NOT NULL DEFAULT 0, grantor TEXT NOT NULL, granted_at TEXT NOT NULL,
    PRIMARY KEY (role, privilege, target_kind, target_name));
CREATE TABLE IF NOT EXISTS api_tokens (
    name TEXT PRIMARY KEY, role TEXT NOT NULL, secret_sha256 TEXT NOT NULL, owner TEXT NOT NULL,
    created_at TEXT NOT NULL, expires_at TEXT, last_used_at TEXT);
INSERT OR IGNORE INTO roles VALUES {_SEED_ROLES};
INSERT OR IGNORE INTO role_members VALUES {_SEED_EDGES};
CREATE TEMP VIEW sys_roles AS
    SELECT r.name AS name, r.owner AS owner,
           (SELECT json_group_array(m.member) FROM (SELECT member FROM role_members
                WHERE role = r.name AND member_kind = 'role' ORDER BY member) AS m) AS granted_to,
           (SELECT json_group_array(g.role) FROM (SELECT role FROM role_members
                WHERE member = r.name AND member_kind = 'role' ORDER BY role) AS g) AS granted_roles,
           (SELECT count(*) FROM role_members WHERE role = r.name AND member_kind = 'user') AS member_count,
           r.created_at AS created_at, r.updated_at AS updated_at,
           (SELECT id FROM organizations) AS organization_id
    FROM roles AS r WHERE role_visible(r.name, r.owner);
CREATE TEMP VIEW sys_user_grants AS
    SELECT lower(hex(substr(member, 1, 16))) AS org_member_id,
           substr(member, 1, instr(member, '@') - 1) AS user_name, member AS user_email, role AS role_name,
           granted_at, (SELECT id FROM organizations) AS organization_id
    FROM role_members WHERE member_kind = 'user';
"""

SYSTEM_TABLES = {
    "roles": [("name", VARCHAR), ("owner", VARCHAR), ("granted_to", VARCHAR), ("granted_roles", VARCHAR),
              ("member_count", "INTEGER"), ("created_at", TS), ("updated_at", TS), ("organization_id", VARCHAR)],
    "user_grants": [("org_member_id", VARCHAR), ("user_name", VARCHAR), ("user_email", VARCHAR),
                    ("role_name", VARCHAR), ("granted_at", TS), ("organization_id", VARCHAR)],
}

#: Missing: the Go client's InvalidRole; taken: its DuplicateRole.
ROLES = Named("roles", "role", missing="3D001", duplicate="42P011")
INVALID_USER = "3D000"  # the Go client's InvalidUser
INVALID_GRANT = "0LP01"  # its InvalidGrantOperation
DEPENDENTS = "2BP01"  # its DependentObjectsStillExist

#: The role of the request being answered (set by the server per request; None: every row is shown).
SESSION_ROLE: ContextVar[str | None] = ContextVar("session_role", default=None)


def register(db: sqlite3.Connection) -> None:
    """The SQL function ``role_visible(name, owner)`` that ``sys_roles`` filters by: a role is shown to the session's
    role when it holds it or its owner, or holds an admin role (the docs: "only roles on which the current role has
    USAGE privileges are returned")."""
    def visible(name: str, owner: str) -> int:
        role = SESSION_ROLE.get()
        if role is None:
            return 1
        held = effective_roles(db, role)
        return int(bool(held & ADMINS) or name in held or owner in held)
    db.create_function("role_visible", 2, visible, deterministic=False)


def effective_roles(db: sqlite3.Connection, role: str) -> frozenset[str]:
    """``role`` and every role granted to it, transitively (the built-in hierarchy included), and ``public``,
    which every role holds: what a session under ``role`` may act as."""
    rows = db.execute("""WITH RECURSIVE held(name) AS (SELECT ? UNION
                             SELECT m.role FROM role_members AS m JOIN held ON m.member = held.name
                             WHERE m.member_kind = 'role')
                         SELECT name FROM held""", (role,)).fetchall()
    return frozenset(row[0] for row in rows) | {"public"}


def user_roles(db: sqlite3.Connection, email: str) -> frozenset[str]:
    """Every role a user may act as: those granted to the user, each with what it holds."""
    granted = [row[0] for row in db.execute(
        "SELECT role FROM role_members WHERE member_kind = 'user' AND member = ?", (email,))]
    return frozenset().union(*(effective_roles(db, role) for role in granted)) if granted else frozenset()


def role_exists(db: sqlite3.Connection, role: str) -> bool:
    return db.execute("SELECT 1 FROM roles WHERE name = ?", (role,)).fetchone() is not None


def ensure_roles(db: sqlite3.Connection, names: frozenset[str], now: float) -> None:
    """The server's own roles (its setting and its tokens' roles), made when missing, each granted to sysadmin so
    the default token may use them."""
    stamp = timestamp(now)
    for name in sorted(names - set(BUILTIN)):
        if db.execute("INSERT OR IGNORE INTO roles VALUES (?, 'sysadmin', 0, ?, ?)", (name, stamp, stamp)).rowcount:
            db.execute("INSERT OR IGNORE INTO role_members VALUES (?, 'role', 'sysadmin', ?, NULL)", (name, stamp))


@dataclass(frozen=True)
class Members:
    kind: str  # role | user
    names: tuple[str, ...]


@dataclass(frozen=True)
class CreateRole:
    name: str
    if_not_exists: bool = False
    in_roles: tuple[str, ...] = ()
    member_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class DropRole:
    name: str


@dataclass(frozen=True)
class GrantRole:
    roles: tuple[str, ...]
    to: Members


@dataclass(frozen=True)
class RevokeRole:
    roles: tuple[str, ...]
    to: Members


def _create(*values: Any) -> CreateRole:
    flag = any(v is True for v in values)
    name = next(v for v in values if isinstance(v, str))
    options = [v for v in values if isinstance(v, tuple)]
    in_roles = tuple(n for kind, names in options if kind == "in" for n in names)
    members = tuple(n for kind, names in options if kind == "member" for n in names)
    return CreateRole(name, flag, in_roles, members)


def _grant(*values: Any) -> GrantRole:
    *roles, to = values
    return GrantRole(tuple(roles), to)


def _revoke(*values: Any) -> RevokeRole:
    *roles, to = values
    return RevokeRole(tuple(roles), to)


def _to_user(email: Token) -> Members:
    return Members("user", (string(email),))


def refuse_cycle(db: sqlite3.Connection, role: str, member: str) -> None:
    """``GRANT ROLE role TO ROLE member`` where ``role`` already holds ``member`` (or is it) would make a role hold
    itself: refused with 0LP01, invalid grant operation (a guess: DeltaStream's answer is not shown)."""
    if role == member or member in effective_roles(db, role) - {"public"}:
        raise SqlFailure(INVALID_GRANT, f"granting role {role!r} to role {member!r} would make a cycle")


def _require_role(call: Call, name: str) -> None:
    ROLES.row(call, name)


def _require_user(call: Call, email: str) -> None:
    if email.lower() not in {u.strip().lower() for u in call.knobs.users.split(",")}:
        raise SqlFailure(INVALID_USER, f"user {email!r} is not a member of the organization")


def _grant_edge(call: Call, role: str, to: Members, member: str) -> None:
    if to.kind == "role":
        refuse_cycle(call.db, role, member)
    call.db.execute("INSERT OR IGNORE INTO role_members VALUES (?, ?, ?, ?, ?)",
                    (role, to.kind, member, timestamp(call.now), call.session.owner))


def create(call: Call, st: CreateRole) -> Outcome:
    if role_exists(call.db, st.name):
        if st.if_not_exists:
            return call.done()
        ROLES.refuse_taken(call, st.name)
    for name in (*st.in_roles, *st.member_roles):
        _require_role(call, name)
    stamp = timestamp(call.now)
    call.db.execute("INSERT INTO roles VALUES (?, ?, 0, ?, ?)", (st.name, call.session.owner, stamp, stamp))
    for parent in st.in_roles:  # the new role is added as a member of each
        _grant_edge(call, parent, Members("role", (st.name,)), st.name)
    for member in st.member_roles:  # each is added as a member of the new role
        _grant_edge(call, st.name, Members("role", (member,)), member)
    return call.done()


def _owned(db: sqlite3.Connection, role: str) -> list[str]:
    """What ``role`` owns: ``<table> <name>`` of each row of any family's table with an ``owner`` column."""
    found = []
    for (table,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").fetchall():
        columns = [column[1] for column in db.execute(f'PRAGMA table_info("{table}")')]
        if "owner" in columns:
            key = "name" if "name" in columns else "rowid"
            found += [f"{table} {row[0]}" for row in db.execute(
                f'SELECT {key} FROM "{table}" WHERE owner = ? AND NOT ({key} = ? AND ? = \'roles\')',
                (role, role, table))]
    return found


def drop(call: Call, st: DropRole) -> Outcome:
    """The docs: built-in roles cannot be dropped, nor a role that owns an object or has been granted roles."""
    row = ROLES.row(call, st.name)
    if row["builtin"]:
        raise SqlFailure(INVALID_GRANT, f"built-in role {st.name!r} cannot be dropped")
    owned = _owned(call.db, st.name)
    if owned:
        raise SqlFailure(DEPENDENTS, f"role {st.name!r} owns {', '.join(owned[:5])}: transfer their ownership "
                                     "(GRANT OWNERSHIP) before dropping it")
    granted = [r[0] for r in call.db.execute(
        "SELECT role FROM role_members WHERE member_kind = 'role' AND member = ? ORDER BY role", (st.name,))]
    if granted:
        raise SqlFailure(DEPENDENTS, f"role {st.name!r} has been granted roles {', '.join(granted)}: revoke them "
                                     "(REVOKE ROLE) before dropping it")
    call.db.execute("DELETE FROM role_members WHERE role = ? OR (member_kind = 'role' AND member = ?)",
                    (st.name, st.name))
    call.db.execute("DELETE FROM privileges WHERE role = ?", (st.name,))
    call.db.execute("DELETE FROM roles WHERE name = ?", (st.name,))
    return call.done()


def _require_parties(call: Call, st: GrantRole | RevokeRole) -> None:
    """Every role named, and every member (a role or a user), exists: GRANT and REVOKE ROLE refuse alike."""
    for role in st.roles:
        _require_role(call, role)
    for member in st.to.names:
        _require_user(call, member) if st.to.kind == "user" else _require_role(call, member)


def grant(call: Call, st: GrantRole) -> Outcome:
    _require_parties(call, st)
    for role in st.roles:
        for member in st.to.names:
            _grant_edge(call, role, st.to, member)
    return call.done()


def revoke(call: Call, st: RevokeRole) -> Outcome:
    _require_parties(call, st)
    for role in st.roles:
        for member in st.to.names:
            if (st.to.kind, role, member) in {("role", r, m) for r, m in HIERARCHY}:
                raise SqlFailure(INVALID_GRANT, f"the built-in grant of {role!r} to {member!r} cannot be revoked")
            call.db.execute("DELETE FROM role_members WHERE role = ? AND member_kind = ? AND member = ?",
                            (role, st.to.kind, member))
    return call.done()


def listed(call: Call, _: ListObjects) -> Outcome:
    """``LIST ROLES``: the roles the session's role holds, the current one marked."""
    held = effective_roles(call.db, call.session.owner)
    rows = [[r["name"], r["name"] == call.session.owner, r["created_at"]]
            for r in call.db.execute("SELECT name, created_at FROM roles ORDER BY name") if r["name"] in held]
    return call.done([("Name", VARCHAR), ("Current", BOOLEAN), ("CreatedAt", TS)], rows)


class _Filter:
    """No check before a statement and nothing after: the guard is how the family is given the catalog once per
    engine, to register ``role_visible`` on its connection before any SELECT reads ``sys_roles``."""

    def __init__(self, catalog: Catalog, knobs: Knobs) -> None:
        with catalog.transaction() as db:
            register(db)

    async def check(self, statement: object) -> str | None:
        return None

    def after(self, statement: object) -> None:
        return None


FAMILY = Family(
    grammar=GRAMMAR,
    statements={"roles_create": _create, "roles_drop": DropRole, "roles_grant": _grant, "roles_revoke": _revoke},
    parts={"roles_if_not_exists": lambda: True,
           "roles_in_role": lambda *names: ("in", tuple(names)),
           "roles_member_roles": lambda *names: ("member", tuple(names)),
           "roles_to_user": _to_user,
           "roles_to_roles": lambda *names: Members("role", tuple(names))},
    handlers={CreateRole: create, DropRole: drop, GrantRole: grant, RevokeRole: revoke},
    lists={"ROLES": listed},
    schema=SCHEMA,
    system_tables=SYSTEM_TABLES,
    guard=_Filter,
    choices={
        "who may manage roles": "CREATE / DROP ROLE and GRANT / REVOKE ROLE are run for any role: the docs' rule "
                                "(MANAGE_MEMBERS, ownership of the organization or of both roles) is not enforced "
                                "(more liberal than DeltaStream)",
        "CREATE ROLE ... WITH": "IN ROLE (p) adds the new role as a member of p, taken as GRANT ROLE p TO ROLE "
                                "new (it inherits p), and ROLE (m) adds m as a member of it, GRANT ROLE new TO "
                                "ROLE m, as PostgreSQL reads the same words (the docs give only the words); the "
                                "statement is refused whole when one edge would make a cycle",
        "public": "every role holds public implicitly: effective_roles includes it and no role_members row shows it, "
                  "so it is in no granted_roles array (whether DeltaStream lists it there is not shown)",
        "cycles": "GRANT ROLE r TO ROLE m where r is m or already holds m (it would hold itself) is refused with "
                  "0LP01, invalid grant operation (a guess: the docs show no refusal)",
        "grant twice, revoke what is not granted": "a GRANT ROLE of an edge that exists, and a REVOKE ROLE of one "
                                                   "that does not, succeed and change nothing (DeltaStream's answer "
                                                   "is not shown; the Go client lists 01007 / 01006 warnings)",
        "built-in hierarchy": "seeded as role_members rows (sysadmin and securityadmin granted to orgadmin, "
                              "useradmin to securityadmin, as the docs' admin page says); revoking one of them is "
                              "refused with 0LP01 (a guess), and so is DROP ROLE of a built-in role (the docs refuse "
                              "it without a code)",
        "DROP ROLE refusals": "a role that owns anything (a row of any table with an owner column) or has roles "
                              "granted to it is refused with 2BP01 (the docs refuse both without a code); dropping "
                              "a role revokes it from its members and removes its privileges",
        "users": "the organization's users are the users knob's emails (default admin@example.com); GRANT / REVOKE "
                 "ROLE naming another email is refused with 3D000 (the Go client's InvalidUser; which code "
                 "DeltaStream answers is not shown); user_name is the email's local part and org_member_id a hex of "
                 "the email (guesses); no user grant is seeded, so sys.\"user_grants\" starts empty",
        "sys.roles visibility": "a role is shown when the session's role holds it (a granted role is USAGE on it) "
                                "or its owner, or when the session's role holds orgadmin, securityadmin or "
                                "useradmin, which see every role (a guess: MANAGE_MEMBERS is not modelled here); "
                                "sys.\"user_grants\" shows every row to every role (the docs require USAGE on the "
                                "organization, which every role is taken to have)",
        "LIST ROLES": "answers Name, Current (a BOOLEAN) and CreatedAt for the roles the session's role holds (the "
                      "docs show the CLI's columns Name | Current | Created at, for the user's roles)",
        "a request's role": "valid when it is in the roles table and the token's role holds it (effective_roles), "
                            "else 3D001; the server's roles setting and its tokens' roles are made when missing, "
                            "each granted to sysadmin so the default token may use them",
        "the created_by/updated_by columns": "not served by sys.\"roles\" (the provider reads none of them); "
                                             "member_count counts the users granted the role",
    },
)
