"""``python -m deltastream_local.samples`` can check the same stack again: each sink is compared from where it stood
before the run wrote its inputs, so a second run (whose sinks hold the first run's records) passes, and a wrong
expectation still fails it; its HTTP client is closed when it is done."""

from __future__ import annotations

import json
from pathlib import Path

from testkit import TOKEN

from deltastream_local import samples
from deltastream_local.runner import BackgroundServer
from tests.contract.test_dataflow import PAGEVIEWS, VIEWS, Shop

SPEC = {"inputs": {"pageviews": VIEWS},
        "expected": {"users": [{"userid": "User_1"}, {"userid": "User_2"}, {"userid": "User_1"},
                               {"userid": "User_1"}]}}


def test_a_second_run_checks_only_what_it_wrote(local: BackgroundServer, tmp_path: Path) -> None:
    shop = Shop(local)
    shop.relation("pageviews", PAGEVIEWS)
    shop.relation("users", "userid VARCHAR", timestamp=None)
    shop.sql('INSERT INTO "db"."s"."users" SELECT userid FROM pageviews;')
    spec = tmp_path / "samples.json"
    spec.write_text(json.dumps(SPEC))
    argv = [str(spec), "--store", "k", "--server", local.url, "--token", TOKEN]
    assert [samples.main(argv) for _ in range(2)] == [0, 0]
    assert len(shop.read("users")) == 8  # both runs' records are there; each run compared its own four
    spec.write_text(json.dumps({**SPEC, "expected": {"users": [{"userid": "User_1"}]}}))
    assert samples.main(argv) == 1


def test_the_http_client_is_closed() -> None:
    with samples.Samples("http://127.0.0.1:1/v2") as checker:
        assert not checker.http.is_closed
    assert checker.http.is_closed
