"""Clickstream on DeltaStream from Python: a database and namespace, a Kafka store, two streams, a
continuous query, and lookups of what exists. Connection settings come from deltastream:server /
deltastream:apiKey (or DELTASTREAM_SERVER / DELTASTREAM_API_KEY); the Kafka password from secret config.
"""

import pulumi
import pulumi_deltastream_community as deltastream

config = pulumi.Config()
kafka_password = config.require_secret("kafkaPassword")

analytics = deltastream.Database("analytics", name="py_analytics")
raw = deltastream.Namespace("raw", database=analytics.name, name="raw")
events = deltastream.Store(
    "events",
    name="py_events",
    kafka=deltastream.KafkaArgs(
        uris="broker-1.example.com:9092",
        sasl_hash_function="SHA512",
        sasl_username="pipeline",
        sasl_password=kafka_password,
    ),
)

columns = [
    deltastream.ColumnArgs(name="viewtime", type="BIGINT", nullable=False),
    deltastream.ColumnArgs(name="userid", type="VARCHAR"),
    deltastream.ColumnArgs(name="pageid", type="VARCHAR"),
]
pageviews = deltastream.DeltaStreamObject(
    "pageviews", database=analytics.name, namespace=raw.name, name="pageviews", kind="stream",
    store=events.name, value_format="json", columns=columns,
)
visits = deltastream.DeltaStreamObject(
    "visits", database=analytics.name, namespace=raw.name, name="visits", kind="stream",
    store=events.name, value_format="json", columns=columns[:2],
)
copy_visits = deltastream.Query(
    "copyVisits",
    sql=pulumi.Output.concat("INSERT INTO ", visits.fqn, " SELECT viewtime, userid FROM ", pageviews.fqn, ";"),
)

store = deltastream.get_store_output(name=events.name, type="Kafka")
info = deltastream.get_object_output(database=pageviews.database, namespace=pageviews.namespace, name=pageviews.name)

pulumi.export("storeStatus", store.status)
pulumi.export("pageviewsColumns", info.columns.apply(lambda cols: [f"{c.name} {c.type}" for c in cols]))
pulumi.export("queryId", copy_visits.query_id)
pulumi.export("querySources", copy_visits.sources)
