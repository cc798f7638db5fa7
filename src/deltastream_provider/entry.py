"""``pulumi-resource-deltastream``, the executable the engine starts: the provider (:mod:`.plugin.main`), or, typed
by a person, ``doctor`` (:mod:`.operator.cli`). The executable plugin carries no other command, and every hint to run
the doctor names this one there (``errors.doctor_command``). Only ``sys`` is imported before the choice, so the
provider starts as fast as from :mod:`.plugin.main` itself.
"""

from __future__ import annotations

import sys

NAME = "pulumi-resource-deltastream"
USAGE = f"""\
usage: {NAME} [--logtostderr] [-v=LEVEL] [--tracing URL] [ENGINE_ADDRESS]
       {NAME} doctor [--server URL] [--api-key KEY] [--organization ORG] [--role ROLE]
           [--insecure-skip-verify] [--stack NAME] [--json]

The DeltaStream provider for Pulumi. The Pulumi engine starts it with the address of its gRPC server
(host:port); it prints the port it serves on and serves until the engine ends it.

  doctor    check each step between this machine and a usable DeltaStream (URL, DNS, TCP, TLS, API, token,
            organization, role, a read-only statement) and print the fix for the first failure; inside a
            Pulumi project it checks the stack's deltastream:* config. `doctor --help` lists its flags.
"""
FLAGS = ("--logtostderr", "--logflow")  # the engine's flags without a value
VALUED = ("--tracing", "--root")  # the engine's flags with a value (as the next argument or after `=`)


def problem(argv: list[str]) -> str | None:
    """What in ``argv`` is not an engine's command line (the flags Pulumi passes a provider, then its address)."""
    positional = []
    args = iter(argv)
    for arg in args:
        name = arg.split("=", 1)[0]
        if arg in FLAGS or (name == "-v" and arg[3:].isdigit()):
            continue
        if name in VALUED:
            if "=" not in arg and next(args, None) is None:
                return f"{arg} needs a value"
            continue
        if arg.startswith("-"):
            return f"unknown option {arg}"
        positional.append(arg)
    if len(positional) > 1:
        return f"one engine address expected, got {' '.join(positional)}"
    if positional and not _is_address(positional[0]):
        return f"unknown command {positional[0]!r} (the engine passes its address as host:port)"
    return None


def _is_address(arg: str) -> bool:
    host, _, port = arg.rpartition(":")
    return bool(host) and port.isdigit()


def main() -> None:
    argv = sys.argv[1:]
    if argv[:1] == ["doctor"]:
        from .operator.cli import doctor

        doctor.main(args=argv[1:], prog_name=f"{NAME} doctor")
        return
    if argv[:1] in (["--help"], ["-h"], ["help"]):
        sys.stdout.write(USAGE)
        return
    wrong = problem(argv)
    if wrong is not None:
        sys.stderr.write(f"{NAME}: {wrong}\n\n{USAGE}")
        sys.exit(2)
    from .plugin.main import main as serve

    serve(argv)
