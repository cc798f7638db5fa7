"""Functions: Java UDFs made from a function source's jar, known by their signature (a name may be overloaded).

``CREATE FUNCTION f (a T, ...) RETURNS T LANGUAGE JAVA WITH ('source.name' = .., 'class.name' = ..)`` and
``DROP FUNCTION f (a T, ...)`` as DeltaStream's dbt adapter writes them; ``LIST FUNCTIONS`` with the columns its
Python SDK reads. A created function is one dsql's query check knows (:func:`known`); the local server runs no
Java, so a query calling one is accepted but its rows are not evaluated (``dataflow.translate``).
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from ..catalog import TS, timestamp
from ..dsql.functions import UserFunction, UserFunctions
from ..property_values import refuse_nulls
from ..results import VARCHAR, Outcome, SqlFailure
from ..statements import ListObjects, PropertyValue
from . import Call, Family

GRAMMAR = """
functions_create: CREATE FUNCTION ident functions_arguments RETURNS column_type LANGUAGE ident [with_clause]
functions_drop: DROP FUNCTION ident functions_arguments
functions_arguments: "(" [functions_argument ("," functions_argument)*] ")"
functions_argument: ident column_type
FUNCTION: "FUNCTION"i
RETURNS: "RETURNS"i
LANGUAGE: "LANGUAGE"i
"""

SCHEMA = """
CREATE TABLE IF NOT EXISTS functions (
    name TEXT NOT NULL, arg_types TEXT NOT NULL, arguments TEXT NOT NULL, returns TEXT NOT NULL,
    language TEXT NOT NULL, source_name TEXT NOT NULL, class_name TEXT NOT NULL, properties TEXT NOT NULL,
    owner TEXT NOT NULL, created_at TEXT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (name, arg_types));
"""

#: InvalidFunction, InvalidFunctionSource and DuplicateFunction as DeltaStream's clients declare them
#: (go-deltastream ``sqlcode.go``, deltastream-connector ``error.py``).
MISSING, MISSING_SOURCE, DUPLICATE = "3D017", "3D018", "42P015"
REQUIRED = ("source.name", "class.name")
#: Further keys DeltaStream's Python SDK reads back (``EgressAllowURIs``); any other is refused.
OPTIONAL = ("egress.allow.uris",)


@dataclass(frozen=True)
class Argument:
    name: str
    type: str


@dataclass(frozen=True)
class CreateFunction:
    name: str
    arguments: tuple[Argument, ...]
    returns: str
    language: str
    properties: dict[str, PropertyValue] | None = None


@dataclass(frozen=True)
class DropFunction:
    name: str
    arguments: tuple[Argument, ...]


def _types(arguments: tuple[Argument, ...]) -> str:
    """The key of an overload: its argument types (names do not tell two overloads apart)."""
    return ", ".join(a.type.upper() for a in arguments)


def signature(name: str, arguments: list[list[str]]) -> str:
    """``name(a T, b U)``: what ``LIST FUNCTIONS`` shows and dbt's adapter matches (``startswith``)."""
    return f"{name}({', '.join(f'{n} {t}' for n, t in arguments)})"


def create(call: Call, st: CreateFunction) -> Outcome:
    props = dict(st.properties or {})
    refuse_nulls(props)
    if st.language.lower() != "java":
        raise SqlFailure("0A000", f"LANGUAGE {st.language.upper()} is not supported: a function is written in JAVA")
    for key in REQUIRED:
        if not isinstance(props.get(key), str) or not props[key]:
            raise SqlFailure("3D021", f"missing parameter {key!r} for a function")
    unknown = sorted(set(props) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise SqlFailure("3D008", f"parameter {unknown[0]!r} is not a parameter of a function")
    names = [a.name for a in st.arguments]
    if len(set(names)) < len(names):
        raise SqlFailure("42601", f"function {st.name}: an argument name is given twice")
    source = call.db.execute("SELECT state FROM file_sources WHERE kind = 'function_source' AND name = ?",
                             (props["source.name"],)).fetchone()
    if source is None or source[0] != "ready":
        raise SqlFailure(MISSING_SOURCE, f"function source {props['source.name']!r} does not exist or is not ready")
    key = _types(st.arguments)
    if call.db.execute("SELECT 1 FROM functions WHERE name = ? AND arg_types = ?", (st.name, key)).fetchone():
        raise SqlFailure(DUPLICATE, f"function {st.name}({key}) already exists")
    stamp = timestamp(call.now)
    call.db.execute("INSERT INTO functions VALUES (?, ?, ?, ?, 'java', ?, ?, ?, ?, ?, ?)",
                    (st.name, key, json.dumps([[a.name, a.type] for a in st.arguments]), st.returns,
                     props["source.name"], props["class.name"],
                     json.dumps({k: v for k, v in props.items() if k not in REQUIRED}, sort_keys=True),
                     call.session.owner, stamp, stamp))
    return call.done()


def drop(call: Call, st: DropFunction) -> Outcome:
    key = _types(st.arguments)
    if call.db.execute("DELETE FROM functions WHERE name = ? AND arg_types = ?", (st.name, key)).rowcount == 0:
        raise SqlFailure(MISSING, f"function {st.name}({key}) does not exist")
    return call.done()


def listed(call: Call, _: ListObjects) -> Outcome:
    """``LIST FUNCTIONS``: the columns DeltaStream's Python SDK reads by name (``Signature`` first, as dbt matches
    it), then the owner and times every other LIST answers."""
    rows = []
    for row in call.db.execute("SELECT * FROM functions ORDER BY name, arg_types"):
        props = json.loads(row["properties"])
        rows.append((signature(row["name"], json.loads(row["arguments"])), "UDF", row["source_name"],
                     row["class_name"], props.get("egress.allow.uris"), json.dumps(props, sort_keys=True),
                     row["owner"], row["created_at"], row["updated_at"]))
    return call.done([("Signature", VARCHAR), ("Type", VARCHAR), ("SourceName", VARCHAR), ("ClassName", VARCHAR),
                      ("EgressAllowURIs", VARCHAR), ("Properties", VARCHAR), ("Owner", VARCHAR),
                      ("CreatedAt", TS), ("UpdatedAt", TS)], rows)


def known(db: sqlite3.Connection) -> UserFunctions:
    """The functions created so far, by lower-cased name, for dsql's query check."""
    found: dict[str, list[UserFunction]] = {}
    for name, arguments, returns in db.execute("SELECT name, arguments, returns FROM functions ORDER BY name, "
                                               "arg_types"):
        found.setdefault(name.lower(), []).append(
            UserFunction(tuple(t for _, t in json.loads(arguments)), returns))
    return {name: tuple(overloads) for name, overloads in found.items()}


FAMILY = Family(
    grammar=GRAMMAR,
    statements={"functions_create": CreateFunction, "functions_drop": DropFunction},
    parts={"functions_arguments": lambda *arguments: tuple(arguments), "functions_argument": Argument},
    handlers={CreateFunction: create, DropFunction: drop},
    lists={"FUNCTIONS": listed},
    schema=SCHEMA,
    choices={"Functions": (
        "`CREATE FUNCTION f (a T, ...) RETURNS T LANGUAGE JAVA WITH ('source.name' = .., 'class.name' = ..)` and "
        "`DROP FUNCTION f (a T, ...)` as dbt-deltastream's `macros/adapters.sql` writes them (argument names and "
        "types; an overload is told by its types). Both keys are required (`3D021`); `'egress.allow.uris'` (the "
        "SDK's `EgressAllowURIs`) is kept, any other key `3D008` (dbt's functional test sends `input_parameters` "
        "and `return_type` in WITH: refused here, as nothing shows DeltaStream takes them); a language other than "
        "JAVA `0A000` (a guess: no code is shown). A missing or not-ready function source `3D018` (InvalidFunction"
        "Source, the code dbt's adapter retries on), a taken signature `42P015` (DuplicateFunction), DROP of an "
        "unknown one `3D017`; DROP of one a running query calls is accepted and the query keeps running (liberal: "
        "what DeltaStream does then is not shown). `LIST FUNCTIONS`: `Signature` (`f(a T, b U)`, dbt matches it "
        "with `startswith`), "
        "`Type` (`UDF`, a guess), `SourceName`, `ClassName`, `EgressAllowURIs` (the WITH value as given; the SDK "
        "types it a list, whose form is not shown), `Properties` (the further keys, JSON, a guess: the SDK reads it "
        "as a dict, nothing shows what it holds): the SDK's fields, order unknown; `Owner, CreatedAt, UpdatedAt` "
        "as other LISTs have them (not shown). No return type is listed (none is shown). No "
        "`sys.\"functions\"` table (no page shows one). "
        "dsql's query check knows a created function by its name (case-insensitive) with its return type; with "
        "several overloads of the arity called, the argument types must match one exactly, with one they are not "
        "checked. The local server runs no Java: a continuous query calling a UDF runs, its sink gets no rows and "
        "`dataflow_errors` says why; an interactive SELECT calling one is `0A000`")},
)
