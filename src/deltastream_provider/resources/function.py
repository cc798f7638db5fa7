"""Function: a Java UDF DeltaStream runs from a function source's jar, known by its signature ``name(T1, T2)`` (a name
may be overloaded). The whole kind is here: inputs and state, its statements (as DeltaStream's dbt adapter writes
them), how it is read (``LIST FUNCTIONS``, the read dbt's adapter and DeltaStream's Python SDK use; no system table
of functions is documented), its lookups, its registry example and sample, and how settle finds one.

``LIST FUNCTIONS`` shows a function's signature, source, class and further properties, not its return type: a read
keeps the program's ``returns``, and an import takes the program's (see :meth:`Function.diff`).
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from ..deltastream import sql
from ..deltastream.catalog import SystemTables
from ..deltastream.reads import Shape
from ..errors import InvalidInputError, QuotingError
from ..model.docs import Part, examples
from ..model.fields import Enum, Model, prop
from ..model.lookup import Arg, Filter, Many, One, Source
from ..model.sample import Sample, built
from . import function_source
from .base import Context, Diff, Existing, Resource, check_identifier, create_then_wait, drop_then_wait
from .dependents import ACCEPT_DOC, DOWN_ALREADY, BlastRadius
from .lifecycle import dropping

if TYPE_CHECKING:
    from ..deltastream.client import Result  # the schema is built without the HTTP client

Language = Annotated[Literal["java"], Enum("FunctionLanguage", "What a function is written in: `java`, the one "
                                                               "language DeltaStream runs functions in.")]
#: The WITH keys the statement itself sends; ``properties`` may not set them.
SOURCE_KEY, CLASS_KEY = "source.name", "class.name"
Argument = tuple[str, str]  # (name, type)


def create_statement(name: str, arguments: Sequence[Argument], returns: str, language: str, source: str,
                     class_name: str, properties: Sequence[tuple[str, sql.PropertyValue]] = ()) -> sql.Statement:
    return sql.statement([f"CREATE FUNCTION {sql.ident(name)} {_arguments(arguments)} RETURNS "
                          f"{sql.column_type(returns)} LANGUAGE {language.upper()}",
                          sql.with_clause([(SOURCE_KEY, source), (CLASS_KEY, class_name), *properties])])


def drop_statement(name: str, arguments: Sequence[Argument]) -> sql.Statement:
    """``DROP FUNCTION f (a T, ...)``: the signature, argument names and types, as dbt's adapter writes it."""
    return sql.statement([f"DROP FUNCTION {sql.ident(name)} {_arguments(arguments)}"])


def list_statement() -> sql.Statement:
    return sql.statement(["LIST FUNCTIONS"], mutating=False)


def _arguments(arguments: Sequence[Argument]) -> str:
    return "(" + ", ".join(f"{sql.ident(n)} {sql.column_type(t)}" for n, t in arguments) + ")"


LIST_FUNCTIONS = Shape("LIST FUNCTIONS", by_name=("Signature", "SourceName", "ClassName", "Properties"))


# --- signatures and ids -------------------------------------------------------------------------------------------

def split_top(text: str) -> list[str]:
    """``a INT, b MAP<K, V>, c DECIMAL(10, 2)`` split at its top-level commas (none in an empty text)."""
    parts, depth, current = [], 0, ""
    for char in text:
        depth += 1 if char in "<(" else (-1 if char in ">)" else 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()] if parts or current.strip() else []


def _normal(type_: str) -> str:
    """A type as two spellings of it compare: upper case, single spaces, none inside brackets."""
    text = " ".join(type_.upper().split())
    for a, b in ((" <", "<"), ("< ", "<"), (" >", ">"), (" (", "("), ("( ", "("), (" )", ")"), (" ,", ",")):
        text = text.replace(a, b)
    return text.replace(",", ", ").replace(",  ", ", ")


def function_id(name: str, types: Sequence[str]) -> str:
    """The resource's id: ``name(T1, T2)``, what tells one overload from another."""
    return f"{name}({', '.join(types)})"


def parse_id(resource_id: str) -> tuple[str, list[str]]:
    """``name(T1, T2)`` as a name and its argument types; refuses anything else, naming the form."""
    name, sep, rest = resource_id.partition("(")
    if not sep or not rest.endswith(")") or not name.strip():
        raise InvalidInputError(f"{resource_id!r} is not a function id: give the name and argument types, "
                         "e.g. to_title(VARCHAR) or weighted(DOUBLE, DOUBLE), or name() for none")
    return name.strip(), split_top(rest[:-1])


def parse_signature(signature: str) -> tuple[str, list[Argument]]:
    """``LIST FUNCTIONS``' ``Signature`` (``name(a T, b U)``, whatever may follow the closing parenthesis) as the
    name and its arguments."""
    name, _, rest = signature.partition("(")
    depth, end = 1, len(rest)
    for index, char in enumerate(rest):
        depth += 1 if char in "<(" else (-1 if char in ">)" else 0)
        if depth == 0:
            end = index
            break
    arguments = []
    for part in split_top(rest[:end]):
        if part.startswith('"'):
            closing = part.find('"', 1)
            while part[closing + 1:closing + 2] == '"':
                closing = part.find('"', closing + 2)
            arguments.append((part[1:closing].replace('""', '"'), part[closing + 1:].strip()))
        else:
            arg, _, type_ = part.partition(" ")
            arguments.append((arg, type_.strip()))
    return name.strip().strip('"'), arguments


@dataclass
class FunctionArgument(Model):
    """An argument of a function."""

    name: str = prop("Argument name. Case-sensitive; quoted for you.")
    type: str = prop("DeltaStream type, e.g. `VARCHAR`, `DOUBLE`, `ARRAY<VARCHAR>`, named as DeltaStream's data "
                     "types page names it (`INTEGER`, not a synonym such as `INT`): the provider finds the function by "
                     "the types `LIST FUNCTIONS` shows, case and spacing aside.")


@dataclass
class FunctionInfo(Model):
    """A function, as ``LIST FUNCTIONS`` shows it."""

    name: str = prop("Name.")
    signature: str = prop("Its signature as DeltaStream shows it: `name(a T, b U)`.")
    arguments: list[FunctionArgument] = prop("Its arguments, in order.", default_factory=list)
    source: str | None = prop("The function source holding its class.", default=None)
    class_name: str | None = prop("The Java class implementing it.", default=None)
    properties: dict[str, str] | None = prop("Further settings DeltaStream shows for it.", default=None)

    @classmethod
    def of(cls, record: dict[str, Any]) -> FunctionInfo:
        signature = str(LIST_FUNCTIONS.named(record, "Signature") or "")
        name, arguments = parse_signature(signature)
        source, class_name = LIST_FUNCTIONS.named(record, "SourceName"), LIST_FUNCTIONS.named(record, "ClassName")
        return cls(name=name, signature=signature, arguments=[FunctionArgument(n, t) for n, t in arguments],
                   source=None if source is None else str(source),
                   class_name=None if class_name is None else str(class_name),
                   properties=_properties_of(LIST_FUNCTIONS.named(record, "Properties")))

    @property
    def id(self) -> str:
        return function_id(self.name, [a.type for a in self.arguments])


def _properties_of(value: Any) -> dict[str, str] | None:
    """``Properties`` (a JSON object, or one already decoded) without the keys the statement itself sends."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return None
    if not isinstance(value, dict):
        return None
    found = {str(k): str(v) for k, v in value.items() if k not in (SOURCE_KEY, CLASS_KEY) and v is not None}
    return found or None


def _functions(result: Result) -> list[FunctionInfo]:
    return sorted((FunctionInfo.of(r) for r in result.records()), key=lambda f: f.signature)


async def listed_functions(catalog: SystemTables, *, shared: bool = False) -> list[FunctionInfo]:
    """One LIST FUNCTIONS, ordered by signature: with ``shared``, the one every read of the command shares
    (:meth:`SystemTables.listed`); else one of its own, as a wait on a change needs."""
    return await catalog.listing(list_statement(), _functions, shared=shared)


async def function_row(catalog: SystemTables, resource_id: str, *, shared: bool = False) -> FunctionInfo | None:
    """The function of this id (its name and argument types, however the types are spelt), or None."""
    name, types = parse_id(resource_id)
    wanted = [_normal(t) for t in types]
    return next((f for f in await listed_functions(catalog, shared=shared)
                 if f.name == name and [_normal(a.type) for a in f.arguments] == wanted), None)


# --- inputs and state ---------------------------------------------------------------------------------------------

@dataclass
class FunctionInputs(Model):
    name: str = prop("Name of the function. Case-sensitive; quoted for you. Several functions may share a name "
                     "with different argument types (overloads).", replaces=True)
    returns: str = prop("The type it returns, e.g. `VARCHAR`. `LIST FUNCTIONS` does not show it, so a refresh "
                        "keeps the program's value.", replaces=True)
    source: str = prop("Name of the function source (`FunctionSource`) whose jar holds the class.", replaces=True)
    class_name: str = prop("The Java class implementing it, e.g. `com.example.udf.ToTitle`.", replaces=True)
    arguments: list[FunctionArgument] = prop("Its arguments, in order (none when unset). Their types are part of "
                                             "its id.", default_factory=list, replaces=True)
    language: Language = prop("What it is written in: `java` (the default and the only language).",
                              default="java", replaces=True)
    properties: dict[str, str] | None = prop("Further `WITH` settings, e.g. `egress.allow.uris`. A refresh shows a "
                                             "key changed outside Pulumi where `LIST FUNCTIONS` shows it, and keeps "
                                             "the program's value of a key it does not show.", default=None,
                                             replaces=True)
    accept_replacement: bool | None = prop(ACCEPT_DOC, default=None)


@dataclass
class FunctionState(FunctionInputs):
    signature: str | None = prop("Its signature as DeltaStream shows it: `name(a T, b U)`.", default=None)


def _pairs(inputs: FunctionInputs) -> list[Argument]:
    return [(a.name, a.type) for a in inputs.arguments]


def _id(inputs: FunctionInputs) -> str:
    return function_id(inputs.name, [a.type for a in inputs.arguments])


def _create(inputs: FunctionInputs) -> sql.Statement:
    return create_statement(inputs.name, _pairs(inputs), inputs.returns, inputs.language, inputs.source,
                            inputs.class_name, sorted((inputs.properties or {}).items()))


def _state(inputs: FunctionInputs, found: FunctionInfo) -> FunctionState:
    return FunctionState(**{f.name: getattr(inputs, f.name) for f in dataclasses.fields(inputs)},
                         signature=found.signature)


STORY = Part(
    typescript='''const toTitle = new deltastream.Function("to-title", {
    name: "to_title",
    arguments: [{ name: "text", type: "VARCHAR" }],
    returns: "VARCHAR",
    source: udfs.name,
    className: "com.example.udf.ToTitle",
});

export const toTitleSignature = toTitle.signature;''',
    python='''to_title = deltastream.Function("to-title",
    name="to_title",
    arguments=[deltastream.FunctionArgumentArgs(name="text", type="VARCHAR")],
    returns="VARCHAR",
    source=udfs.name,
    class_name="com.example.udf.ToTitle")

pulumi.export("toTitleSignature", to_title.signature)''',
    go='''toTitle, err := deltastream.NewFunction(ctx, "to-title", &deltastream.FunctionArgs{
	Name: pulumi.String("to_title"),
	Arguments: deltastream.FunctionArgumentArray{
		&deltastream.FunctionArgumentArgs{Name: pulumi.String("text"), Type: pulumi.String("VARCHAR")},
	},
	Returns:   pulumi.String("VARCHAR"),
	Source:    udfs.Name,
	ClassName: pulumi.String("com.example.udf.ToTitle"),
})
if err != nil {
	return err
}
ctx.Export("toTitleSignature", toTitle.Signature)''',
    yaml='''resources:
  to-title:
    type: deltastream:Function
    properties:
      name: to_title
      arguments:
        - name: text
          type: VARCHAR
      returns: VARCHAR
      source: ${udfs.name}
      className: com.example.udf.ToTitle
outputs:
  toTitleSignature: ${to-title.signature}''',
    needs=(function_source.STORY,))

#: The lookups' example: the function, then it and the functions of its source looked up (the output forms wait).
LOOKUPS_STORY = Part(
    typescript='''const found = deltastream.getFunctionOutput({ name: toTitle.name });
const fromUdfs = deltastream.getFunctionsOutput({ source: toTitle.source });

export const foundSignature = found.signature;
export const udfsFunctions = fromUdfs.functions;''',
    python='''found = deltastream.get_function_output(name=to_title.name)
from_udfs = deltastream.get_functions_output(source=to_title.source)

pulumi.export("foundSignature", found.signature)
pulumi.export("udfsFunctions", from_udfs.functions)''',
    go='''found := deltastream.LookupFunctionOutput(ctx, deltastream.LookupFunctionOutputArgs{
	Name: toTitle.Name,
})
fromUdfs := deltastream.GetFunctionsOutput(ctx, deltastream.GetFunctionsOutputArgs{
	Source: toTitle.Source,
})

ctx.Export("foundSignature", found.Signature())
ctx.Export("udfsFunctions", fromUdfs.Functions())''',
    yaml='''variables:
  found:
    fn::invoke:
      function: deltastream:index:getFunction
      arguments:
        name: ${to-title.name}
  fromUdfs:
    fn::invoke:
      function: deltastream:index:getFunctions
      arguments:
        source: ${to-title.source}
outputs:
  foundSignature: ${found.signature}
  udfsFunctions: ${fromUdfs.functions}''',
    needs=(STORY,))


class Function(Resource[FunctionInputs, FunctionState]):
    token = "deltastream:index:Function"
    description = f"""A DeltaStream function: a Java UDF whose class is in a function source's jar, which queries call
like a built-in function.

Nothing changes in place (DeltaStream has no `ALTER FUNCTION`): every change replaces it. Where the signature stays
the same (another class, source, return type, argument names or properties), the old one is dropped first, as
DeltaStream refuses a taken signature; another name or other argument types is created first. DeltaStream does not
show which queries call a function, so a replacing preview searches the SQL of the running queries (`LIST QUERIES`)
for calls of its name and, if any, fails naming them unless the program sets `acceptReplacement`. A delete does not
look: make a Query calling the function depend on it, so that Pulumi removes the query first.

{examples("A Java function from a function source", STORY)}

## Import

The ID is the name and the argument types, `name(T1, T2)` (`name()` for none), as `DROP FUNCTION` needs to tell
overloads apart. `LIST FUNCTIONS` shows no return type: the program that adopts it gives `returns`, and it is taken
as given.

```sh
pulumi import deltastream:index:Function to-title 'to_title(VARCHAR)'
```"""
    inputs = FunctionInputs
    state = FunctionState
    always_set = ("signature",)
    create_privilege = "CREATE_FUNCTION"  # an organization privilege (docs: access control)

    def check(self, inputs: FunctionInputs) -> list[tuple[str, str]]:
        failures = check_identifier("name", inputs.name) + check_identifier("source", inputs.source)
        if inputs.returns == "":  # what an import leaves: LIST FUNCTIONS shows no return type
            failures.append(("returns", "returns: give the type the function returns, e.g. VARCHAR (DeltaStream "
                                        "does not show it, so an import cannot fill it in)"))
        for path, type_ in [("returns", inputs.returns),
                            *((f"arguments[{i}].type", a.type) for i, a in enumerate(inputs.arguments or []))]:
            if isinstance(type_, str) and type_:  # an empty returns is told above
                try:
                    sql.column_type(type_)
                except QuotingError as exc:
                    failures.append((path, f"{path}: {exc}"))
        names: list[str] = []
        for index, argument in enumerate(inputs.arguments or []):
            failures += check_identifier(f"arguments[{index}].name", argument.name)
            if argument.name in names:
                failures.append((f"arguments[{index}].name", f"arguments[{index}].name: {argument.name!r} is "
                                                             "given twice; give each argument its own name"))
            names.append(argument.name)
        if isinstance(inputs.class_name, str) and not inputs.class_name.strip():
            failures.append(("className", "className must name the Java class, e.g. com.example.udf.ToTitle"))
        for key in (inputs.properties or {}):
            if key in (SOURCE_KEY, CLASS_KEY):
                failures.append(("properties", f"properties: {key!r} is set by "
                                               f"{'source' if key == SOURCE_KEY else 'className'}; remove it"))
        return failures

    def diff(self, olds: FunctionInputs, news: FunctionInputs, state: FunctionState) -> Diff:
        """An imported function has no ``returns`` (``LIST FUNCTIONS`` shows none): the program's is taken, no
        change; nor is a type spelt otherwise (``varchar`` for ``VARCHAR``, as an import reads it). A replacement
        drops the old signature first only when the new one is the same (DeltaStream refuses a taken signature,
        42P015); another name or other argument types is created first, so callers of the old one keep it until
        the end."""
        returns = news.returns if not olds.returns or _same_type(olds.returns, news.returns) else olds.returns
        olds = dataclasses.replace(olds, returns=returns, arguments=_respelt(olds.arguments, news.arguments))
        result = super().diff(olds, news, state)
        old_key, new_key = _signature_key(olds), _signature_key(news)
        result.delete_before_replace = old_key is None or new_key is None or old_key == new_key
        return result

    async def existing(self, catalog: SystemTables, inputs: FunctionInputs, excluded: Collection[str]) -> Existing:
        found = await function_row(catalog, _id(inputs))
        return (_id(inputs), None) if found is not None else None

    async def create(self, ctx: Context, inputs: FunctionInputs) -> tuple[str, FunctionState]:
        resource_id = _id(inputs)
        found = await create_then_wait(ctx, _create(inputs), lambda: function_row(ctx.catalog, resource_id),
                                       what=f"function {resource_id}", resource_id=resource_id,
                                       undo=dropping(ctx, drop_statement(inputs.name, _pairs(inputs))),
                                       exists=lambda: function_row(ctx.catalog, resource_id))
        return resource_id, _state(inputs, found)

    async def read(self, ctx: Context, resource_id: str, inputs: FunctionInputs | None,
                   state: FunctionState | None) -> tuple[FunctionInputs, FunctionState] | None:
        found = await function_row(ctx.catalog, resource_id, shared=True)  # one LIST serves a refresh
        if found is None:
            return None
        known = inputs or state
        current = FunctionInputs(
            name=found.name, returns=known.returns if known is not None else "",
            source=found.source or (known.source if known is not None else ""),
            class_name=found.class_name or (known.class_name if known is not None else ""),
            arguments=_respelt(found.arguments, known.arguments if known is not None else []),
            language=known.language if known is not None else "java",
            properties=properties_as_read(found.properties, known.properties if known is not None else None),
            accept_replacement=inputs.accept_replacement if inputs is not None else None)
        return current, _state(current, found)

    async def blast_radius(self, ctx: Context, resource_id: str, state: FunctionState) -> BlastRadius:
        """The running queries whose SQL calls a function of this name: DeltaStream shows no dependency on a
        function, so ``LIST QUERIES``' text is searched (the callers of every overload, case aside)."""
        from .continuous import listed_queries  # only a replacing preview needs it

        calls = re.compile(r'(?<![\w"])"?' + re.escape(state.name) + r'"?\s*\(', re.IGNORECASE)
        callers = [f"{q.id} ({q.name})" if q.name else q.id for q in await listed_queries(ctx.catalog)
                   if (q.state or "").lower() not in DOWN_ALREADY and q.sql and calls.search(q.sql)]
        if not callers:
            return BlastRadius()
        return BlastRadius(other=[
            f"{len(callers)} running query(ies) calling {state.name} (which overload, DeltaStream does not show), "
            f"left without function {resource_id} once it is dropped (what a running query then does is not "
            f"documented; it cannot start again without it): {', '.join(callers)}"])

    def replacement_advice(self, why: list[str]) -> str:
        return (f"keep {', '.join(why)} as it is, or create the new function as another Function under another "
                "name, move the queries to it, then remove this one")

    async def delete(self, ctx: Context, resource_id: str, state: FunctionState) -> None:
        await drop_then_wait(ctx, drop_statement(state.name, _pairs(state)),
                             lambda: function_row(ctx.catalog, resource_id), what=f"function {resource_id}")


def _same_type(a: Any, b: Any) -> bool:
    """Two spellings of one type (``varchar`` and ``VARCHAR``); False while either is unknown (a preview)."""
    return isinstance(a, str) and isinstance(b, str) and _normal(a) == _normal(b)


def properties_as_read(shown: dict[str, str] | None, given: dict[str, str] | None) -> dict[str, str] | None:
    """The further WITH keys a read reports: what ``LIST FUNCTIONS``' ``Properties`` shows, and the program's other
    keys as given. What that column holds is not documented (the Python SDK reads it as a dict, nothing more): a key
    it does not show is not taken as removed, or a function setting it would be replaced on every update."""
    kept = {k: v for k, v in (given or {}).items() if k not in (shown or {})}
    return {**kept, **(shown or {})} or given


def _respelt(arguments: list[FunctionArgument], spelling: list[FunctionArgument]) -> list[FunctionArgument]:
    """``arguments`` with ``spelling``'s spelling of each type that is the same type, position by position
    (``varchar`` for the ``VARCHAR`` DeltaStream shows)."""
    if not isinstance(arguments, list) or not isinstance(spelling, list):  # unknown in a preview
        return arguments
    return [FunctionArgument(a.name, s.type) if _same_type(getattr(a, "type", None), getattr(s, "type", None)) else a
            for a, s in zip(arguments, spelling, strict=False)] + arguments[len(spelling):]


def _signature_key(inputs: FunctionInputs) -> tuple[str, list[str]] | None:
    """What tells one function from another in DeltaStream: its name (case aside, lest a name differing only in
    case collide) and its argument types; None while any of them is unknown (a preview)."""
    types = [getattr(a, "type", None) for a in inputs.arguments] if isinstance(inputs.arguments, list) else [None]
    known = [t for t in types if isinstance(t, str)]
    if not isinstance(inputs.name, str) or len(known) < len(types):
        return None
    return inputs.name.lower(), [_normal(t) for t in known]


_TO_TITLE = {"name": "to_title", "arguments": [{"name": "text", "type": "VARCHAR"}], "returns": "VARCHAR",
             "source": "udfs", "className": "com.example.udf.ToTitle"}
SAMPLE = Sample(
    inputs=_TO_TITLE,
    budget={"create": 2, "read": 1, "delete": 2},  # the statement, a LIST FUNCTIONS
    settle=(_TO_TITLE, {**_TO_TITLE, "name": "never"}),
    built=(built(create_statement, "CREATE FUNCTION", "f", [("a", "VARCHAR")], "VARCHAR", "java", "udfs", "x.F"),
           built(drop_statement, "DROP FUNCTION", "f", [("a", "VARCHAR")]),
           built(list_statement, "LIST FUNCTIONS")))


async def _fetch(catalog: SystemTables, where: dict[str, Any], limit: int) -> list[FunctionInfo]:
    return [f for f in await listed_functions(catalog) if all(getattr(f, k) == v for k, v in where.items())][:limit]


_FUNCTIONS = Source("function", "functions", _fetch, lambda found: found)
_LOOKUPS_EXAMPLE = examples("A function, then it and the functions of its source looked up", LOOKUPS_STORY)
LOOKUPS = (
    One("getFunction", f"Look up an existing function by name, with one LIST FUNCTIONS; fails when the name is "
                       f"overloaded (use getFunctions).\n\n{_LOOKUPS_EXAMPLE}", _FUNCTIONS,
        {"name": Arg("Name of the function.", Filter("name"), required=True)}, FunctionInfo),
    Many("getFunctions", f"List functions, filtered by name or function source, ordered by signature, with one "
                         f"LIST FUNCTIONS; at most 200.\n\n{_LOOKUPS_EXAMPLE}", _FUNCTIONS,
         {"name": Arg("Only the overloads of this name.", Filter("name")),
          "source": Arg("Only functions of this function source.", Filter("source"))},
         "functions", FunctionInfo, "Matching functions ordered by signature (at most 200)."),
)
