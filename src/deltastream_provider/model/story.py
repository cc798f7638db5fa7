"""The one story every registry example tells: a shop's page views on Kafka, in DeltaStream.

Database ``shop``, namespace ``raw``, the Kafka store ``events`` with its topic ``pageviews`` and the stream
``pageviews`` (viewtime, userid, pageid, device); a query copies views into ``visits``, an application splits them
by device into ``mobile_views`` and ``desktop_views``; a secret ``partner_api_token``, a Confluent Cloud schema
registry ``shop_registry`` with the store ``orders`` that uses it, a pipeline over ``clicks_raw`` and an
environment ``shop_dev``. The lookups read what these create. Each resource's example is its part here with the
parts it needs (:func:`.docs.examples`).
"""

from __future__ import annotations

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


DATABASE_LOOKUPS = Part(
    typescript='''const shop = deltastream.getDatabaseOutput({ name: "shop" });
const owned = deltastream.getDatabasesOutput({ owner: "sysadmin" });

export const shopOwner = shop.owner;
export const databaseNames = owned.databases.apply(databases => databases.map(d => d.name));''',
    python='''shop = deltastream.get_database(name="shop")
owned = deltastream.get_databases(owner="sysadmin")

pulumi.export("shopOwner", shop.owner)
pulumi.export("databaseNames", [d.name for d in owned.databases])''',
    go='''shop, err := deltastream.LookupDatabase(ctx, &deltastream.LookupDatabaseArgs{Name: "shop"})
if err != nil {
	return err
}
owned, err := deltastream.GetDatabases(ctx, &deltastream.GetDatabasesArgs{Owner: pulumi.StringRef("sysadmin")})
if err != nil {
	return err
}

databaseNames := pulumi.StringArray{}
for _, d := range owned.Databases {
	databaseNames = append(databaseNames, pulumi.String(d.Name))
}
ctx.Export("shopOwner", pulumi.String(shop.Owner))
ctx.Export("databaseNames", databaseNames)''',
    yaml='''variables:
  shop:
    fn::invoke:
      function: deltastream:index:getDatabase
      arguments:
        name: shop
  owned:
    fn::invoke:
      function: deltastream:index:getDatabases
      arguments:
        owner: sysadmin
outputs:
  shopOwner: ${shop.owner}
  databases: ${owned.databases}''')

NAMESPACE_LOOKUPS = Part(
    typescript='''const raw = deltastream.getNamespaceOutput({ database: "shop", name: "raw" });
const inShop = deltastream.getNamespacesOutput({ database: "shop" });

export const rawOwner = raw.owner;
export const namespaceNames = inShop.namespaces.apply(namespaces => namespaces.map(n => n.name));''',
    python='''raw = deltastream.get_namespace(database="shop", name="raw")
in_shop = deltastream.get_namespaces(database="shop")

pulumi.export("rawOwner", raw.owner)
pulumi.export("namespaceNames", [n.name for n in in_shop.namespaces])''',
    go='''raw, err := deltastream.LookupNamespace(ctx, &deltastream.LookupNamespaceArgs{Database: "shop", Name: "raw"})
if err != nil {
	return err
}
inShop, err := deltastream.GetNamespaces(ctx, &deltastream.GetNamespacesArgs{Database: pulumi.StringRef("shop")})
if err != nil {
	return err
}

namespaceNames := pulumi.StringArray{}
for _, n := range inShop.Namespaces {
	namespaceNames = append(namespaceNames, pulumi.String(n.Name))
}
ctx.Export("rawOwner", pulumi.String(raw.Owner))
ctx.Export("namespaceNames", namespaceNames)''',
    yaml='''variables:
  raw:
    fn::invoke:
      function: deltastream:index:getNamespace
      arguments:
        database: shop
        name: raw
  inShop:
    fn::invoke:
      function: deltastream:index:getNamespaces
      arguments:
        database: shop
outputs:
  rawOwner: ${raw.owner}
  namespaces: ${inShop.namespaces}''')

STORE_LOOKUPS = Part(
    typescript='''const events = deltastream.getStoreOutput({ name: "events", type: "Kafka" });
const kafkaStores = deltastream.getStoresOutput({ type: "Kafka" });

export const eventsStatus = events.status;
export const kafkaStoreNames = kafkaStores.stores.apply(stores => stores.map(s => s.name));''',
    python='''events = deltastream.get_store(name="events", type="Kafka")
kafka_stores = deltastream.get_stores(type="Kafka")

pulumi.export("eventsStatus", events.status)
pulumi.export("kafkaStoreNames", [s.name for s in kafka_stores.stores])''',
    go='''events, err := deltastream.LookupStore(ctx, &deltastream.LookupStoreArgs{Name: "events", Type: pulumi.StringRef("Kafka")})
if err != nil {
	return err
}
kafkaStores, err := deltastream.GetStores(ctx, &deltastream.GetStoresArgs{Type: pulumi.StringRef("Kafka")})
if err != nil {
	return err
}

kafkaStoreNames := pulumi.StringArray{}
for _, s := range kafkaStores.Stores {
	kafkaStoreNames = append(kafkaStoreNames, pulumi.String(s.Name))
}
ctx.Export("eventsStatus", pulumi.String(events.Status))
ctx.Export("kafkaStoreNames", kafkaStoreNames)''',
    yaml='''variables:
  events:
    fn::invoke:
      function: deltastream:index:getStore
      arguments:
        name: events
        type: Kafka
  kafkaStores:
    fn::invoke:
      function: deltastream:index:getStores
      arguments:
        type: Kafka
outputs:
  eventsStatus: ${events.status}
  kafkaStores: ${kafkaStores.stores}''')

OBJECT_LOOKUPS = Part(
    typescript='''const pageviews = deltastream.getObjectOutput({ database: "shop", namespace: "raw", name: "pageviews" });
const streams = deltastream.getObjectsOutput({ database: "shop", kind: "stream" });

export const pageviewsColumns = pageviews.columns.apply(columns => columns.map(c => c.name));
export const streamFqns = streams.objects.apply(objects => objects.map(o => o.fqn));''',
    python='''pageviews = deltastream.get_object(database="shop", namespace="raw", name="pageviews")
streams = deltastream.get_objects(database="shop", kind="stream")

pulumi.export("pageviewsColumns", [c.name for c in pageviews.columns])
pulumi.export("streamFqns", [o.fqn for o in streams.objects])''',
    go='''pageviews, err := deltastream.GetObject(ctx, &deltastream.GetObjectArgs{Database: "shop", Namespace: "raw", Name: "pageviews"})
if err != nil {
	return err
}
streams, err := deltastream.GetObjects(ctx, &deltastream.GetObjectsArgs{
	Database: pulumi.StringRef("shop"),
	Kind:     pulumi.StringRef("stream"),
})
if err != nil {
	return err
}

pageviewsColumns := pulumi.StringArray{}
for _, c := range pageviews.Columns {
	pageviewsColumns = append(pageviewsColumns, pulumi.String(c.Name))
}
streamFqns := pulumi.StringArray{}
for _, o := range streams.Objects {
	streamFqns = append(streamFqns, pulumi.String(o.Fqn))
}
ctx.Export("pageviewsColumns", pageviewsColumns)
ctx.Export("streamFqns", streamFqns)''',
    yaml='''variables:
  pageviews:
    fn::invoke:
      function: deltastream:index:getObject
      arguments:
        database: shop
        namespace: raw
        name: pageviews
  streams:
    fn::invoke:
      function: deltastream:index:getObjects
      arguments:
        database: shop
        kind: stream
outputs:
  pageviewsColumns: ${pageviews.columns}
  streams: ${streams.objects}''')

QUERY_LOOKUPS = Part(
    typescript='''const byDevice = deltastream.getQueryOutput({ name: "pageviews_by_device" });
const running = deltastream.getQueriesOutput({ state: "running" });

export const byDeviceState = byDevice.state;
export const runningQueryIds = running.queries.apply(queries => queries.map(q => q.queryId));''',
    python='''by_device = deltastream.get_query(name="pageviews_by_device")
running = deltastream.get_queries(state="running")

pulumi.export("byDeviceState", by_device.state)
pulumi.export("runningQueryIds", [q.query_id for q in running.queries])''',
    go='''byDevice, err := deltastream.LookupQuery(ctx, &deltastream.LookupQueryArgs{Name: pulumi.StringRef("pageviews_by_device")})
if err != nil {
	return err
}
running, err := deltastream.GetQueries(ctx, &deltastream.GetQueriesArgs{State: pulumi.StringRef("running")})
if err != nil {
	return err
}

runningQueryIds := pulumi.StringArray{}
for _, q := range running.Queries {
	runningQueryIds = append(runningQueryIds, pulumi.String(q.QueryId))
}
ctx.Export("byDeviceState", pulumi.String(byDevice.State))
ctx.Export("runningQueryIds", runningQueryIds)''',
    yaml='''variables:
  byDevice:
    fn::invoke:
      function: deltastream:index:getQuery
      arguments:
        name: pageviews_by_device
  running:
    fn::invoke:
      function: deltastream:index:getQueries
      arguments:
        state: running
outputs:
  byDeviceState: ${byDevice.state}
  runningQueries: ${running.queries}''')

SECRET_LOOKUPS = Part(
    typescript='''const partnerToken = deltastream.getSecretOutput({ name: "partner_api_token" });
const strings = deltastream.getSecretsOutput({ type: "generic_string" });

export const partnerTokenStatus = partnerToken.status;
export const secretNames = strings.secrets.apply(secrets => secrets.map(s => s.name));''',
    python='''partner_token = deltastream.get_secret(name="partner_api_token")
strings = deltastream.get_secrets(type="generic_string")

pulumi.export("partnerTokenStatus", partner_token.status)
pulumi.export("secretNames", [s.name for s in strings.secrets])''',
    go='''partnerToken, err := deltastream.LookupSecret(ctx, &deltastream.LookupSecretArgs{Name: "partner_api_token"})
if err != nil {
	return err
}
strings, err := deltastream.GetSecrets(ctx, &deltastream.GetSecretsArgs{Type: pulumi.StringRef("generic_string")})
if err != nil {
	return err
}

secretNames := pulumi.StringArray{}
for _, s := range strings.Secrets {
	secretNames = append(secretNames, pulumi.String(s.Name))
}
ctx.Export("partnerTokenStatus", pulumi.String(partnerToken.Status))
ctx.Export("secretNames", secretNames)''',
    yaml='''variables:
  partnerToken:
    fn::invoke:
      function: deltastream:index:getSecret
      arguments:
        name: partner_api_token
  strings:
    fn::invoke:
      function: deltastream:index:getSecrets
      arguments:
        type: generic_string
outputs:
  partnerTokenStatus: ${partnerToken.status}
  secrets: ${strings.secrets}''')

SCHEMA_REGISTRY_LOOKUPS = Part(
    typescript='''const registry = deltastream.getSchemaRegistryOutput({ name: "shop_registry" });
const cloud = deltastream.getSchemaRegistriesOutput({ type: "ConfluentCloud" });

export const registryType = registry.type;
export const cloudRegistryNames = cloud.schemaRegistries.apply(registries => registries.map(r => r.name));''',
    python='''registry = deltastream.get_schema_registry(name="shop_registry")
cloud = deltastream.get_schema_registries(type="ConfluentCloud")

pulumi.export("registryType", registry.type)
pulumi.export("cloudRegistryNames", [r.name for r in cloud.schema_registries])''',
    go='''registry, err := deltastream.LookupSchemaRegistry(ctx, &deltastream.LookupSchemaRegistryArgs{Name: "shop_registry"})
if err != nil {
	return err
}
cloud, err := deltastream.GetSchemaRegistries(ctx, &deltastream.GetSchemaRegistriesArgs{Type: pulumi.StringRef("ConfluentCloud")})
if err != nil {
	return err
}

cloudRegistryNames := pulumi.StringArray{}
for _, r := range cloud.SchemaRegistries {
	cloudRegistryNames = append(cloudRegistryNames, pulumi.String(r.Name))
}
ctx.Export("registryType", pulumi.String(registry.Type))
ctx.Export("cloudRegistryNames", cloudRegistryNames)''',
    yaml='''variables:
  registry:
    fn::invoke:
      function: deltastream:index:getSchemaRegistry
      arguments:
        name: shop_registry
  cloud:
    fn::invoke:
      function: deltastream:index:getSchemaRegistries
      arguments:
        type: ConfluentCloud
outputs:
  registryType: ${registry.type}
  cloudRegistries: ${cloud.schemaRegistries}''')

ENTITY_LOOKUPS = Part(
    typescript='''const topics = deltastream.getEntitiesOutput({ store: "events" });

export const topicNames = topics.entities.apply(entities => entities.map(e => e.name));''',
    python='''topics = deltastream.get_entities(store="events")

pulumi.export("topicNames", [e.name for e in topics.entities])''',
    go='''topics, err := deltastream.GetEntities(ctx, &deltastream.GetEntitiesArgs{Store: "events"})
if err != nil {
	return err
}

topicNames := pulumi.StringArray{}
for _, e := range topics.Entities {
	topicNames = append(topicNames, pulumi.String(e.Name))
}
ctx.Export("topicNames", topicNames)''',
    yaml='''variables:
  topics:
    fn::invoke:
      function: deltastream:index:getEntities
      arguments:
        store: events
outputs:
  topics: ${topics.entities}''')
