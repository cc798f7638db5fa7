"""A Pipeline checked on sample records offline, as its example's comment tells a user: ``pulumi up`` of the
example against the local server, then ``python -m deltastream_local.samples samples.json --store <store>`` writes the
sample clicks to the source topic and compares what the running query wrote to the sink topic with what is
expected; an expectation the query does not meet fails with the difference."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from testkit.pulumi import pulumi_env

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import ROOT, example_stack

pytestmark = pytest.mark.e2e


def samples(directory: Path, spec: str, store: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The user's command, in the example's directory, with the provider's environment."""
    return subprocess.run([sys.executable, "-m", "deltastream_local.samples", spec, "--store", store],
                          cwd=directory, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("example", ["pipeline-typescript", "pipeline-go", "pipeline-python"])
def test_pipeline_example_turns_sample_records_into_the_expected_ones(example: str, toolchain: Path,
                                                                      local: BackgroundServer,
                                                                      tmp_path: Path) -> None:
    env = pulumi_env(tmp_path, toolchain, local)
    with example_stack(example, env) as stack:
        stack.run("up", "--yes", "--skip-preview")
        store = stack.outputs()["storeName"]

        checked = samples(stack.directory, "samples.json", store, env)
        assert checked.returncode == 0, checked.stdout + checked.stderr
        assert checked.stdout.strip() == "2 records as expected"

        spec = json.loads((stack.directory / "samples.json").read_text())
        wrong = {"inputs": {}, "expected": {"clicks_clean": spec["inputs"]["clicks_raw"]}}  # the null url too
        (tmp_path / "wrong.json").write_text(json.dumps(wrong))
        refused = samples(stack.directory, str(tmp_path / "wrong.json"), store, env)
        assert refused.returncode == 1
        assert refused.stderr.startswith("clicks_clean: expected ") and '"url": null' in refused.stderr

        stack.run("destroy", "--yes")


def test_every_pipeline_example_has_the_same_samples() -> None:
    texts = {p.parent.name: p.read_text() for p in sorted(ROOT.glob("examples/pipeline-*/samples.json"))}
    assert sorted(texts) == ["pipeline-go", "pipeline-python", "pipeline-typescript"]
    assert len(set(texts.values())) == 1
