"""What replacing a resource takes down, read from DeltaStream, and the refusal at preview that names it.

A replacement drops the resource and creates it again. Where something depends on it (relations on a store or in a
database, the queries reading them, the stores naming a registry), DeltaStream refuses the drop, so Pulumi replaces
the dependents with it: streams are dropped and re-made, queries restart from their start. A kind whose replacement
can do that answers :meth:`Resource.blast_radius`; Diff then refuses the replacement, naming all of it, unless the
program sets ``acceptReplacement: true`` on the resource. Only a replacing preview reads anything here."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..errors import PlanError
from .base import ACCEPT_KEY

if TYPE_CHECKING:
    from ..deltastream.catalog import SystemTables
    from .continuous import ListedQuery
    from .object import RelationRow

ACCEPT_DOC = ("Let a change that replaces this resource go ahead although the replacement takes down what depends on "
              "it. Without it such a change fails at preview with what would go down (read from DeltaStream). It is "
              "no change by itself: set it for the `pulumi up` that replaces, then remove it.")
DOWN_ALREADY = ("terminated", "terminate_requested", "errored")  # queries a replacement cannot take down any further


@dataclass
class BlastRadius:
    """What a replacement takes down: relations (fully qualified names), the queries reading them, and anything
    else in words (stores naming a registry, the data of a topic, the gap in a secret's life)."""

    relations: list[str] = field(default_factory=list)
    queries: list[str] = field(default_factory=list)
    other: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.relations or self.queries or self.other)

    def lines(self) -> list[str]:
        found = list(self.other)
        if self.relations:
            found.append(f"{len(self.relations)} relation(s) dropped and created again (their data re-read): "
                         + ", ".join(self.relations))
        if self.queries:
            found.append(f"{len(self.queries)} running query(ies) terminated and started again from the start: "
                         + ", ".join(self.queries))
        return found


def refusal(what: str, why: Sequence[str], radius: BlastRadius, keep: str) -> PlanError:
    """The preview failure for a replacement with dependents: what, why, what goes down, and the two ways out."""
    changes = ", ".join(why)
    down = "\n".join(f"  - {line}" for line in radius.lines())
    return PlanError(f"changing {changes} would replace {what} (drop it, then create it again), and that takes "
                     f"down:\n{down}\nNothing was changed. To avoid the outage, {keep}. To accept it, set "
                     f"`{ACCEPT_KEY}: true` on this resource for this `pulumi up` (remove it afterwards).")


async def relations_where(catalog: SystemTables, where: dict[str, str]) -> list[RelationRow]:
    """The relations ``where`` selects in ``deltastream.sys."relations"`` (store_name, database_name, schema_name:
    confirmed columns)."""
    from .object import RELATIONS  # only a replacing preview needs it

    return await catalog.select(RELATIONS, dict(where))


async def queries_reading(catalog: SystemTables, relations: Sequence[RelationRow]) -> list[ListedQuery]:
    """The queries still running whose SQL (as ``LIST QUERIES`` shows it) names one of ``relations``: no
    documented column says which relations a query reads, so its text is searched for their names."""
    if not relations:
        return []
    from .continuous import listed_queries  # only a replacing preview needs it

    names = sorted({r.name for r in relations}, key=len, reverse=True)
    mentions = re.compile(r'(?<![\w"])"?(?:' + "|".join(re.escape(n) for n in names) + r')"?(?![\w"])', re.IGNORECASE)
    return [q for q in await listed_queries(catalog)
            if (q.state or "").lower() not in DOWN_ALREADY and q.sql and mentions.search(q.sql)]


async def on_relations(catalog: SystemTables, where: dict[str, str]) -> BlastRadius:
    """The relations ``where`` selects and the running queries reading them."""
    relations = await relations_where(catalog, where)
    queries = await queries_reading(catalog, relations)
    return BlastRadius(relations=[r.fqn for r in relations],
                       queries=[f"{q.id} ({q.name})" if q.name else q.id for q in queries])


async def stores_naming(catalog: SystemTables, registry: str) -> list[str]:
    """The Kafka and Confluent Kafka stores whose DESCRIBE STORE names ``registry`` (no system-table column shows a
    store's registry: one DESCRIBE STORE per such store)."""
    from ..deltastream.reads import DESCRIBE_STORE
    from ..errors import NotFoundError
    from .store import STORES, describe_statement

    async def names_it(store: str) -> bool:
        try:
            rows = (await catalog.client.execute(describe_statement(store))).rows
        except NotFoundError:
            return False
        return bool(rows) and DESCRIBE_STORE.get(rows[0], "schema_registry") == registry

    kafka = [row.name for row in await catalog.select(STORES, {}) if row.type.lower() in ("kafka", "confluentkafka")]
    found = await asyncio.gather(*(names_it(store) for store in kafka))
    return [store for store, named in zip(kafka, found, strict=True) if named]


async def on_stores(catalog: SystemTables, registry: str) -> BlastRadius:
    """The stores naming ``registry``, the relations on them and the running queries reading those."""
    stores = await stores_naming(catalog, registry)
    radius = BlastRadius(other=[f"store(s) naming the registry, replaced with it: {', '.join(stores)}"] if stores
                         else [])
    for store in stores:
        on_store = await on_relations(catalog, {"store_name": store})
        radius.relations += on_store.relations
        radius.queries += [q for q in on_store.queries if q not in radius.queries]
    return radius
