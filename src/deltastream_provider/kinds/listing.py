"""What the provider's ``List`` call answers for each kind (``pulumi do deltastream <Type> list``): the filters a
kind takes (its ``listInputs``), how it is read (one SELECT or LIST, the read its lookups and its resource use) and,
per thing found, its import id and a name a program would use.

Paging is the engine's: results are ordered by import id, and a continuation token says, opaquely, after which id
the next page starts and how many were sent, so a page asked again is the same page and a thing made or dropped
between pages neither repeats nor shifts one.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from ..deltastream import ids, sql
from ..deltastream.catalog import SystemTables, Table
from ..deltastream.query_text import application
from ..errors import InvalidInputError, SqlTextError


@dataclass(frozen=True)
class Listed:
    """One thing found: the id ``pulumi import`` takes, and a readable resource name."""

    id: str
    name: str


@dataclass(frozen=True)
class Input:
    """One list input: its description, and the column it compares (for a SELECT) or the row field (otherwise)."""

    description: str
    column: str
    spelling: Callable[[str], str] = str
    required: bool = False


Given = dict[str, str]
Fetch = Callable[[SystemTables, Given], Awaitable[list[Listed]]]


@dataclass(frozen=True)
class Lister:
    """A kind's list: its inputs (by schema name) and the one read that answers them."""

    inputs: dict[str, Input]
    fetch: Fetch
    reads: int = 1  # requests per page: one, or the grants' two SELECTs at once


def name_of(*parts: str) -> str:
    """A resource name from the parts of an id: ``db-ns-name``, other characters than letters, digits, ``_`` and
    ``.`` made ``-``."""
    return "-".join(re.sub(r"[^A-Za-z0-9_.]+", "-", part).strip("-") or "x" for part in parts)


def _columns(lister_inputs: dict[str, Input], given: Given) -> dict[str, sql.Filter]:
    return {lister_inputs[key].column: lister_inputs[key].spelling(value) for key, value in given.items()}


def _table(table: Table[Any], inputs: dict[str, Input], listed: Callable[[Any], Listed | None],
           fixed: dict[str, str] | None = None) -> Lister:
    """A kind read from one system table: the inputs become the SELECT's WHERE."""
    async def fetch(catalog: SystemTables, given: Given) -> list[Listed]:
        rows = await catalog.select(table, {**_columns(inputs, given), **(fixed or {})})
        return [found for found in map(listed, rows) if found is not None]
    return Lister(inputs, fetch)


def _matching(rows: Sequence[Any], inputs: dict[str, Input], given: Given) -> list[Any]:
    """The rows of a LIST (which filters nothing) whose fields equal the inputs given."""
    wanted = _columns(inputs, given)
    return [row for row in rows if all(str(getattr(row, name) or "") == value for name, value in wanted.items())]


def _listed(read: Callable[[SystemTables], Awaitable[Sequence[Any]]], inputs: dict[str, Input],
            listed: Callable[[Any], Listed | None]) -> Lister:
    """A kind read by one LIST statement, filtered here (where ``read`` is the LIST its reads share, a later page and
    the reads of what was listed send none)."""
    async def fetch(catalog: SystemTables, given: Given) -> list[Listed]:
        rows = _matching(await read(catalog), inputs, given)
        return [found for found in map(listed, rows) if found is not None]
    return Lister(inputs, fetch)


def _named(row: Any) -> Listed:
    return Listed(row.name, name_of(row.name))


def _path(*parts: str) -> Listed:
    return Listed(ids.format_id(*parts), name_of(*parts))


# --- each kind ---------------------------------------------------------------------------------

def _database() -> Lister:
    from ..resources.database import DATABASES
    return _table(DATABASES, {"owner": Input("Only databases this role owns.", "owner")}, _named)


def _namespace() -> Lister:
    from ..resources.namespace import NAMESPACES
    return _table(NAMESPACES, {"database": Input("Only namespaces of this database.", "database_name")},
                  lambda row: _path(row.database, row.name))


def _store() -> Lister:
    from ..resources.store import STORES, type_spelling

    def spelt(value: str) -> str:
        return type_spelling(value) or value

    return _table(STORES, {"type": Input("Only stores of this type, e.g. `Kafka` (any case, with or without `_`).",
                                         "type", spelt)}, _named)


_RELATION_INPUTS = {"database": Input("Only those of this database.", "database_name"),
                    "namespace": Input("Only those of this namespace.", "schema_name")}


def _object() -> Lister:
    from ..resources.materialized_view import KIND
    from ..resources.object import RELATIONS

    def listed(row: Any) -> Listed | None:
        return None if row.kind == KIND else _path(row.database, row.namespace, row.name)

    return _table(RELATIONS, {**_RELATION_INPUTS, "kind": Input("Only objects of this kind (`stream`, `changelog`, "
                                                                "`table`, ...).", "relation_type")}, listed)


def _materialized_view() -> Lister:
    from ..resources.materialized_view import KIND
    from ..resources.object import RELATIONS
    return _table(RELATIONS, _RELATION_INPUTS, lambda row: _path(row.database, row.namespace, row.name),
                  {"relation_type": KIND})


_VIEW = re.compile(r"\s*CREATE\s+MATERIALIZED\s+VIEW\b", re.IGNORECASE)


def is_application(text: str) -> bool:
    """Whether a query's SQL is an application, as the Application kind's read parses it (List and adopt agree)."""
    try:
        application(text)
    except SqlTextError:
        return False
    return True


def _queries(applications: bool) -> Lister:
    from ..resources.continuous import listed_queries

    def listed(query: Any) -> Listed | None:
        text = query.sql or ""
        if _VIEW.match(text) or is_application(text) != applications:  # a view's query is the view's
            return None
        short = query.id.split("-")[0]
        return Listed(query.id, name_of(query.name, short) if query.name else name_of(
            "application" if applications else "query", short))

    what = "applications" if applications else "queries"
    return _listed(partial(listed_queries, shared=True), {"name": Input(f"Only {what} with this name.", "name"),
                                    "state": Input(f"Only {what} in this state, e.g. `running`.", "state")}, listed)


def _entity() -> Lister:
    from ..resources.entity import listed_entities

    async def fetch(catalog: SystemTables, given: Given) -> list[Listed]:
        parent = [part for part in given.get("parent", "").split("/") if part]
        found = await listed_entities(catalog, given["store"], parent)
        return [_path(given["store"], *entity.path) for entity in found]

    return Lister({"store": Input("The store whose entities to list.", "store", required=True),
                   "parent": Input("Path of the entity whose children to list, parts joined by `/` (a Snowflake "
                                   "database, say); default: the store's top level.", "parent")}, fetch)


def _secret() -> Lister:
    from ..resources.secret import SECRETS
    return _table(SECRETS, {"type": Input("Only secrets of this type, e.g. `generic_string`.", "type"),
                            "owner": Input("Only secrets this role owns.", "owner")}, _named)


def _schema_registry() -> Lister:
    from ..resources.schema_registry import SCHEMA_REGISTRIES
    return _table(SCHEMA_REGISTRIES, {"type": Input("Only registries of this type: `Confluent` or `ConfluentCloud`.",
                                                    "type")}, _named)


def _compute_pool() -> Lister:
    from ..resources.compute_pool import listed_pools
    return _listed(partial(listed_pools, shared=True),
                   {"size": Input("Only pools of this size: `small`, `medium` or `large`.", "size", str.lower)}, _named)


def _function_source() -> Lister:
    from ..resources.function_source import FUNCTION_SOURCES
    return _table(FUNCTION_SOURCES, {"status": Input("Only sources of this status: `ready` or `error`.", "status")},
                  _named)


def _descriptor_source() -> Lister:
    from ..resources.descriptor_source import listed_sources
    return _listed(partial(listed_sources, shared=True), {"owner": Input("Only sources this role owns.", "owner")},
                   _named)


def _function() -> Lister:
    from ..resources.function import function_id, listed_functions

    def listed(function: Any) -> Listed:
        types = [argument.type for argument in function.arguments]
        return Listed(function_id(function.name, types), name_of(function.name, *types) if types
                      else name_of(function.name))

    return _listed(partial(listed_functions, shared=True),
                   {"name": Input("Only the overloads of this name.", "name"),
                    "source": Input("Only functions of this function source.", "source")}, listed)


def _role() -> Lister:
    from ..resources.role import BUILTIN_ROLES, ROLES

    def listed(row: Any) -> Listed | None:
        return None if row.name in BUILTIN_ROLES else _named(row)  # DeltaStream's own: no program owns them

    return _table(ROLES, {"owner": Input("Only roles this role owns.", "owner")}, listed)


def _role_grant() -> Lister:
    from ..resources.role import ROLES, USER_GRANTS, names

    async def fetch(catalog: SystemTables, given: Given) -> list[Listed]:
        role: dict[str, sql.Filter] = {"name": given["role"]} if "role" in given else {}
        user: dict[str, sql.Filter] = {"role_name": given["role"]} if "role" in given else {}
        roles, users = await asyncio.gather(catalog.select(ROLES, role), catalog.select(USER_GRANTS, user))
        found = [Listed(f"{row.name}/role/{member}", name_of(row.name, "to", member))
                 for row in roles for member in names(row.granted_to)]
        return found + [Listed(f"{row.role_name}/user/{row.user_email}", name_of(row.role_name, "to",
                                                                                 row.user_email.split("@")[0]))
                        for row in users]

    return Lister({"role": Input("Only grants of this role.", "role")}, fetch, reads=2)


def _organization_grant() -> Lister:
    from ..resources.organization_grant import TARGET
    from ..resources.role import ROLE_PRIVILEGES

    async def fetch(catalog: SystemTables, given: Given) -> list[Listed]:
        where: dict[str, sql.Filter] = {"role_name": given["role"]} if "role" in given else {}
        rows = await catalog.select(ROLE_PRIVILEGES, where)
        roles = sorted({row.role_name for row in rows if str(row.target).lower() == TARGET})
        return [Listed(f"{role}/{TARGET}", name_of(role, TARGET)) for role in roles]

    return Lister({"role": Input("Only this role's organization privileges.", "role")}, fetch)


def _api_token() -> Lister:
    from ..resources.api_token import listed_tokens
    # LIST API_TOKENS shows no role: the id is the name alone
    return _listed(partial(listed_tokens, shared=True), {}, _named)


_KINDS: dict[str, Callable[[], Lister]] = {
    "Database": _database, "Namespace": _namespace, "Store": _store, "DeltaStreamObject": _object,
    "Query": lambda: _queries(False), "Application": lambda: _queries(True), "Entity": _entity, "Secret": _secret,
    "SchemaRegistry": _schema_registry, "ComputePool": _compute_pool, "FunctionSource": _function_source,
    "DescriptorSource": _descriptor_source, "Function": _function, "MaterializedView": _materialized_view,
    "Role": _role, "RoleGrant": _role_grant, "OrganizationGrant": _organization_grant, "ApiToken": _api_token,
}


def lister(token: str) -> Lister | None:
    """The list of the kind served under ``token`` (None: a kind that is not listed)."""
    make = _KINDS.get(token.rsplit(":", 1)[-1])
    return make() if make is not None else None


def list_inputs(token: str) -> dict[str, Any] | None:
    """The schema's ``listInputs`` of a kind: one string per filter (no ``properties`` where it takes none: the
    CLI's schema round trip drops an empty one, and the schema it serves must be the one published)."""
    found = lister(token)
    if found is None:
        return None
    properties = {key: {"type": "string", "description": given.description} for key, given in found.inputs.items()}
    required = [key for key, given in found.inputs.items() if given.required]
    return {**({"properties": properties} if properties else {}), **({"required": required} if required else {})}


# --- the query and the pages ---------------------------------------------------------------------

def query_of(token: str, found: Lister, query: dict[str, Any]) -> Given:
    """The query's filters, or an error naming the input and the ones the kind takes."""
    kind = token.rsplit(":", 1)[-1]
    taken = ", ".join(found.inputs) or "none"
    given: Given = {}
    for key, value in query.items():
        if key not in found.inputs:
            raise InvalidInputError(f"{kind} list: unknown input {key!r}; the inputs it takes: {taken}")
        if value is None:
            continue
        if not isinstance(value, str) or not value:
            raise InvalidInputError(f"{kind} list: {key} must be a non-empty string, got {value!r}")
        given[key] = value
    missing = [key for key, spec in found.inputs.items() if spec.required and key not in given]
    if missing:
        raise InvalidInputError(f"{kind} list: give {', '.join(missing)} (e.g. `pulumi do deltastream {kind} list "
                                f"--{missing[0]} NAME`)")
    return given


@dataclass(frozen=True)
class Cursor:
    """Where a page starts: after the id ``after``, with ``sent`` results sent before it."""

    after: str = ""
    sent: int = 0

    def token(self) -> str:
        text = json.dumps({"after": self.after, "sent": self.sent}, separators=(",", ":"))
        return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")

    @classmethod
    def of(cls, token: str) -> Cursor:
        if not token:
            return cls()
        try:
            value = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
            return cls(str(value["after"]), int(value["sent"]))
        except (ValueError, KeyError, TypeError, binascii.Error):
            raise InvalidInputError(f"continuation token {token!r} is not one this provider gave: start the list "
                                    "again without it") from None


def page(found: list[Listed], cursor: Cursor, limit: int, page_size: int) -> tuple[list[Listed], str]:
    """The page after ``cursor`` (at most ``page_size``, the whole list within ``limit``) and the next page's token
    (empty: no more)."""
    ordered = sorted({item.id: item for item in found}.values(), key=lambda item: item.id)
    rest = [item for item in ordered if item.id > cursor.after] if cursor.after else ordered
    room = len(rest) if limit < 1 else max(0, limit - cursor.sent)
    size = min(room, page_size) if page_size > 0 else room
    sent = rest[:size]
    more = len(rest) > size and size < room
    return sent, Cursor(sent[-1].id, cursor.sent + len(sent)).token() if more and sent else ""
