// A platform team's first analytics stack. Orders arrive on Kafka as Avro: their schema is the registry's subject
// `orders-value`, so the stream lists no columns. In the team's compute pool, a query cleans each order's region
// with a Java function from the team's jar, and a pipeline keeps revenue by region from the cleaned orders in a
// materialized view that dashboards read with a SELECT.
// Against `deltastream-provider local`, register the producers' Avro schema first: the local server is the
// registry too (POST /schema-registry/subjects/orders-value/versions, as to Confluent's).
package main

import (
	"github.com/pulumi-deltastream/pulumi-deltastream/sdk/go/deltastream"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		registryURI := cfg.Get("registryUri")
		if registryURI == "" {
			registryURI = "https://registry.example.com:8081"
		}
		kafkaURI := cfg.Get("kafkaUri")
		if kafkaURI == "" {
			kafkaURI = "broker-1.example.com:9092"
		}

		database, err := deltastream.NewDatabase(ctx, "analytics", &deltastream.DatabaseArgs{
			Name: pulumi.String("analytics"),
		})
		if err != nil {
			return err
		}
		registry, err := deltastream.NewSchemaRegistry(ctx, "registry", &deltastream.SchemaRegistryArgs{
			Name:      pulumi.String("analytics_registry"),
			Confluent: &deltastream.ConfluentRegistryArgs{Uris: pulumi.String(registryURI)},
		})
		if err != nil {
			return err
		}
		kafka, err := deltastream.NewStore(ctx, "kafka", &deltastream.StoreArgs{
			Name: pulumi.String("analytics_kafka"),
			Kafka: &deltastream.KafkaArgs{
				Uris:               pulumi.String(kafkaURI),
				SaslHashFunction:   pulumi.String("NONE"),
				SchemaRegistryName: registry.Name,
			},
		})
		if err != nil {
			return err
		}
		orders, err := deltastream.NewDeltaStreamObject(ctx, "orders", &deltastream.DeltaStreamObjectArgs{
			Database:    database.Name,
			Namespace:   pulumi.String("public"),
			Name:        pulumi.String("orders"),
			Kind:        pulumi.String("stream"),
			Store:       kafka.Name,
			Entity:      pulumi.String("orders"),
			ValueFormat: pulumi.String("avro"),
		})
		if err != nil {
			return err
		}

		// The team's Java functions: udfs.jar beside this program, built from NormalizeRegion.java.
		udfs, err := deltastream.NewFunctionSource(ctx, "udfs", &deltastream.FunctionSourceArgs{
			Name:        pulumi.String("analytics_udfs"),
			File:        pulumi.NewFileAsset("udfs.jar"),
			Language:    pulumi.String("java"),
			Description: pulumi.String("the analytics team's functions"),
		})
		if err != nil {
			return err
		}
		normalizeRegion, err := deltastream.NewFunction(ctx, "normalize-region", &deltastream.FunctionArgs{
			Name: pulumi.String("normalize_region"),
			Arguments: deltastream.FunctionArgumentArray{
				&deltastream.FunctionArgumentArgs{Name: pulumi.String("region"), Type: pulumi.String("VARCHAR")},
			},
			Returns:   pulumi.String("VARCHAR"),
			Language:  pulumi.String("java"),
			Source:    udfs.Name,
			ClassName: pulumi.String("com.example.analytics.NormalizeRegion"),
		})
		if err != nil {
			return err
		}

		pool, err := deltastream.NewComputePool(ctx, "analytics", &deltastream.ComputePoolArgs{
			Name: pulumi.String("analytics_pool"), Size: pulumi.String("small"), TimeoutMin: pulumi.Int(30),
		})
		if err != nil {
			return err
		}

		revenue, err := deltastream.NewPipeline(ctx, "revenue", &deltastream.PipelineArgs{
			Database:     database.Name,
			Store:        kafka.Name,
			CreateTopics: pulumi.Bool(true),
			Sources: deltastream.PipelineObjectArray{&deltastream.PipelineObjectArgs{
				Name:        pulumi.String("orders_clean"),
				ValueFormat: pulumi.String("json"),
				Columns: deltastream.ColumnArray{
					&deltastream.ColumnArgs{Name: pulumi.String("order_id"), Type: pulumi.String("BIGINT")},
					&deltastream.ColumnArgs{Name: pulumi.String("region"), Type: pulumi.String("VARCHAR")},
					&deltastream.ColumnArgs{Name: pulumi.String("amount"), Type: pulumi.String("DOUBLE")},
				},
			}},
			Sink: &deltastream.PipelineObjectArgs{
				Name: pulumi.String("revenue_by_region"), Kind: pulumi.String("materialized_view"),
			},
			Transform: pulumi.String("SELECT region, COUNT(*) AS orders, SUM(amount) AS revenue FROM orders_clean " +
				"GROUP BY region"),
			ComputePool: pool.Name,
		})
		if err != nil {
			return err
		}

		clean, err := deltastream.NewQuery(ctx, "clean-orders", &deltastream.QueryArgs{
			Sql: pulumi.Sprintf("INSERT INTO %s SELECT order_id, normalize_region(region) AS region, amount FROM %s",
				revenue.SourceFqns.Index(pulumi.Int(0)), orders.Fqn),
			ComputePool: pool.Name,
		}, pulumi.DependsOn([]pulumi.Resource{normalizeRegion}))
		if err != nil {
			return err
		}

		ctx.Export("viewFqn", revenue.SinkFqn)
		ctx.Export("viewQueryId", revenue.QueryId)
		ctx.Export("cleanQueryId", clean.QueryId)
		ctx.Export("poolState", pool.State)
		ctx.Export("functionId", normalizeRegion.ID())
		return nil
	})
}
