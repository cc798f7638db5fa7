"""The local server reads query SQL as DeltaStream does (issue 33): a corpus of the SELECTs this repository's
examples and registry story send, the forms DeltaStream documents (written here after each page's syntax and
examples, each with its page), and broken variants, each refused with its SQLSTATE and position.

Every accepted query is parsed and checked against a catalog of the documentation's sample relations; every broken
one must fail with the code given (and name what is wrong)."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest

from deltastream_local import dsql
from deltastream_local.results import SqlFailure
from deltastream_local.statements import ColumnSpec as C

ROOT = Path(__file__).resolve().parents[2]
DOCS = "https://docs.deltastream.io/reference/sql-syntax/query/"
SELECT, FROM, JOIN = DOCS + "select", DOCS + "select/from", DOCS + "select/join"
FUNCTIONS = DOCS + "functions"
EXAMPLES = "https://github.com/deltastreaminc/examples/blob/main/"
WINDOWS = ("https://github.com/deltastreaminc/dbt-deltastream/tree/main/tests/functional/adapter/"
           "advanced_windowing")

#: The documentation's sample relations (pageviews, users, orders, shipments) and this repository's.
CATALOG: dict[str, tuple[str, tuple[C, ...]]] = {
    "pageviews": ("stream", (C("viewtime", "BIGINT", False), C("userid", "VARCHAR"), C("pageid", "VARCHAR"),
                             C("device", "VARCHAR"))),
    "users": ("changelog", (C("registertime", "BIGINT"), C("userid", "VARCHAR"), C("regionid", "VARCHAR"),
                            C("gender", "VARCHAR"), C("interests", "ARRAY<VARCHAR>"),
                            C("contactinfo", "STRUCT<phone VARCHAR, city VARCHAR, zipcode VARCHAR>"))),
    "orders": ("stream", (C("order_id", "VARCHAR"), C("order_time", "BIGINT"), C("amount", "DECIMAL(10, 2)"),
                          C("customer", "VARCHAR"), C("tags", "MAP<VARCHAR, VARCHAR>"))),
    "shipments": ("stream", (C("order_id", "VARCHAR"), C("ship_time", "BIGINT"), C("carrier", "VARCHAR"))),
    "clicks_raw": ("stream", (C("id", "VARCHAR"), C("url", "VARCHAR"), C("viewtime", "BIGINT"))),
    "visits": ("stream", (C("viewtime", "BIGINT"), C("userid", "VARCHAR"), C("pageid", "VARCHAR"))),
}


def lookup(parts: tuple[str, ...], pos: dsql.tree.Pos) -> dsql.SourceInfo:
    if parts[-1] not in CATALOG:
        raise SqlFailure("3D020", f"relation {'.'.join(parts)} does not exist ({pos})")
    kind, columns = CATALOG[parts[-1]]
    return dsql.SourceInfo(("db", "public", parts[-1]), kind, columns)


def check(sql: str) -> dsql.Resolved:
    return dsql.resolve(dsql.parse_select(sql), lookup)


#: (page, query): DeltaStream's documented forms.
DOCUMENTED: list[tuple[str, str]] = [
    (SELECT, "SELECT * FROM pageviews"),
    (SELECT, "SELECT DISTINCT userid FROM pageviews"),
    (SELECT, "SELECT viewtime AS vtime, userid AS uid, pageid FROM pageviews WHERE userid = 'User_2'"),
    (SELECT, 'SELECT "viewtime", userid AS "UserId" FROM pageviews'),
    (SELECT, "SELECT userid, COUNT(*) AS cnt FROM pageviews GROUP BY userid HAVING COUNT(*) > 1"),
    (SELECT, "SELECT pageid, userid, COUNT(pageid) AS visits FROM pageviews GROUP BY pageid, userid"),
    (FROM, "SELECT * FROM db.public.pageviews"),
    (FROM, "SELECT p.userid FROM pageviews AS p"),
    (FROM, "SELECT userid FROM pageviews WITH ('timestamp' = 'viewtime', 'starting.position' = 'earliest')"),
    (FROM, "SELECT window_start, window_end, userid, COUNT(*) AS views "
           "FROM TUMBLE(pageviews, SIZE 10 SECOND) GROUP BY window_start, window_end, userid"),
    (FROM, "SELECT window_start, window_end, COUNT(*) AS views "
           "FROM HOP(pageviews, SIZE 1 MINUTE, ADVANCE BY 10 SECONDS) WITH ('timestamp' = 'viewtime') "
           "GROUP BY window_start, window_end"),
    (FROM, "SELECT userid, pageid FROM (SELECT userid, pageid FROM pageviews WHERE pageid <> 'Page_1') AS p"),
    (JOIN, "SELECT o.order_id, s.carrier FROM orders o JOIN shipments s WITHIN 1 HOUR ON o.order_id = s.order_id"),
    (JOIN, "SELECT o.order_id, s.carrier FROM orders o WITH ('timestamp' = 'order_time') "
           "LEFT JOIN shipments s WITH ('timestamp' = 'ship_time') WITHIN 2 DAYS ON o.order_id = s.order_id"),
    (JOIN, "SELECT o.order_id, s.ship_time FROM orders o FULL OUTER JOIN shipments s WITHIN 30 MINUTES "
           "ON o.order_id = s.order_id"),
    (JOIN, "SELECT p.userid, p.pageid, u.gender, u.regionid FROM pageviews p "
           "JOIN users u ON u.userid = p.userid"),
    (JOIN, "SELECT p.userid, u.contactinfo->city AS city FROM pageviews p LEFT JOIN users u ON p.userid = u.userid"),
    (JOIN, "SELECT p.userid FROM pageviews p INNER JOIN users u ON p.userid = u.userid WHERE u.gender = 'FEMALE'"),
    (FUNCTIONS, "SELECT UPPER(userid) AS u, LOWER(pageid) AS p, CHAR_LENGTH(pageid) AS n FROM pageviews"),
    (FUNCTIONS, "SELECT TRIM(LEADING 'Page_' FROM pageid) AS page, TRIM(BOTH FROM userid) AS uid FROM pageviews"),
    (FUNCTIONS, "SELECT CAST(viewtime AS VARCHAR) AS t, CAST(viewtime AS TIMESTAMP(3)) AS ts FROM pageviews"),
    (FUNCTIONS, "SELECT userid, CASE WHEN viewtime > 1000 THEN 'late' ELSE 'early' END AS bucket FROM pageviews"),
    (FUNCTIONS, "SELECT CASE pageid WHEN 'Page_1' THEN 1 WHEN 'Page_2' THEN 2 END AS n FROM pageviews"),
    (FUNCTIONS, "SELECT userid || '-' || pageid AS k, viewtime * 2 + 1 AS t FROM pageviews WHERE viewtime % 2 = 0"),
    (FUNCTIONS, "SELECT COALESCE(userid, 'none') AS u, interests[1] AS first_interest FROM users"),
    (FUNCTIONS, "SELECT SUM(amount) AS total, AVG(amount) AS mean, MIN(order_time) AS first, "
                "MAX(order_time) AS last, COUNT(DISTINCT customer) AS customers FROM orders"),
    (FUNCTIONS, "SELECT tags['source'] AS source, EXTRACT(YEAR FROM CAST(order_time AS TIMESTAMP(3))) AS y "
                "FROM orders"),
    (FUNCTIONS, "SELECT userid FROM pageviews WHERE pageid LIKE 'Page_%' AND userid IS NOT NULL "
                "AND viewtime BETWEEN 0 AND 100 AND device IN ('mobile', 'desktop') AND NOT (pageid = 'x')"),
    (EXAMPLES + "ai_polymarket/dsql/04_flow_windows.sql",
     "SELECT customer, window_start, window_end, SUM(CASE WHEN amount >= 1000.0 THEN amount ELSE 0.0 END) AS big "
     "FROM HOP(orders, SIZE 1 hour, ADVANCE BY 1 minute) WITH ('timestamp' = 'order_time', "
     "'source.allow.latency.millis' = 30000) GROUP BY customer, window_start, window_end"),
    (EXAMPLES + "stablecoin_ops_agent_demo/dsql/03_transfer_pipeline.sql",
     "SELECT customer, MAX(order_time) AS t, COUNT(order_id) AS n FROM orders "
     "WHERE customer = 'a' OR customer = 'b' GROUP BY customer"),
    (WINDOWS, "SELECT window_start, window_end, userid, COUNT(*) AS views FROM TUMBLE(pageviews, SIZE 5 MINUTES) "
              "GROUP BY window_start, window_end, userid"),
]

#: (query, SQLSTATE, what the message names): broken variants.
REFUSED: list[tuple[str, str, str]] = [
    ("SELECT nosuchcol FROM pageviews", "42601", "column 'nosuchcol' does not exist (line 1, column 8)"),
    ("SELECT userid,\n  pagid FROM pageviews", "42601", "column 'pagid' does not exist (line 2, column 3)"),
    ("SELECT p.nosuch FROM pageviews p", "42601", "'p.nosuch' does not exist"),
    ("SELECT q.userid FROM pageviews p", "42601", "'q' names no relation of the FROM clause"),
    ("SELECT userid FROM pageviews WHERE ((( AND OR", "42601", "syntax error at or near 'AND' (line 1, column 40)"),
    ("SELECT userid, FROM pageviews", "42601", "syntax error at or near 'FROM' (line 1, column 16)"),
    ("SELECT ))) FROM pageviews", "42601", "syntax error at or near ')' (line 1, column 8)"),
    ("SELECT userid FROM pageviews WHERE userid IN (SELECT userid FROM users)", "42601", "sub-query"),
    ("SELECT NOSUCHFUNC(userid) FROM pageviews", "3D017", "function NOSUCHFUNC does not exist (line 1, column 8)"),
    ("SELECT UPPER(userid, pageid) FROM pageviews", "42601", "UPPER takes 1 argument, not 2"),
    ("SELECT SUM(userid) FROM pageviews", "42601", "SUM(VARCHAR) does not exist"),
    ("SELECT userid + 1 AS x FROM pageviews", "42601", "operator does not exist: VARCHAR + INTEGER"),
    ("SELECT userid FROM pageviews WHERE userid", "42601", "argument of WHERE must be type BOOLEAN"),
    ("SELECT userid FROM pageviews WHERE COUNT(*) > 1", "42601", "aggregate function COUNT is not allowed here"),
    ("SELECT pageid, COUNT(*) AS n FROM pageviews GROUP BY userid", "42601",
     "column 'pageid' must appear in the GROUP BY clause"),
    ("SELECT userid, userid FROM pageviews", "42601", "column 'userid' is written more than once"),
    ("SELECT userid FROM pageviews p JOIN users u ON p.userid = u.userid", "42601", "'userid' is ambiguous"),
    ("SELECT p.userid FROM pageviews p RIGHT JOIN users u ON p.userid = u.userid", "0A000",
     "RIGHT JOIN is not supported"),
    ("SELECT p.userid FROM pageviews p JOIN users u ON p.userid > u.userid", "0A000",
     "JOIN condition must be an equality of columns"),
    ("SELECT o.order_id FROM orders o JOIN shipments s ON o.order_id = s.order_id", "42601",
     "a stream/stream JOIN needs WITHIN"),
    ("SELECT p.userid FROM pageviews p JOIN users u WITHIN 1 MINUTE ON p.userid = u.userid", "42601",
     "WITHIN is for stream/stream joins only"),
    ("SELECT COUNT(*) AS n FROM TUMBLE(pageviews, SIZE 1 FORTNIGHT)", "42601", "unknown time unit 'FORTNIGHT'"),
    ("SELECT COUNT(*) AS n FROM HOP(pageviews, SIZE 1 MINUTE, ADVANCE BY 2 MINUTES)", "42601",
     "ADVANCE BY cannot exceed its SIZE"),
    ("SELECT * FROM nosuchrelation", "3D020", "relation nosuchrelation does not exist (line 1, column 15)"),
    ("SELECT u.contactinfo->street FROM users u", "42601", "field 'street' does not exist"),
]


def _code(failure: Exception) -> str:
    return "42601" if isinstance(failure, dsql.SelectSyntaxError) else getattr(failure, "code", "?")


@pytest.mark.parametrize("page, sql", DOCUMENTED, ids=[f"{i}" for i in range(len(DOCUMENTED))])
def test_documented_queries_are_accepted(page: str, sql: str) -> None:
    assert page.startswith("https://")
    resolved = check(sql)
    assert resolved.sources and resolved.columns


@pytest.mark.parametrize("sql, code, words", REFUSED, ids=[f"{c}-{i}" for i, (_, c, _) in enumerate(REFUSED)])
def test_broken_variants_are_refused_with_their_sqlstate(sql: str, code: str, words: str) -> None:
    with pytest.raises((SqlFailure, dsql.SelectSyntaxError)) as failed:
        check(sql)
    assert _code(failed.value) == code
    assert words in str(failed.value)


#: The query bodies this repository's programs send: examples in every language and the registry story. A
#: program's interpolation (``${x.fqn}``, ``{0}``, ``%s``) stands for a relation.
_SOURCES = [*ROOT.glob("examples/*/*.ts"), *ROOT.glob("examples/*/*.go"), *ROOT.glob("examples/*/*.py"),
            *ROOT.glob("examples/*/Pulumi.yaml"), ROOT / "src/deltastream_provider/model/story.py"]
_BODY = re.compile(r"\bSELECT\b[^;\"`\n]*", re.IGNORECASE)
_INTERPOLATION = re.compile(r"\$\{[^}]*\}|\{\d\}|%s")


def repository_queries() -> list[tuple[str, str]]:
    found: dict[str, str] = {}
    for path in _SOURCES:
        for match in _BODY.finditer(path.read_text()):
            body = _INTERPOLATION.sub("pageviews", match.group(0)).strip().rstrip(",;")
            if " FROM " in body.upper() and "deltastream.sys" not in body:
                found.setdefault(body, str(path.relative_to(ROOT)))
    return sorted((where, body) for body, where in found.items())


def test_the_repository_sends_queries() -> None:
    assert len(repository_queries()) >= 8  # the extraction finds what the examples send


@pytest.mark.parametrize("where, sql", repository_queries())
def test_every_query_of_the_repository_parses(where: str, sql: str) -> None:
    select = dsql.parse_select(sql)
    assert select.relations(), where


def test_the_corpus_counts() -> None:
    """Accepted and refused, by page and by code: what the report and CHOICES.md cite."""
    pages = Counter(page.split("/")[-1] for page, _ in DOCUMENTED)
    codes = Counter(code for _, code, _ in REFUSED)
    assert sum(pages.values()) >= 30 and set(codes) == {"42601", "3D017", "0A000", "3D020"}
