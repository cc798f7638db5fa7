// Clickstream on DeltaStream from Go: a database and namespace, a Kafka store, two streams, a continuous
// query, and lookups of what exists. Connection settings come from deltastream:server / deltastream:apiKey
// (or DELTASTREAM_SERVER / DELTASTREAM_API_KEY); the Kafka password from secret config.
package main

import (
	"fmt"

	"github.com/pulumi-deltastream/pulumi-deltastream/sdk/go/deltastream"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		kafkaPassword := config.RequireSecret(ctx, "kafkaPassword")

		analytics, err := deltastream.NewDatabase(ctx, "analytics", &deltastream.DatabaseArgs{
			Name: pulumi.String("go_analytics"),
		})
		if err != nil {
			return err
		}
		raw, err := deltastream.NewNamespace(ctx, "raw", &deltastream.NamespaceArgs{
			Database: analytics.Name,
			Name:     pulumi.String("raw"),
		})
		if err != nil {
			return err
		}
		events, err := deltastream.NewStore(ctx, "events", &deltastream.StoreArgs{
			Name: pulumi.String("go_events"),
			Kafka: &deltastream.KafkaArgs{
				Uris:             pulumi.String("broker-1.example.com:9092"),
				SaslHashFunction: pulumi.String("SHA512"),
				SaslUsername:     pulumi.String("pipeline"),
				SaslPassword:     kafkaPassword,
			},
		})
		if err != nil {
			return err
		}
		column := func(name, typ string) deltastream.ColumnInput {
			return &deltastream.ColumnArgs{Name: pulumi.String(name), Type: pulumi.String(typ)}
		}
		pageviews, err := deltastream.NewDeltaStreamObject(ctx, "pageviews", &deltastream.DeltaStreamObjectArgs{
			Database: analytics.Name, Namespace: raw.Name, Name: pulumi.String("pageviews"),
			Kind: pulumi.String("stream"), Store: events.Name, ValueFormat: pulumi.String("json"),
			Columns: deltastream.ColumnArray{column("viewtime", "BIGINT"), column("userid", "VARCHAR"),
				column("pageid", "VARCHAR")},
		})
		if err != nil {
			return err
		}
		visits, err := deltastream.NewDeltaStreamObject(ctx, "visits", &deltastream.DeltaStreamObjectArgs{
			Database: analytics.Name, Namespace: raw.Name, Name: pulumi.String("visits"),
			Kind: pulumi.String("stream"), Store: events.Name, ValueFormat: pulumi.String("json"),
			Columns: deltastream.ColumnArray{column("viewtime", "BIGINT"), column("userid", "VARCHAR")},
		})
		if err != nil {
			return err
		}
		copyVisits, err := deltastream.NewQuery(ctx, "copyVisits", &deltastream.QueryArgs{
			Sql: pulumi.Sprintf("INSERT INTO %s SELECT viewtime, userid FROM %s;", visits.Fqn, pageviews.Fqn),
		})
		if err != nil {
			return err
		}

		store := deltastream.LookupStoreOutput(ctx, deltastream.LookupStoreOutputArgs{
			Name: events.Name, Type: pulumi.String("Kafka"),
		})
		info := deltastream.GetObjectOutput(ctx, deltastream.GetObjectOutputArgs{
			Database: pageviews.Database, Namespace: pageviews.Namespace, Name: pageviews.Name,
		})
		ctx.Export("storeStatus", store.Status())
		ctx.Export("pageviewsColumns", info.Columns().ApplyT(func(columns []deltastream.ObjectColumn) []string {
			names := make([]string, len(columns))
			for i, c := range columns {
				names[i] = fmt.Sprintf("%s %s", c.Name, c.Type)
			}
			return names
		}))
		ctx.Export("queryId", copyVisits.QueryId)
		ctx.Export("querySources", copyVisits.Sources)
		return nil
	})
}
