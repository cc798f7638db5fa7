"""Adopt a stack of DeltaStream's own Pulumi provider (deltastreaminc/pulumi-deltastream): its ``pulumi stack
export`` becomes the typed entries of :mod:`.adopt`, so that ``pulumi import --file`` takes over the same
resources, by their ids, in a project of this package; nothing is created again and no query restarts.

Their provider uses the same tokens with other inputs. A ``DeltaStreamObject`` is raw ``CREATE ...`` SQL: it is
read (:func:`.migration.raw_object`) into kind, columns, key and ``WITH`` properties (translated the way this
package's read translates DeltaStream's, :func:`settings_of`); where it cannot be read, the entry keeps every input
``pulumi import`` reads and a TODO says so. A ``Query``'s sink and source lists are dropped: this package reads them
from the SQL. Nothing here talks to DeltaStream: the export holds the ids.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..deltastream.ids import format_id
from ..resources.application import ApplicationInputs
from ..resources.database import DatabaseInputs
from ..resources.namespace import NamespaceInputs
from ..resources.query import QueryInputs
from ..resources.store import StoreInputs
from .adopt import ORDER, PREFIX, Entry, Skipped, slug
from .adopt import write as write_document
from .migration import Migration, raw_object, statement, typed_entry

#: The marker ``pulumi stack export`` puts on a secret value (Pulumi's ``resource.SecretSig``).
SECRET_SIG = "4dabf18193072939515e22adb298388d"
#: Secret settings of their stores, by store type: this package cannot read them back either.
STORE_SECRETS = {"kafka": ("saslPassword",), "postgres": ("password",), "snowflake": ("clientKey",)}


class Hidden:
    """A secret the export holds encrypted (exported without ``--show-secrets``): present, value unknown."""

    def __repr__(self) -> str:
        return "[secret]"


HIDDEN = Hidden()


def migrate(export: dict[str, Any]) -> Migration:
    """The migration of a ``pulumi stack export`` (version 3) of DeltaStream's provider."""
    deployment = export.get("deployment")
    if not isinstance(deployment, dict):
        raise ValueError("not a `pulumi stack export` document: it has no deployment")
    migration = Migration()
    found: list[tuple[Entry, dict[str, Any]]] = []
    explicit: dict[str, list[str]] = {}  # an explicit provider's name -> the resources it made
    for resource in deployment.get("resources") or []:
        type_ = str(resource.get("type", ""))
        urn = str(resource.get("urn", ""))
        if type_ == "pulumi:pulumi:Stack" or type_ == "pulumi:providers:deltastream":
            continue
        if not type_.startswith(PREFIX) or not resource.get("custom"):
            migration.adoption.skipped.append(Skipped(type_, urn, "not a resource of DeltaStream's provider"))
            continue
        if resource.get("delete") or resource.get("pendingReplacement"):
            migration.adoption.skipped.append(Skipped(type_, urn, "pending deletion in the stack"))
            continue
        translated = _translate(type_.removeprefix(PREFIX), urn.rsplit("::", 1)[-1], resource, migration)
        if translated is not None:
            found.append(translated)
            provider = str(resource.get("provider") or "").split("::")
            if len(provider) > 3 and not provider[-2].startswith("default"):  # ...::NAME::ID; default[_1_0_1]
                explicit.setdefault(provider[-2], []).append(translated[0].name)
    for provider_name, names in sorted(explicit.items()):
        migration.todos.append(f"{', '.join(names)}: made with the explicit provider {provider_name!r}, imported with "
                               "this package's default provider; to keep them apart, add a provider with the same "
                               "deltastream:* settings (server, organization, role, apiKey) to the program and set it "
                               "on them")
    taken: set[str] = set()
    for entry, inputs in sorted(found, key=lambda f: (ORDER.index(f[0].kind), f[0].id)):  # as adopt orders
        name = entry.name if entry.name not in taken else f"{entry.name}-{slug(entry.kind)}"
        taken.add(name)
        migration.adoption.entries.append(Entry(entry.kind, entry.id, entry.parts, entry.properties,
                                                entry.references, entry.secrets, name=name))
        migration.inputs[name] = inputs
    return migration


def _translate(kind: str, name: str, resource: dict[str, Any],
               migration: Migration) -> tuple[Entry, dict[str, Any]] | None:
    theirs = _revealed(resource.get("inputs") or {})
    outputs = _revealed(resource.get("outputs") or {})
    resource_id = str(resource.get("id") or "")
    owner = {"owner": theirs["owner"]} if isinstance(theirs.get("owner"), str) else {}
    if kind == "Database":
        inputs = {"name": theirs["name"], **owner}
        return typed_entry(kind, name, resource_id, DatabaseInputs, inputs), inputs
    if kind == "Namespace":
        inputs = {"database": theirs["database"], "name": theirs["name"], **owner}
        entry = typed_entry(kind, name, format_id(theirs["database"], theirs["name"]), NamespaceInputs, inputs,
                       references={"database": ("Database", theirs["database"])})
        return entry, inputs
    if kind == "Store":
        return _store(name, resource_id, theirs, owner, migration)
    if kind == "DeltaStreamObject":
        return raw_object(name, theirs, outputs, owner, migration)
    if kind in ("Query", "Application"):
        # Their sink and source lists name what this package reads from the SQL itself.
        inputs = {"sql": statement(str(theirs["sql"])), **owner}
        model = QueryInputs if kind == "Query" else ApplicationInputs
        query_id = resource_id or str(outputs.get("queryId") or outputs.get("applicationId") or "")
        return typed_entry(kind, name, query_id, model, inputs), inputs
    migration.adoption.skipped.append(Skipped(kind, resource_id or name, "no such resource in this package"))
    return None


def _store(name: str, resource_id: str, theirs: dict[str, Any], owner: dict[str, Any],
           migration: Migration) -> tuple[Entry, dict[str, Any]]:
    inputs: dict[str, Any] = {"name": theirs["name"], **owner}
    secrets: list[str] = []
    for store_type, secret_keys in STORE_SECRETS.items():
        settings = theirs.get(store_type)
        if not isinstance(settings, dict):
            continue
        settings = dict(settings)
        ca_file = settings.pop("tlsCaCertFile", None)
        if ca_file is not None:
            secrets.append(f"{store_type}.tlsCaCert")
            migration.todos.append(f"{name}: {store_type}.tlsCaCertFile ({ca_file!r}) was a file path; this package "
                                   f"takes the certificate's PEM content as {store_type}.tlsCaCert (a secret): "
                                   f"set it from config, e.g. `pulumi config set --secret <key> < {ca_file}`")
        secrets += [f"{store_type}.{key}" for key in secret_keys if settings.get(key) is not None]
        inputs[store_type] = {k: v for k, v in settings.items() if v is not HIDDEN}
    entry = typed_entry("Store", name, resource_id or str(theirs["name"]), StoreInputs, inputs, secrets=tuple(secrets))
    return entry, inputs


def _revealed(value: Any) -> Any:
    """``value`` with the export's secret envelopes opened: the plaintext (``--show-secrets``), else :data:`HIDDEN`."""
    if isinstance(value, dict):
        if value.get(SECRET_SIG) == "1b47061264138c4ac30d75fd1eb44270":
            plain = value.get("plaintext")
            return _revealed(json.loads(plain)) if isinstance(plain, str) else HIDDEN
        return {k: _revealed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_revealed(v) for v in value]
    return value


def write(export_path: Path, output: Path) -> list[str]:
    """Read the export at ``export_path`` and write the import document to ``output`` (:func:`.adopt.write`)."""
    try:
        migration = migrate(json.loads(export_path.read_text(encoding="utf-8")))
    except ValueError as exc:
        raise ValueError(f"{export_path}: {exc} (write it with `pulumi stack export --file {export_path.name}` in "
                         "the project of DeltaStream's provider)") from None
    return write_document(migration.adoption, output, "the stack", migration.todos)
