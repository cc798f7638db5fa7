"""The registry guides, run as written: every shell command and program they show, through the real Pulumi CLI
against the local server, the workflows through actionlint, and the tables against the code they describe.

Code blocks are found by their language tag: ``sh`` blocks are commands (one a line, run in order in the guide's
project), ``yaml`` blocks are programs (``runtime: yaml``), workflows (``jobs:``) or Pulumi ESC documents, and
``typescript``, ``go`` and ``python`` blocks are whole programs. A program pins this package
(``deltastream@<version>`` under ``packages:``), which the test points at this checkout's plugin."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from testkit import TOKEN

from deltastream_local.runner import BackgroundServer, ServerSettings
from deltastream_provider import __version__
from deltastream_provider.config import KEYS
from deltastream_provider.errors import _INVALID, _NOT_FOUND, _SESSION
from tests.e2e.conftest import PROVIDER_DIR, ROOT, Stack, catalog_sql, pulumi_env

pytestmark = pytest.mark.e2e
GUIDES = ROOT / "registry-docs"
PAGES = ("troubleshooting.md", "ci.md", "several-organizations.md", "migrating-from-deltastream-provider.md",
         "local-server.md", "migrating-from-terraform.md", "adopting-an-account.md")
FENCE = re.compile(r"^```([\w-]*)\n(.*?)^```$", re.M | re.S)
STAMPED = "deltastream |deltastream@|-v|@v|sdk/go/v|release v|=="  # what scripts/stamp-version.sh rewrites
PIN = f"packages:\n  deltastream: deltastream@{__version__}\n"
LOCAL_PLUGIN = f"plugins:\n  providers:\n    - name: deltastream\n      path: {PROVIDER_DIR}\n"
SMALL_PROGRAM = f"""name: guide
runtime: yaml
{PIN}resources:
  analytics:
    type: deltastream:index:Database
    properties: {{ name: analytics }}
  raw:
    type: deltastream:index:Namespace
    properties: {{ database: "${{analytics.name}}", name: raw }}
"""


def blocks(page: str, language: str) -> list[str]:
    return [body for tag, body in FENCE.findall((GUIDES / page).read_text()) if tag == language]


def commands(block: str) -> list[str]:
    return [line.strip() for line in block.splitlines() if line.strip() and not line.lstrip().startswith("#")]


def pinned(program: str) -> str:
    """A guide's program as the test runs it: the package pin it shows, replaced by this checkout's plugin."""
    assert PIN in program, f"a YAML program of the guides must pin the package:\n{program}"
    return program.replace(PIN, LOCAL_PLUGIN)


def shell(stack: Stack, command: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """One command of a guide, run by the shell in the guide's project, with the operator command on PATH."""
    env = {**stack.env, "PATH": f"{PROVIDER_DIR}{os.pathsep}{stack.env['PATH']}"}
    result = subprocess.run(["bash", "-c", command], cwd=stack.directory, env=env, capture_output=True, text=True,
                            timeout=600)
    if check and result.returncode != 0:
        raise AssertionError(f"`{command}` failed ({result.returncode}):\n{result.stdout[-4000:]}\n"
                             f"{result.stderr[-3000:]}")
    return result


def project(tmp_path: Path, env: dict[str, str], program: str, stack: str = "dev") -> Stack:
    directory = tmp_path / f"project-{uuid.uuid4().hex[:6]}"
    directory.mkdir()
    (directory / "Pulumi.yaml").write_text(program)
    result = Stack(directory, env, stack)
    result.run("stack", "init")
    return result


# --- the pages ----------------------------------------------------------------------------------

def test_every_guide_is_a_registry_page_linked_from_the_index(tmp_path: Path) -> None:
    index = (GUIDES / "_index.md").read_text()
    subprocess.run(["bash", str(ROOT / "scripts/registry-docs.sh"), str(tmp_path)], check=True, capture_output=True)
    for page in PAGES:
        text = (GUIDES / page).read_text()
        assert text.startswith("---\ntitle: ") and "\nlayout: package\n---\n" in text, page
        assert f"](./{page.removesuffix('.md')})" in index, page
        assert (tmp_path / page).read_text() == text
        for target in re.findall(r"\]\(\./([\w-]+)", text):
            assert (GUIDES / f"{target}.md").is_file(), f"{page} links to a missing page {target}"
        # scripts/stamp-version.sh's substitution reaches every mention of the version in the guides
        stamped = re.sub(rf"({STAMPED}){re.escape(__version__)}([^0-9]|$)", r"\g<1>9.9.9\2", text, flags=re.M)
        assert __version__ not in stamped, page
    assert '"$ROOT"/registry-docs/*.md' in (ROOT / "scripts/stamp-version.sh").read_text()


def expanded(codes: str) -> set[str]:
    """The SQLSTATEs a table cell names, ranges (``3D009``-``3D011``) included."""
    found: set[str] = set()
    for first, last in re.findall(r"`([0-9A-Z]{5,6})`(?:-`([0-9A-Z]{5,6})`)?", codes):
        if last:
            found |= {f"{first[:3]}{n:0{len(first) - 3}d}" for n in range(int(first[3:]), int(last[3:]) + 1)}
        else:
            found.add(first)
    return found


def test_troubleshooting_names_every_sqlstate_the_provider_maps() -> None:
    text = (GUIDES / "troubleshooting.md").read_text()
    table = text.split("## What DeltaStream answered (SQLSTATE)")[1].split("\n## ")[0]
    documented: set[str] = set()
    for row in table.splitlines():
        if row.startswith("| `"):
            documented |= expanded(row.split("|")[1])
    mapped = set(_NOT_FOUND) | set(_SESSION) | set(_INVALID) | {"42501", "2BP01", "57015", "57014", "42710"}
    assert mapped - documented == set()
    for situation in ("401, 403", "404", "429", "may or may not have been applied", "customTimeouts"):
        assert situation in text


# --- troubleshooting: doctor, stale configuration, settle ---------------------------------------

def test_troubleshooting_commands(tmp_path: Path, toolchain: Path, local: BackgroundServer) -> None:
    stack = project(tmp_path, pulumi_env(tmp_path, toolchain, local), pinned(SMALL_PROGRAM))
    stack.run("config", "set", "deltastream:role", "sysadmin")
    stack.up()
    doctor, settle, refresh = (commands(b) for b in blocks("troubleshooting.md", "sh"))
    for command in doctor:
        result = shell(stack, command)
    assert json.loads(result.stdout)  # the --json form
    # Stale configuration: the provider settings in state are the last update's, so after a wrong role has been
    # stored and fixed in config, a plain refresh still fails, and the guide's command does not.
    stack.run("config", "set", "deltastream:role", "ghost")
    stack.up()  # nothing changes in DeltaStream; the state keeps role ghost
    stack.run("config", "set", "deltastream:role", "sysadmin")
    stale = stack.run("refresh", "--yes", check=False)
    assert stale.returncode != 0 and "ghost" in stale.stdout + stale.stderr
    assert "pulumi refresh --run-program" in stale.stdout + stale.stderr  # the hint points at the guide's way out
    assert refresh == ["pulumi refresh --run-program --yes"]
    shell(stack, refresh[0])
    stack.preview("--expect-no-changes")
    for command in settle:
        shell(stack, command)
    assert catalog_sql(local, 'SELECT name FROM deltastream.sys."schemas" WHERE database_name = \'analytics\' '
                              "ORDER BY name;") == [["public"], ["raw"]]


# --- CI -----------------------------------------------------------------------------------------

def test_ci_workflows_pass_actionlint_and_their_steps_run(tmp_path: Path, toolchain: Path,
                                                          local: BackgroundServer) -> None:
    documents = [yaml.safe_load(b) for b in blocks("ci.md", "yaml")]
    workflows = [d for d in documents if "jobs" in d]
    esc = [d for d in documents if "values" in d]
    stack_configs = [d for d in documents if "environment" in d and "jobs" not in d]
    assert len(workflows) == 2 and len(esc) == 1 and len(stack_configs) == 1
    assert len(documents) == len(workflows) + len(esc) + len(stack_configs)
    folder = tmp_path / ".github/workflows"
    folder.mkdir(parents=True)
    for i, block in enumerate(b for b in blocks("ci.md", "yaml") if "\njobs:" in b):
        (folder / f"deploy-{i}.yml").write_text(block)
    subprocess.run([str(toolchain / "actionlint"), *map(str, sorted(folder.iterdir()))], check=True, cwd=tmp_path)
    # The ESC environment sets only settings the provider has, under their own names.
    keys = {f"deltastream:{k.name}" for k in KEYS}
    variables = {k.env for k in KEYS}
    values = esc[0]["values"]
    assert set(values["pulumiConfig"]) <= keys and set(values["environmentVariables"]) <= variables
    assert stack_configs[0] == {"environment": ["deltastream-prod"]}
    # Every step runs here as on the runner (the install aside: this checkout is installed).
    env = {**pulumi_env(tmp_path, toolchain, local), "DELTASTREAM_ORGANIZATION": "local"}
    stack = project(tmp_path, env, pinned(SMALL_PROGRAM), stack="prod")
    for workflow in workflows:
        steps = [step["run"] for step in workflow["jobs"]["up"]["steps"] if "run" in step]
        assert steps[0] == f"pip install pulumi-deltastream-provider=={__version__}"
        assert steps[1:] == commands(blocks("ci.md", "sh")[0])
        for command in steps[1:]:
            shell(stack, command)
    # Without Python on the runner, the plugin answers the same preflight (shown inline, from the plugin cache).
    plugin_doctor = re.search(r"`~/\.pulumi/plugins/[^`]*/(pulumi-resource-deltastream doctor --stack prod)`",
                              (GUIDES / "ci.md").read_text())
    assert plugin_doctor is not None
    shell(stack, plugin_doctor.group(1))
    preview, = commands(blocks("ci.md", "sh")[1])
    shell(stack, preview)
    stack.preview("--expect-no-changes")


# --- several organizations ----------------------------------------------------------------------

@contextmanager
def organizations() -> Iterator[dict[str, BackgroundServer]]:
    """A local server per organization, each knowing the token the guide sets for it."""
    with BackgroundServer(ServerSettings(port=0, tokens={"dsk_prod_token": "sysadmin"}, organization="acme-prod")) \
            as prod, BackgroundServer(ServerSettings(port=0, tokens={"dsk_staging_token": "sysadmin"},
                                                     organization="acme-staging")) as staging:
        yield {"prod": prod, "staging": staging}


def program_files(language: str, program: str, directory: Path) -> str:
    """Writes a guide's program for ``language`` into ``directory`` as the examples are laid out; its Pulumi.yaml."""
    examples = ROOT / "examples"
    if language == "yaml":
        return pinned(program)
    if language == "typescript":
        (directory / "index.ts").write_text(program)
        for name in ("tsconfig.json", "package.json", ".npmrc"):
            shutil.copy(examples / "typescript" / name, directory / name)
        (directory / "node_modules").symlink_to(examples / "typescript/node_modules")
        runtime = "nodejs"
    elif language == "go":
        (directory / "main.go").write_text(program)
        shutil.copy(examples / "go/go.sum", directory / "go.sum")
        (directory / "go.mod").write_text((examples / "go/go.mod").read_text().replace("=> ../../sdk/go",
                                                                                     f"=> {ROOT}/sdk/go"))
        runtime = "go"
    else:
        (directory / "__main__.py").write_text(program)
        runtime = f"\n  name: python\n  options:\n    virtualenv: {ROOT / '.venv'}"
    return f"name: two-organizations\nruntime: {runtime}\n{LOCAL_PLUGIN}"


@pytest.mark.parametrize("language", ["typescript", "go", "python", "yaml"])
def test_several_organizations(language: str, tmp_path: Path, toolchain: Path) -> None:
    program, = blocks("several-organizations.md", language)
    configuration, no_default = (commands(b) for b in blocks("several-organizations.md", "sh"))
    with organizations() as servers:
        env = {k: v for k, v in pulumi_env(tmp_path, toolchain, "http://127.0.0.1:9/v2").items()
               if not k.startswith("DELTASTREAM_")}  # nothing from the environment: each provider is explicit
        directory = tmp_path / "project"
        directory.mkdir()
        (directory / "Pulumi.yaml").write_text(program_files(language, program, directory))
        stack = Stack(directory, env, "dev")
        stack.run("stack", "init")
        for command in configuration + no_default:
            shell(stack, command)
        for name, server in servers.items():  # the only setting not shown: where the local servers listen
            stack.run("config", "set", f"{name}:server", server.url)
        stack.up()
        assert stack.outputs() == {"prodDatabase": "analytics", "stagingNamespace": "raw"}
        providers = stack.resources("pulumi:providers:deltastream")
        assert sorted(p["urn"].rsplit("::", 1)[1] for p in providers) == ["prod", "staging"]
        schemas = 'SELECT database_name, name FROM deltastream.sys."schemas" ORDER BY name;'
        assert catalog_sql_as(servers["prod"], "dsk_prod_token", schemas) == [["analytics", "public"]]
        assert catalog_sql_as(servers["staging"], "dsk_staging_token", schemas) == [["analytics", "public"],
                                                                                    ["analytics", "raw"]]
        stack.preview("--expect-no-changes")
        stack.run("destroy", "--yes")
        for name, server in servers.items():
            assert catalog_sql_as(server, f"dsk_{name}_token", schemas) == []


def catalog_sql_as(server: BackgroundServer, token: str, statement: str) -> list[list[str]]:
    import httpx

    body = httpx.post(f"{server.url}/statements", json={"statement": statement},
                      headers={"Authorization": f"Bearer {token}"}).json()
    assert body["sqlState"] == "00000", body
    rows: list[list[str]] = body.get("data", [])
    return rows


# --- migrating from DeltaStream's provider ------------------------------------------------------

def old_state(program: dict[str, Any], stack: str, ids: dict[str, str]) -> dict[str, Any]:
    """The checkpoint DeltaStream's provider (1.0.1) leaves for ``program``: its default provider and each resource
    with its inputs and id, as `pulumi stack export` shows it."""
    project_name = program["name"]
    prefix = f"urn:pulumi:{stack}::{project_name}::"
    provider_urn = f"{prefix}pulumi:providers:deltastream::default_1_0_1"
    provider_id = str(uuid.uuid4())
    resources: list[dict[str, Any]] = [
        {"urn": f"{prefix}pulumi:pulumi:Stack::{project_name}-{stack}", "custom": False,
         "type": "pulumi:pulumi:Stack"},
        {"urn": provider_urn, "custom": True, "id": provider_id, "type": "pulumi:providers:deltastream",
         "inputs": {"version": "1.0.1"}, "outputs": {"version": "1.0.1"}},
    ]
    for name, resource in program["resources"].items():
        inputs = json.loads(re.sub(r"\$\{(\w+)\.name\}", lambda m: str(program["resources"][m.group(1)]
                                                                       ["properties"]["name"]),
                                   json.dumps(resource["properties"])).replace("${kafkaPassword}", "[secret]"))
        resources.append({"urn": f"{prefix}{resource['type']}::{name}", "custom": True, "id": ids[name],
                          "type": resource["type"], "inputs": inputs, "outputs": inputs,
                          "parent": resources[0]["urn"], "provider": f"{provider_urn}::{provider_id}"})
    magic = hashlib.sha256(b"v3.274.1").hexdigest()  # what the CLI checks a checkpoint's integrity by
    return {"version": 3, "deployment": {"manifest": {"time": "2026-01-01T00:00:00Z", "magic": magic,
                                                      "version": "v3.274.1"}, "resources": resources}}


def create_as_their_provider_did(local: BackgroundServer, program: dict[str, Any]) -> dict[str, str]:
    """What DeltaStream's provider ran for the old program (its objects and query as their raw SQL, in the session
    of their database, namespace and store); each resource's id as it records it."""
    import httpx

    def run(statement: str, **session: str) -> dict[str, Any]:
        body: dict[str, Any] = httpx.post(f"{local.url}/statements", json={"statement": statement, **session},
                                          headers={"Authorization": f"Bearer {TOKEN}"}).json()
        assert body["sqlState"] == "00000", body
        return body

    ids = {}
    resources = program["resources"]
    for name, resource in resources.items():
        props = resource["properties"]
        kind = resource["type"].rsplit(":", 1)[1]
        if kind == "Database":
            run(f"CREATE DATABASE {props['name']};")
            ids[name] = props["name"]
        elif kind == "Store":
            kafka = props["kafka"]
            run(f"CREATE STORE {props['name']} WITH ('type' = KAFKA, 'uris' = '{kafka['uris']}', "
                f"'kafka.sasl.hash_function' = {kafka['saslHashFunction']}, "
                f"'kafka.sasl.username' = '{kafka['saslUsername']}', 'kafka.sasl.password' = 'pw');")
            ids[name] = props["name"]
        elif kind == "DeltaStreamObject":
            database = resources[props["database"].split(".")[0].strip("${")]["properties"]["name"]
            store = resources[props["store"].split(".")[0].strip("${")]["properties"]["name"]
            run(props["sql"], database=database, schema=props["namespace"], store=store)
            object_name = props["sql"].split()[2]
            ids[name] = f'"{database}"."{props["namespace"]}"."{object_name}"'
        else:
            run(props["sql"])
            ids[name] = catalog_sql(local, 'SELECT id FROM deltastream.sys."queries";')[0][0]
    return ids


def test_migration_route_adopts_everything_without_recreating(tmp_path: Path, toolchain: Path,
                                                                local: BackgroundServer) -> None:
    old_block, new_block = blocks("migrating-from-deltastream-provider.md", "yaml")
    old = yaml.safe_load(old_block)
    ids = create_as_their_provider_did(local, old)
    created = catalog_sql(local, 'SELECT name, created_at FROM deltastream.sys."databases";')
    stack = project(tmp_path, pulumi_env(tmp_path, toolchain, local), old_block.split("resources:")[0])
    stack.run("config", "set", "--secret", "kafkaPassword", "pw")
    (tmp_path / "old.json").write_text(json.dumps(old_state(old, "dev", ids)))
    stack.run("stack", "import", "--file", str(tmp_path / "old.json"))
    export, forget, adopt, finish = (commands(b) for b in blocks("migrating-from-deltastream-provider.md", "sh"))
    for command in export + forget:
        shell(stack, command)
    assert [r["type"] for r in stack.state()["deployment"].get("resources", [])] == []
    backup = json.loads((stack.directory / "before-migration.json").read_text())
    assert ids["copy"] in {r.get("id") for r in backup["deployment"]["resources"]}
    stack.write(pinned(new_block.replace("QUERY_ID", ids["copy"])))
    preview = shell(stack, adopt[0]).stdout
    steps = re.findall(r"^ (\S+)\s+(deltastream:index:\w+) (\S+) (\S+)", preview, re.M)
    assert sorted(steps) == sorted([("=", old["resources"][n]["type"], n, "import") for n in ids]
                                   + [("~", "deltastream:index:Store", "events", "update")]), preview
    assert "replace" not in preview, preview
    shell(stack, adopt[1])
    without_options = re.sub(r"\n    options: \{ import: [^\n]*\}", "", new_block)
    assert "import" not in without_options.split("resources:")[1]
    stack.write(pinned(without_options))
    for command in finish:
        shell(stack, command)
    queries = catalog_sql(local, 'SELECT id, current_state FROM deltastream.sys."queries";')
    assert queries == [[ids["copy"], "running"]], "the query was restarted"
    assert catalog_sql(local, 'SELECT name, created_at FROM deltastream.sys."databases";') == created
    assert {r["id"] for r in stack.resources("deltastream:index:DeltaStreamObject")} == {
        ids["pageviews"], ids["pageviews_copy"]}


# --- the local server ---------------------------------------------------------------------------

def test_local_server_guide(tmp_path: Path, toolchain: Path) -> None:
    start, use = (commands(b) for b in blocks("local-server.md", "sh"))
    shown, = blocks("local-server.md", "text")
    env = pulumi_env(tmp_path, toolchain, "http://127.0.0.1:9/v2")
    env["PATH"] = f"{PROVIDER_DIR}{os.pathsep}{env['PATH']}"
    server = subprocess.Popen(["bash", "-c", f"exec {start[0]}"], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True)
    try:
        assert server.stdout is not None
        printed = []
        while not printed or not printed[-1].startswith("export DELTASTREAM_API_KEY"):
            line = server.stdout.readline()
            assert line, "".join(printed)
            printed.append(line.rstrip("\n"))
        pattern = re.escape(shown.strip()).replace("41093", r"\d+").replace(re.escape("bab46d84-..."), "[0-9a-f-]+")
        assert re.fullmatch(pattern, "\n".join(printed).strip()), printed
        for line in printed:
            if line.startswith("export "):
                key, value = line.removeprefix("export ").split("=", 1)
                env[key] = value
        stack = project(tmp_path, env, pinned(SMALL_PROGRAM))
        for command in use:
            shell(stack, command)
    finally:
        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0
