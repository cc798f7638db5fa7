"""Enums stay source-compatible in Go: the last release's Go programs build unchanged against the SDK generated
today (an enum-typed Go input would refuse ``pulumi.String("stream")``), and the enums' constants are accepted
where those programs pass strings."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tests.e2e.conftest import ROOT

pytestmark = pytest.mark.e2e
LAST_RELEASE = "bdb809e"  # the commit the last release (0.1.0) was cut from
SDK_MODULE = "github.com/pulumi-deltastream/pulumi-deltastream/sdk/go"

CONSTANTS = """package main

import (
	"github.com/pulumi-deltastream/pulumi-deltastream/sdk/go/deltastream"
	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"
)

func main() {
	pulumi.Run(func(ctx *pulumi.Context) error {
		_, err := deltastream.NewStore(ctx, "events", &deltastream.StoreArgs{
			Name: pulumi.String("events"),
			Kafka: &deltastream.KafkaArgs{Uris: pulumi.String("broker:9092"),
				SaslHashFunction: deltastream.KafkaSaslHashFunctionNone},
		})
		if err != nil {
			return err
		}
		_, err = deltastream.NewStore(ctx, "cloud", &deltastream.StoreArgs{
			Name: pulumi.String("cloud"),
			ConfluentKafka: &deltastream.ConfluentKafkaArgs{Uris: pulumi.String("broker:9092"),
				SaslHashFunction: deltastream.ConfluentSaslHashFunctionPlain,
				SaslUsername:     pulumi.String("key"), SaslPassword: pulumi.String("secret")},
		})
		if err != nil {
			return err
		}
		_, err = deltastream.NewDeltaStreamObject(ctx, "clicks", &deltastream.DeltaStreamObjectArgs{
			Database: pulumi.String("db"), Namespace: pulumi.String("public"), Name: pulumi.String("clicks"),
			Kind: deltastream.ObjectKindChangelog, Store: pulumi.String("events"),
			Columns: deltastream.ColumnArray{
				deltastream.ColumnArgs{Name: pulumi.String("id"), Type: pulumi.String("BIGINT")}},
			PrimaryKey: pulumi.StringArray{pulumi.String("id")},
		})
		if err != nil {
			return err
		}
		_, err = deltastream.GetStores(ctx, &deltastream.GetStoresArgs{
			Type: pulumi.StringRef(string(deltastream.StoreTypeConfluentKafka))})
		return err
	})
}
"""


def module(tmp_path: Path, example: str, program: str) -> Path:
    """A copy of ``examples/<example>``'s module (its go.mod and go.sum, the SDK replaced by this checkout's) with
    ``program`` as its main.go."""
    folder = tmp_path / example
    folder.mkdir()
    for name in ("go.mod", "go.sum"):
        shutil.copy(ROOT / "examples" / example / name, folder / name)
    text = (folder / "go.mod").read_text().replace(f"{SDK_MODULE} => ../../sdk/go", f"{SDK_MODULE} => {ROOT}/sdk/go")
    (folder / "go.mod").write_text(text)
    (folder / "main.go").write_text(program)
    return folder


def build(folder: Path) -> None:
    result = subprocess.run(["go", "build", "-o", str(folder / "program"), "."], cwd=folder, capture_output=True,
                            text=True, timeout=900)
    assert result.returncode == 0, f"{folder.name} does not build:\n{result.stderr[-4000:]}"


@pytest.mark.parametrize("example", ["go", "catalog-go", "pipeline-go"])
def test_the_last_releases_go_programs_build_unchanged(example: str, toolchain: Path, tmp_path: Path) -> None:
    old = subprocess.run(["git", "show", f"{LAST_RELEASE}:examples/{example}/main.go"], cwd=ROOT,
                         capture_output=True, text=True, check=True).stdout
    assert 'pulumi.String("' in old
    build(module(tmp_path, example, old))


def test_the_enum_constants_stand_where_strings_did(toolchain: Path, tmp_path: Path) -> None:
    enums = (ROOT / "sdk/go/deltastream/pulumiEnums.go").read_text()
    for constant in ("ObjectKindChangelog", "KafkaSaslHashFunctionNone", "ConfluentSaslHashFunctionPlain",
                     "StoreTypeConfluentKafka"):
        assert constant in enums
    build(module(tmp_path, "go", CONSTANTS))
