// Everything beyond databases, stores, objects and queries: a secret, schema registries, Confluent Cloud and
// Kinesis stores, topics and streams (entities) and a multi-sink application, and the lookups that read them.
// Config `phase` walks the resources through their lifecycle: 1 creates them, 2 changes them in place (rotated
// credentials, more partitions and shards, a new owner; the secret's rotation replaces it, accepted), 3 replaces
// what cannot change in place.
import * as pulumi from "@pulumi/pulumi";
import * as deltastream from "@pulumi-deltastream/deltastream";

const config = new pulumi.Config();
const phase = config.getNumber("phase") ?? 1;
const p = config.get("prefix") ?? "ts";

const token = new deltastream.Secret("token", {
    name: phase < 3 ? `${p}_token` : `${p}_token_v2`,
    description: phase === 1 ? "partner API token" : "partner API token, rotated",
    secretString: config.requireSecret(phase === 1 ? "tokenV1" : "tokenV2"),
    // DeltaStream documents no UPDATE SECRET: a new value replaces the secret, leaving a moment with none. The
    // program accepts that gap for the rotation (without it the preview refuses and says why).
    acceptReplacement: phase > 1,
});

const registry = new deltastream.SchemaRegistry("registry", phase < 3
    ? { name: `${p}_registry`, confluentCloud: { uris: "https://psrc.example", key: `key-${phase}`,
                                                 secret: config.requireSecret("registrySecret") } }
    : { name: `${p}_registry`, confluent: { uris: "https://registry.example:8081" } });
const avro = new deltastream.SchemaRegistry("avro", { name: `${p}_avro`, confluent: { uris: "https://avro.example" } });

const kafka = new deltastream.Store("kafka", { name: `${p}_kafka`, kafka: { uris: "b:9092", saslHashFunction: "NONE" } });
const confluent = new deltastream.Store("confluent", {
    name: `${p}_confluent`,
    confluentKafka: {
        uris: phase === 1 ? "pkc-1.example:9092" : "pkc-2.example:9092",
        saslHashFunction: "PLAIN", saslUsername: "API_KEY", saslPassword: config.requireSecret("registrySecret"),
        schemaRegistryName: avro.name,
    },
});
const kinesis = new deltastream.Store("kinesis", {
    name: `${p}_kinesis`,
    kinesis: { uris: "https://kinesis.us-east-1.amazonaws.com", awsAccountId: "123456789012" },
});

const orders = new deltastream.Entity("orders", {
    store: kafka.name, path: ["orders"],
    kafka: { partitions: phase === 1 ? 1 : 3, replicas: 1,
             configs: { "retention.ms": phase === 1 ? "86400000" : "604800000" } },
});
const scratch = new deltastream.Entity("scratch", {
    store: kafka.name, path: ["scratch"], kafka: { partitions: 1, replicas: phase < 3 ? 1 : 2 },
    // More replicas replace the topic, and DeltaStream does not say which streams on its store read it: accepted.
    acceptReplacement: phase === 3,
});
const clicks = new deltastream.Entity("clicks", {
    store: kinesis.name, path: ["clicks"], kinesis: { shards: phase === 1 ? 1 : 2 },
});

const db = new deltastream.Database("db", { name: `${p}_catalog` });
const columns = [{ name: "id", type: "BIGINT" }, { name: "device", type: "VARCHAR" }];
const relation = (name: string, entity?: pulumi.Input<string>) => new deltastream.DeltaStreamObject(name, {
    database: db.name, namespace: "public", name, kind: "stream", store: kafka.name, entity, columns,
});
const source = relation("pageviews", orders.name);
const mobile = relation("mobile");
const desktop = relation("desktop");

const fanout = new deltastream.Application("fanout", {
    sql: pulumi.interpolate`BEGIN APPLICATION ${p}_fanout
  CREATE VIRTUAL STREAM virtual.public.views AS SELECT * FROM ${source.fqn};
  INSERT INTO ${mobile.fqn} SELECT * FROM virtual.public.views WHERE device = 'mobile';
  INSERT INTO ${desktop.fqn} SELECT * FROM virtual.public.views WHERE device = 'desktop';
END APPLICATION;`,
    owner: phase === 1 ? undefined : "analyst",
});

export const secretName = token.name;
export const secretStatus = deltastream.getSecretOutput({ name: token.name }).status;
export const secretNames = deltastream.getSecretsOutput({ owner: token.owner }).secrets.apply(s => s.map(x => x.name));
export const registryType = deltastream.getSchemaRegistryOutput({ name: registry.name }).type;
export const registryNames = pulumi.all([registry.type, avro.type]).apply(() =>
    deltastream.getSchemaRegistries({}).then(r => r.schemaRegistries.map(x => x.name)));
export const topics = deltastream.getEntitiesOutput({
    store: pulumi.all([orders.store, scratch.name]).apply(([store]) => store),
}).entities.apply(e => e.map(x => x.name));
export const streams = deltastream.getEntitiesOutput({ store: clicks.store }).entities.apply(e => e.map(x => x.name));
export const ordersPartitions = orders.partitions;
export const scratchReplicas = scratch.replicas;
export const clicksShards = clicks.shards;
export const confluentType = confluent.type;
export const kinesisStatus = kinesis.status;
export const applicationId = fanout.applicationId;
export const applicationOwner = fanout.owner;
export const applicationSinks = fanout.sinks;
export const applicationSources = fanout.sources;
