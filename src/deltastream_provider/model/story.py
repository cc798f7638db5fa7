"""The one story every registry example tells: a shop's page views on Kafka, in DeltaStream.

Database ``shop``, namespace ``raw``, the Kafka store ``events`` with its topic ``pageviews`` and the stream
``pageviews`` (viewtime, userid, pageid, device); a query copies views into ``visits``, an application splits them
by device into ``mobile_views`` and ``desktop_views``; a secret ``partner_api_token``, a Confluent Cloud schema
registry ``shop_registry`` with the store ``orders`` that uses it, a pipeline over ``clicks_raw`` and an
environment ``shop_dev``. The lookups read what these create. Each resource's example is its part here with the
parts it needs (:func:`.docs.examples`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .docs import Part

# --- the shared parts ---------------------------------------------------------------------------

SHOP = Part(
    typescript='''const shop = new deltastream.Database("shop", { name: "shop" });''',
    python='''shop = deltastream.Database("shop", name="shop")''',
    go='''shop, err := deltastream.NewDatabase(ctx, "shop", &deltastream.DatabaseArgs{
	Name: pulumi.String("shop"),
})
if err != nil {
	return err
}''',
    yaml='''resources:
  shop:
    type: deltastream:index:Database
    properties:
      name: shop''')

RAW = Part(
    typescript='''const raw = new deltastream.Namespace("raw", { database: shop.name, name: "raw" });''',
    python='''raw = deltastream.Namespace("raw", database=shop.name, name="raw")''',
    go='''raw, err := deltastream.NewNamespace(ctx, "raw", &deltastream.NamespaceArgs{
	Database: shop.Name,
	Name:     pulumi.String("raw"),
})
if err != nil {
	return err
}''',
    yaml='''resources:
  raw:
    type: deltastream:index:Namespace
    properties:
      database: ${shop.name}
      name: raw''',
    needs=(SHOP,))

EVENTS = Part(
    typescript='''const events = new deltastream.Store("events", {
    name: "events",
    kafka: {
        uris: "broker-1.example.com:9092,broker-2.example.com:9092",
        saslHashFunction: "SHA512",
        saslUsername: "pipeline",
        saslPassword: config.requireSecret("kafkaPassword"),
    },
});''',
    python='''events = deltastream.Store("events", name="events", kafka=deltastream.KafkaArgs(
    uris="broker-1.example.com:9092,broker-2.example.com:9092",
    sasl_hash_function="SHA512",
    sasl_username="pipeline",
    sasl_password=config.require_secret("kafkaPassword")))''',
    go='''events, err := deltastream.NewStore(ctx, "events", &deltastream.StoreArgs{
	Name: pulumi.String("events"),
	Kafka: &deltastream.KafkaArgs{
		Uris:             pulumi.String("broker-1.example.com:9092,broker-2.example.com:9092"),
		SaslHashFunction: pulumi.String("SHA512"),
		SaslUsername:     pulumi.String("pipeline"),
		SaslPassword:     config.RequireSecret(ctx, "kafkaPassword"),
	},
})
if err != nil {
	return err
}''',
    yaml='''resources:
  events:
    type: deltastream:index:Store
    properties:
      name: events
      kafka:
        uris: broker-1.example.com:9092,broker-2.example.com:9092
        saslHashFunction: SHA512
        saslUsername: pipeline
        saslPassword: ${kafkaPassword}''',
    secrets=("kafkaPassword",))

PAGEVIEWS_TOPIC = Part(
    typescript='''const pageviewsTopic = new deltastream.Entity("pageviews-topic", {
    store: events.name,
    path: ["pageviews"],
    kafka: { partitions: 6, replicas: 3, configs: { "retention.ms": "604800000" } },
});''',
    python='''pageviews_topic = deltastream.Entity("pageviews-topic", store=events.name, path=["pageviews"],
    kafka=deltastream.KafkaTopicArgs(partitions=6, replicas=3, configs={"retention.ms": "604800000"}))''',
    go='''pageviewsTopic, err := deltastream.NewEntity(ctx, "pageviews-topic", &deltastream.EntityArgs{
	Store: events.Name,
	Path:  pulumi.StringArray{pulumi.String("pageviews")},
	Kafka: &deltastream.KafkaTopicArgs{
		Partitions: pulumi.Int(6),
		Replicas:   pulumi.Int(3),
		Configs:    pulumi.StringMap{"retention.ms": pulumi.String("604800000")},
	},
})
if err != nil {
	return err
}''',
    yaml='''resources:
  pageviewsTopic:
    type: deltastream:index:Entity
    properties:
      store: ${events.name}
      path: [pageviews]
      kafka:
        partitions: 6
        replicas: 3
        configs:
          retention.ms: "604800000"''',
    needs=(EVENTS,))

PAGEVIEWS = Part(
    typescript='''const pageviews = new deltastream.DeltaStreamObject("pageviews", {
    database: shop.name,
    namespace: raw.name,
    name: "pageviews",
    kind: "stream",
    store: events.name,
    entity: pageviewsTopic.name,
    valueFormat: "json",
    timestampColumn: "viewtime",
    columns: [
        { name: "viewtime", type: "BIGINT", nullable: false },
        { name: "userid", type: "VARCHAR" },
        { name: "pageid", type: "VARCHAR" },
        { name: "device", type: "VARCHAR" },
    ],
});''',
    python='''pageviews = deltastream.DeltaStreamObject("pageviews",
    database=shop.name,
    namespace=raw.name,
    name="pageviews",
    kind="stream",
    store=events.name,
    entity=pageviews_topic.name,
    value_format="json",
    timestamp_column="viewtime",
    columns=[
        deltastream.ColumnArgs(name="viewtime", type="BIGINT", nullable=False),
        deltastream.ColumnArgs(name="userid", type="VARCHAR"),
        deltastream.ColumnArgs(name="pageid", type="VARCHAR"),
        deltastream.ColumnArgs(name="device", type="VARCHAR"),
    ])''',
    go='''pageviews, err := deltastream.NewDeltaStreamObject(ctx, "pageviews", &deltastream.DeltaStreamObjectArgs{
	Database:        shop.Name,
	Namespace:       raw.Name,
	Name:            pulumi.String("pageviews"),
	Kind:            pulumi.String("stream"),
	Store:           events.Name,
	Entity:          pageviewsTopic.Name,
	ValueFormat:     pulumi.String("json"),
	TimestampColumn: pulumi.String("viewtime"),
	Columns: deltastream.ColumnArray{
		&deltastream.ColumnArgs{Name: pulumi.String("viewtime"), Type: pulumi.String("BIGINT"), Nullable: pulumi.Bool(false)},
		&deltastream.ColumnArgs{Name: pulumi.String("userid"), Type: pulumi.String("VARCHAR")},
		&deltastream.ColumnArgs{Name: pulumi.String("pageid"), Type: pulumi.String("VARCHAR")},
		&deltastream.ColumnArgs{Name: pulumi.String("device"), Type: pulumi.String("VARCHAR")},
	},
})
if err != nil {
	return err
}''',
    yaml='''resources:
  pageviews:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${shop.name}
      namespace: ${raw.name}
      name: pageviews
      kind: stream
      store: ${events.name}
      entity: ${pageviewsTopic.name}
      valueFormat: json
      timestampColumn: viewtime
      columns:
        - { name: viewtime, type: BIGINT, nullable: false }
        - { name: userid, type: VARCHAR }
        - { name: pageid, type: VARCHAR }
        - { name: device, type: VARCHAR }''',
    needs=(SHOP, RAW, EVENTS, PAGEVIEWS_TOPIC))

# --- each resource's example: its part and what the program exports ------------------------------

DATABASE = Part(
    typescript='''export const shopOwner = shop.owner;''',
    python='''pulumi.export("shopOwner", shop.owner)''',
    go='''ctx.Export("shopOwner", shop.Owner)''',
    yaml='''outputs:
  shopOwner: ${shop.owner}''',
    needs=(SHOP,))

NAMESPACE = Part(
    typescript='''export const namespaceOwner = raw.owner;''',
    python='''pulumi.export("namespaceOwner", raw.owner)''',
    go='''ctx.Export("namespaceOwner", raw.Owner)''',
    yaml='''outputs:
  namespaceOwner: ${raw.owner}''',
    needs=(RAW,))

STORE = Part(
    typescript='''export const eventsStatus = events.status;''',
    python='''pulumi.export("eventsStatus", events.status)''',
    go='''ctx.Export("eventsStatus", events.Status)''',
    yaml='''outputs:
  eventsStatus: ${events.status}''',
    needs=(EVENTS,))

ENTITY = Part(
    typescript='''export const pageviewsPartitions = pageviewsTopic.partitions;''',
    python='''pulumi.export("pageviewsPartitions", pageviews_topic.partitions)''',
    go='''ctx.Export("pageviewsPartitions", pageviewsTopic.Partitions)''',
    yaml='''outputs:
  pageviewsPartitions: ${pageviewsTopic.partitions}''',
    needs=(PAGEVIEWS_TOPIC,))

OBJECT = Part(
    typescript='''export const pageviewsFqn = pageviews.fqn;''',
    python='''pulumi.export("pageviewsFqn", pageviews.fqn)''',
    go='''ctx.Export("pageviewsFqn", pageviews.Fqn)''',
    yaml='''outputs:
  pageviewsFqn: ${pageviews.fqn}''',
    needs=(PAGEVIEWS,))

QUERY = Part(
    typescript='''const visits = new deltastream.DeltaStreamObject("visits", {
    database: shop.name,
    namespace: raw.name,
    name: "visits",
    kind: "stream",
    store: events.name,
    valueFormat: "json",
    columns: [
        { name: "viewtime", type: "BIGINT", nullable: false },
        { name: "userid", type: "VARCHAR" },
        { name: "pageid", type: "VARCHAR" },
    ],
});

const copyVisits = new deltastream.Query("copy-visits", {
    sql: pulumi.interpolate`INSERT INTO ${visits.fqn} SELECT viewtime, userid, pageid FROM ${pageviews.fqn} WHERE userid IS NOT NULL;`,
});

export const queryState = copyVisits.state;''',
    python='''visits = deltastream.DeltaStreamObject("visits",
    database=shop.name,
    namespace=raw.name,
    name="visits",
    kind="stream",
    store=events.name,
    value_format="json",
    columns=[
        deltastream.ColumnArgs(name="viewtime", type="BIGINT", nullable=False),
        deltastream.ColumnArgs(name="userid", type="VARCHAR"),
        deltastream.ColumnArgs(name="pageid", type="VARCHAR"),
    ])

copy_visits = deltastream.Query("copy-visits", sql=pulumi.Output.format(
    "INSERT INTO {0} SELECT viewtime, userid, pageid FROM {1} WHERE userid IS NOT NULL;", visits.fqn, pageviews.fqn))

pulumi.export("queryState", copy_visits.state)''',
    go='''visits, err := deltastream.NewDeltaStreamObject(ctx, "visits", &deltastream.DeltaStreamObjectArgs{
	Database:    shop.Name,
	Namespace:   raw.Name,
	Name:        pulumi.String("visits"),
	Kind:        pulumi.String("stream"),
	Store:       events.Name,
	ValueFormat: pulumi.String("json"),
	Columns: deltastream.ColumnArray{
		&deltastream.ColumnArgs{Name: pulumi.String("viewtime"), Type: pulumi.String("BIGINT"), Nullable: pulumi.Bool(false)},
		&deltastream.ColumnArgs{Name: pulumi.String("userid"), Type: pulumi.String("VARCHAR")},
		&deltastream.ColumnArgs{Name: pulumi.String("pageid"), Type: pulumi.String("VARCHAR")},
	},
})
if err != nil {
	return err
}

copyVisits, err := deltastream.NewQuery(ctx, "copy-visits", &deltastream.QueryArgs{
	Sql: pulumi.Sprintf("INSERT INTO %s SELECT viewtime, userid, pageid FROM %s WHERE userid IS NOT NULL;",
		visits.Fqn, pageviews.Fqn),
})
if err != nil {
	return err
}

ctx.Export("queryState", copyVisits.State)''',
    yaml='''resources:
  visits:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${shop.name}
      namespace: ${raw.name}
      name: visits
      kind: stream
      store: ${events.name}
      valueFormat: json
      columns:
        - { name: viewtime, type: BIGINT, nullable: false }
        - { name: userid, type: VARCHAR }
        - { name: pageid, type: VARCHAR }
  copyVisits:
    type: deltastream:index:Query
    properties:
      sql: INSERT INTO ${visits.fqn} SELECT viewtime, userid, pageid FROM ${pageviews.fqn} WHERE userid IS NOT NULL;
outputs:
  queryState: ${copyVisits.state}''',
    needs=(PAGEVIEWS,))


def _by_device(device: str) -> Part:
    """A sink of the application: the page views of one device, with the source's columns."""
    name = f"{device}_views"
    return Part(
        typescript=f'''const {device}Views = new deltastream.DeltaStreamObject("{device}-views", {{
    database: shop.name,
    namespace: raw.name,
    name: "{name}",
    kind: "stream",
    store: events.name,
    valueFormat: "json",
    columns: pageviews.columns,
}});''',
        python=f'''{name} = deltastream.DeltaStreamObject("{device}-views",
    database=shop.name,
    namespace=raw.name,
    name="{name}",
    kind="stream",
    store=events.name,
    value_format="json",
    columns=pageviews.columns)''',
        go=f'''{device}Views, err := deltastream.NewDeltaStreamObject(ctx, "{device}-views", &deltastream.DeltaStreamObjectArgs{{
	Database:    shop.Name,
	Namespace:   raw.Name,
	Name:        pulumi.String("{name}"),
	Kind:        pulumi.String("stream"),
	Store:       events.Name,
	ValueFormat: pulumi.String("json"),
	Columns:     pageviews.Columns,
}})
if err != nil {{
	return err
}}''',
        yaml=f'''resources:
  {device}Views:
    type: deltastream:index:DeltaStreamObject
    properties:
      database: ${{shop.name}}
      namespace: ${{raw.name}}
      name: {name}
      kind: stream
      store: ${{events.name}}
      valueFormat: json
      columns: ${{pageviews.columns}}''',
        needs=(PAGEVIEWS,))


APPLICATION = Part(
    typescript='''const byDevice = new deltastream.Application("pageviews-by-device", {
    sql: pulumi.interpolate`BEGIN APPLICATION pageviews_by_device
  CREATE VIRTUAL STREAM virtual.public.views AS SELECT * FROM ${pageviews.fqn};
  INSERT INTO ${mobileViews.fqn} SELECT * FROM virtual.public.views WHERE device = 'mobile';
  INSERT INTO ${desktopViews.fqn} SELECT * FROM virtual.public.views WHERE device = 'desktop';
END APPLICATION;`,
});

export const applicationSinks = byDevice.sinks;''',
    python='''by_device = deltastream.Application("pageviews-by-device", sql=pulumi.Output.format(
    """BEGIN APPLICATION pageviews_by_device
  CREATE VIRTUAL STREAM virtual.public.views AS SELECT * FROM {0};
  INSERT INTO {1} SELECT * FROM virtual.public.views WHERE device = 'mobile';
  INSERT INTO {2} SELECT * FROM virtual.public.views WHERE device = 'desktop';
END APPLICATION;""", pageviews.fqn, mobile_views.fqn, desktop_views.fqn))

pulumi.export("applicationSinks", by_device.sinks)''',
    go='''byDevice, err := deltastream.NewApplication(ctx, "pageviews-by-device", &deltastream.ApplicationArgs{
	Sql: pulumi.Sprintf(`BEGIN APPLICATION pageviews_by_device
  CREATE VIRTUAL STREAM virtual.public.views AS SELECT * FROM %s;
  INSERT INTO %s SELECT * FROM virtual.public.views WHERE device = 'mobile';
  INSERT INTO %s SELECT * FROM virtual.public.views WHERE device = 'desktop';
END APPLICATION;`, pageviews.Fqn, mobileViews.Fqn, desktopViews.Fqn),
})
if err != nil {
	return err
}

ctx.Export("applicationSinks", byDevice.Sinks)''',
    yaml='''resources:
  byDevice:
    type: deltastream:index:Application
    properties:
      sql: |
        BEGIN APPLICATION pageviews_by_device
          CREATE VIRTUAL STREAM virtual.public.views AS SELECT * FROM ${pageviews.fqn};
          INSERT INTO ${mobileViews.fqn} SELECT * FROM virtual.public.views WHERE device = 'mobile';
          INSERT INTO ${desktopViews.fqn} SELECT * FROM virtual.public.views WHERE device = 'desktop';
        END APPLICATION;
outputs:
  applicationSinks: ${byDevice.sinks}''',
    needs=(_by_device("mobile"), _by_device("desktop")))

SECRET = Part(
    typescript='''const partnerToken = new deltastream.Secret("partner-api-token", {
    name: "partner_api_token",
    description: "Token for the partner API",
    secretString: config.requireSecret("partnerApiToken"),
});

export const secretStatus = partnerToken.status;''',
    python='''partner_token = deltastream.Secret("partner-api-token",
    name="partner_api_token",
    description="Token for the partner API",
    secret_string=config.require_secret("partnerApiToken"))

pulumi.export("secretStatus", partner_token.status)''',
    go='''partnerToken, err := deltastream.NewSecret(ctx, "partner-api-token", &deltastream.SecretArgs{
	Name:         pulumi.String("partner_api_token"),
	Description:  pulumi.String("Token for the partner API"),
	SecretString: config.RequireSecret(ctx, "partnerApiToken"),
})
if err != nil {
	return err
}

ctx.Export("secretStatus", partnerToken.Status)''',
    yaml='''resources:
  partnerToken:
    type: deltastream:index:Secret
    properties:
      name: partner_api_token
      description: Token for the partner API
      secretString: ${partnerApiToken}
outputs:
  secretStatus: ${partnerToken.status}''',
    secrets=("partnerApiToken",))

SCHEMA_REGISTRY = Part(
    typescript='''const registry = new deltastream.SchemaRegistry("shop-registry", {
    name: "shop_registry",
    confluentCloud: {
        uris: "https://psrc-abc12.us-east-2.aws.confluent.cloud",
        key: "SRKEY7QWERTY",
        secret: config.requireSecret("registrySecret"),
    },
});

const orders = new deltastream.Store("orders", {
    name: "orders",
    confluentKafka: {
        uris: "pkc-abc12.us-east-2.aws.confluent.cloud:9092",
        saslHashFunction: "PLAIN",
        saslUsername: "CLUSTERKEY7ASDF",
        saslPassword: config.requireSecret("clusterSecret"),
        schemaRegistryName: registry.name,
    },
});

export const ordersStatus = orders.status;''',
    python='''registry = deltastream.SchemaRegistry("shop-registry", name="shop_registry",
    confluent_cloud=deltastream.ConfluentCloudRegistryArgs(
        uris="https://psrc-abc12.us-east-2.aws.confluent.cloud",
        key="SRKEY7QWERTY",
        secret=config.require_secret("registrySecret")))

orders = deltastream.Store("orders", name="orders", confluent_kafka=deltastream.ConfluentKafkaArgs(
    uris="pkc-abc12.us-east-2.aws.confluent.cloud:9092",
    sasl_hash_function="PLAIN",
    sasl_username="CLUSTERKEY7ASDF",
    sasl_password=config.require_secret("clusterSecret"),
    schema_registry_name=registry.name))

pulumi.export("ordersStatus", orders.status)''',
    go='''registry, err := deltastream.NewSchemaRegistry(ctx, "shop-registry", &deltastream.SchemaRegistryArgs{
	Name: pulumi.String("shop_registry"),
	ConfluentCloud: &deltastream.ConfluentCloudRegistryArgs{
		Uris:   pulumi.String("https://psrc-abc12.us-east-2.aws.confluent.cloud"),
		Key:    pulumi.String("SRKEY7QWERTY"),
		Secret: config.RequireSecret(ctx, "registrySecret"),
	},
})
if err != nil {
	return err
}

orders, err := deltastream.NewStore(ctx, "orders", &deltastream.StoreArgs{
	Name: pulumi.String("orders"),
	ConfluentKafka: &deltastream.ConfluentKafkaArgs{
		Uris:               pulumi.String("pkc-abc12.us-east-2.aws.confluent.cloud:9092"),
		SaslHashFunction:   pulumi.String("PLAIN"),
		SaslUsername:       pulumi.String("CLUSTERKEY7ASDF"),
		SaslPassword:       config.RequireSecret(ctx, "clusterSecret"),
		SchemaRegistryName: registry.Name,
	},
})
if err != nil {
	return err
}

ctx.Export("ordersStatus", orders.Status)''',
    yaml='''resources:
  registry:
    type: deltastream:index:SchemaRegistry
    properties:
      name: shop_registry
      confluentCloud:
        uris: https://psrc-abc12.us-east-2.aws.confluent.cloud
        key: SRKEY7QWERTY
        secret: ${registrySecret}
  orders:
    type: deltastream:index:Store
    properties:
      name: orders
      confluentKafka:
        uris: pkc-abc12.us-east-2.aws.confluent.cloud:9092
        saslHashFunction: PLAIN
        saslUsername: CLUSTERKEY7ASDF
        saslPassword: ${clusterSecret}
        schemaRegistryName: ${registry.name}
outputs:
  ordersStatus: ${orders.status}''',
    secrets=("registrySecret", "clusterSecret"))

# --- the components -------------------------------------------------------------------------------

PIPELINE = Part(
    typescript='''const clickColumns = [
    { name: "viewtime", type: "BIGINT", nullable: false },
    { name: "userid", type: "VARCHAR" },
    { name: "url", type: "VARCHAR" },
];

const clicks = new deltastream.Pipeline("clicks", {
    database: shop.name,
    namespace: raw.name,
    store: events.name,
    createTopics: true,
    sources: [{ name: "clicks_raw", valueFormat: "json", columns: clickColumns }],
    sink: { name: "clicks_clean", valueFormat: "json", columns: clickColumns },
    transform: "SELECT viewtime, userid, LOWER(url) AS url FROM clicks_raw",
    version: 1,
});

export const clicksQueryState = clicks.queryState;''',
    python='''click_columns = [
    deltastream.ColumnArgs(name="viewtime", type="BIGINT", nullable=False),
    deltastream.ColumnArgs(name="userid", type="VARCHAR"),
    deltastream.ColumnArgs(name="url", type="VARCHAR"),
]

clicks = deltastream.Pipeline("clicks",
    database=shop.name,
    namespace=raw.name,
    store=events.name,
    create_topics=True,
    sources=[deltastream.PipelineObjectArgs(name="clicks_raw", value_format="json", columns=click_columns)],
    sink=deltastream.PipelineObjectArgs(name="clicks_clean", value_format="json", columns=click_columns),
    transform="SELECT viewtime, userid, LOWER(url) AS url FROM clicks_raw",
    version=1)

pulumi.export("clicksQueryState", clicks.query_state)''',
    go='''clickColumns := deltastream.ColumnArray{
	&deltastream.ColumnArgs{Name: pulumi.String("viewtime"), Type: pulumi.String("BIGINT"), Nullable: pulumi.Bool(false)},
	&deltastream.ColumnArgs{Name: pulumi.String("userid"), Type: pulumi.String("VARCHAR")},
	&deltastream.ColumnArgs{Name: pulumi.String("url"), Type: pulumi.String("VARCHAR")},
}

clicks, err := deltastream.NewPipeline(ctx, "clicks", &deltastream.PipelineArgs{
	Database:     shop.Name,
	Namespace:    raw.Name,
	Store:        events.Name,
	CreateTopics: pulumi.Bool(true),
	Sources: deltastream.PipelineObjectArray{&deltastream.PipelineObjectArgs{
		Name: pulumi.String("clicks_raw"), ValueFormat: pulumi.String("json"), Columns: clickColumns,
	}},
	Sink: &deltastream.PipelineObjectArgs{
		Name: pulumi.String("clicks_clean"), ValueFormat: pulumi.String("json"), Columns: clickColumns,
	},
	Transform: pulumi.String("SELECT viewtime, userid, LOWER(url) AS url FROM clicks_raw"),
	Version:   pulumi.Int(1),
})
if err != nil {
	return err
}

ctx.Export("clicksQueryState", clicks.QueryState)''',
    yaml='''variables:
  clickColumns:
    - { name: viewtime, type: BIGINT, nullable: false }
    - { name: userid, type: VARCHAR }
    - { name: url, type: VARCHAR }
resources:
  clicks:
    type: deltastream:index:Pipeline
    properties:
      database: ${shop.name}
      namespace: ${raw.name}
      store: ${events.name}
      createTopics: true
      sources:
        - { name: clicks_raw, valueFormat: json, columns: "${clickColumns}" }
      sink: { name: clicks_clean, valueFormat: json, columns: "${clickColumns}" }
      transform: SELECT viewtime, userid, LOWER(url) AS url FROM clicks_raw
      version: 1
outputs:
  clicksQueryState: ${clicks.queryState}''',
    needs=(RAW, EVENTS))

ENVIRONMENT = Part(
    typescript='''const dev = new deltastream.Environment("shop-dev", {
    project: "shop",
    environment: "dev",
    namespaces: ["raw", "curated"],
    kafka: {
        uris: "broker-1.example.com:9092,broker-2.example.com:9092",
        saslHashFunction: "SHA512",
        saslUsername: "pipeline",
        saslPassword: config.requireSecret("kafkaPassword"),
    },
});

export const devDatabase = dev.databaseName;
export const devStore = dev.storeName;''',
    python='''dev = deltastream.Environment("shop-dev",
    project="shop",
    environment="dev",
    namespaces=["raw", "curated"],
    kafka=deltastream.KafkaArgs(
        uris="broker-1.example.com:9092,broker-2.example.com:9092",
        sasl_hash_function="SHA512",
        sasl_username="pipeline",
        sasl_password=config.require_secret("kafkaPassword")))

pulumi.export("devDatabase", dev.database_name)
pulumi.export("devStore", dev.store_name)''',
    go='''dev, err := deltastream.NewEnvironment(ctx, "shop-dev", &deltastream.EnvironmentArgs{
	Project:     pulumi.String("shop"),
	Environment: pulumi.String("dev"),
	Namespaces:  pulumi.StringArray{pulumi.String("raw"), pulumi.String("curated")},
	Kafka: &deltastream.KafkaArgs{
		Uris:             pulumi.String("broker-1.example.com:9092,broker-2.example.com:9092"),
		SaslHashFunction: pulumi.String("SHA512"),
		SaslUsername:     pulumi.String("pipeline"),
		SaslPassword:     config.RequireSecret(ctx, "kafkaPassword"),
	},
})
if err != nil {
	return err
}

ctx.Export("devDatabase", dev.DatabaseName)
ctx.Export("devStore", dev.StoreName)''',
    yaml='''resources:
  dev:
    type: deltastream:index:Environment
    properties:
      project: shop
      environment: dev
      namespaces: [raw, curated]
      kafka:
        uris: broker-1.example.com:9092,broker-2.example.com:9092
        saslHashFunction: SHA512
        saslUsername: pipeline
        saslPassword: ${kafkaPassword}
outputs:
  devDatabase: ${dev.databaseName}
  devStore: ${dev.storeName}''',
    secrets=("kafkaPassword",))

# --- the lookups: each reads what the examples above create -----------------------------------------

#: Singular lookups that share their name with a resource: Go's SDK calls them Lookup<Name>.
_GO_LOOKUP = {"getDatabase", "getNamespace", "getStore", "getQuery", "getSecret", "getSchemaRegistry"}


@dataclass(frozen=True)
class Lookup:
    """A call of a lookup whose result goes into a variable, and the one field of it the program exports."""

    function: str
    variable: str
    arguments: dict[str, str]
    output: str
    field: str


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)([A-Z])", r"_\1", name).lower()


def _title(name: str) -> str:
    return name[0].upper() + name[1:]


def _lookups(*calls: Lookup) -> Part:
    """The calls in each language (the direct form in Python, the output form elsewhere), then their exports."""
    def go_function(call: Lookup) -> str:
        return ("Lookup" if call.function in _GO_LOOKUP else "Get") + call.function[3:]

    ts = [f"const {c.variable} = deltastream.{c.function}Output({{ "
          + ", ".join(f'{k}: "{v}"' for k, v in c.arguments.items()) + " });" for c in calls]
    py = [f"{_snake(c.variable)} = deltastream.{_snake(c.function)}("
          + ", ".join(f'{_snake(k)}="{v}"' for k, v in c.arguments.items()) + ")" for c in calls]
    go = [f"{c.variable} := deltastream.{go_function(c)}Output(ctx, deltastream.{go_function(c)}OutputArgs{{\n"
          + "".join(f'\t{_title(k)}: pulumi.String("{v}"),\n' for k, v in c.arguments.items()) + "})" for c in calls]
    yaml = ["variables:"] + [f"  {c.variable}:\n    fn::invoke:\n      function: deltastream:index:{c.function}\n"
                             "      arguments:\n" + "".join(f"        {k}: {v}\n" for k, v in c.arguments.items())
                             for c in calls]
    ts += [""] + [f"export const {c.output} = {c.variable}.{c.field};" for c in calls]
    py += [""] + [f'pulumi.export("{c.output}", {_snake(c.variable)}.{_snake(c.field)})' for c in calls]
    go += [""] + [f'ctx.Export("{c.output}", {c.variable}.{_title(c.field)}())' for c in calls]
    yaml += ["outputs:"] + [f"  {c.output}: ${{{c.variable}.{c.field}}}" for c in calls]
    return Part(typescript="\n".join(ts), python="\n".join(py), go=_aligned("\n".join(go)),
                yaml="\n".join(line.rstrip("\n") for line in yaml))


def _aligned(go: str) -> str:
    """Go's composite literals as gofmt lays them out: the values of consecutive ``Key: value`` lines aligned."""
    lines = go.splitlines()
    out: list[str] = []
    block: list[tuple[str, str]] = []

    def flush() -> None:
        width = max((len(k) for k, _ in block), default=0)
        out.extend(f"\t{k + ':':<{width + 1}} {v}" for k, v in block)
        block.clear()

    for line in lines:
        field = re.match(r"^\t(\w+): (.*)$", line)
        if field:
            block.append((field[1], field[2]))
            continue
        flush()
        out.append(line)
    flush()
    return "\n".join(out)


DATABASE_LOOKUPS = _lookups(Lookup("getDatabase", "shop", {"name": "shop"}, "shopOwner", "owner"),
                            Lookup("getDatabases", "owned", {"owner": "sysadmin"}, "databases", "databases"))
NAMESPACE_LOOKUPS = _lookups(
    Lookup("getNamespace", "raw", {"database": "shop", "name": "raw"}, "rawOwner", "owner"),
    Lookup("getNamespaces", "inShop", {"database": "shop"}, "namespaces", "namespaces"))
STORE_LOOKUPS = _lookups(Lookup("getStore", "events", {"name": "events", "type": "Kafka"}, "eventsStatus", "status"),
                         Lookup("getStores", "kafka", {"type": "Kafka"}, "kafkaStores", "stores"))
OBJECT_LOOKUPS = _lookups(
    Lookup("getObject", "pageviews", {"database": "shop", "namespace": "raw", "name": "pageviews"},
           "pageviewsColumns", "columns"),
    Lookup("getObjects", "shopStreams", {"database": "shop", "kind": "stream"}, "streams", "objects"))
QUERY_LOOKUPS = _lookups(
    Lookup("getQuery", "byDevice", {"name": "pageviews_by_device"}, "byDeviceState", "state"),
    Lookup("getQueries", "running", {"state": "running"}, "runningQueries", "queries"))
SECRET_LOOKUPS = _lookups(
    Lookup("getSecret", "partnerToken", {"name": "partner_api_token"}, "partnerTokenStatus", "status"),
    Lookup("getSecrets", "generic", {"type": "generic_string"}, "secrets", "secrets"))
SCHEMA_REGISTRY_LOOKUPS = _lookups(
    Lookup("getSchemaRegistry", "registry", {"name": "shop_registry"}, "registryType", "type"),
    Lookup("getSchemaRegistries", "cloud", {"type": "ConfluentCloud"}, "cloudRegistries", "schemaRegistries"))
ENTITY_LOOKUPS = _lookups(Lookup("getEntities", "eventsTopics", {"store": "events"}, "topics", "entities"))
