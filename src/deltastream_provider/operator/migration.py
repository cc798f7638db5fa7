"""What the routes from other tools share (a stack of DeltaStream's own Pulumi provider, a Terraform state): the
:class:`Migration` they build, typed entries from another tool's inputs, an object's raw ``CREATE`` read into typed
inputs. Both tools keep an object as raw SQL and a query as a statement, so
one reading serves both.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..deltastream import object_ddl
from ..deltastream.ids import format_id
from ..errors import SqlTextError
from ..model.fields import Model
from ..resources.object import ColumnInputs, ObjectInputs, settings_of
from .adopt import Adoption, Entry, differing


@dataclass
class Migration:
    """The entries and skips (:class:`Adoption`), each entry's translated inputs (logical name -> wire inputs, what
    the generated program should hold), and the TODOs a reader must settle by hand."""

    adoption: Adoption = field(default_factory=Adoption)
    inputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    todos: list[str] = field(default_factory=list)


def typed_entry(kind: str, name: str, id_: str, model: type[Model], inputs: dict[str, Any],
          references: dict[str, tuple[str, str]] | None = None, secrets: Iterable[str] = ()) -> Entry:
    """The entry of ``inputs`` (wire names) read as ``model``: only the inputs that differ from its defaults."""
    return Entry(kind, id_, (name,), differing(model.from_props(inputs)), references or {}, tuple(secrets),
                 name=name)


def statement(text: str) -> str:
    """A statement without its final ``;`` (how this package keeps and reads back a query's SQL)."""
    return text.strip().removesuffix(";").rstrip()


def raw_object(name: str, theirs: dict[str, Any], outputs: dict[str, Any], owner: dict[str, Any],
               migration: Migration) -> tuple[Entry, dict[str, Any]]:
    """A ``DeltaStreamObject`` of raw ``sql`` (with ``database``, ``namespace``, ``store``) as this package's typed
    inputs. ``outputs`` may hold its ``path`` as DeltaStream recorded it (which wins over the statement's spelling)
    and a ``name`` (used only where the statement cannot be read). A statement that cannot be read keeps every input
    ``pulumi import`` reads, and a TODO says so."""
    database, namespace, store = (str(theirs[key]) for key in ("database", "namespace", "store"))
    text = str(theirs["sql"])
    path = outputs.get("path")
    recorded = str(path[-1]) if isinstance(path, list) and path else None
    references = {"database": ("Database", database), "namespace": ("Namespace", format_id(database, namespace)),
                  "store": ("Store", store)}
    try:
        ddl = object_ddl.parse(text)
        if ddl.qualifier and ddl.qualifier != (database, namespace)[-len(ddl.qualifier):]:
            raise SqlTextError(f"it names {'.'.join(ddl.qualifier)}, not {database}.{namespace}")
    except SqlTextError as exc:
        object_name = recorded or str(outputs.get("name") or name)
        migration.todos.append(f"{name}: its sql could not be read as a CREATE STREAM, CHANGELOG or TABLE ({exc}); "
                               "the generated program holds every input DeltaStream reports for it: check them "
                               f"against the statement: {text}")
        inputs = {"database": database, "namespace": namespace, "name": object_name, "store": store, **owner}
        return Entry("DeltaStreamObject", format_id(database, namespace, object_name), (name,),
                     references=references, name=name), inputs
    settings = settings_of(ddl.properties)
    model = ObjectInputs(database=database, namespace=namespace, name=recorded or ddl.name, kind=ddl.kind,  # type: ignore[arg-type]
                         store=store, columns=[ColumnInputs(c.name, c.type, c.nullable) for c in ddl.columns] or None,
                         primary_key=list(ddl.primary_key) or None, owner=owner.get("owner"), **settings)
    return (Entry("DeltaStreamObject", format_id(database, namespace, model.name), (name,), differing(model),
                  references, name=name), model.to_props())
