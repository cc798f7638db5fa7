"""The 200-row cap warning says how the returned rows were ordered."""

from __future__ import annotations

from deltastream_provider.functions.base import ROW_CAP, capped


def test_cap_warning_names_the_order() -> None:
    rows, warnings = capped(list(range(ROW_CAP + 1)), "queries", order="oldest first")
    assert rows == list(range(ROW_CAP)) and "(oldest first)" in warnings[0] and "by name" not in warnings[0]
    assert capped(list(range(ROW_CAP)), "databases") == (list(range(ROW_CAP)), [])
