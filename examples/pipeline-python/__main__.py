"""An environment laid out the same way in every stage, and a pipeline in it: raw clicks in, cleaned
clicks out. Raise `pipelineVersion` (pulumi config set pipelineVersion 2) to roll to the next
transformation: the new query starts, then the old one is terminated; the objects stay.
Against `deltastream-provider local`, check the transformation on sample records after `pulumi up`:
    python -m deltastream_local.samples samples.json --store "$(pulumi stack output storeName)"
"""

import pulumi
import pulumi_deltastream_community as deltastream

config = pulumi.Config()
environment = config.get("environment") or "dev"
version = config.get_int("pipelineVersion") or 1
transforms = {
    1: "SELECT id, url, viewtime FROM clicks_raw WHERE url IS NOT NULL",
    2: "SELECT id, LOWER(url) AS url, viewtime FROM clicks_raw WHERE url IS NOT NULL",
}

env = deltastream.Environment(
    "shop",
    project="shop",
    environment=environment,
    namespaces=["raw", "curated"],
    kafka=deltastream.KafkaArgs(uris="broker-1.example.com:9092", sasl_hash_function="NONE"),
)

columns = [
    deltastream.ColumnArgs(name="id", type="BIGINT", nullable=False),
    deltastream.ColumnArgs(name="url", type="VARCHAR"),
    deltastream.ColumnArgs(name="viewtime", type="BIGINT"),
]
clicks = deltastream.Pipeline(
    "clicks",
    database=env.database_name,
    namespace="raw",
    store=env.store_name.apply(lambda name: name or ""),
    create_topics=True,
    sources=[deltastream.PipelineObjectArgs(name="clicks_raw", columns=columns, value_format="json",
                                            timestamp_column="viewtime")],
    sink=deltastream.PipelineObjectArgs(name="clicks_clean", columns=columns, value_format="json"),
    transform=transforms[version],
    version=version,
    opts=pulumi.ResourceOptions(depends_on=[env]),
)

pulumi.export("databaseName", env.database_name)
pulumi.export("storeName", env.store_name)
pulumi.export("sinkFqn", clicks.sink_fqn)
pulumi.export("sourceFqns", clicks.source_fqns)
pulumi.export("queryId", clicks.query_id)
pulumi.export("queryState", clicks.query_state)
pulumi.export("queryVersion", clicks.query_version)
pulumi.export("querySql", clicks.query.sql)
