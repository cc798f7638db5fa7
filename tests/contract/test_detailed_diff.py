"""Case i of issue 23: only secret fields are secret, and Diff names the innermost property that changed."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.runtime.proto import provider_pb2
from testkit.provider import Harness

from deltastream_provider.model.unknown import UNKNOWN
from deltastream_provider.plugin.wire import SecretValue

STORE = "deltastream:index:Store"
REGISTRY = "deltastream:index:SchemaRegistry"
ENTITY = "deltastream:index:Entity"
K = provider_pb2.PropertyDiff

KINESIS = {"name": "streams", "kinesis": {"uris": "https://kinesis.us-east-1.amazonaws.com",
                                          "awsAccountId": "123456789012", "accessKeyId": "AKIAEXAMPLE",
                                          "secretAccessKey": "kinesis-secret-first"}}


def with_block(props: dict[str, Any], block: str, **changed: Any) -> dict[str, Any]:
    return {**props, block: {**props[block], **changed}}


def kinds(response: provider_pb2.DiffResponse) -> dict[str, str]:
    return {path: K.Kind.Name(entry.kind) for path, entry in response.detailedDiff.items()}


def secret_paths(props: dict[str, Any], path: str = "") -> set[str]:
    found: set[str] = set()
    for key, value in props.items():
        if isinstance(value, SecretValue):
            found.add(f"{path}{key}")
        elif isinstance(value, dict):
            found |= secret_paths(value, f"{path}{key}.")
    return found


async def test_a_rotated_secret_key_is_the_one_detailed_change(provider: Harness) -> None:
    _, state = await provider.create(STORE, KINESIS)
    rotated = with_block(KINESIS, "kinesis", secretAccessKey="kinesis-secret-second")
    diff = await provider.diff(STORE, "streams", state, rotated, old_inputs=KINESIS)
    assert diff.changes == diff.DIFF_SOME and list(diff.diffs) == ["kinesis"] and not diff.replaces
    assert diff.hasDetailedDiff and kinds(diff) == {"kinesis.secretAccessKey": "UPDATE"}
    assert diff.detailedDiff["kinesis.secretAccessKey"].inputDiff


async def test_detailed_kinds_follow_the_resources_replace_decision(provider: Harness) -> None:
    _, state = await provider.create(STORE, KINESIS)
    keys_removed = with_block(KINESIS, "kinesis", accessKeyId=None, secretAccessKey=None)
    diff = await provider.diff(STORE, "streams", state, keys_removed, old_inputs=KINESIS)
    assert list(diff.replaces) == ["kinesis"]  # the resource's rule: Kinesis keys removed replace the store
    assert kinds(diff) == {"kinesis.accessKeyId": "DELETE_REPLACE", "kinesis.secretAccessKey": "DELETE_REPLACE"}

    no_keys = with_block(KINESIS, "kinesis", accessKeyId=None, secretAccessKey=None)
    added = await provider.diff(STORE, "streams", state, KINESIS, old_inputs=no_keys)
    assert kinds(added) == {"kinesis.accessKeyId": "ADD", "kinesis.secretAccessKey": "ADD"}

    kafka = {"name": "streams", "kafka": {"uris": "b:9092", "saslHashFunction": "NONE"}}
    other_kind = await provider.diff(STORE, "streams", state, kafka, old_inputs=KINESIS)
    assert kinds(other_kind) == {"kafka": "ADD_REPLACE", "kinesis": "DELETE_REPLACE"}


async def test_a_changed_map_entry_and_list_item_are_named(provider: Harness) -> None:
    topic = {"store": "events", "path": ["orders"],
             "kafka": {"partitions": 3, "replicas": 2, "configs": {"retention.ms": "1000"}}}
    grown = {**topic, "kafka": {**topic["kafka"], "partitions": 6, "configs": {"retention.ms": "2000"}}}
    state = {**topic, "fqn": "orders"}
    diff = await provider.diff(ENTITY, "events/orders", state, grown, old_inputs=topic)
    assert kinds(diff) == {"kafka.partitions": "UPDATE", 'kafka.configs["retention.ms"]': "UPDATE"}
    moved = await provider.diff(ENTITY, "events/orders", state, {**topic, "path": ["payments"]}, old_inputs=topic)
    assert kinds(moved) == {"path[0]": "UPDATE_REPLACE"}


async def test_a_secret_not_known_yet_is_previewed_as_a_secret(provider: Harness) -> None:
    """A password from a secret output a preview has not made yet: the engine sends an unknown inside a secret.
    Check, a preview and Diff answer (its value has no text to redact yet) and keep it secret."""
    kafka = {"uris": "b:9092", "saslHashFunction": "PLAIN", "saslUsername": "app", "saslPassword": "kafka-pw"}
    pending = {"name": "events", "kafka": {**kafka, "saslPassword": SecretValue(UNKNOWN)}}
    checked, failures = await provider.check(STORE, pending)
    assert not failures and checked == pending
    _, previewed = await provider.create(STORE, checked, preview=True)
    assert previewed["kafka"]["saslPassword"] == SecretValue(UNKNOWN)
    known = {"name": "events", "kafka": kafka}
    _, state = await provider.create(STORE, known)
    diff = await provider.diff(STORE, "events", state, pending, old_inputs=known)
    assert list(diff.diffs) == ["kafka"] and kinds(diff) == {"kafka.saslPassword": "UPDATE"}


@pytest.mark.parametrize("type_, props, plain, secret", [
    (STORE, KINESIS, {"kinesis.accessKeyId", "kinesis.awsAccountId", "kinesis.uris"}, {"kinesis.secretAccessKey"}),
    (STORE, {"name": "events", "kafka": {"uris": "b:9092", "saslHashFunction": "PLAIN", "saslUsername": "app",
                                         "saslPassword": "kafka-pw"}},
     {"kafka.saslUsername"}, {"kafka.saslPassword"}),
    (STORE, {"name": "cc", "confluentKafka": {"uris": "pkc:9092", "saslHashFunction": "PLAIN",
                                              "saslUsername": "CLUSTERKEY", "saslPassword": "cluster-secret"}},
     {"confluentKafka.saslUsername"}, {"confluentKafka.saslPassword"}),
    (REGISTRY, {"name": "reg", "confluent": {"uris": "https://r", "username": "reg-user", "password": "reg-pw"}},
     {"confluent.username"}, {"confluent.password"}),
    (REGISTRY, {"name": "cloud", "confluentCloud": {"uris": "https://r", "key": "CCKEY", "secret": "cc-secret"}},
     {"confluentCloud.key"}, {"confluentCloud.secret"}),
], ids=["kinesis", "kafka", "confluent-kafka", "confluent-registry", "confluent-cloud-registry"])
async def test_identifiers_are_plain_and_secrets_secret_in_inputs_and_state(
        provider: Harness, type_: str, props: dict[str, Any], plain: set[str], secret: set[str]) -> None:
    checked, failures = await provider.check(type_, props)
    assert not failures
    _, state = await provider.create(type_, checked)
    for values in (checked, state):
        assert secret_paths(values) == secret
        assert not plain & secret_paths(values)
