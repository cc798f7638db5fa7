"""Privileges: organization privileges granted to roles (``GRANT ... ON ORGANIZATION``, ``REVOKE``), the system
table ``sys."role_privileges"`` that shows them, and :func:`require`, the check the engine runs before every
statement: a statement that needs an organization privilege the session's roles do not hold is refused ``42501``.

The ``privileges`` table is the roles family's (shared by name); a row is one privilege of one role on one target.
DeltaStream documents GRANT text for the organization only, so every row here has ``target_kind = 'organization'``.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import Any

from ..catalog import TS, timestamp
from ..results import BOOLEAN, VARCHAR, Outcome, SqlFailure
from . import Call, Family
from .roles import ROLES, effective_roles

GRAMMAR = """
privileges_grant: GRANT _privileges_list ON ORGANIZATION TO ROLE? ident ("," ident)* privileges_grant_option?
privileges_revoke: REVOKE _privileges_list (ON ORGANIZATION)? FROM ROLE? ident ("," ident)*
_privileges_list: privileges_item ("," privileges_item)*
privileges_item: NAME | ALL PRIVILEGES
privileges_grant_option: WITH GRANT OPTION
ORGANIZATION: "ORGANIZATION"i
PRIVILEGES: "PRIVILEGES"i
ALL: "ALL"i
OPTION: "OPTION"i
"""

#: The organization privileges GRANT PRIVILEGES lists (docs: command/grant-privileges), in its order.
ORGANIZATION_PRIVILEGES = ("CREATE_COMPUTE_POOL", "CREATE_DATABASE", "CREATE_STORE", "CREATE_SCHEMA_REGISTRY",
                           "CREATE_DESCRIPTOR_SOURCE", "CREATE_FUNCTION_SOURCE", "CREATE_FUNCTION", "CREATE_QUERY",
                           "MANAGE_MEMBERS", "MANAGE_GRANTS")
ALL_PRIVILEGES = "ALL PRIVILEGES"

#: What each built-in role holds on the organization (docs: access-control: sysadmin creates the objects,
#: securityadmin holds MANAGE_GRANTS, useradmin MANAGE_MEMBERS; orgadmin owns the organization).
BUILTIN_PRIVILEGES = {
    "sysadmin": frozenset(p for p in ORGANIZATION_PRIVILEGES if p.startswith("CREATE_")),
    "securityadmin": frozenset({"MANAGE_GRANTS"}),
    "useradmin": frozenset({"MANAGE_MEMBERS"}),
    "orgadmin": frozenset(ORGANIZATION_PRIVILEGES),
}
OWNER_OF_ORGANIZATION = "orgadmin"
#: The built-in roles that may grant their own privileges on (a guess: the docs say only who may grant anything).
GRANTING_BUILTINS = frozenset({"orgadmin", "sysadmin"})

#: The organization privilege each statement needs, by the statement type's name (the families own the types).
NEEDED = {"CreateDatabase": "CREATE_DATABASE", "CreateStore": "CREATE_STORE",
          "CreateSchemaRegistry": "CREATE_SCHEMA_REGISTRY", "CreateFunction": "CREATE_FUNCTION",
          "CreateComputePool": "CREATE_COMPUTE_POOL", "CreateRelationAs": "CREATE_QUERY",
          "InsertInto": "CREATE_QUERY", "BeginApplication": "CREATE_QUERY"}
FILE_SOURCES = {"function_source": "CREATE_FUNCTION_SOURCE", "descriptor_source": "CREATE_DESCRIPTOR_SOURCE"}

SCHEMA = """
CREATE TEMP VIEW sys_role_privileges AS
    SELECT role AS role_name, lower(privilege) AS role_priv_type, target_kind AS role_priv_target,
           CASE target_kind WHEN 'organization' THEN (SELECT name FROM organizations) ELSE target_name END
               AS role_priv_target_name,
           grant_option, grantor AS grantor_role, granted_at
    FROM privileges AS p WHERE role_visible(p.role, (SELECT owner FROM roles WHERE name = p.role));
"""

SYSTEM_TABLE = [("role_name", VARCHAR), ("role_priv_type", VARCHAR), ("role_priv_target", VARCHAR),
                ("role_priv_target_name", VARCHAR), ("grant_option", BOOLEAN), ("grantor_role", VARCHAR),
                ("granted_at", TS)]


@dataclass(frozen=True)
class Privilege:
    """One item of a GRANT or REVOKE list, upper-cased (``ALL PRIVILEGES`` as itself)."""

    name: str


@dataclass(frozen=True)
class GrantPrivileges:
    privileges: tuple[str, ...]
    roles: tuple[str, ...]
    grant_option: bool = False


@dataclass(frozen=True)
class RevokePrivileges:
    privileges: tuple[str, ...]
    roles: tuple[str, ...]


def _item(name: Any = None) -> Privilege:
    return Privilege(ALL_PRIVILEGES if name is None else str(name).upper())


def _split(values: tuple[Any, ...]) -> tuple[tuple[str, ...], tuple[str, ...], bool]:
    privileges = tuple(v.name for v in values if isinstance(v, Privilege))
    roles = tuple(v for v in values if isinstance(v, str))
    return privileges, roles, any(v is True for v in values)


def _grant(*values: Any) -> GrantPrivileges:
    return GrantPrivileges(*_split(values))


def _revoke(*values: Any) -> RevokePrivileges:
    privileges, roles, _ = _split(values)
    return RevokePrivileges(privileges, roles)


def expand(privileges: tuple[str, ...]) -> list[str]:
    """The organization privileges a list names, ``ALL PRIVILEGES`` as every one of them; a name outside the
    documented list is refused ``42601``."""
    out: list[str] = []
    for name in privileges:
        if name == ALL_PRIVILEGES:
            out += [p for p in ORGANIZATION_PRIVILEGES if p not in out]
        elif name not in ORGANIZATION_PRIVILEGES:
            raise SqlFailure("42601", f"{name} is not an organization privilege; one of "
                                      f"{', '.join(ORGANIZATION_PRIVILEGES)} or ALL PRIVILEGES")
        elif name not in out:
            out.append(name)
    return out


def held(call: Call) -> tuple[frozenset[str], dict[str, bool]]:
    """The session's roles, and each organization privilege they hold with whether any holds it WITH GRANT OPTION
    (orgadmin and sysadmin may grant their built-in privileges on, useradmin and securityadmin not)."""
    roles = effective_roles(call.db, call.session.owner)
    found: dict[str, bool] = {}
    for role in roles:
        for privilege in BUILTIN_PRIVILEGES.get(role, ()):
            found[privilege] = found.get(privilege, False) or role in GRANTING_BUILTINS
    marks = ",".join("?" * len(roles))
    for row in call.db.execute(f"SELECT privilege, grant_option FROM privileges WHERE target_kind = 'organization' "
                               f"AND role IN ({marks})", tuple(roles)):
        found[row["privilege"]] = found.get(row["privilege"], False) or bool(row["grant_option"])
    return roles, found


def require(call: Call, statement: object) -> None:
    """Refuse ``statement`` (``42501``) when it needs an organization privilege the session's roles (its role and
    every role granted to it) do not hold. Statements needing none, or a privilege on a database or schema, pass."""
    name = type(statement).__name__
    needed = FILE_SOURCES.get(getattr(statement, "kind", "")) if name == "CreateFileSource" else NEEDED.get(name)
    if needed is None or call.dry_run:
        return
    _, found = held(call)
    if needed not in found:
        raise SqlFailure("42501", f"role {call.session.owner!r} lacks the organization privilege {needed}: "
                                  f"GRANT {needed} ON ORGANIZATION TO ROLE {call.session.owner}")


def may(call: Call, privilege: str) -> bool:
    """``CAN I``'s answer for an organization privilege (a word it does not know: held only by orgadmin)."""
    roles, found = held(call)
    return privilege.upper() in found or OWNER_OF_ORGANIZATION in roles


def _authorize(call: Call, privileges: list[str]) -> None:
    """GRANT and REVOKE need ownership of the organization (orgadmin), MANAGE_GRANTS, or each privilege held WITH
    GRANT OPTION (docs: grant-privileges); otherwise the session is an invalid grantor, ``0L000``."""
    roles, found = held(call)
    if OWNER_OF_ORGANIZATION in roles or "MANAGE_GRANTS" in found:
        return
    missing = [p for p in privileges if not found.get(p)]
    if missing:
        raise SqlFailure("0L000", f"role {call.session.owner!r} may not grant {', '.join(missing)}: it holds neither "
                                  "MANAGE_GRANTS nor those privileges WITH GRANT OPTION")


def provision(db: sqlite3.Connection, roles: frozenset[str], now: float) -> None:
    """The server's own roles (its setting and its tokens' roles, accounts set up outside SQL) each get every
    CREATE_ organization privilege, granted by orgadmin, when they hold no organization privilege yet."""
    stamp = timestamp(now)
    for role in sorted(roles - set(BUILTIN_PRIVILEGES) - {"public"}):
        if db.execute("SELECT 1 FROM privileges WHERE role = ? AND target_kind = 'organization'", (role,)).fetchone():
            continue
        db.executemany("INSERT INTO privileges VALUES (?, ?, 'organization', '', 0, ?, ?)",
                       [(role, p, OWNER_OF_ORGANIZATION, stamp) for p in sorted(BUILTIN_PRIVILEGES["sysadmin"])])


def grant(call: Call, st: GrantPrivileges) -> Outcome:
    privileges = expand(st.privileges)
    for role in st.roles:
        ROLES.row(call, role)
    _authorize(call, privileges)
    stamp = timestamp(call.now)
    for role in st.roles:
        for privilege in privileges:
            call.db.execute("""INSERT INTO privileges VALUES (?, ?, 'organization', '', ?, ?, ?)
                               ON CONFLICT (role, privilege, target_kind, target_name)
                               DO UPDATE SET grant_option = max(grant_option, excluded.grant_option)""",
                            (role, privilege, int(st.grant_option), call.session.owner, stamp))
    return call.done()


def revoke(call: Call, st: RevokePrivileges) -> Outcome:
    privileges = expand(st.privileges)
    for role in st.roles:
        ROLES.row(call, role)
    _authorize(call, privileges)
    marks = ",".join("?" * len(privileges))
    for role in st.roles:
        call.db.execute(f"DELETE FROM privileges WHERE role = ? AND target_kind = 'organization' "
                        f"AND privilege IN ({marks})", (role, *privileges))
    return call.done()


FAMILY = Family(
    grammar=GRAMMAR,
    statements={"privileges_grant": _grant, "privileges_revoke": _revoke},
    parts={"privileges_item": _item, "privileges_grant_option": lambda: True},
    handlers={GrantPrivileges: grant, RevokePrivileges: revoke},
    schema=SCHEMA,
    system_tables={"role_privileges": SYSTEM_TABLE},
    choices={"Privileges": (
        "`GRANT p [, ...] ON ORGANIZATION TO [ROLE] r [, ...] [WITH GRANT OPTION]` (the page's syntax block says "
        "`TO ROLE`, its example `TO r`: both accepted) and `REVOKE p [, ...] [ON ORGANIZATION] FROM [ROLE] r [, ...]` "
        "(the REVOKE block has no `ON ORGANIZATION`; accepted with and without). Privileges are the ten GRANT lists "
        "(REVOKE's block adds `CREATE_CONNECTOR`, documented nowhere else: refused `42601`, as is any other name); "
        "`ALL PRIVILEGES` is stored as the ten, and `sys.\"role_privileges\"` shows one row each, lower-cased as "
        "DESCRIBE ROLE's example shows them (a guess: the page shows no rows). Granting a held privilege again keeps "
        "one row (WITH GRANT OPTION adds the option); revoking one not held does nothing (DeltaStream's `01006` "
        "may answer it: the provider takes that answer as done). A grantor needs orgadmin, MANAGE_GRANTS "
        "or each privilege WITH GRANT OPTION, else `0L000` (invalid grantor: the code the SQLSTATE list names for "
        "it; `0LP01` is kept for invalid operations such as a role cycle). Built-in roles hold, without rows: "
        "sysadmin every CREATE_ privilege (and may grant them on: a guess, the docs name only MANAGE_GRANTS "
        "and ownership), securityadmin MANAGE_GRANTS, useradmin MANAGE_MEMBERS, orgadmin all (it owns the "
        "organization). The server's own roles (its `roles` setting and its tokens' roles: accounts set up outside "
        "SQL) are granted every CREATE_ privilege by orgadmin when the server starts and they hold none (so a "
        "restart after revoking all of them grants them again). Enforced: the organization privilege a "
        "CREATE DATABASE, STORE, SCHEMA_REGISTRY, FUNCTION_SOURCE, DESCRIPTOR_SOURCE, FUNCTION, COMPUTE_POOL or "
        "a query "
        "(CREATE ... AS SELECT, INSERT INTO, an application) needs, held by the session's role or a role granted "
        "to it (`42501`); `CAN I` answers from the same. More liberal than DeltaStream: USAGE and CREATE on "
        "databases and schemas, and object ownership, are not enforced (DeltaStream documents no GRANT of them). "
        "`sys.\"role_privileges\"` shows the rows of the roles `sys.\"roles\"` shows the session (the roles "
        "family's `role_visible`: the docs return rows of roles the current role has USAGE on)")},
)
