"""Adopt's reading of DeltaStream: list what a selection holds, read each resource as ``pulumi import`` will, and
make :class:`~.adopt.Entry` values of them.

Listing uses each kind's own reads: a system table through the refresh group its reads share
(:meth:`SystemTables.group`), so listing and reading a kind is one request; a kind read by a ``LIST`` statement is
listed by the LIST its reads share (:meth:`SystemTables.listed`), one request too. Each resource is then read by its
kind's ``read`` with no inputs, exactly the call ``pulumi import`` makes, so the inputs written are those the import
will record.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from ..deltastream.catalog import SystemTables
from ..deltastream.ids import format_id, parse_id
from ..kinds.listing import is_application
from ..kinds.registry import resource
from ..model.fields import Asset, Model
from ..resources.base import Context
from .adopt import ORDER, PREFIX, Adoption, Entry, Skipped, differing, imported_values, named

#: Kinds adopted only with ``--include-access``: who may do what is often managed apart from the data.
ACCESS = ("Role", "RoleGrant", "OrganizationGrant", "ApiToken")
#: Reads at once: the engine's default parallelism, so DeltaStream sees what an import would send.
PARALLEL = 10
_MADE_BY_QUERY = re.compile(r"^\s*CREATE\s+(STREAM|CHANGELOG|TABLE)\b", re.IGNORECASE)
_VIEW_QUERY = re.compile(r"^\s*CREATE\s+MATERIALIZED\s+VIEW\b", re.IGNORECASE)


@dataclass(frozen=True)
class Selection:
    """What ``adopt`` reads: a database (and namespace) or the whole account, some kinds or all of them."""

    database: str | None = None
    namespace: str | None = None
    kinds: frozenset[str] | None = None
    include_access: bool = False

    def wants(self, kind: str) -> bool:
        if self.kinds is not None:
            return kind in self.kinds
        return self.include_access or kind not in ACCESS

    def in_scope(self, database: str | None, namespace: str | None = None) -> bool:
        """Whether a resource in ``database``/``namespace`` is selected (one in no database is, unless a database
        is chosen and it is not referred to from the selection)."""
        if self.database is not None and database != self.database:
            return False
        return self.namespace is None or namespace is None or namespace == self.namespace


@dataclass(frozen=True)
class Candidate:
    kind: str
    id: str
    parts: tuple[str, ...]


class Listing:
    """The candidates and skips of one run, filled kind by kind."""

    def __init__(self, catalog: SystemTables, selection: Selection) -> None:
        self.catalog = catalog
        self.selection = selection
        self.found: list[Candidate] = []
        self.skipped: list[Skipped] = []
        self.makers: set[str] = set()  # ids of the CREATE ... AS SELECT queries
        self.fqns: dict[str, str] = {}  # a relation's import id -> its fqn

    def add(self, kind: str, id_: str, *parts: str) -> None:
        if self.selection.wants(kind):
            self.found.append(Candidate(kind, id_, parts))

    def skip(self, kind: str, id_: str, reason: str) -> None:
        if self.selection.wants(kind):
            self.skipped.append(Skipped(kind, id_, reason))


async def _access(listing: Listing) -> None:
    from ..resources.organization_grant import TARGET, _id
    from ..resources.role import BUILTIN_ROLES, ROLE_PRIVILEGES, ROLES, USER_GRANTS, names
    from ..resources.role_grant import BUILTIN_EDGES

    catalog = listing.catalog
    roles = await catalog.group(ROLES, {})
    custom = {r.name for r in roles if r.name not in BUILTIN_ROLES}
    for row in roles:
        if row.name in custom:
            listing.add("Role", row.name, row.name)
        else:
            listing.skip("Role", row.name, "a built-in role: DeltaStream makes it, no program can create or drop it")
    edges = {(row.name, member) for row in roles for member in names(row.granted_to)}
    edges |= {(granted, row.name) for row in roles for granted in names(row.granted_roles)}
    for role, member in sorted(edges):
        if (role, member) in BUILTIN_EDGES or not {role, member} & custom:
            listing.skip("RoleGrant", f"{role}/role/{member}", "DeltaStream's own hierarchy of built-in roles")
        else:
            listing.add("RoleGrant", f"{role}/role/{member}", role, "to", member)
    if listing.selection.wants("RoleGrant"):
        for grant in await catalog.group(USER_GRANTS, {}):
            if grant.role_name in custom:
                listing.add("RoleGrant", f"{grant.role_name}/user/{grant.user_email}", grant.role_name, "to",
                            grant.user_email.split("@")[0])
            else:
                listing.skip("RoleGrant", f"{grant.role_name}/user/{grant.user_email}",
                             "a built-in role's membership, the organization's to manage (its console, its admins)")
    if listing.selection.wants("OrganizationGrant"):
        holders = sorted({p.role_name for p in await catalog.group(ROLE_PRIVILEGES, {})
                          if str(p.target).lower() == TARGET})
        for role in holders:
            if role in custom:
                listing.add("OrganizationGrant", _id(role), role, "organization")
            else:
                listing.skip("OrganizationGrant", _id(role), "a built-in role's privileges are DeltaStream's")
    if listing.selection.wants("ApiToken"):
        from ..resources.api_token import listed_tokens

        for token in await listed_tokens(catalog, shared=True):
            listing.skip("ApiToken", token.name, "LIST API_TOKENS does not show a token's role, part of its import id, "
                         "and its value is never shown: import it by hand with "
                         f"`pulumi import {PREFIX}ApiToken <name> {token.name}/<role>`")


async def _containers(listing: Listing) -> list[str]:
    """Databases and namespaces; the databases selected."""
    from ..resources.database import DATABASES
    from ..resources.namespace import NAMESPACES

    selection = listing.selection
    databases = [d.name for d in await listing.catalog.group(DATABASES, {}) if selection.in_scope(d.name)]
    for database in databases:
        listing.add("Database", database, database)
        for ns in await listing.catalog.group(NAMESPACES, {"database_name": database}):
            if not selection.in_scope(database, ns.name):
                continue
            if ns.name == "public":
                listing.skip("Namespace", format_id(database, ns.name),
                             "DeltaStream makes it with its database (refer to it by name)")
            else:
                listing.add("Namespace", format_id(database, ns.name), database, ns.name)
    return databases


async def _account(listing: Listing) -> None:
    """What belongs to the organization, not to a database: stores, secrets, registries, pools, sources,
    functions (only a whole-account adopt takes them, or a selection naming their kinds)."""
    from ..resources.compute_pool import listed_pools
    from ..resources.descriptor_source import listed_sources
    from ..resources.entity import listed_entities
    from ..resources.function import listed_functions
    from ..resources.function_source import FUNCTION_SOURCES
    from ..resources.schema_registry import SCHEMA_REGISTRIES
    from ..resources.secret import SECRETS
    from ..resources.store import STORES

    catalog, wants = listing.catalog, listing.selection.wants
    if wants("Secret"):
        for secret in await catalog.group(SECRETS, {}):
            listing.add("Secret", secret.name, secret.name)
    if wants("SchemaRegistry"):
        for registry in await catalog.group(SCHEMA_REGISTRIES, {}):
            listing.add("SchemaRegistry", registry.name, registry.name)
    if wants("Store") or wants("Entity"):
        for store in await catalog.group(STORES, {}):
            listing.add("Store", store.name, store.name)
            if wants("Entity"):
                for entity in await listed_entities(catalog, store.name):
                    if entity.is_leaf:
                        listing.add("Entity", format_id(store.name, *entity.path), store.name, *entity.path)
    if wants("ComputePool"):
        for pool in await listed_pools(catalog, shared=True):
            listing.add("ComputePool", pool.name, pool.name)
    if wants("FunctionSource"):
        for source in await catalog.group(FUNCTION_SOURCES, {}):
            listing.add("FunctionSource", source.name, source.name)
    if wants("DescriptorSource"):
        for descriptor in await listed_sources(catalog, shared=True):
            listing.add("DescriptorSource", descriptor.name, descriptor.name)
    if wants("Function"):
        for function in await listed_functions(catalog, shared=True):
            listing.add("Function", function.id, function.name, *(a.type for a in function.arguments))


async def _queries(listing: Listing) -> None:
    """Queries and applications; a query a materialized view or an application owns is theirs, and a relation a
    ``CREATE ... AS SELECT`` query makes is the query's (adopted twice, the program would make it twice)."""
    from ..resources.continuous import listed_queries

    if not (listing.selection.wants("Query") or listing.selection.wants("Application")
            or listing.selection.wants("DeltaStreamObject")):
        return
    for query in await listed_queries(listing.catalog, shared=True):
        text = query.sql or ""
        label = query.name or query.id
        if (query.state or "").lower() != "running":
            listing.skip("Query", query.id, f"not running ({query.state}): a program's query runs")
        elif _VIEW_QUERY.match(text):
            listing.skip("Query", query.id, "the query of a materialized view, which the MaterializedView owns")
        elif is_application(text):
            listing.add("Application", query.id, "application", label)
        else:
            if _MADE_BY_QUERY.match(text):
                listing.makers.add(query.id)
            listing.add("Query", query.id, "query", label)


async def _relations(listing: Listing, databases: list[str]) -> None:
    from ..resources.materialized_view import KIND as VIEW
    from ..resources.object import RELATIONS

    for database in databases:
        for relation in await listing.catalog.group(RELATIONS, {"database_name": database}):
            if not listing.selection.in_scope(database, relation.namespace):
                continue
            id_ = format_id(database, relation.namespace, relation.name)
            parts = (database, relation.namespace, relation.name)
            listing.fqns[id_] = relation.fqn
            if relation.kind == VIEW:
                listing.add("MaterializedView", id_, *parts)
            else:
                listing.add("DeltaStreamObject", id_, *parts)


#: Reference inputs: input -> the kind referred to and its import id from the entry's inputs.
Refs = dict[str, tuple[str, Callable[[dict[str, Any]], str]]]


def _plain(key: str) -> Callable[[dict[str, Any]], str]:
    return lambda inputs: str(inputs[key])


def _namespace(inputs: dict[str, Any]) -> str:
    return format_id(str(inputs["database"]), str(inputs["namespace"]))


_OWNER: Refs = {"owner": ("Role", _plain("owner"))}
_IN_NAMESPACE: Refs = {"database": ("Database", _plain("database")), "namespace": ("Namespace", _namespace),
                       **_OWNER}
REFERENCES: dict[str, Refs] = {
    "Database": _OWNER, "Namespace": {"database": ("Database", _plain("database")), **_OWNER},
    "Store": _OWNER, "Secret": _OWNER, "SchemaRegistry": _OWNER, "ComputePool": _OWNER, "FunctionSource": _OWNER,
    "DescriptorSource": _OWNER, "Role": _OWNER,
    "DeltaStreamObject": {**_IN_NAMESPACE, "store": ("Store", _plain("store"))},
    "MaterializedView": _IN_NAMESPACE,
    "Query": {**_IN_NAMESPACE, "computePool": ("ComputePool", _plain("computePool"))},
    "Application": _IN_NAMESPACE,
    "Entity": {"store": ("Store", _plain("store"))},
    "Function": {"source": ("FunctionSource", _plain("source"))},
    "RoleGrant": {"role": ("Role", _plain("role")), "toRole": ("Role", _plain("toRole"))},
    "OrganizationGrant": {"role": ("Role", _plain("role"))},
}


#: An optional secret and the input given with it: listed only where its partner was read back (a SASL password
#: where DeltaStream shows the SASL user), since an unset optional secret is what DeltaStream holds too.
PAIRED = {"password": "username", "saslPassword": "saslUsername", "secretAccessKey": "accessKeyId",
          "clientSecret": "clientId"}


def _blocks(inputs: Model) -> list[tuple[str, Model]]:
    """The inputs and each block given in them (a store's ``kafka``), with the prefix of their wire names."""
    found: list[tuple[str, Model]] = [("", inputs)]
    for prop in inputs.wire_fields():
        value = getattr(inputs, prop.name)
        if isinstance(value, Model):
            found.append((f"{prop.key}.", value))
    return found


def _secrets(inputs: Model) -> tuple[str, ...]:
    """The secret inputs the program must supply: required ones, and optional ones whose partner is given."""
    found = []
    for prefix, block in _blocks(inputs):
        given = {p.key for p in block.wire_fields() if getattr(block, p.name) not in (None, "")}
        found += [prefix + p.key for p in block.wire_fields()
                  if p.secret and not getattr(block, p.name) and (p.required or PAIRED.get(p.key) in given)]
    return tuple(found)


def _unreadable(inputs: Model) -> tuple[str, ...]:
    """Required inputs and files, not secret, that the read leaves empty: no read of DeltaStream gives them back."""
    return tuple(prefix + p.key for prefix, block in _blocks(inputs) for p in block.wire_fields()
                 if (p.required or p.type is Asset) and not p.secret and getattr(block, p.name) in (None, ""))


def _parts(candidate: Candidate, outputs: dict[str, Any]) -> tuple[str, ...]:
    """A query is named by the relation it writes (``shop-public-clean-query``), known once it is read."""
    sink = outputs.get("sink")
    if candidate.kind == "Query" and isinstance(sink, str) and sink:
        return (*_path(sink), "query")
    return candidate.parts


async def _entry(ctx: Context, candidate: Candidate,
                 gate: asyncio.Semaphore) -> tuple[Entry | Skipped, dict[str, Any]]:
    """The candidate read as an import reads it, and its state (outputs)."""
    kind = resource(PREFIX + candidate.kind)
    assert kind is not None, candidate.kind
    async with gate:
        found = await kind.read(ctx, candidate.id, None, None)
    if found is None:
        return Skipped(candidate.kind, candidate.id, "gone before it was read"), {}
    inputs, state = found
    props = inputs.to_props()
    references = {key: (target, make(props)) for key, (target, make) in REFERENCES.get(candidate.kind, {}).items()
                  if props.get(key)}
    outputs = state.to_props()
    name_output = outputs.get("name")
    return Entry(kind=candidate.kind, id=candidate.id, parts=_parts(candidate, outputs),
                 properties=differing(inputs), references=references, secrets=_secrets(inputs),
                 unreadable=_unreadable(inputs), values=imported_values(inputs),
                 name_output=name_output if isinstance(name_output, str) else None), outputs


async def adopt(ctx: Context, selection: Selection) -> Adoption:
    """Everything ``selection`` holds, read as ``pulumi import`` reads it, named, in document order."""
    listing = Listing(ctx.catalog, selection)
    steps: list[Awaitable[None]] = []
    if any(selection.wants(kind) for kind in ACCESS):
        steps.append(_access(listing))
    databases = await _containers(listing)
    if selection.database is None:
        steps.append(_account(listing))
    steps.append(_queries(listing))
    steps.append(_relations(listing, databases))
    await asyncio.gather(*steps)
    gate = asyncio.Semaphore(PARALLEL)
    read = [(e, outputs) for e, outputs in await asyncio.gather(*(_entry(ctx, c, gate) for c in listing.found))
            if isinstance(e, Skipped) or _writes_in(selection, e.kind, outputs)]
    entries = [e for e, _ in read if isinstance(e, Entry)]
    skipped = listing.skipped + [s for s, _ in read if isinstance(s, Skipped)]
    sinks = {str(outputs["sink"]): e.id for e, outputs in read
             if isinstance(e, Entry) and e.id in listing.makers and outputs.get("sink")}
    entries, doubled = _undoubled(entries, sinks, listing.fqns)
    return Adoption(entries=named(entries), skipped=sorted(skipped + doubled,
                                                           key=lambda s: (ORDER.index(s.kind), s.id)))


def _writes_in(selection: Selection, kind: str, outputs: dict[str, Any]) -> bool:
    """Whether a query or an application writes into the selected database (and namespace): DeltaStream lists
    queries by organization, and a query belongs where its plan's sinks are."""
    if kind not in ("Query", "Application") or selection.database is None:
        return True
    sinks = [outputs["sink"]] if outputs.get("sink") else list(outputs.get("sinks") or [])
    return any(selection.in_scope(*_path(str(sink))[:2]) for sink in sinks)


def _path(fqn: str) -> tuple[str, ...]:
    """A relation's fqn (``"db"."ns"."name"``, as plans give it) as its three names."""
    return parse_id(fqn, 3, 'the fqn "DATABASE"."NAMESPACE"."NAME"')


def _undoubled(entries: list[Entry], sinks: dict[str, str],
               fqns: dict[str, str]) -> tuple[list[Entry], list[Skipped]]:
    """Leaves out the relations a ``CREATE ... AS SELECT`` query adopted beside them makes itself (``sinks``: a
    relation's fqn -> the query that makes it)."""
    kept, doubled = [], []
    for entry in entries:
        query = sinks.get(fqns.get(entry.id, "")) if entry.kind == "DeltaStreamObject" else None
        if query is not None:
            doubled.append(Skipped(entry.kind, entry.id, f"made by query {query} (CREATE ... AS SELECT), which is "
                                                         "adopted: declared too, it would be made twice"))
        else:
            kept.append(entry)
    return kept, doubled
