"""Queries over their sources' records, in an in-memory DuckDB: each source is a table of its declared columns (SQL
types mapped to DuckDB's) plus its event time and arrival order; each window a view over its source's table."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import threading
from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from .records import Record, RecordError, Relation
from .translate import ORDER, TIME, Translated, TranslationError

if TYPE_CHECKING:
    import duckdb

#: DeltaStream's column types in DuckDB; a STRUCT, ARRAY or MAP is kept as JSON (read it with ``->``).
TYPES = {"TINYINT": "TINYINT", "SMALLINT": "SMALLINT", "INTEGER": "INTEGER", "INT": "INTEGER", "BIGINT": "BIGINT",
         "FLOAT": "REAL", "DOUBLE": "DOUBLE", "VARCHAR": "VARCHAR", "STRING": "VARCHAR", "BOOLEAN": "BOOLEAN",
         "DATE": "DATE", "TIME": "TIME", "TIMESTAMP": "TIMESTAMP", "TIMESTAMP_LTZ": "TIMESTAMPTZ", "BYTES": "BLOB",
         "VARBINARY": "BLOB"}
#: Records inserted per statement when a source is loaded.
BATCH = 500
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
    row = "(" + ", ".join("?" * (len(types) + 2)) + ")"
    for start in range(0, len(values), BATCH):  # one statement per batch: executemany runs one per row
        batch = values[start:start + BATCH]
        con.execute(f"INSERT INTO {table} VALUES {', '.join([row] * len(batch))}", [v for r in batch for v in r])


def _json(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat(sep=" ") if isinstance(value, dt.datetime) else value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


@lru_cache(maxsize=1)
def _database() -> duckdb.DuckDBPyConnection:
    """The process's in-memory DuckDB, opened once (opening one costs more than most evaluations)."""
    import duckdb

    return duckdb.connect(":memory:", config={"threads": 1})


class Evaluation:
    """One evaluation in a schema of its own of the in-memory DuckDB, dropped at its end: sources loaded, then one
    query or an application's statements in turn (a virtual relation kept as a table for the statements after it).
    One at a time: the local server evaluates inside its catalog's transaction, and so holds its lock."""

    _lock = threading.Lock()

    def __enter__(self) -> Evaluation:
        self._lock.acquire()
        try:
            self.con = _database()
            self.con.execute("DROP SCHEMA IF EXISTS evaluation CASCADE; CREATE SCHEMA evaluation; USE evaluation")
        except BaseException:
            self._lock.release()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.con.execute("USE main; DROP SCHEMA evaluation CASCADE")
        finally:
            self._lock.release()

    def _run(self, sql: str) -> duckdb.DuckDBPyConnection:
        import duckdb

        try:
            return self.con.execute(sql)
        except duckdb.Error as exc:  # a function DuckDB lacks, a value its column cannot take
            raise TranslationError(str(exc).splitlines()[0]) from None

    def load(self, query: Translated, i: int, source: Relation, rows: list[Record]) -> None:
        """The i-th relation the query reads, from its records."""
        import duckdb

        try:
            _load(self.con, f"{query.prefix}src_{i}", source, rows,
                  query.relations[i].time_column or source.time_column)
        except duckdb.Error as exc:
            raise TranslationError(str(exc).splitlines()[0]) from None

    def reuse(self, query: Translated, i: int, table: str) -> None:
        """The i-th relation the query reads is a table kept before (a virtual relation)."""
        self._run(f"CREATE VIEW {query.prefix}src_{i} AS SELECT * FROM {table}")

    def _windows(self, query: Translated) -> None:
        """Every record in each window holding its event time: one for TUMBLE, size/advance (rounded up) for HOP;
        a window's bounds are multiples of its advance (its size for TUMBLE) since the epoch."""
        for k, window in enumerate(query.windows):
            size = window.size_ms
            step = window.advance_ms or size
            start = f'((s."{TIME}" // {step}) - k) * {step}'
            self._run(f"""CREATE VIEW {query.prefix}win_{k} AS SELECT s.*, epoch_ms({start}) AS window_start,
                          epoch_ms({start} + {size}) AS window_end
                          FROM {query.prefix}src_{window.source} AS s CROSS JOIN range(0, {-(-size // step)}) AS t(k)
                          WHERE s."{TIME}" < {start} + {size}""")

    def rows(self, query: Translated, sink_columns: Sequence[str]) -> list[dict[str, Any]]:
        """The query's result as the sink's records: named by the sink's columns when as many, else by the
        result's own names; the hidden columns left out."""
        self._windows(query)
        sql = f"SELECT * FROM ({query.sql}) ORDER BY ALL NULLS FIRST" if query.sort_result else query.sql
        result = self._run(sql)
        names = [d[0] for d in result.description or ()]
        shown = [i for i, n in enumerate(names) if n not in (TIME, ORDER)]
        if len(shown) == len(sink_columns):
            names = [*sink_columns, *(n for n in names if n in (TIME, ORDER))]
            shown = list(range(len(sink_columns)))
        return [{names[i]: _json(row[i]) for i in shown} for row in result.fetchall()]

    def keep(self, query: Translated, table: str) -> None:
        """The query's result kept as a table, hidden columns included (a DISTINCT gives none: its rows get the
        epoch and their order)."""
        self._windows(query)
        hidden = f'0::BIGINT AS "{TIME}", row_number() OVER () AS "{ORDER}"'
        with_hidden = query.sql if query.hidden else f"SELECT *, {hidden} FROM ({query.sql})"
        self._run(f"CREATE TABLE {table} AS {with_hidden}")

