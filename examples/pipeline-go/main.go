// An environment laid out the same way in every stage, and a pipeline in it: raw clicks in, cleaned
// clicks out. Raise `pipelineVersion` (pulumi config set pipelineVersion 2) to roll to the next
// transformation: the new query starts, then the old one is terminated; the objects stay.
// Against `deltastream-provider local`, check the transformation on sample records after `pulumi up`:
//
//	python -m deltastream_local.samples samples.json --store "$(pulumi stack output storeName)"
package main

import (
	"github.com/pulumi-deltastream/pulumi-deltastream/sdk/go/deltastream"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

var transforms = map[int]string{
	1: "SELECT id, url, viewtime FROM clicks_raw WHERE url IS NOT NULL",
	2: "SELECT id, LOWER(url) AS url, viewtime FROM clicks_raw WHERE url IS NOT NULL",
}

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		cfg := config.New(ctx, "")
		environment := cfg.Get("environment")
		if environment == "" {
			environment = "dev"
		}
		version := cfg.GetInt("pipelineVersion")
		if version == 0 {
			version = 1
		}

		env, err := deltastream.NewEnvironment(ctx, "shop", &deltastream.EnvironmentArgs{
			Project:     pulumi.String("shop"),
			Environment: pulumi.String(environment),
			Namespaces:  pulumi.StringArray{pulumi.String("raw"), pulumi.String("curated")},
			Kafka: &deltastream.KafkaArgs{
				Uris:             pulumi.String("broker-1.example.com:9092"),
				SaslHashFunction: pulumi.String("NONE"),
			},
		})
		if err != nil {
			return err
		}
		columns := deltastream.ColumnArray{
			&deltastream.ColumnArgs{Name: pulumi.String("id"), Type: pulumi.String("BIGINT"), Nullable: pulumi.Bool(false)},
			&deltastream.ColumnArgs{Name: pulumi.String("url"), Type: pulumi.String("VARCHAR")},
			&deltastream.ColumnArgs{Name: pulumi.String("viewtime"), Type: pulumi.String("BIGINT")},
		}
		clicks, err := deltastream.NewPipeline(ctx, "clicks", &deltastream.PipelineArgs{
			Database:     env.DatabaseName,
			Namespace:    pulumi.String("raw"),
			Store:        env.StoreName.Elem(),
			CreateTopics: pulumi.Bool(true),
			Sources: deltastream.PipelineObjectArray{&deltastream.PipelineObjectArgs{
				Name: pulumi.String("clicks_raw"), Columns: columns, ValueFormat: pulumi.String("json"),
				TimestampColumn: pulumi.String("viewtime"),
			}},
			Sink: &deltastream.PipelineObjectArgs{
				Name: pulumi.String("clicks_clean"), Columns: columns, ValueFormat: pulumi.String("json"),
			},
			Transform: pulumi.String(transforms[version]),
			Version:   pulumi.Int(version),
		}, pulumi.DependsOn([]pulumi.Resource{env}))
		if err != nil {
			return err
		}
		ctx.Export("databaseName", env.DatabaseName)
		ctx.Export("storeName", env.StoreName)
		ctx.Export("sinkFqn", clicks.SinkFqn)
		ctx.Export("sourceFqns", clicks.SourceFqns)
		ctx.Export("queryId", clicks.QueryId)
		ctx.Export("queryState", clicks.QueryState)
		ctx.Export("queryVersion", clicks.QueryVersion)
		ctx.Export("querySql", clicks.Query.Sql())
		return nil
	})
}
