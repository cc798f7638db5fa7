"""One query over its sources' records, in an in-memory DuckDB: each source is a table of its declared columns (SQL
types mapped to DuckDB's) plus its event time and arrival order; each window a view over its source's table."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .records import Record, RecordError, Relation
from .translate import ORDER, TIME, Translated, TranslationError, WindowView

if TYPE_CHECKING:
    import duckdb

#: DeltaStream's column types in DuckDB; a STRUCT, ARRAY or MAP is kept as JSON (read it with ``->``).
TYPES = {"TINYINT": "TINYINT", "SMALLINT": "SMALLINT", "INTEGER": "INTEGER", "INT": "INTEGER", "BIGINT": "BIGINT",
         "FLOAT": "REAL", "DOUBLE": "DOUBLE", "VARCHAR": "VARCHAR", "STRING": "VARCHAR", "BOOLEAN": "BOOLEAN",
         "DATE": "DATE", "TIME": "TIME", "TIMESTAMP": "TIMESTAMP", "TIMESTAMP_LTZ": "TIMESTAMPTZ", "BYTES": "BLOB",
         "VARBINARY": "BLOB"}
_DECIMAL = re.compile(r"^DECIMAL\s*\(\s*\d+\s*,\s*\d+\s*\)$", re.IGNORECASE)


def duckdb_type(declared: str) -> str:
    base = declared.strip().upper()
    if _DECIMAL.match(base):
        return base
    head = re.split(r"[\s(<]", base, maxsplit=1)[0]
    if head in ("STRUCT", "ARRAY", "MAP"):
        return "JSON"
    return TYPES.get(head, "VARCHAR")


def _epoch_ms(value: Any, where: str) -> int:
    if isinstance(value, bool) or value is None:
        raise RecordError(f"{where}: event time is {value!r}, not a time")
    if isinstance(value, int | float):
        return int(value)
    try:
        moment = dt.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise RecordError(f"{where}: event time {value!r} is neither epoch milliseconds nor an ISO time") from None
    return int((moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)).timestamp() * 1000)


def _cell(value: Any, duck: str) -> Any:
    """A JSON value as its column takes it: nested values as JSON text, epoch milliseconds as a time."""
    if isinstance(value, dict | list):
        return json.dumps(value)
    if duck in ("TIMESTAMP", "TIMESTAMPTZ") and isinstance(value, int | float) and not isinstance(value, bool):
        moment = dt.datetime.fromtimestamp(value / 1000, dt.UTC)
        return moment if duck == "TIMESTAMPTZ" else moment.replace(tzinfo=None)
    return value


def _load(con: duckdb.DuckDBPyConnection, table: str, source: Relation, rows: list[Record],
          time_column: str | None) -> None:
    types = [duckdb_type(t) for _, t in source.columns]
    columns = ", ".join(f'"{name}" {duck}' for (name, _), duck in zip(source.columns, types, strict=True))
    con.execute(f'CREATE TABLE {table} ({columns}, "{TIME}" BIGINT, "{ORDER}" BIGINT)')
    values = []
    for record in rows:
        fields = {k.lower(): v for k, v in record.value.items()}
        where = f"record {record.seq - 1} of {'.'.join(source.path)}"
        event = record.written_ms if time_column is None else _epoch_ms(fields.get(time_column.lower()), where)
        values.append([*(_cell(fields.get(name.lower()), duck) for (name, _), duck in
                         zip(source.columns, types, strict=True)), event, record.seq])
    if values:
        marks = ", ".join("?" * (len(types) + 2))
        con.executemany(f"INSERT INTO {table} VALUES ({marks})", values)


def _window_view(con: duckdb.DuckDBPyConnection, name: str, window: WindowView) -> None:
    """Every record in each window holding its event time: one for TUMBLE, size/advance (rounded up) for HOP; a
    window's bounds are multiples of its advance (its size for TUMBLE) since the epoch."""
    size = window.size_ms
    step = window.advance_ms or size
    start = f'((s."{TIME}" // {step}) - k) * {step}'
    con.execute(f"""CREATE VIEW {name} AS SELECT s.*, epoch_ms({start}) AS window_start,
                    epoch_ms({start} + {size}) AS window_end
                    FROM src_{window.source} AS s CROSS JOIN range(0, {-(-size // step)}) AS t(k)
                    WHERE s."{TIME}" < {start} + {size}""")


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def evaluate(query: Translated, sources: Sequence[Relation], rows: Sequence[list[Record]],
             sink_columns: Sequence[str]) -> list[dict[str, Any]]:
    """The query's result over ``rows`` (per relation read, in ``query.relations`` order) as the sink's records:
    named by the sink's columns when as many, else by the result's own names."""
    import duckdb

    con = duckdb.connect(":memory:", config={"threads": 1})
    try:
        for i, (source, found) in enumerate(zip(sources, rows, strict=True)):
            _load(con, f"src_{i}", source, found, query.relations[i].time_column or source.time_column)
        for k, window in enumerate(query.windows):
            _window_view(con, f"win_{k}", window)
        sql = f"SELECT * FROM ({query.sql}) ORDER BY ALL NULLS FIRST" if query.sort_result else query.sql
        result = con.execute(sql)
        names = [d[0] for d in result.description or ()]
        if len(names) == len(sink_columns):
            names = list(sink_columns)
        return [{n: _json(v) for n, v in zip(names, row, strict=True)} for row in result.fetchall()]
    except duckdb.Error as exc:  # a function DuckDB lacks, a value its column cannot take
        raise TranslationError(str(exc).splitlines()[0]) from None
    finally:
        con.close()
