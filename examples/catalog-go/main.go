// Everything beyond databases, stores, objects and queries: a secret, schema registries, Confluent Cloud and
// Kinesis stores, topics and streams (entities) and a multi-sink application, and the lookups that read them.
// Config `phase` walks the resources through their lifecycle: 1 creates them, 2 changes them in place (rotated
// credentials, more partitions and shards, a new owner; the secret's rotation replaces it, accepted), 3 replaces
// what cannot change in place.
package main

import (
	"fmt"

	"github.com/pulumi-deltastream/pulumi-deltastream/sdk/go/deltastream"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func pick[T any](phase int, values ...T) T {
	if phase > len(values) {
		return values[len(values)-1]
	}
	return values[phase-1]
}

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		phase := config.GetInt(ctx, "phase")
		if phase == 0 {
			phase = 1
		}
		p := config.Get(ctx, "prefix")
		if p == "" {
			p = "go"
		}
		name := func(suffix string) string { return fmt.Sprintf("%s_%s", p, suffix) }

		token, err := deltastream.NewSecret(ctx, "token", &deltastream.SecretArgs{
			Name:         pulumi.String(pick(phase, name("token"), name("token"), name("token_v2"))),
			Description:  pulumi.String(pick(phase, "partner API token", "partner API token, rotated")),
			SecretString: config.RequireSecret(ctx, pick(phase, "tokenV1", "tokenV2")),
			// DeltaStream documents no UPDATE SECRET: a new value replaces the secret, leaving a moment with
			// none. The program accepts that gap for the rotation (without it the preview refuses and says why).
			AcceptReplacement: pulumi.Bool(phase > 1),
		})
		if err != nil {
			return err
		}
		registryArgs := &deltastream.SchemaRegistryArgs{Name: pulumi.String(name("registry"))}
		if phase < 3 {
			registryArgs.ConfluentCloud = &deltastream.ConfluentCloudRegistryArgs{
				Uris:   pulumi.String("https://psrc.example"),
				Key:    pulumi.String(fmt.Sprintf("key-%d", phase)),
				Secret: config.RequireSecret(ctx, "registrySecret"),
			}
		} else {
			registryArgs.Confluent = &deltastream.ConfluentRegistryArgs{Uris: pulumi.String("https://registry.example:8081")}
		}
		registry, err := deltastream.NewSchemaRegistry(ctx, "registry", registryArgs)
		if err != nil {
			return err
		}
		avro, err := deltastream.NewSchemaRegistry(ctx, "avro", &deltastream.SchemaRegistryArgs{
			Name:      pulumi.String(name("avro")),
			Confluent: &deltastream.ConfluentRegistryArgs{Uris: pulumi.String("https://avro.example")},
		})
		if err != nil {
			return err
		}

		kafka, err := deltastream.NewStore(ctx, "kafka", &deltastream.StoreArgs{
			Name:  pulumi.String(name("kafka")),
			Kafka: &deltastream.KafkaArgs{Uris: pulumi.String("b:9092"), SaslHashFunction: pulumi.String("NONE")},
		})
		if err != nil {
			return err
		}
		confluent, err := deltastream.NewStore(ctx, "confluent", &deltastream.StoreArgs{
			Name: pulumi.String(name("confluent")),
			ConfluentKafka: &deltastream.ConfluentKafkaArgs{
				Uris:               pulumi.String(pick(phase, "pkc-1.example:9092", "pkc-2.example:9092")),
				SaslHashFunction:   pulumi.String("PLAIN"),
				SaslUsername:       pulumi.String("API_KEY"),
				SaslPassword:       config.RequireSecret(ctx, "registrySecret"),
				SchemaRegistryName: avro.Name,
			},
		})
		if err != nil {
			return err
		}
		kinesis, err := deltastream.NewStore(ctx, "kinesis", &deltastream.StoreArgs{
			Name: pulumi.String(name("kinesis")),
			Kinesis: &deltastream.KinesisArgs{
				Uris:         pulumi.String("https://kinesis.us-east-1.amazonaws.com"),
				AwsAccountId: pulumi.String("123456789012"),
			},
		})
		if err != nil {
			return err
		}

		orders, err := deltastream.NewEntity(ctx, "orders", &deltastream.EntityArgs{
			Store: kafka.Name,
			Path:  pulumi.StringArray{pulumi.String("orders")},
			Kafka: &deltastream.KafkaTopicArgs{
				Partitions: pulumi.Int(pick(phase, 1, 3)),
				Replicas:   pulumi.Int(1),
				Configs:    pulumi.StringMap{"retention.ms": pulumi.String(pick(phase, "86400000", "604800000"))},
			},
		})
		if err != nil {
			return err
		}
		scratch, err := deltastream.NewEntity(ctx, "scratch", &deltastream.EntityArgs{
			Store: kafka.Name,
			Path:  pulumi.StringArray{pulumi.String("scratch")},
			Kafka: &deltastream.KafkaTopicArgs{Partitions: pulumi.Int(1), Replicas: pulumi.Int(pick(phase, 1, 1, 2))},
			// More replicas replace the topic, and DeltaStream does not say which streams on its store read it:
			// accepted.
			AcceptReplacement: pulumi.Bool(phase == 3),
		})
		if err != nil {
			return err
		}
		clicks, err := deltastream.NewEntity(ctx, "clicks", &deltastream.EntityArgs{
			Store:   kinesis.Name,
			Path:    pulumi.StringArray{pulumi.String("clicks")},
			Kinesis: &deltastream.KinesisStreamArgs{Shards: pulumi.Int(pick(phase, 1, 2))},
		})
		if err != nil {
			return err
		}

		db, err := deltastream.NewDatabase(ctx, "db", &deltastream.DatabaseArgs{Name: pulumi.String(name("catalog"))})
		if err != nil {
			return err
		}
		relation := func(relationName string, entity pulumi.StringPtrInput) (*deltastream.DeltaStreamObject, error) {
			return deltastream.NewDeltaStreamObject(ctx, relationName, &deltastream.DeltaStreamObjectArgs{
				Database: db.Name, Namespace: pulumi.String("public"), Name: pulumi.String(relationName),
				Kind: pulumi.String("stream"), Store: kafka.Name, Entity: entity,
				Columns: deltastream.ColumnArray{
					&deltastream.ColumnArgs{Name: pulumi.String("id"), Type: pulumi.String("BIGINT")},
					&deltastream.ColumnArgs{Name: pulumi.String("device"), Type: pulumi.String("VARCHAR")},
				},
			})
		}
		source, err := relation("pageviews", orders.Name)
		if err != nil {
			return err
		}
		mobile, err := relation("mobile", nil)
		if err != nil {
			return err
		}
		desktop, err := relation("desktop", nil)
		if err != nil {
			return err
		}
		appArgs := &deltastream.ApplicationArgs{
			Sql: pulumi.Sprintf(`BEGIN APPLICATION %s
  CREATE VIRTUAL STREAM virtual.public.views AS SELECT * FROM %s;
  INSERT INTO %s SELECT * FROM virtual.public.views WHERE device = 'mobile';
  INSERT INTO %s SELECT * FROM virtual.public.views WHERE device = 'desktop';
END APPLICATION;`, name("fanout"), source.Fqn, mobile.Fqn, desktop.Fqn),
		}
		if phase > 1 {
			appArgs.Owner = pulumi.String("analyst")
		}
		fanout, err := deltastream.NewApplication(ctx, "fanout", appArgs)
		if err != nil {
			return err
		}

		ctx.Export("secretName", token.Name)
		ctx.Export("secretStatus", deltastream.LookupSecretOutput(ctx, deltastream.LookupSecretOutputArgs{Name: token.Name}).Status())
		ctx.Export("secretNames", deltastream.GetSecretsOutput(ctx, deltastream.GetSecretsOutputArgs{Owner: token.Owner}).
			Secrets().ApplyT(func(secrets []deltastream.SecretInfo) []string {
			names := []string{}
			for _, s := range secrets {
				names = append(names, s.Name)
			}
			return names
		}))
		ctx.Export("registryType", deltastream.LookupSchemaRegistryOutput(ctx,
			deltastream.LookupSchemaRegistryOutputArgs{Name: registry.Name}).Type())
		ctx.Export("registryNames", pulumi.All(registry.Type, avro.Type).ApplyT(func(_ []interface{}) ([]string, error) {
			found, err := deltastream.GetSchemaRegistries(ctx, &deltastream.GetSchemaRegistriesArgs{})
			if err != nil {
				return nil, err
			}
			names := []string{}
			for _, r := range found.SchemaRegistries {
				names = append(names, r.Name)
			}
			return names, nil
		}))
		entityNames := func(entities []deltastream.EntityInfo) []string {
			names := []string{}
			for _, e := range entities {
				names = append(names, e.Name)
			}
			return names
		}
		topicsStore := pulumi.All(orders.Store, scratch.Name).ApplyT(func(v []interface{}) string { return v[0].(string) })
		ctx.Export("topics", deltastream.GetEntitiesOutput(ctx, deltastream.GetEntitiesOutputArgs{
			Store: topicsStore.(pulumi.StringOutput)}).Entities().ApplyT(entityNames))
		ctx.Export("streams", deltastream.GetEntitiesOutput(ctx, deltastream.GetEntitiesOutputArgs{
			Store: clicks.Store}).Entities().ApplyT(entityNames))
		ctx.Export("ordersPartitions", orders.Partitions)
		ctx.Export("scratchReplicas", scratch.Replicas)
		ctx.Export("clicksShards", clicks.Shards)
		ctx.Export("confluentType", confluent.Type)
		ctx.Export("kinesisStatus", kinesis.Status)
		ctx.Export("applicationId", fanout.ApplicationId)
		ctx.Export("applicationOwner", fanout.Owner)
		ctx.Export("applicationSinks", fanout.Sinks)
		ctx.Export("applicationSources", fanout.Sources)
		return nil
	})
}
