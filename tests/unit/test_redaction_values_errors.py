"""Redaction of user SQL, cell decoding by type, and the SQLSTATE -> exception mapping."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from deltastream_provider import errors
from deltastream_provider.deltastream.redaction import redact_known, redact_sql, redact_values, secrets_known
from deltastream_provider.deltastream.values import cell_value, parse_timestamp, rfc3339


def test_user_sql_redaction_hides_credential_properties_only() -> None:
    text = ("CREATE STORE s WITH ('kafka.sasl.password' = 'p''w', 'uris' = 'b:9092', 'secret_string' = 'x', "
            "'snowflake.client.key_passphrase' = 'pp', 'key.format' = 'json')")
    redacted = redact_sql(text)
    assert "p''w" not in redacted and "'pp'" not in redacted and "'x'" not in redacted
    assert "'b:9092'" in redacted and "'key.format' = 'json'" in redacted


def test_redact_values_removes_known_secrets_from_messages() -> None:
    assert redact_values("auth failed for hunter2 at host", ["hunter2"]) == "auth failed for **** at host"


def test_redact_values_removes_a_secret_as_sql_and_json_quote_it() -> None:
    said = "refused 'it''s-secret' in {\"password\": \"a\\\"b-secret\"}"
    assert redact_values(said, ["it's-secret", 'a"b-secret']) == "refused '****' in {\"password\": \"****\"}"


def test_secrets_known_in_a_scope_are_redacted_until_it_closes() -> None:
    with secrets_known(["outer-secret"]) as known:
        with secrets_known(["added-later"]):  # joins the open scope, for as long as it is open
            pass
        assert known == {"outer-secret", "added-later"}
        assert redact_known("outer-secret added-later") == "**** ****"
    assert redact_known("outer-secret") == "outer-secret"


@pytest.mark.parametrize("type_, cell, expected", [
    ("VARCHAR", "abc", "abc"), ("INTEGER", "127", 127), ("BIGINT", "9.223372036854775807E+18", 9223372036854775807),
    ("BOOLEAN", "true", True), ("BOOLEAN", "FALSE", False), ("DECIMAL(5, 2)", "123.00", Decimal("123.00")),
    ("DOUBLE", "-1.5E+3", -1500.0), ("ARRAY<INTEGER>", "[1,2]", [1, 2]), ("VARBINARY", "YmluYXJ5", b"binary"),
    ("VARCHAR", None, None), ("DATE", "2007-04-30", dt.date(2007, 4, 30)),
])
def test_decode_by_column_type(type_: str, cell: str | None, expected: object) -> None:
    assert cell_value(type_, cell) == expected


@pytest.mark.parametrize("text", ["2023-12-30 03:37:45Z", "2023-12-30 03:37:45.0474381Z", "2023-12-30 03:37:45+0000",
                                  "2023-12-30T03:37:45Z", "2023-12-30 03:37:45"])
def test_timestamps_in_every_observed_form(text: str) -> None:
    value = parse_timestamp(text)
    assert value.tzinfo is not None and (value.year, value.second) == (2023, 45)
    assert rfc3339(value).startswith("2023-12-30T03:37:45")


@pytest.mark.parametrize("code, cls", [
    ("3D002", errors.NotFoundError), ("3D020", errors.NotFoundError), ("42P04", errors.AlreadyExistsError),
    ("42P017", errors.AlreadyExistsError), ("42P17", errors.AlreadyExistsError),
    ("42501", errors.PermissionDeniedError),
    ("42601", errors.InvalidInputError), ("2BP01", errors.DependentObjectsError), ("3E001", errors.NotReadyError),
    ("XX000", errors.SQLError),
])
def test_sqlstate_mapping(code: str, cls: type) -> None:
    error = errors.sql_error(code, "boom", "stmt-1")
    assert type(error) is cls
    assert "boom" in str(error) and code in str(error) and "stmt-1" in str(error)


@pytest.mark.parametrize("status, cls", [(401, errors.AuthenticationError), (403, errors.AuthenticationError),
                                         (404, errors.EndpointNotFoundError), (429, errors.RateLimitedError),
                                         (503, errors.ServiceUnavailableError), (500, errors.ServerError)])
def test_http_status_mapping(status: int, cls: type) -> None:
    error = errors.http_error(status, "nope")
    assert type(error) is cls and error.hint and f"HTTP {status}" in str(error)


def test_permission_errors_carry_guidance() -> None:
    assert "role" in str(errors.sql_error("42501", "permission denied", None))
