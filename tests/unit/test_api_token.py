"""ApiToken's pure parts: when a token is due for renewal, how LIST API_TOKENS' times are read (typed, or the text
the docs show, Go's zero time as none), and its statements (the role a quoted string, no secret in any)."""

from __future__ import annotations

import datetime as dt

from deltastream_provider.resources.api_token import _time, create_statement, due, renew_statement

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def test_due_only_when_fewer_than_renew_before_days_remain() -> None:
    assert not due("2026-01-09T00:00:00Z", 7, NOW)
    assert due("2026-01-07T23:59:59Z", 7, NOW)
    assert not due("2026-01-02T00:00:00Z", None, NOW) and not due(None, 7, NOW)


def test_list_times_as_typed_or_as_the_docs_show_them() -> None:
    assert _time("2024-10-09 20:37:17 +0000 UTC") == "2024-10-09T20:37:17Z"
    assert _time(dt.datetime(2024, 7, 11, 20, 38, 50, tzinfo=dt.UTC)) == "2024-07-11T20:38:50Z"
    assert _time("0001-01-01T00:00:00Z") is None and _time(None) is None


def test_statements() -> None:
    assert create_statement("ci", "Analyst", 30).sql == ('CREATE API_TOKEN "ci" WITH (\'token.role_name\' = '
                                                         '\'Analyst\', \'token.expires_in_days\' = 30);')
    assert create_statement("ci", "a", None).sql == 'CREATE API_TOKEN "ci" WITH (\'token.role_name\' = \'a\');'
    assert renew_statement("ci").sql == 'ALTER API_TOKEN "ci" RENEW TOKEN;'
