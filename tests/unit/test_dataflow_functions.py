"""DeltaStream's functions as the dataflow evaluates them: a SELECT parsed by ``dsql``, written in DuckDB's SQL
(``dataflow.translate``) and run over records in memory (``dataflow.evaluate``); each case one record in and the
exact value out, where DuckDB names or orders the function otherwise than DeltaStream (Flink) does."""

from __future__ import annotations

from typing import Any

import pytest

from deltastream_local.dataflow.evaluate import Evaluation
from deltastream_local.dataflow.records import Record, Relation
from deltastream_local.dataflow.translate import TranslationError, translate
from deltastream_local.dsql import parse_select

CLICKS = Relation(("db", "s", "clicks"), "stream", "k", '["clicks"]',
                  [("viewtime", "BIGINT"), ("url", "VARCHAR"), ("tags", "ARRAY<VARCHAR>"),
                   ("device", "STRUCT<os VARCHAR, version INTEGER>"), ("price", "DECIMAL(10, 2)")],
                  (), "viewtime")
RECORD = {"viewtime": 1_700_000_000_123, "url": "xxHTTPS://Shop.example.com/a/b?q=1xx", "tags": ["new", "sale"],
          "device": {"os": "ios", "version": 17}, "price": "12.50"}


def one(expression: str, record: dict[str, Any] = RECORD) -> Any:
    query = translate(parse_select(f"SELECT {expression} AS v FROM clicks"))
    with Evaluation() as evaluation:
        evaluation.load(query, 0, CLICKS, [Record(1, record, 0)])
        [row] = evaluation.rows(query, ["v"])
    return row["v"]


@pytest.mark.parametrize("expression, value", [
    ("TRIM(BOTH 'x' FROM url)", "HTTPS://Shop.example.com/a/b?q=1"),
    ("TRIM(LEADING 'x' FROM url)", "HTTPS://Shop.example.com/a/b?q=1xx"),
    ("TRIM(TRAILING 'x' FROM url)", "xxHTTPS://Shop.example.com/a/b?q=1"),
    ("LOWER(SUBSTRING(url, 3, 5))", "https"),
    ("CHAR_LENGTH(url)", 36),
    ("LOCATE('Shop', url)", 11),
    ("SPLIT_INDEX(url, '/', 3)", "a"),
    ("IF(viewtime > 0, 'after', 'before')", "after"),
    ("CASE WHEN url LIKE '%sale%' THEN 1 ELSE 0 END", 0),
    ("COALESCE(NULL, url) || '!'", "xxHTTPS://Shop.example.com/a/b?q=1xx!"),
    ("CAST(viewtime / 1000 AS BIGINT)", 1_700_000_000),
    ("TO_TIMESTAMP_LTZ(viewtime, 3)", "2023-11-14 22:13:20.123000"),
    ("FROM_UNIXTIME(viewtime / 1000)", "2023-11-14 22:13:20"),
    ("EXTRACT(YEAR FROM TO_TIMESTAMP_LTZ(viewtime, 3))", 2023),
    ("tags[2]", "sale"),
    ("device->os", "ios"),
    ("price * 2", 25.0),
    ("viewtime BETWEEN 1 AND 2", False),
    ("url NOT IN ('a', 'b')", True),
])
def test_function_on_one_record(expression: str, value: Any) -> None:
    assert one(expression) == value


def test_a_function_duckdb_lacks_fails_with_its_message() -> None:
    with pytest.raises(TranslationError, match=r"(?i)initcap"):
        one("INITCAP(url)")


def test_event_time_is_the_timestamp_column_and_windows_follow_it() -> None:
    query = translate(parse_select("SELECT window_start, window_end, COUNT(*) AS n "
                                   "FROM TUMBLE(clicks, SIZE 1 MINUTE) GROUP BY window_start, window_end"))
    with Evaluation() as evaluation:
        times = (0, 59_999, 60_000)
        evaluation.load(query, 0, CLICKS, [Record(i + 1, {"viewtime": t}, 0) for i, t in enumerate(times)])
        rows = evaluation.rows(query, ["window_start", "window_end", "n"])
    assert rows == [{"window_start": "1970-01-01 00:00:00", "window_end": "1970-01-01 00:01:00", "n": 2},
                    {"window_start": "1970-01-01 00:01:00", "window_end": "1970-01-01 00:02:00", "n": 1}]
