// A platform team's first analytics stack: orders arrive on Kafka as Avro (their schema is the registry's subject
// `orders-value`, so the stream lists no columns), a Java function from the team's jar cleans each order's region,
// and a compute pool runs the queries: a pipeline writes the cleaned orders, a materialized view keeps revenue by
// region from them for dashboards to read with a SELECT.
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

		columns := deltastream.ColumnArray{
			&deltastream.ColumnArgs{Name: pulumi.String("order_id"), Type: pulumi.String("BIGINT")},
			&deltastream.ColumnArgs{Name: pulumi.String("region"), Type: pulumi.String("VARCHAR")},
			&deltastream.ColumnArgs{Name: pulumi.String("amount"), Type: pulumi.String("DOUBLE")},
		}
		orders, err := deltastream.NewPipeline(ctx, "orders", &deltastream.PipelineArgs{
			Database: database.Name,
			Store:    kafka.Name,
			Sources: deltastream.PipelineObjectArray{&deltastream.PipelineObjectArgs{
				Name: pulumi.String("orders"), ValueFormat: pulumi.String("avro"), Columns: columns,
			}},
			Sink: &deltastream.PipelineObjectArgs{
				Name: pulumi.String("orders_clean"), ValueFormat: pulumi.String("json"), Columns: columns,
			},
			Transform:   pulumi.String("SELECT order_id, normalize_region(region) AS region, amount FROM orders"),
			ComputePool: pool.Name,
		}, pulumi.DependsOn([]pulumi.Resource{normalizeRegion}))
		if err != nil {
			return err
		}

		revenue, err := deltastream.NewMaterializedView(ctx, "revenue-by-region", &deltastream.MaterializedViewArgs{
			Database: database.Name,
			Name:     pulumi.String("revenue_by_region"),
			Query: pulumi.Sprintf("SELECT region, COUNT(*) AS orders, SUM(amount) AS revenue FROM %s "+
				"GROUP BY region", orders.SinkFqn),
			ComputePool: pool.Name,
		})
		if err != nil {
			return err
		}

		ctx.Export("viewFqn", revenue.Fqn)
		ctx.Export("viewQueryId", revenue.QueryId)
		ctx.Export("pipelineQueryId", orders.QueryId)
		ctx.Export("poolState", pool.State)
		ctx.Export("functionId", normalizeRegion.ID())
		return nil
	})
}
