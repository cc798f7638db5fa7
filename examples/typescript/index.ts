// Clickstream on DeltaStream: a database and namespace, a Kafka store, two streams, a continuous query,
// and lookups of what exists. Connection settings come from deltastream:server / deltastream:apiKey
// (or DELTASTREAM_SERVER / DELTASTREAM_API_KEY); the Kafka password from secret config.
import * as pulumi from "@pulumi/pulumi";
import * as deltastream from "@pulumi-deltastream/deltastream";

const config = new pulumi.Config();
const kafkaPassword = config.requireSecret("kafkaPassword");

const analytics = new deltastream.Database("analytics", { name: "ts_analytics" });
const raw = new deltastream.Namespace("raw", { database: analytics.name, name: "raw" });

const events = new deltastream.Store("events", {
    name: "ts_events",
    kafka: {
        uris: "broker-1.example.com:9092,broker-2.example.com:9092",
        saslHashFunction: "SHA512",
        saslUsername: "pipeline",
        saslPassword: kafkaPassword,
    },
});

const columns = [
    { name: "viewtime", type: "BIGINT", nullable: false },
    { name: "userid", type: "VARCHAR" },
    { name: "pageid", type: "VARCHAR" },
];
const pageviews = new deltastream.DeltaStreamObject("pageviews", {
    database: analytics.name, namespace: raw.name, name: "pageviews", kind: "stream",
    store: events.name, entity: "pageviews", valueFormat: "json", timestampColumn: "viewtime", columns,
});
const visits = new deltastream.DeltaStreamObject("visits", {
    database: analytics.name, namespace: raw.name, name: "visits", kind: "stream",
    store: events.name, valueFormat: "json", columns: columns.slice(0, 2),
});

const copyVisits = new deltastream.Query("copyVisits", {
    sql: pulumi.interpolate`INSERT INTO ${visits.fqn} SELECT viewtime, userid FROM ${pageviews.fqn};`,
});

// Lookups of what exists: the store as DeltaStream reports it, and the namespaces of the database.
const store = deltastream.getStoreOutput({ name: events.name, type: "Kafka" });
const namespaces = deltastream.getNamespacesOutput({ database: raw.database });
const pageviewsInfo = deltastream.getObjectOutput({ database: pageviews.database, namespace: pageviews.namespace,
                                                    name: pageviews.name });

export const storeStatus = store.status;
export const namespaceNames = namespaces.namespaces.apply(list => list.map(n => n.name));
export const pageviewsColumns = pageviewsInfo.columns.apply(cols => (cols ?? []).map(c => `${c.name} ${c.type}`));
export const queryId = copyVisits.queryId;
export const querySources = copyVisits.sources;
