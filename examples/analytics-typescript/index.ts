// A platform team's first analytics stack. Orders arrive on Kafka as Avro: their schema is the registry's subject
// `orders-value`, so the stream lists no columns. In the team's compute pool, a query cleans each order's region
// with a Java function from the team's jar, and a pipeline keeps revenue by region from the cleaned orders in a
// materialized view that dashboards read with a SELECT.
// Against `deltastream-provider local`, register the producers' Avro schema first: the local server is the
// registry too (POST /schema-registry/subjects/orders-value/versions, as to Confluent's).
import * as pulumi from "@pulumi/pulumi";
import * as deltastream from "@pulumi-deltastream/deltastream";

const config = new pulumi.Config();
const registryUri = config.get("registryUri") ?? "https://registry.example.com:8081";
const kafkaUri = config.get("kafkaUri") ?? "broker-1.example.com:9092";

const database = new deltastream.Database("analytics", { name: "analytics" });
const registry = new deltastream.SchemaRegistry("registry", {
    name: "analytics_registry",
    confluent: { uris: registryUri },
});
const kafka = new deltastream.Store("kafka", {
    name: "analytics_kafka",
    kafka: { uris: kafkaUri, saslHashFunction: "NONE", schemaRegistryName: registry.name },
});
const orders = new deltastream.DeltaStreamObject("orders", {
    database: database.name,
    namespace: "public",
    name: "orders",
    kind: "stream",
    store: kafka.name,
    entity: "orders",
    valueFormat: "avro",
});

// The team's Java functions: udfs.jar beside this program, built from NormalizeRegion.java.
const udfs = new deltastream.FunctionSource("udfs", {
    name: "analytics_udfs",
    file: new pulumi.asset.FileAsset("udfs.jar"),
    language: "java",
    description: "the analytics team's functions",
});
const normalizeRegion = new deltastream.Function("normalize-region", {
    name: "normalize_region",
    arguments: [{ name: "region", type: "VARCHAR" }],
    returns: "VARCHAR",
    language: "java",
    source: udfs.name,
    className: "com.example.analytics.NormalizeRegion",
});

const pool = new deltastream.ComputePool("analytics", { name: "analytics_pool", size: "small", timeoutMin: 30 });

const revenue = new deltastream.Pipeline("revenue", {
    database: database.name,
    store: kafka.name,
    createTopics: true,
    sources: [{
        name: "orders_clean",
        valueFormat: "json",
        columns: [
            { name: "order_id", type: "BIGINT" },
            { name: "region", type: "VARCHAR" },
            { name: "amount", type: "DOUBLE" },
        ],
    }],
    sink: { name: "revenue_by_region", kind: "materialized_view" },
    transform: "SELECT region, COUNT(*) AS orders, SUM(amount) AS revenue FROM orders_clean GROUP BY region",
    computePool: pool.name,
});

const clean = new deltastream.Query("clean-orders", {
    sql: pulumi.interpolate`INSERT INTO ${revenue.sourceFqns.apply(fqns => fqns[0])}
        SELECT order_id, normalize_region(region) AS region, amount FROM ${orders.fqn}`,
    computePool: pool.name,
}, { dependsOn: [normalizeRegion] });

export const viewFqn = revenue.sinkFqn;
export const viewQueryId = revenue.queryId;
export const cleanQueryId = clean.queryId;
export const poolState = pool.state;
export const functionId = normalizeRegion.id;
