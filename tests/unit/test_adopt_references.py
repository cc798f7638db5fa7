"""adopt's model of the references `pulumi import` guesses (an input whose text is exactly one other resource's id or
``name``), and of the one case where it writes none at all: guesses that go round. The real importer agrees with the
model in the property-based round trip (test_adopt_roundtrip.py); here the cases are spelt out."""

from __future__ import annotations

import asyncio

from testkit import TOKEN
from testkit.adopt_account import every_kind, seed

from deltastream_local.runner import BackgroundServer, ServerSettings
from deltastream_provider.config import load
from deltastream_provider.deltastream.catalog import SystemTables
from deltastream_provider.deltastream.client import connect
from deltastream_provider.operator.adopt import Adoption, Entry, guessed_references, reference_cycle, report
from deltastream_provider.operator.adopt_read import Selection, adopt
from deltastream_provider.resources import namespace
from deltastream_provider.resources.base import Context


def _account(topic: str) -> Adoption:
    """A database, a Kafka store with one topic, and a stream over that topic named ``pageviews``."""
    return Adoption(entries=[
        Entry("Database", "shop", ("shop",), values=(), name_output="shop", name="shop"),
        Entry("Store", "kafka", ("kafka",), values=(), name_output="kafka", name="kafka"),
        Entry("Entity", f"kafka/{topic}", ("kafka", topic), values=("kafka", topic), name_output=topic,
              name=f"kafka-{topic}"),
        Entry("DeltaStreamObject", "shop/public/pageviews", ("shop", "public", "pageviews"),
              values=("shop", "public", "pageviews", "kafka", topic), name_output="pageviews",
              name="shop-public-pageviews"),
    ])


def test_a_topic_named_like_its_stream_makes_the_guesses_go_round() -> None:
    adoption = _account("pageviews")
    assert reference_cycle(adoption) == ["kafka-pageviews", "shop-public-pageviews", "kafka-pageviews"]
    [line] = [line for line in report(adoption) if line.startswith("references")]
    assert "every input as a literal" in line and "kafka-pageviews -> shop-public-pageviews" in line


def test_a_topic_named_otherwise_is_guessed_one_way() -> None:
    adoption = _account("pageviews_topic")
    # the database's and the store's values are held twice (id and name): no guess; the stream names its topic once
    assert guessed_references(adoption) == {"shop-public-pageviews": {"kafka-pageviews_topic"}}
    assert reference_cycle(adoption) == []
    assert not [line for line in report(adoption) if line.startswith("references")]


def test_an_input_left_at_its_default_is_matched_too() -> None:
    """The importer matches every input the read gives back, defaults included (the import file's ``properties``
    lists only the others): a function's ``language`` ``java`` is guessed to be the namespace named ``java``."""
    with BackgroundServer(ServerSettings(port=0, tokens={TOKEN: "sysadmin"})) as local:
        seed(local.url, [*every_kind(1), namespace.create_statement("a0_db", "java")])

        async def read() -> Adoption:
            async with connect(load({"server": local.url, "apiKey": TOKEN})) as client:
                return await adopt(Context(client, SystemTables(client)),
                                   Selection(kinds=frozenset({"Namespace", "Function"})))

        guesses = guessed_references(asyncio.run(read()))
    assert guesses["a0-title-varchar"] == {"a0-db-java"}
