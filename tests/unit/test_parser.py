"""The local server's grammar: the statements tools send, and syntax errors with positions."""

from __future__ import annotations

import pytest

from deltastream_local import statements as s
from deltastream_local.families import entities, file_sources, relations
from deltastream_local.parser import SqlSyntaxError, parse


def one(sql: str) -> object:
    (parsed,) = parse(sql)
    return parsed.statement


def test_bare_identifiers_are_lower_cased_quoted_keep_case() -> None:
    assert one('CREATE DATABASE Analytics').name == "analytics"
    assert one('CREATE DATABASE "Analytics"').name == "Analytics"
    assert one('create schema `Raw` in database "db"').name.parts == ("Raw",)


def test_store_properties_keep_their_value_kinds() -> None:
    statement = one("CREATE STORE k WITH ('type' = KAFKA, 'uris' = 'b:1', 'tls.disabled' = FALSE, "
                    "'schema_registry.name' = \"sr\", 'kafka.partitions' = 3, 'x' = NULL, 'flag');")
    assert statement.properties == {"type": s.Keyword("KAFKA"), "uris": "b:1", "tls.disabled": False,
                                    "schema_registry.name": s.Identifier("sr"), "kafka.partitions": 3, "x": None,
                                    "flag": s.FLAG}


def test_relation_with_nested_types_and_primary_key() -> None:
    statement = one('CREATE CHANGELOG "d"."s"."c" (id BIGINT NOT NULL, tags ARRAY<VARCHAR>, '
                    'm MAP<VARCHAR, STRUCT<a INTEGER>>, PRIMARY KEY (id)) WITH (\'topic\' = \'t\');')
    assert [c.type for c in statement.columns] == ["BIGINT", "ARRAY<VARCHAR>", 'MAP<VARCHAR, STRUCT<"a" INTEGER>>']
    assert statement.columns[0].nullable is False and statement.primary_key == ("id",)


def test_query_sources_come_from_from_and_join() -> None:
    statement = one("INSERT INTO sink SELECT a.x FROM \"d\".\"s\".\"left\" a JOIN other.rel b ON a.k = b.k "
                    "WHERE a.t > 'FROM fake';")
    assert statement.query.sources == (s.Name(("d", "s", "left")), s.Name(("other", "rel")))


def test_a_window_function_reads_the_relation_inside_it() -> None:
    statement = one("CREATE MATERIALIZED VIEW mv AS SELECT window_start, COUNT(*) AS n "
                    "FROM HOP(\"d\".\"s\".\"pv\", SIZE 10 MINUTE, ADVANCE BY 2 MINUTE) WITH ('timestamp' = 'ts') "
                    "GROUP BY window_start;")
    assert statement.query.sources == (s.Name(("d", "s", "pv")),)
    assert one("INSERT INTO sink SELECT * FROM TUMBLE(pv, SIZE 1 MINUTE);").query.sources == (s.Name(("pv",)),)


def test_a_functions_own_from_names_no_relation() -> None:
    statement = one("CREATE STREAM x AS SELECT TRIM(LEADING '/' FROM page) AS p, EXTRACT(YEAR FROM ts) AS y "
                    "FROM pv WHERE TRIM(BOTH ' ' FROM page) <> '' AND id IN ('a', 'b');")
    assert statement.query.sources == (s.Name(("pv",)),)


def test_entity_records_file_sources_and_relation_settings() -> None:
    insert = one("INSERT INTO ENTITY \"pv\" IN STORE \"k\" VALUE('{\"id\": 1}');")
    assert insert == entities.InsertIntoEntity(entities.EntityRef(("pv",), "k"), '{"id": 1}', {})
    assert one("PRINT ENTITY pv WITH ('from_beginning');") == entities.PrintEntity(
        entities.EntityRef(("pv",)), {"from_beginning": s.FLAG})
    assert one("CREATE FUNCTION_SOURCE \"udfs\" WITH ('file' = 'u.jar');") == file_sources.CreateFileSource(
        "function_source", "udfs", {"file": "u.jar"})
    assert one("drop descriptor_source d") == file_sources.DropFileSource("descriptor_source", "d")
    assert one("ALTER RELATION \"mv\" SET description = 'Views, per user';") == relations.AlterRelationSet(
        None, s.Name(("mv",)), "description", "Views, per user")


def test_system_table_select_subset() -> None:
    statement = one('select name, "owner" from "deltastream"."sys"."stores" where type in (\'Kafka\') '
                    'and name = \'x\' order by name desc limit 5')
    assert [c.value.column for c in statement.columns] == ["name", "owner"] and statement.limit == 5
    assert statement.where == (s.In(s.ColumnRef("type"), ("Kafka",)), s.Eq(s.ColumnRef("name"), "x"))
    assert statement.order_by == ((s.ColumnRef("name"), True),)


def test_system_table_join() -> None:
    statement = one('SELECT r.name, c."type" AS column_type FROM deltastream.sys."relations" AS r '
                    'LEFT JOIN deltastream.sys."relation_columns" c ON c.relation_name = r.name WHERE r.name = \'x\'')
    assert statement.join is not None and statement.join.left and statement.join.table.alias == "c"
    assert statement.columns[1] == s.SelectItem(s.ColumnRef("type", "c"), "column_type")


def test_several_statements_split_on_top_level_semicolons_only() -> None:
    parsed = parse("CREATE DATABASE \"a;b\"; CREATE STORE s WITH ('uris' = 'x;y');")
    assert [p.statement.name for p in parsed] == ["a;b", "s"]


@pytest.mark.parametrize("sql, position", [("CREATE DATABSE x;", 7), ("CREATE DATABASE ;", 16),
                                           ("SELECT name FROM deltastream.sys.\"x\" WHERE name = 3", 50)])
def test_syntax_errors_report_the_position(sql: str, position: int) -> None:
    with pytest.raises(SqlSyntaxError) as error:
        parse(sql)
    assert error.value.position == position
    assert f"position {position}" in str(error.value)
