"""Stores and topics as DeltaStream has them (issue 33): store types are a closed set; a Kafka store may use the
newer keys of DeltaStream's examples (`'type' = 'KAFKA'` quoted, `'access.region'`, `'security.protocol'`,
`'sasl.*'`), checked as strictly as the documented form; a stream whose topic does not exist creates it, so
DESCRIBE ENTITY, LIST ENTITIES and PRINT ENTITY agree with the stream."""

from __future__ import annotations

import json

import pytest

from deltastream_local.runner import BackgroundServer
from tests.contract.test_local_server import ok, post

NEWER = ("CREATE STORE oci WITH ('type' = 'KAFKA', 'access.region' = 'AWS_US_EAST_1', 'uris' = 'b:9092', "
         "'security.protocol' = 'SASL_SSL', 'sasl.mechanism' = 'SCRAM-SHA-512', {credentials});")
CREDENTIALS = "'sasl.username' = 'u', 'sasl.password' = 'hunter2'"


def refused(local: BackgroundServer, sql: str) -> tuple[str, str]:
    body = post(local, sql).json()
    return body["sqlState"], body["message"]


@pytest.mark.parametrize("kind", ["FOOBAR", "'ICEBERG_GLUE'"])  # the SDK names ICEBERG_GLUE; no client shows its keys
def test_an_unknown_store_type_is_refused(local: BackgroundServer, kind: str) -> None:
    code, message = refused(local, f"CREATE STORE s WITH ('type' = {kind}, 'uris' = 'x');")
    assert code == "3D008" and "expected one of KAFKA, CONFLUENT_KAFKA, KINESIS" in message
    assert ok(local, 'SELECT name FROM deltastream.sys."stores";')["data"] == []


def test_the_newer_kafka_keys_make_a_kafka_store(local: BackgroundServer) -> None:
    ok(local, NEWER.format(credentials=CREDENTIALS))
    assert ok(local, 'SELECT type FROM deltastream.sys."stores" WHERE name = \'oci\';')["data"] == [["Kafka"]]
    described = json.dumps(ok(local, "DESCRIBE STORE oci;")["data"])
    assert "hunter2" not in described


@pytest.mark.parametrize("credentials, code, words", [
    ("'sasl.username' = 'u'", "3D021", "missing parameter 'sasl.password'"),
    (CREDENTIALS.replace("'sasl.username' = 'u', ", "") + ", 'kafka.sasl.hash_function' = PLAIN", "3D008",
     "two forms"),
], ids=["password", "both-forms"])
def test_the_newer_kafka_keys_are_checked(local: BackgroundServer, credentials: str, code: str, words: str) -> None:
    assert refused(local, NEWER.format(credentials=credentials))[0] == code
    assert words in refused(local, NEWER.format(credentials=credentials))[1]


def test_an_unknown_mechanism_is_refused(local: BackgroundServer) -> None:
    code, message = refused(local, NEWER.format(credentials=CREDENTIALS).replace("SCRAM-SHA-512", "GSSAPI"))
    assert code == "3D008" and "'sasl.mechanism'" in message


def test_a_streams_missing_topic_is_created(local: BackgroundServer) -> None:
    ok(local, 'CREATE DATABASE "db";')
    ok(local, "CREATE STORE k WITH ('type' = KAFKA, 'uris' = 'b:9092', 'kafka.sasl.hash_function' = NONE);")
    ok(local, "CREATE STREAM db.public.pv (viewtime BIGINT, userid VARCHAR) WITH ('store' = 'k', "
              "'topic' = 'pageviews', 'value.format' = 'json');")
    ok(local, "CREATE STREAM db.public.clean WITH ('store' = 'k', 'topic.partitions' = 6, 'topic.replicas' = 3) "
              "AS SELECT * FROM db.public.pv;")
    assert sorted(r[0] for r in ok(local, "LIST ENTITIES IN STORE k;")["data"]) == ["clean", "pageviews"]
    described = ok(local, "DESCRIBE ENTITY clean IN STORE k;")["data"][0]
    assert described[2:4] == ["6", "3"]  # partitions, replicas
    ok(local, "PRINT ENTITY pageviews IN STORE k;")
