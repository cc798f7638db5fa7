// A platform team's first analytics stack: orders arrive on Kafka as Avro (their schema is the registry's subject
// `orders-value`, so the stream lists no columns), a Java function from the team's jar cleans each order's region,
// and a compute pool runs the queries: a pipeline writes the cleaned orders, a materialized view keeps revenue by
// region from them for dashboards to read with a SELECT.
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

const columns = [
    { name: "order_id", type: "BIGINT" },
    { name: "region", type: "VARCHAR" },
    { name: "amount", type: "DOUBLE" },
];
const orders = new deltastream.Pipeline("orders", {
    database: database.name,
    store: kafka.name,
    sources: [{ name: "orders", valueFormat: "avro", columns }],
    sink: { name: "orders_clean", valueFormat: "json", columns },
    transform: "SELECT order_id, normalize_region(region) AS region, amount FROM orders",
    computePool: pool.name,
}, { dependsOn: [normalizeRegion] });

const revenue = new deltastream.MaterializedView("revenue-by-region", {
    database: database.name,
    name: "revenue_by_region",
    query: pulumi.interpolate`SELECT region, COUNT(*) AS orders, SUM(amount) AS revenue
        FROM ${orders.sinkFqn} GROUP BY region`,
    computePool: pool.name,
});

export const viewFqn = revenue.fqn;
export const viewQueryId = revenue.queryId;
export const pipelineQueryId = orders.queryId;
export const poolState = pool.state;
export const functionId = normalizeRegion.id;
