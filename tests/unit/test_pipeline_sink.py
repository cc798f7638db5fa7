"""A Pipeline's sink of kind ``materialized_view`` (issue 34): checked before anything is made, naming the property:
the view takes its columns and rows from the transform, only the sink may be a view, and its query cannot resume."""

from __future__ import annotations

from typing import Any

import pytest

from deltastream_components.pipeline import PipelineInputs, check

SOURCE = {"name": "raw", "columns": [{"name": "id", "type": "BIGINT"}, {"name": "url", "type": "VARCHAR"}]}
VIEW = {"name": "counts", "kind": "materialized_view"}


def inputs(**changes: Any) -> PipelineInputs:
    values = {"database": "shop", "store": "events", "sources": [SOURCE], "sink": VIEW,
              "transform": "SELECT url, COUNT(*) AS views FROM raw GROUP BY url", **changes}
    return PipelineInputs.from_props(values)


def test_a_view_sink_needs_no_columns() -> None:
    assert check(inputs()) == []


@pytest.mark.parametrize("key, value", [("columns", [{"name": "url", "type": "VARCHAR"}]), ("primaryKey", ["url"]),
                                        ("timestampColumn", "ts"), ("entity", "counts"), ("valueFormat", "json"),
                                        ("keyFormat", "json")])
def test_a_view_sink_takes_nothing_the_transform_gives(key: str, value: Any) -> None:
    [(path, message)] = check(inputs(sink={**VIEW, key: value}))
    assert path == f"sink.{key}" and message.startswith(f"sink.{key}: a materialized_view sink takes no {key}")


def test_only_the_sink_may_be_a_view_and_its_query_cannot_resume() -> None:
    failures = dict(check(inputs(sources=[{**SOURCE, "kind": "materialized_view"}], upgrade="resume")))
    assert set(failures) == {"sources[0].kind", "upgrade"}
    assert "only the sink can" in failures["sources[0].kind"]
    assert "a changed transform replaces the view" in failures["upgrade"]
