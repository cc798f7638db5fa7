"""Adopt: what DeltaStream holds, as a ``pulumi import --file`` document whose program previews with no changes.

Every route into the package (reading an account, a Terraform state, a stack of DeltaStream's own provider) ends in
the same typed :class:`Entry` list; :func:`document` writes it. Names are derived here, once, so that every route
gives the same resource the same readable, unique and stable logical name.

References: ``pulumi import`` (its importer, ``createImportState``) turns a string input into a reference when it
equals exactly one value among the other imported resources' ids and ``name`` outputs; a value held twice (a
database's id and its name are both ``analytics``) stays a literal. So an entry's reference inputs hold the
referenced resource's import id, and :func:`unresolved` applies the importer's rule to say which of them the program
will hold as literals.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..model.fields import Model

PREFIX = "deltastream:index:"

#: Kinds in the order the document lists them: what others refer to before what refers to it.
ORDER = ("Role", "Database", "Namespace", "Secret", "SchemaRegistry", "Store", "Entity", "ComputePool",
         "FunctionSource", "DescriptorSource", "Function", "DeltaStreamObject", "MaterializedView", "Query",
         "Application", "RoleGrant", "OrganizationGrant", "ApiToken")

_INVALID = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Placeholder:
    """A secret input DeltaStream never gives back: the program reads it from stack config, set by :attr:`command`."""

    resource: str   # the entry's logical name
    input: str      # the input's wire name, e.g. ``kafka.saslPassword``
    key: str        # the config key, e.g. ``eventsSaslPassword``

    @property
    def command(self) -> str:
        return f"pulumi config set --secret {self.key} <value>"


@dataclass(frozen=True)
class Skipped:
    """Something DeltaStream holds that the document leaves out, and why (a program cannot own it)."""

    kind: str
    id: str
    reason: str


@dataclass(frozen=True)
class Entry:
    """One resource to import: its kind (``Database``), import id, the parts its name is made of (``analytics``,
    ``public``, ``pageviews``), the inputs a program sets (those that differ from the defaults, wire names), the
    reference inputs (wire name -> the referenced resource's import id) and its placeholders' inputs."""

    kind: str
    id: str
    parts: tuple[str, ...]
    properties: tuple[str, ...] = ()
    references: dict[str, tuple[str, str]] = field(default_factory=dict)  # input -> (kind, import id)
    secrets: tuple[str, ...] = ()
    name_output: str | None = None  # its ``name`` output, which ``pulumi import`` matches as it matches ids
    name: str = ""  # the logical name, set by :func:`named`
    parent: str | None = None    # a logical name in the document or its name table
    provider: str | None = None  # a provider's logical name in the name table
    unreadable: tuple[str, ...] = ()  # inputs no read gives back and the program must give (a jar, a return type)
    values: tuple[str, ...] = ()  # the text values of the inputs it imports, at any depth: what the importer matches

    @property
    def token(self) -> str:
        return PREFIX + self.kind


@dataclass
class Adoption:
    """What an adopt run found: the entries to import and what it skipped."""

    entries: list[Entry] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def placeholders(self) -> list[Placeholder]:
        return [Placeholder(e.name, input_, config_key(e.name, input_)) for e in self.entries for input_ in e.secrets]


def differing(inputs: Model, required: Iterable[str] = ()) -> tuple[str, ...]:
    """The wire names of ``inputs`` a program sets: those given and not equal to their declared default, and the
    required ones."""
    keep = set(required)
    found = []
    for prop in inputs.wire_fields():
        value = getattr(inputs, prop.name)
        if prop.key in keep or prop.required:
            found.append(prop.key)
            continue
        if value is None or value in ("", [], {}):
            continue
        default = prop.field.default
        if prop.field.default_factory is not dataclasses.MISSING:
            default = prop.field.default_factory()
        if default is not dataclasses.MISSING and value == default:
            continue
        found.append(prop.key)
    return tuple(found)


def slug(text: str) -> str:
    """``text`` as part of a logical name: lower case letters and digits, runs of anything else one ``-``."""
    return _INVALID.sub("-", text.lower()).strip("-")


def config_key(name: str, input_: str) -> str:
    """A stack config key for ``input_`` of resource ``name``: camel case, as Pulumi's own keys are."""
    words = [w for w in re.split(r"[^A-Za-z0-9]+", f"{name} {input_}") if w]
    head, *rest = words or ["secret"]
    key = head[0].lower() + head[1:] + "".join(w[0].upper() + w[1:] for w in rest)
    return key if key[0].isalpha() else "s" + key


def named(entries: Sequence[Entry]) -> list[Entry]:
    """``entries`` with logical names and in document order (:data:`ORDER`, then by id).

    A name is the slug of its parts (``analytics-public-pageviews``); where two entries' names meet, each but the
    first in document order gains its kind (``analytics-role``), and where even that is taken, a short digest of its
    id. Names depend only on the entry itself and the entries it collides with, never on a counter, so adopting the
    same account twice gives the same names."""
    ordered = sorted(entries, key=lambda e: (ORDER.index(e.kind) if e.kind in ORDER else len(ORDER), e.kind, e.id))
    taken: set[str] = set()
    out = []
    for entry in ordered:
        base = "-".join(p for p in map(slug, entry.parts) if p) or slug(entry.kind)
        if not base[0].isalpha():
            base = f"{slug(entry.kind)}-{base}"
        name = base
        if name in taken:
            name = f"{base}-{slug(entry.kind)}"
        if name in taken:
            name = f"{base}-{slug(entry.kind)}-{hashlib.sha256(entry.id.encode()).hexdigest()[:6]}"
        taken.add(name)
        out.append(replace(entry, name=name))
    return out


def document(adoption: Adoption, name_table: dict[str, str] | None = None) -> dict[str, Any]:
    """The ``pulumi import --file`` document: one resource per entry, named, with its parent and provider, and the
    inputs the program sets; ``name_table`` maps the names parents and providers use to existing URNs."""
    resources = []
    for entry in adoption.entries:
        spec: dict[str, Any] = {"type": entry.token, "name": entry.name, "id": entry.id}
        if entry.parent:
            spec["parent"] = entry.parent
        if entry.provider:
            spec["provider"] = entry.provider
        if entry.properties:
            spec["properties"] = list(entry.properties)
        resources.append(spec)
    out: dict[str, Any] = {"resources": resources}
    if name_table:
        out["nameTable"] = dict(name_table)
    return out


@dataclass(frozen=True)
class Literal:
    """A reference input the generated program holds as a literal (``shared``: among the values the importer matches,
    its value is held more than once) or as a reference to ``instead``, another resource holding the same value."""

    entry: str
    input: str
    kind: str
    target: str
    shared: tuple[str, ...] = ()
    instead: str | None = None


def unresolved(adoption: Adoption) -> list[Literal]:
    """Reference inputs the generated program will not hold as a reference to the resource meant, by the importer's
    rule: an input becomes a reference when its value is exactly one of the other entries' ids and ``name``
    outputs."""
    held = {(e.kind, e.id): e for e in adoption.entries}
    found = []
    for entry in adoption.entries:
        values: dict[str, list[Entry]] = {}
        for other in adoption.entries:
            if other is not entry:
                for value in (other.id, other.name_output):  # counted as the importer counts them: each occurrence
                    if value is not None:
                        values.setdefault(value, []).append(other)
        for input_, (kind, target) in sorted(entry.references.items()):
            meant = held.get((kind, target))
            if meant is None:
                found.append(Literal(entry.name, input_, kind, target))
                continue
            # a namespace input holds the namespace's name (its ``name`` output), every other one the import id
            holders = values.get(meant.name_output if kind == "Namespace" and meant.name_output else target, [])
            if len(holders) > 1:
                found.append(Literal(entry.name, input_, kind, target, shared=tuple(sorted({h.name for h in holders}))))
            elif holders and holders[0] is not meant:
                found.append(Literal(entry.name, input_, kind, target, instead=holders[0].name))
    return found


def text_values(value: Any) -> tuple[str, ...]:
    """Every text value in an input's value, at any depth (a topic's ``path`` list holds its names)."""
    if isinstance(value, str):
        return (value,)
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        return tuple(text for item in value for text in text_values(item))
    return ()


def imported_values(inputs: Model) -> tuple[str, ...]:
    """The text values ``pulumi import`` matches in a resource it imports: those of every input its read gives back,
    at any depth, defaults included (a function's ``language`` ``java``), as the importer keeps them all whatever the
    import file's ``properties`` lists."""
    return text_values(inputs.to_props())


def guessed_references(adoption: Adoption) -> dict[str, set[str]]:
    """The references ``pulumi import`` would guess (entry -> the entries it refers to): wherever an imported input's
    text equals exactly one of the other entries' ids and ``name`` outputs (``createImportState``)."""
    counts: dict[str, list[Entry]] = {}
    for entry in adoption.entries:
        for value in {entry.id, entry.name_output} - {None}:
            counts.setdefault(str(value), []).append(entry)
    guesses: dict[str, set[str]] = {}
    for entry in adoption.entries:
        for value in entry.values:
            holders = [h for h in counts.get(value, []) if h is not entry]
            occurrences = sum((h.id == value) + (h.name_output == value) for h in holders)
            if occurrences == 1:
                guesses.setdefault(entry.name, set()).add(holders[0].name)
    return guesses


def reference_cycle(adoption: Adoption) -> list[str]:
    """The entries whose guessed references would go round (``a`` -> ``b`` -> ``a``), empty when none would.

    When :func:`guessed_references` go round, ``pulumi import`` writes the program again with no reference at all
    (``GenerateLanguageDefinitions``: "circular reference"). A topic named like the stream over it is such a
    cycle: the topic's ``path`` holds the stream's name, and the stream's ``entity`` the topic's."""
    guesses = guessed_references(adoption)
    path: list[str] = []
    done: set[str] = set()

    def visit(name: str) -> list[str]:
        if name in path:
            return [*path[path.index(name):], name]
        if name in done:
            return []
        path.append(name)
        for following in sorted(guesses.get(name, ())):
            if found := visit(following):
                return found
        path.pop()
        done.add(name)
        return []

    for name in sorted(guesses):
        if found := visit(name):
            return found
    return []


def report(adoption: Adoption) -> list[str]:
    """Lines for the operator: what was skipped and why, each placeholder's command, references left literal."""
    lines = [f"skipped {s.kind} {s.id}: {s.reason}" for s in adoption.skipped]
    for placeholder in adoption.placeholders:
        lines.append(f"secret {placeholder.resource}.{placeholder.input} cannot be read back: "
                     f"{placeholder.command}, then set it in the program from config {placeholder.key!r}")
    for entry in adoption.entries:
        lines += [f"input {entry.name}.{input_} cannot be read back: give it in the program before the first preview"
                  for input_ in entry.unreadable]
    if cycle := reference_cycle(adoption):
        lines.append(f"references: none; pulumi import writes every input as a literal, because the references it "
                     f"would guess go round ({' -> '.join(cycle)}; a topic named like the stream over it does this); "
                     "the preview still shows no changes, and references can be written by hand afterwards")
        return lines
    shared: dict[str, list[Literal]] = {}  # one line per kind referred to, not one per input
    for literal in unresolved(adoption):
        if literal.shared:
            shared.setdefault(literal.kind, []).append(literal)
        elif literal.instead:
            lines.append(f"reference {literal.entry}.{literal.input}: becomes a reference to {literal.instead}, which "
                         f"holds the same value as {literal.kind} {literal.target!r}")
        else:
            lines.append(f"reference {literal.entry}.{literal.input}: {literal.kind} {literal.target!r} is not "
                         "adopted; the program keeps the literal")
    for kind, literals in sorted(shared.items()):
        first = literals[0]
        lines.append(f"reference to a {kind}: {len(literals)} input(s) stay literals (e.g. {first.entry}.{first.input}"
                     f" = {first.target!r}): pulumi import makes no reference to a value it finds more than once among "
                     f"the ids and names of what it imports, as a {kind} whose id is its name always is")
    return lines


def write(adoption: Adoption, output: Path, source: str, todos: Sequence[str] = ()) -> list[str]:
    """Write ``adoption``'s import document to ``output``; the lines to tell the operator (:func:`report`, the TODOs
    a reader must settle, and what to run next). ``source`` says what was read (``DeltaStream``, ``the stack``)."""
    output.write_text(json.dumps(document(adoption), indent=2) + "\n", encoding="utf-8")
    return [*report(adoption), *(f"TODO {todo}" for todo in todos),
            f"wrote {output}: {len(adoption.entries)} resource(s) of {source}, {len(adoption.skipped)} skipped; "
            f"next, in a project of this package with the same deltastream:* config: pulumi import --file {output}"]
