"""Ownership: ``GRANT OWNERSHIP ON <kind> <name> TO role`` (docs: reference/sql-syntax/command/grant-ownership), for
every kind the page lists, each changing the owner column of its kind's table, so the system tables and LIST show
the new owner.

The page's two conditions are enforced with :func:`.roles.effective_roles`: the session's role must own the object
and must have been granted the destination role. A role holds what is granted to it, ownership too (the docs'
access control: a role inherits the privileges of the roles granted to it), so the owner may be the session's role
or one it holds. SECRET is not in the page's list, so the grammar has no form for
it (a syntax error, as any statement the grammar does not know).
"""

from __future__ import annotations

import functools
import sqlite3
from dataclasses import dataclass

from ..catalog import timestamp
from ..results import Outcome, SqlFailure
from ..statements import Name
from . import Call, Family
from .relations import relation_row
from .roles import ROLES, effective_roles

#: The page's kinds named by a name (QUERY is named by its id).
KINDS = ("COMPUTE_POOL", "DATABASE", "SCHEMA", "RELATION", "STORE", "SCHEMA_REGISTRY", "DESCRIPTOR_SOURCE",
         "FUNCTION_SOURCE", "FUNCTION", "ROLE")
GRAMMAR = """
ownership_grant: GRANT OWNERSHIP ON _ownership_target TO ident
_ownership_target: ownership_compute_pool | ownership_database | ownership_schema | ownership_relation
                 | ownership_store | ownership_schema_registry | ownership_descriptor_source
                 | ownership_function_source | ownership_function | ownership_role | ownership_query
ownership_compute_pool: COMPUTE_POOL name
ownership_database: DATABASE name
ownership_schema: SCHEMA name
ownership_relation: RELATION name
ownership_store: STORE name
ownership_schema_registry: SCHEMA_REGISTRY name
ownership_descriptor_source: DESCRIPTOR_SOURCE name
ownership_function_source: FUNCTION_SOURCE name
ownership_function: FUNCTION name
ownership_role: ROLE name
ownership_query: QUERY queries_ref
OWNERSHIP: "OWNERSHIP"i
"""

NOT_OWNER = "0L000"  # the Go client's InvalidGrantor: the current role grants ownership it does not hold
NOT_GRANTED = "42501"  # its InsufficientPrivilege: the current role may not act as the destination role

#: Each kind's table, the SQLSTATE of a name it does not have (the kind's own family's), and its label.
_NAMED = {
    "COMPUTE_POOL": ("compute_pools", "3D023", "compute pool"),
    "DATABASE": ("databases", "3D002", "database"),
    "STORE": ("stores", "3D006", "store"),
    "SCHEMA_REGISTRY": ("schema_registries", "3D009", "schema registry"),
    "FUNCTION": ("functions", "3D017", "function"),
}
_SOURCES = {"DESCRIPTOR_SOURCE": ("descriptor_source", "3D011"), "FUNCTION_SOURCE": ("function_source", "3D018")}


@dataclass(frozen=True)
class Target:
    kind: str  # the page's word: DATABASE, RELATION, QUERY, ...
    name: Name | str  # a query's id as a str


@dataclass(frozen=True)
class GrantOwnership:
    target: Target
    role: str


@dataclass(frozen=True)
class _Row:
    """The object's row: its table, the WHERE that picks it (every overload, for a function), its owner and label."""

    table: str
    where: str
    key: tuple[str, ...]
    owner: str
    label: str


def _single(call: Call, target: Target) -> str:
    assert isinstance(target.name, Name)
    if len(target.name.parts) != 1:
        raise SqlFailure("42601", f"{target.name} is not a {target.kind.lower()} name")
    return target.name.parts[0]


def _row(call: Call, target: Target) -> _Row:
    """The row ``target`` names, or the refusal of its kind for a name that does not exist."""
    db = call.db
    if target.kind == "QUERY":
        found = db.execute("SELECT owner FROM queries WHERE id = ?", (str(target.name),)).fetchone()
        if found is None:
            raise SqlFailure("3D019", f"query {target.name} does not exist")
        return _Row("queries", "id = ?", (str(target.name),), found[0], f"query {target.name}")
    if target.kind == "RELATION":
        assert isinstance(target.name, Name)
        row = relation_row(db, target.name, call.session)
        return _Row("relations", "id = ?", (row["id"],), row["owner"], f"relation {target.name}")
    if target.kind == "SCHEMA":
        assert isinstance(target.name, Name)
        parts = target.name.parts
        if len(parts) == 1 and not call.session.database:
            raise SqlFailure("3D002", "no database is selected: qualify the schema or set the session database")
        database, schema = (str(call.session.database), parts[0]) if len(parts) == 1 else parts[-2:]
        key = (database, schema)
        return _owned_by(db, "schemas", "database_name = ? AND name = ?", key, "3D003", f"schema {database}.{schema}")
    name = _single(call, target)
    if target.kind == "ROLE":
        return _Row("roles", "name = ?", (name,), ROLES.row(call, name)["owner"], f"role {name!r}")
    if target.kind in _SOURCES:
        kind, missing = _SOURCES[target.kind]
        return _owned_by(db, "file_sources", "kind = ? AND name = ?", (kind, name), missing,
                         f"{kind.replace('_', ' ')} {name!r}")
    table, missing, label = _NAMED[target.kind]
    return _owned_by(db, table, "name = ?", (name,), missing, f"{label} {name!r}")


def _owned_by(db: sqlite3.Connection, table: str, where: str, key: tuple[str, ...], missing: str,
              label: str) -> _Row:
    found = db.execute(f"SELECT owner FROM {table} WHERE {where}", key).fetchone()
    if found is None:
        raise SqlFailure(missing, f"{label} does not exist")
    return _Row(table, where, key, found[0], label)


def grant(call: Call, st: GrantOwnership) -> Outcome:
    """The page's rule: only when the current role is the owner of the object and has been granted the destination
    role; the destination must be a role (3D001 otherwise)."""
    row = _row(call, st.target)
    ROLES.row(call, st.role)
    current = call.session.owner
    holds = effective_roles(call.db, current)
    if row.owner not in holds:
        raise SqlFailure(NOT_OWNER, f"role {current!r} cannot transfer the ownership of {row.label}: it is owned by "
                                    f"{row.owner!r}, which role {current!r} neither is nor has been granted")
    if st.role not in holds:
        raise SqlFailure(NOT_GRANTED, f"role {current!r} cannot transfer the ownership of {row.label} to role "
                                      f"{st.role!r}: it has not been granted that role (GRANT ROLE {st.role} TO "
                                      f"ROLE {current})")
    call.db.execute(f"UPDATE {row.table} SET owner = ?, updated_at = ? WHERE {row.where}",
                    (st.role, timestamp(call.now), *row.key))
    return call.done()


FAMILY = Family(
    grammar=GRAMMAR,
    statements={"ownership_grant": GrantOwnership},
    parts={f"ownership_{kind.lower()}": functools.partial(Target, kind) for kind in (*KINDS, "QUERY")},
    handlers={GrantOwnership: grant},
    choices={
        "GRANT OWNERSHIP, who owns": "the current role owns an object when it is the owner or holds it (granted, "
                                     "transitively): the docs say a role inherits the privileges of the roles "
                                     "granted to it, and the OWNERSHIP privilege is one; read strictly (only the "
                                     "owner itself), no transfer could ever be undone, as a role cannot hold a role "
                                     "that holds it",
        "GRANT OWNERSHIP refusals": "the current role not owning the object is refused with 0L000 (invalid grantor: "
                                    "the grantor lacks what it grants, as the privileges family answers a grantor "
                                    "without the grant option); the current role not holding the destination role "
                                    "(effective_roles: granted directly, through other roles or the built-in "
                                    "hierarchy) with 42501 (insufficient privilege, PostgreSQL's answer to ALTER ... "
                                    "OWNER TO a role one is not a member of). The docs state both rules but no code: "
                                    "guesses from the Go client's code names",
        "GRANT OWNERSHIP answer": "no result set (the docs show \"ownership grant | ALTER | Ownership of ... granted "
                                  "to role ...\"; the provider reads nothing from it)",
        "GRANT OWNERSHIP ON FUNCTION": "the function is named without its signature and every overload of that name "
                                       "changes owner (the docs' function_identifier is not spelled out)",
        "GRANT OWNERSHIP ON SECRET": "not in the grammar (the docs' list has no SECRET): a syntax error",
        "ALTER ... OWNER TO": "still taken by the relations and queries families (clients send it), without the two "
                              "GRANT OWNERSHIP conditions (more liberal than this family)",
    },
)
