"""``deltastream-provider``: the operator's command line (doctor, local server, schema)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import click

from .. import __version__
from ..config import load


@click.group()
@click.version_option(__version__, prog_name="deltastream-provider")
def main() -> None:
    """Pulumi provider for DeltaStream: operator commands."""


@main.command()
@click.option("--server", help="API base URL ending in /v2 [env DELTASTREAM_SERVER]")
@click.option("--api-key", help="API token [env DELTASTREAM_API_KEY]; prefer the environment variable")
@click.option("--organization", help="Organization UUID or name [env DELTASTREAM_ORGANIZATION]")
@click.option("--role", help="Role [env DELTASTREAM_ROLE]")
@click.option("--insecure-skip-verify", is_flag=True, default=None, help="Skip TLS verification (testing only)")
@click.option("--stack", help="Stack whose deltastream:* config to check (default: the selected one)")
@click.option("--json", "as_json", is_flag=True, help="Print the checks as JSON")
def doctor(server: str | None, api_key: str | None, organization: str | None, role: str | None,
           insecure_skip_verify: bool | None, stack: str | None, as_json: bool) -> None:
    """Check credentials and connectivity step by step, with the fix for each failure.

    Inside a Pulumi project, the stack's deltastream:* config is used (flags win over it, and it wins over the
    environment), as `pulumi up` would use it."""
    from .doctor import run

    flags = {"server": server, "apiKey": api_key, "organization": organization, "role": role,
             "insecureSkipVerify": insecure_skip_verify}
    settings = load({**_stack_config(stack), **{k: v for k, v in flags.items() if v is not None}})
    checks = run(settings)
    if as_json:
        click.echo(json.dumps([check.__dict__ for check in checks], indent=2))
    else:
        width = max(len(c.name) for c in checks)
        for check in checks:
            mark = {"pass": "PASS", "fail": "FAIL", "skip": "skip"}[check.status]
            click.echo(f"{mark}  {check.name.ljust(width)}  {check.detail}")
            if check.fix:
                click.echo(f"      {''.ljust(width)}  fix: {check.fix}")
    sys.exit(0 if all(c.status == "pass" for c in checks) else 1)


@main.command()
@click.option("--stack", help="Stack to settle (default: the selected one)")
@click.option("--cancel", is_flag=True, help="First release the killed run's lock (`pulumi cancel --yes`), after "
                                              "repairing what a kill can leave in a file backend")
def settle(stack: str | None, cancel: bool) -> None:
    """After a killed `pulumi up` (or provider): put what it created into the stack, clear what it did not.

    Run it in the project's directory, then `pulumi up`; with --cancel it first releases the lock the killed run
    left (only when no other update of the stack is running). Nothing is guessed: each resource is looked up in
    DeltaStream."""
    import asyncio
    import subprocess
    import tempfile

    from ..config import READ_TIMEOUT_SETTING
    from ..deltastream.client import connect
    from ..deltastream.waiting import call_deadline
    from ..errors import PulumiCommandError
    from .settle import PREFIX, commands, crashed_run_start, import_file, pending_creates, planned_creates
    from .settle import settle as decide
    from .stack_config import find_project, pulumi_json

    project = find_project(Path.cwd())
    if project is None:
        raise click.UsageError("run settle in the Pulumi project's directory")
    try:
        if cancel:
            _release(project, stack)
        deployment = pulumi_json(project, stack, "stack", "export", "--show-secrets")["deployment"]
        planned = planned_creates(pulumi_json(project, stack, "preview", "--json"))
        since = crashed_run_start(pulumi_json(project, stack, "stack", "history", "--json"))
    except PulumiCommandError as exc:
        raise click.ClickException(str(exc)) from None
    pending = pending_creates(deployment)
    owned = {str(r["id"]) for r in deployment.get("resources") or [] if r.get("id")}
    settings = load(_stack_config(stack))

    async def settled() -> Any:
        with call_deadline(settings.read_timeout, READ_TIMEOUT_SETTING):  # every read of it, like a provider call's
            async with connect(settings) as client:
                return await decide(client, pending, planned, owned, since)

    settlement = asyncio.run(settled())
    for create, id_ in settlement.imports:
        click.echo(f"exists, importing: {create.urn} (id {id_})")
    for create in settlement.cleared:
        click.echo(f"never created, clearing: {create.urn}")
    for create in settlement.foreign:
        click.echo(f"left alone, older than the failed run: {create.urn} (import it yourself if it is this stack's)")
    for create, id_ in settlement.untimed:
        click.echo(f"exists, but DeltaStream shows no creation time to tell whether the failed run made it: "
                   f"{create.urn}; if it is this stack's: pulumi import {PREFIX}{create.type} {create.name} {id_}")
    stack_urn = next((str(r["urn"]) for r in deployment.get("resources") or []
                      if r.get("type") == "pulumi:pulumi:Stack"), "")
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "import.json"
        path.write_text(json.dumps(import_file(settlement, stack_urn)))
        for command in commands(settlement, stack, path, clear_pending=bool(pending)):
            if subprocess.run(command, cwd=project).returncode != 0:
                raise click.ClickException(f"`{' '.join(command[:2])}` failed (see above); if the stack is locked by "
                                           "the killed run, `pulumi cancel --yes` releases it, then run settle again")
    click.echo("settled: run `pulumi up` to finish")


@main.command()
@click.option("--database", help="Adopt this database only (its namespaces, relations and the queries writing into it)")
@click.option("--namespace", help="Adopt this namespace only (needs --database)")
@click.option("--kinds", help="Comma-separated kinds to adopt, e.g. Database,Namespace,DeltaStreamObject")
@click.option("--include-access", is_flag=True, help="Also roles, role grants and organization grants")
@click.option("--output", "-o", type=click.Path(dir_okay=False), required=True, help="The import file to write")
@click.option("--from-pulumi-stack", "stack_export", type=click.Path(exists=True, dir_okay=False),
              help="Instead of reading DeltaStream: a `pulumi stack export` of DeltaStream's own Pulumi provider")
@click.option("--from-terraform", "tf_state", type=click.Path(exists=True, dir_okay=False),
              help="Instead of reading DeltaStream: a Terraform state (terraform.tfstate) of DeltaStream's provider")
def adopt(database: str | None, namespace: str | None, kinds: str | None, include_access: bool, output: str,
          stack_export: str | None, tf_state: str | None) -> None:
    """Write a `pulumi import --file` document for what DeltaStream holds (then: pulumi import --file FILE).

    What a program cannot own is skipped, and each skip, each secret to set and each reference left literal is
    listed on stderr."""
    from .adopt_cli import run, run_from, selection

    if stack_export or tf_state:
        if database or namespace or kinds or include_access or (stack_export and tf_state):
            raise click.UsageError("--from-pulumi-stack and --from-terraform adopt the whole file: give one, and "
                                   "leave out the selection options")
        run_from(Path(str(tf_state or stack_export)), tf_state is not None, Path(output))
        return
    if namespace and not database:
        raise click.UsageError("--namespace needs --database")
    run(load(_stack_config(None)), selection(database, namespace, kinds, include_access), Path(output))


def _release(project: Path, stack: str | None) -> None:
    """Repair a file backend's state after a kill, then release the killed run's lock."""
    import subprocess

    from ..errors import PulumiCommandError
    from .file_backend import repair
    from .stack_config import pulumi_json

    for path in repair(str(pulumi_json(project, None, "whoami", "--json").get("url", ""))):
        click.echo(f"repaired the state backend: removed {path.name}, an empty metadata file the kill left")
    selected = ["--stack", stack] if stack else []
    if subprocess.run(["pulumi", "cancel", "--yes", "--non-interactive", *selected], cwd=project).returncode != 0:
        raise PulumiCommandError("`pulumi cancel --yes` failed (see above)")


def _stack_config(stack: str | None) -> dict[str, object]:
    from ..errors import PulumiCommandError
    from .stack_config import find_project, read

    project = find_project(Path.cwd())
    if project is None:
        if stack:
            raise click.UsageError("--stack needs a Pulumi project: run doctor in the project's directory")
        return {}
    try:
        values = read(project, stack)
    except PulumiCommandError as exc:
        click.echo(f"note: not using the stack's config ({exc}); checking flags and environment only", err=True)
        return {}
    click.echo(f"using the deltastream:* config of the stack in {project.name} ({len(values)} key(s))", err=True)
    return values


@main.command()
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to a file instead of stdout")
@click.option("--packaged", is_flag=True, help="Also write the copy the provider serves (schema.json in the package)")
def schema(output: str | None, packaged: bool) -> None:
    """Print the Pulumi package schema (the source of schema.yaml)."""
    from ..kinds import schema as package_schema

    if packaged:
        package_schema.PACKAGED.write_text(package_schema.packaged(), encoding="utf-8")
    text = package_schema.render()
    if output:
        with open(output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        click.echo(text, nl=False)


class _LocalCommand(click.Command):
    """Lists every knob under ``--help`` (imported only then: the provider itself never loads the local server)."""

    def format_epilog(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        try:
            from deltastream_local.knobs import Knobs
        except ImportError:
            return

        with formatter.section("Knobs (--knob NAME=VALUE; also PUT /admin/knobs with JSON)"):
            formatter.write_dl([(f"{name} (default {default})", meaning)
                                for name, default, meaning in Knobs.described()])


@main.command(cls=_LocalCommand)
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8787, show_default=True, help="0 picks a free port")
@click.option("--data-dir", default=".deltastream-local", show_default=True, help="Where the catalog is kept")
@click.option("--in-memory", is_flag=True, help="Keep the catalog in memory (lost on exit)")
@click.option("--token", "tokens", multiple=True, help="Accepted API token, as TOKEN or TOKEN=ROLE (repeatable)")
@click.option("--organization", default="local", show_default=True, help="Organization name")
@click.option("--knob", "knobs", multiple=True, help="Test knob NAME=VALUE (repeatable; see /admin/knobs)")
def local(host: str, port: int, data_dir: str, in_memory: bool, tokens: tuple[str, ...], organization: str,
          knobs: tuple[str, ...]) -> None:
    """Run a local DeltaStream-compatible API server (for offline use and tests)."""
    try:
        from deltastream_local.knobs import Knobs
        from deltastream_local.runner import DEFAULT_TOKEN, ServerSettings, serve_forever
    except ImportError as exc:
        raise click.ClickException(f"the local server needs its extra ({exc.name} is missing): "
                                   "pip install 'pulumi-deltastream-provider[local]'") from None

    token_roles = ({t.partition("=")[0]: t.partition("=")[2] or "sysadmin" for t in tokens}
                   or {DEFAULT_TOKEN: "sysadmin"})
    knob_values: dict[str, Any] = {}
    for item in knobs:
        name, _, value = item.partition("=")
        try:
            knob_values[name] = Knobs.parse(name, value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--knob") from None
    settings = ServerSettings(host=host, port=port, data_dir=None if in_memory else data_dir, tokens=token_roles,
                        organization=organization, knobs=Knobs())
    settings.knobs.update(knob_values)
    token = next(iter(token_roles))

    def announce(server: Any, url: str) -> None:
        click.echo(f"DeltaStream local server on {url}")
        click.echo(f"organization {organization} ({server.catalog.organization.id}), token {token}")
        click.echo("catalog: " + ("in memory" if in_memory else f"{data_dir}/catalog.sqlite3"))
        click.echo("\nexport DELTASTREAM_SERVER=" + url)
        click.echo(f"export DELTASTREAM_API_KEY={token}\n", nl=True)
        click.echo("Stop with Ctrl-C.")

    serve_forever(settings, announce)


if __name__ == "__main__":
    main()
