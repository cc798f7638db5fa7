// An environment laid out the same way in every stage, and a pipeline in it: raw clicks in, cleaned
// clicks out. Raise `pipelineVersion` (pulumi config set pipelineVersion 2) to roll to the next
// transformation: the new query starts, then the old one is terminated; the objects stay.
// Against `deltastream-provider local`, check the transformation on sample records after `pulumi up`:
//   python -m deltastream_local.samples samples.json --store "$(pulumi stack output storeName)"
import * as pulumi from "@pulumi/pulumi";
import * as deltastream from "@pulumi-deltastream/deltastream";

const config = new pulumi.Config();
const environment = config.get("environment") ?? "dev";
const version = config.getNumber("pipelineVersion") ?? 1;
const transforms: Record<number, string> = {
    1: "SELECT id, url, viewtime FROM clicks_raw WHERE url IS NOT NULL",
    2: "SELECT id, LOWER(url) AS url, viewtime FROM clicks_raw WHERE url IS NOT NULL",
};

const env = new deltastream.Environment("shop", {
    project: "shop",
    environment,
    namespaces: ["raw", "curated"],
    kafka: { uris: "broker-1.example.com:9092", saslHashFunction: "NONE" },
});

const columns = [
    { name: "id", type: "BIGINT", nullable: false },
    { name: "url", type: "VARCHAR" },
    { name: "viewtime", type: "BIGINT" },
];
const clicks = new deltastream.Pipeline("clicks", {
    database: env.databaseName,
    namespace: "raw",
    store: env.storeName.apply(name => name ?? ""),
    createTopics: true,
    sources: [{ name: "clicks_raw", columns, valueFormat: "json", timestampColumn: "viewtime" }],
    sink: { name: "clicks_clean", columns, valueFormat: "json" },
    transform: transforms[version],
    version,
}, { dependsOn: [env] });

export const databaseName = env.databaseName;
export const storeName = env.storeName;
export const sinkFqn = clicks.sinkFqn;
export const sourceFqns = clicks.sourceFqns;
export const queryId = clicks.queryId;
export const queryState = clicks.queryState;
export const queryVersion = clicks.queryVersion;
export const querySql = clicks.query.sql;
