"""The local server runs continuous queries over sample records (``deltastream_local.dataflow``): records written
with INSERT INTO ENTITY flow through each running query into its sink's entity, read back with PRINT ENTITY, each
case with its records in and its exact records out."""

from __future__ import annotations

from typing import Any

import pytest
from testkit import TOKEN, dataplane

from deltastream_local.dataflow.flow import errors
from deltastream_local.runner import BackgroundServer
from deltastream_local.samples import Samples

PAGEVIEWS = "viewtime BIGINT, userid VARCHAR, pageid VARCHAR"


class Shop:
    """A database ``db``, namespace ``s`` and Kafka store ``k`` on the local server; streams over topics of their
    own names."""

    def __init__(self, local: BackgroundServer) -> None:
        self.local = local
        self.samples = Samples(local.url, TOKEN)
        self.samples.run('CREATE DATABASE "db";')
        self.sql('CREATE SCHEMA "s" IN DATABASE "db";')
        self.sql("CREATE STORE k WITH ('type' = KAFKA, 'uris' = 'b:1', 'kafka.sasl.hash_function' = NONE);")

    def sql(self, statement: str) -> list[list[Any]]:
        """A statement in the session of database db, namespace s."""
        return self.samples.run(statement, database="db", schema="s")

    def select(self, statement: str, count: int) -> list[list[Any]]:
        """The first ``count`` rows of an interactive SELECT of a stream or changelog (read through the dataplane)."""
        return dataplane.select(self.local.url, statement, count, database="db", schema="s")

    def topic(self, name: str) -> None:
        self.sql(f'CREATE ENTITY "{name}" IN STORE "k";')

    def relation(self, name: str, columns: str, kind: str = "STREAM", timestamp: str | None = "viewtime") -> None:
        self.topic(name)
        time = f", 'timestamp' = '{timestamp}'" if timestamp else ""
        self.sql(f'CREATE {kind} "db"."s"."{name}" ({columns}) WITH (\'store\' = \'k\', \'topic\' = \'{name}\', '
                 f"'value.format' = 'json'{time});")

    def write(self, entity: str, records: list[dict[str, Any]]) -> None:
        self.samples.write("k", entity, records)

    def read(self, entity: str) -> list[dict[str, Any]]:
        return self.samples.read("k", entity)

    def errors(self) -> dict[str, str]:
        with self.local.server.catalog.transaction() as db:
            return errors(db)


@pytest.fixture
def shop(local: BackgroundServer) -> Shop:
    return Shop(local)


VIEWS = [{"viewtime": 1000, "userid": "User_1", "pageid": "Page_1"},
         {"viewtime": 2000, "userid": "User_2", "pageid": None},
         {"viewtime": 4000, "userid": "User_1", "pageid": "Page_7"},
         {"viewtime": 12000, "userid": "User_1", "pageid": "Page_2"}]


def test_projection_filter_and_functions_per_record(shop: Shop) -> None:
    shop.relation("pageviews", PAGEVIEWS)
    shop.relation("clean", "userid VARCHAR, page VARCHAR, late BOOLEAN", timestamp=None)
    shop.sql('INSERT INTO "db"."s"."clean" SELECT LOWER(userid) AS userid, '
             "TRIM(LEADING 'Page_' FROM pageid) AS page, "
             "CASE WHEN viewtime > 3000 THEN TRUE ELSE FALSE END AS late FROM pageviews WHERE pageid IS NOT NULL;")
    shop.write("pageviews", VIEWS)
    assert shop.read("clean") == [{"userid": "user_1", "page": "1", "late": False},
                                  {"userid": "user_1", "page": "7", "late": True},
                                  {"userid": "user_1", "page": "2", "late": True}]
    assert shop.read("pageviews") == VIEWS  # the source keeps what was written
    assert shop.errors() == {}


def test_a_query_starting_reads_the_records_so_far_and_a_later_one_flows_on(shop: Shop) -> None:
    shop.relation("pageviews", PAGEVIEWS)
    shop.write("pageviews", VIEWS[:2])
    shop.relation("ones", PAGEVIEWS)
    shop.relation("ones_pages", "pageid VARCHAR", timestamp=None)
    shop.sql('INSERT INTO "db"."s"."ones" SELECT * FROM pageviews WHERE userid = \'User_1\';')
    shop.sql('INSERT INTO "db"."s"."ones_pages" SELECT pageid FROM "db"."s"."ones";')  # reads the first's sink
    assert shop.read("ones") == VIEWS[:1] and shop.read("ones_pages") == [{"pageid": "Page_1"}]
    shop.write("pageviews", VIEWS[2:])
    assert shop.read("ones") == [VIEWS[0], *VIEWS[2:]]  # each record once: not doubled by re-evaluation
    assert shop.read("ones_pages") == [{"pageid": "Page_1"}, {"pageid": "Page_7"}, {"pageid": "Page_2"}]


def test_tumbling_window_count_over_event_time(shop: Shop) -> None:
    shop.relation("pageviews", PAGEVIEWS)
    shop.topic("counts")
    shop.sql("CREATE STREAM \"db\".\"s\".\"counts\" WITH ('store' = 'k', 'topic' = 'counts') AS "
             "SELECT window_start, window_end, userid, COUNT(*) AS views "
             "FROM TUMBLE(pageviews, SIZE 10 SECONDS) GROUP BY window_start, window_end, userid;")
    shop.write("pageviews", VIEWS)
    assert shop.read("counts") == [
        {"window_start": "1970-01-01 00:00:00", "window_end": "1970-01-01 00:00:10", "userid": "User_1", "views": 2},
        {"window_start": "1970-01-01 00:00:00", "window_end": "1970-01-01 00:00:10", "userid": "User_2", "views": 1},
        {"window_start": "1970-01-01 00:00:10", "window_end": "1970-01-01 00:00:20", "userid": "User_1", "views": 1}]


def test_hopping_window_puts_a_record_in_every_window_holding_it(shop: Shop) -> None:
    shop.relation("pageviews", PAGEVIEWS)
    shop.relation("hops", "window_start TIMESTAMP, views BIGINT", timestamp=None)
    shop.sql('INSERT INTO "db"."s"."hops" SELECT window_start, COUNT(*) AS views '
             "FROM HOP(pageviews, SIZE 10 SECONDS, ADVANCE BY 5 SECONDS) GROUP BY window_start, window_end;")
    shop.write("pageviews", VIEWS)
    # 1 s, 2 s and 4 s fall in [-5, 5) and [0, 10); 12 s in [5, 15) and [10, 20)
    assert shop.read("hops") == [{"window_start": "1969-12-31 23:59:55", "views": 3},
                                 {"window_start": "1970-01-01 00:00:00", "views": 3},
                                 {"window_start": "1970-01-01 00:00:05", "views": 1},
                                 {"window_start": "1970-01-01 00:00:10", "views": 1}]


def test_join_within_matches_records_close_in_event_time(shop: Shop) -> None:
    shop.relation("pageviews", PAGEVIEWS)
    shop.relation("clicks", "clicktime BIGINT, userid VARCHAR, button VARCHAR", timestamp="clicktime")
    shop.relation("engaged", "userid VARCHAR, pageid VARCHAR, button VARCHAR", timestamp=None)
    shop.sql('INSERT INTO "db"."s"."engaged" SELECT p.userid AS userid, p.pageid AS pageid, c.button AS button '
             "FROM pageviews p JOIN clicks c WITHIN 3 SECONDS ON p.userid = c.userid;")
    shop.write("pageviews", VIEWS)
    shop.write("clicks", [{"clicktime": 2500, "userid": "User_1", "button": "buy"},
                          {"clicktime": 30000, "userid": "User_1", "button": "late"},
                          {"clicktime": 2000, "userid": "User_3", "button": "other"}])
    assert shop.read("engaged") == [{"userid": "User_1", "pageid": "Page_1", "button": "buy"},
                                    {"userid": "User_1", "pageid": "Page_7", "button": "buy"}]


def test_changelog_upserts_by_primary_key(shop: Shop) -> None:
    shop.relation("users", "registertime BIGINT, userid VARCHAR, regionid VARCHAR, PRIMARY KEY (userid)",
                  kind="CHANGELOG", timestamp="registertime")
    shop.relation("regions", "regionid VARCHAR, users BIGINT, PRIMARY KEY (regionid)", kind="CHANGELOG",
                  timestamp=None)
    shop.sql('INSERT INTO "db"."s"."regions" SELECT regionid, COUNT(*) AS users FROM users GROUP BY regionid;')
    shop.write("users", [{"registertime": 1, "userid": "User_1", "regionid": "Region_1"},
                         {"registertime": 2, "userid": "User_2", "regionid": "Region_1"},
                         {"registertime": 3, "userid": "User_1", "regionid": "Region_2"}])  # User_1 moves
    assert shop.read("regions") == [{"regionid": "Region_1", "users": 1}, {"regionid": "Region_2", "users": 1}]
    shop.write("users", [{"registertime": 4, "userid": "User_2", "regionid": "Region_2"}])
    assert shop.read("regions") == [{"regionid": "Region_2", "users": 2}]


def test_a_terminated_query_stops_and_one_the_engine_cannot_run_says_why(shop: Shop) -> None:
    shop.relation("pageviews", PAGEVIEWS)
    shop.relation("copy", PAGEVIEWS)
    shop.relation("tagged", "tag VARCHAR", timestamp=None)
    [[_, query_id, *_]] = shop.sql('INSERT INTO "db"."s"."copy" SELECT * FROM pageviews;')
    shop.sql('INSERT INTO "db"."s"."tagged" SELECT TOP_N(pageid, 3) AS tag FROM pageviews;')
    shop.write("pageviews", VIEWS[:1])
    shop.sql(f"TERMINATE QUERY {query_id};")
    shop.write("pageviews", VIEWS[1:])
    assert shop.read("copy") == VIEWS[:1]
    assert shop.read("tagged") == []
    [reason] = shop.errors().values()
    assert "top_n" in reason.lower()


def test_a_materialized_view_answers_its_query_over_the_records_so_far(shop: Shop) -> None:
    shop.relation("pageviews", PAGEVIEWS)
    shop.sql('CREATE MATERIALIZED VIEW "db"."s"."per_user" WITH (\'store\' = \'k\') AS '
             "SELECT userid, COUNT(*) AS views FROM pageviews GROUP BY userid;")
    assert shop.sql('SELECT * FROM "db"."s"."per_user";') == []
    shop.write("pageviews", VIEWS)
    assert shop.sql('SELECT * FROM "db"."s"."per_user";') == [["User_1", "3"], ["User_2", "1"]]
    assert shop.sql('SELECT views FROM "db"."s"."per_user" WHERE userid = \'User_2\';') == [["1"]]
    assert shop.sql('SELECT userid FROM "db"."s"."per_user" ORDER BY views DESC LIMIT 1;') == [["User_1"]]


def test_an_application_runs_its_statements_in_turn_through_a_virtual_stream(shop: Shop) -> None:
    shop.relation("pageviews", PAGEVIEWS)
    shop.relation("ones_counts", "window_start TIMESTAMP, views BIGINT", timestamp=None)
    shop.relation("ones_pages", "pageid VARCHAR", timestamp=None)
    shop.sql("BEGIN APPLICATION ones "
             "CREATE VIRTUAL STREAM virtual.public.ones AS SELECT * FROM pageviews WHERE userid = 'User_1'; "
             'INSERT INTO "db"."s"."ones_counts" SELECT window_start, COUNT(*) AS views '
             "FROM TUMBLE(virtual.public.ones, SIZE 10 SECONDS) GROUP BY window_start, window_end; "
             'INSERT INTO "db"."s"."ones_pages" SELECT pageid FROM virtual.public.ones; '
             "END APPLICATION;")
    shop.write("pageviews", VIEWS)
    assert shop.read("ones_counts") == [{"window_start": "1970-01-01 00:00:00", "views": 2},
                                        {"window_start": "1970-01-01 00:00:10", "views": 1}]
    assert shop.read("ones_pages") == [{"pageid": "Page_1"}, {"pageid": "Page_7"}, {"pageid": "Page_2"}]


def test_an_interactive_select_reads_a_sinks_records(shop: Shop) -> None:
    shop.relation("pageviews", PAGEVIEWS)
    shop.relation("users", "registertime BIGINT, userid VARCHAR, regionid VARCHAR, PRIMARY KEY (userid)",
                  kind="CHANGELOG", timestamp="registertime")
    shop.relation("ones", PAGEVIEWS)
    shop.sql('INSERT INTO "db"."s"."ones" SELECT * FROM pageviews WHERE userid = \'User_1\';')
    shop.write("pageviews", VIEWS)
    shop.write("users", [{"registertime": 1, "userid": "User_1", "regionid": "Region_1"},
                         {"registertime": 2, "userid": "User_1", "regionid": "Region_2"}])
    assert shop.select('SELECT pageid FROM "db"."s"."ones";', 3) == [["Page_1"], ["Page_7"], ["Page_2"]]
    assert shop.select("SELECT pageid FROM ones WHERE viewtime = '12000';", 1) == [["Page_2"]]
    assert shop.select("SELECT * FROM users;", 1) == [["2", "User_1", "Region_2"]]  # the newest per key


def test_a_record_the_query_cannot_read_leaves_its_sink_as_it_was(shop: Shop) -> None:
    shop.relation("pageviews", PAGEVIEWS)
    shop.relation("copy", PAGEVIEWS)
    [[_, query_id, *_]] = shop.sql('INSERT INTO "db"."s"."copy" SELECT * FROM pageviews;')
    shop.write("pageviews", VIEWS[:2])
    shop.write("pageviews", [{"viewtime": "yesterday", "userid": "User_9", "pageid": "Page_9"}])
    assert shop.read("copy") == VIEWS[:2]  # nothing lost, nothing half-written
    assert len(shop.read("pageviews")) == 3  # the record itself is kept, as a topic keeps it
    assert "'yesterday'" in shop.errors()[query_id]


def test_a_restarted_query_catches_up_with_the_upserts_it_missed(shop: Shop) -> None:
    shop.relation("users", "registertime BIGINT, userid VARCHAR, regionid VARCHAR, PRIMARY KEY (userid)",
                  kind="CHANGELOG", timestamp="registertime")
    shop.relation("regions", "userid VARCHAR, regionid VARCHAR, PRIMARY KEY (userid)", kind="CHANGELOG",
                  timestamp=None)
    [[_, query_id, *_]] = shop.sql('INSERT INTO "db"."s"."regions" SELECT userid, regionid FROM users;')
    shop.write("users", [{"registertime": 1, "userid": "User_1", "regionid": "Region_1"}])
    shop.sql(f"TERMINATE QUERY {query_id};")
    shop.sql('INSERT INTO ENTITY "users" IN STORE "k" VALUE(\'{"registertime": 2, "userid": "User_2", '
             '"regionid": "Region_2"}\');')
    shop.sql('INSERT INTO ENTITY "users" IN STORE "k" VALUE(\'{"registertime": 3, "userid": "User_1", '
             '"regionid": "Region_3"}\');')
    assert shop.read("regions") == [{"userid": "User_1", "regionid": "Region_1"}]  # stopped
    shop.sql(f"RESTART QUERY {query_id};")
    assert shop.read("regions") == [{"userid": "User_2", "regionid": "Region_2"},
                                    {"userid": "User_1", "regionid": "Region_3"}]  # in the order last written


def test_an_interactive_select_with_expressions_is_evaluated(shop: Shop) -> None:
    shop.relation("pageviews", PAGEVIEWS)
    shop.sql('CREATE MATERIALIZED VIEW "db"."s"."per_user" WITH (\'store\' = \'k\') AS '
             "SELECT userid, COUNT(*) AS views FROM pageviews GROUP BY userid;")
    shop.write("pageviews", VIEWS)
    assert shop.select("SELECT userid, COUNT(*) AS n FROM pageviews WHERE pageid IS NOT NULL GROUP BY userid;",
                       1) == [["User_1", "3"]]
    assert shop.sql("SELECT LOWER(userid) AS u, views * 10 AS score FROM per_user;") == [["user_1", "30"],
                                                                                       ["user_2", "10"]]
