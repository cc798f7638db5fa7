"""The functions a DeltaStream query may call: arity and result type.

DeltaStream's function reference (docs reference/sql-syntax/query/functions) lists Flink's built-in functions under
DeltaStream's names; this table holds those the documentation's and DeltaStream's examples' queries call, plus the
common scalar ones of the same families. A function made with CREATE FUNCTION (a Java UDF) is known beside them
(:class:`UserFunction`, given to ``resolve``); any other name is refused (3D017, InvalidFunction) as DeltaStream
refuses a function it does not know; CHOICES.md says so.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

#: ``SAME`` as a result: the type of the first argument (MIN, MAX, ABS, COALESCE...).
SAME = "SAME"


@dataclass(frozen=True)
class Function:
    low: int
    high: int | None  # None: any number
    result: str
    aggregate: bool = False
    numeric: bool = False  # every argument must be a number


def _f(low: int, high: int | None, result: str, **kw: bool) -> Function:
    return Function(low, high, result, **kw)


FUNCTIONS: dict[str, Function] = {
    # aggregates
    "count": _f(1, 1, "BIGINT", aggregate=True),
    "sum": _f(1, 1, SAME, aggregate=True, numeric=True),
    "avg": _f(1, 1, "DOUBLE", aggregate=True, numeric=True),
    "min": _f(1, 1, SAME, aggregate=True),
    "max": _f(1, 1, SAME, aggregate=True),
    "listagg": _f(1, 2, "VARCHAR", aggregate=True),
    "collect": _f(1, 1, "MULTISET", aggregate=True),
    "stddev_pop": _f(1, 1, "DOUBLE", aggregate=True, numeric=True),
    "stddev_samp": _f(1, 1, "DOUBLE", aggregate=True, numeric=True),
    "var_pop": _f(1, 1, "DOUBLE", aggregate=True, numeric=True),
    "var_samp": _f(1, 1, "DOUBLE", aggregate=True, numeric=True),
    "first_value": _f(1, 1, SAME, aggregate=True),
    "last_value": _f(1, 1, SAME, aggregate=True),
    "top_n": _f(2, 3, "VARCHAR", aggregate=True),
    # strings
    "upper": _f(1, 1, "VARCHAR"), "lower": _f(1, 1, "VARCHAR"), "initcap": _f(1, 1, "VARCHAR"),
    "trim": _f(1, 2, "VARCHAR"), "ltrim": _f(1, 2, "VARCHAR"), "rtrim": _f(1, 2, "VARCHAR"),
    "concat": _f(1, None, "VARCHAR"), "concat_ws": _f(2, None, "VARCHAR"),
    "substring": _f(2, 3, "VARCHAR"), "substr": _f(2, 3, "VARCHAR"),
    "char_length": _f(1, 1, "INTEGER"), "character_length": _f(1, 1, "INTEGER"), "length": _f(1, 1, "INTEGER"),
    "position": _f(2, 2, "INTEGER"), "locate": _f(2, 3, "INTEGER"), "instr": _f(2, 2, "INTEGER"),
    "replace": _f(3, 3, "VARCHAR"), "regexp_replace": _f(3, 3, "VARCHAR"), "regexp_extract": _f(2, 3, "VARCHAR"),
    "regexp": _f(2, 2, "BOOLEAN"), "split_index": _f(3, 3, "VARCHAR"), "lpad": _f(3, 3, "VARCHAR"),
    "rpad": _f(3, 3, "VARCHAR"), "repeat": _f(2, 2, "VARCHAR"), "reverse": _f(1, 1, "VARCHAR"),
    "left": _f(2, 2, "VARCHAR"), "right": _f(2, 2, "VARCHAR"), "md5": _f(1, 1, "VARCHAR"),
    "sha1": _f(1, 1, "VARCHAR"), "sha256": _f(1, 1, "VARCHAR"), "to_base64": _f(1, 1, "VARCHAR"),
    "from_base64": _f(1, 1, "VARCHAR"), "uuid": _f(0, 0, "VARCHAR"), "url_decode": _f(1, 1, "VARCHAR"),
    "url_encode": _f(1, 1, "VARCHAR"), "json_value": _f(2, 2, "VARCHAR"), "json_query": _f(2, 2, "VARCHAR"),
    "json_exists": _f(2, 2, "BOOLEAN"), "json_object": _f(0, None, "VARCHAR"), "json_string": _f(1, 1, "VARCHAR"),
    # numbers
    "abs": _f(1, 1, SAME, numeric=True), "round": _f(1, 2, SAME, numeric=True), "floor": _f(1, 1, SAME),
    "ceil": _f(1, 1, SAME), "ceiling": _f(1, 1, SAME), "mod": _f(2, 2, SAME, numeric=True),
    "power": _f(2, 2, "DOUBLE", numeric=True), "sqrt": _f(1, 1, "DOUBLE", numeric=True),
    "exp": _f(1, 1, "DOUBLE", numeric=True), "ln": _f(1, 1, "DOUBLE", numeric=True),
    "log10": _f(1, 1, "DOUBLE", numeric=True), "log2": _f(1, 1, "DOUBLE", numeric=True),
    "log": _f(1, 2, "DOUBLE", numeric=True), "sign": _f(1, 1, SAME, numeric=True), "rand": _f(0, 1, "DOUBLE"),
    "rand_integer": _f(1, 2, "INTEGER"), "truncate": _f(1, 2, SAME, numeric=True), "greatest": _f(1, None, SAME),
    "least": _f(1, None, SAME),
    # time
    "extract": _f(1, 1, "BIGINT"), "unix_timestamp": _f(0, 2, "BIGINT"), "from_unixtime": _f(1, 2, "VARCHAR"),
    "to_timestamp": _f(1, 2, "TIMESTAMP(3)"), "to_timestamp_ltz": _f(1, 2, "TIMESTAMP_LTZ(3)"),
    "to_date": _f(1, 2, "DATE"), "date_format": _f(2, 2, "VARCHAR"), "current_timestamp": _f(0, 0, "TIMESTAMP_LTZ(3)"),
    "now": _f(0, 0, "TIMESTAMP_LTZ(3)"), "localtimestamp": _f(0, 0, "TIMESTAMP(3)"),
    "current_date": _f(0, 0, "DATE"), "timestampadd": _f(3, 3, "TIMESTAMP(3)"),
    "timestampdiff": _f(3, 3, "INTEGER"), "convert_tz": _f(3, 3, "VARCHAR"),
    # conditions and collections
    "coalesce": _f(1, None, SAME), "nullif": _f(2, 2, SAME), "if": _f(3, 3, "ARG1"), "ifnull": _f(2, 2, SAME),
    "is_alpha": _f(1, 1, "BOOLEAN"), "is_decimal": _f(1, 1, "BOOLEAN"), "is_digit": _f(1, 1, "BOOLEAN"),
    "cardinality": _f(1, 1, "INTEGER"), "element": _f(1, 1, "VARCHAR"), "array": _f(1, None, "ARRAY"),
    "map": _f(2, None, "MAP"), "hash_code": _f(1, 1, "INTEGER"),
}



@dataclass(frozen=True)
class UserFunction:
    """A function created with ``CREATE FUNCTION`` (families/functions.py): its argument types and result type."""

    arguments: tuple[str, ...]
    result: str


#: The created functions a query may call, by lower-cased name: each overload.
UserFunctions = Mapping[str, Sequence[UserFunction]]

NUMERIC_PREFIXES = ("TINYINT", "SMALLINT", "INT", "BIGINT", "FLOAT", "DOUBLE", "DECIMAL", "REAL", "NUMERIC")


def is_numeric(type_: str) -> bool:
    return type_.upper().startswith(NUMERIC_PREFIXES)


def is_text(type_: str) -> bool:
    return type_.upper().startswith(("VARCHAR", "STRING", "CHAR"))
