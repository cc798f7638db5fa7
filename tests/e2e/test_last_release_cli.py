"""The last release's programs, unchanged, through the real CLI against this provider: they preview and come up
cleanly, the query names earlier builds took warn that they are ignored, and dropping them changes nothing."""

from __future__ import annotations

from pathlib import Path

from deltastream_local.runner import BackgroundServer
from tests.e2e.conftest import PROVIDER_DIR, Stack
from tests.e2e.conftest import catalog_sql as sql

PROGRAMS = Path(__file__).resolve().parents[1] / "fixtures" / "release-0.1.0" / "programs"
RELEASED_PLUGIN_PATH = "path: ../../.venv/bin"  # as the release's examples load the provider from a checkout


def released(stack: Stack, program: str) -> None:
    """The program as 0.1.0 shipped it, loading this checkout's provider (the one line that names a folder)."""
    text = (PROGRAMS / program / "Pulumi.yaml").read_text()
    assert RELEASED_PLUGIN_PATH in text
    stack.write(text.replace(RELEASED_PLUGIN_PATH, f"path: {PROVIDER_DIR}"))


def test_the_release_quickstart_runs_unchanged(stack: Stack, local: BackgroundServer) -> None:
    released(stack, "quickstart")
    stack.run("stack", "init", "dev")
    stack.run("config", "set", "--secret", "kafkaPassword", "first-secret")
    preview = stack.preview()
    assert preview.returncode == 0 and "warning" not in preview.stdout.lower()
    stack.up()
    assert stack.outputs()["queryState"] == "running"
    stack.preview("--expect-no-changes")


def test_release_programs_with_query_names_run_with_a_warning(stack: Stack, local: BackgroundServer) -> None:
    released(stack, "catalog")
    stack.run("stack", "init", "dev")
    preview = stack.preview().stdout
    assert "`name` is deprecated and ignored" in preview and "Remove `name`" in preview
    assert "`queryName` is deprecated and ignored" in preview
    up = stack.up()
    assert "`name` is deprecated and ignored" in up
    outputs = stack.outputs()
    assert outputs["queryState"] == outputs["applicationState"] == outputs["pipelineQueryState"] == "running"
    running = sql(local, 'SELECT id FROM deltastream.sys."queries" WHERE current_state = \'running\';')
    assert len(running) == 3
    stack.preview("--expect-no-changes")

    # Dropping the names, as the warning says: no change at all, the same queries keep running.
    text = (stack.directory / "Pulumi.yaml").read_text()
    without = text.replace("      name: copy_mobile\n", "").replace("      queryName: clean_clicks\n", "")
    assert without != text
    stack.write(without)
    quiet = stack.preview("--expect-no-changes").stdout
    assert "deprecated" not in quiet
    stack.up()
    assert sql(local, 'SELECT id FROM deltastream.sys."queries" WHERE current_state = \'running\';') == running
    stack.run("destroy", "--yes")
    assert sql(local, 'SELECT name FROM deltastream.sys."databases";') == []

