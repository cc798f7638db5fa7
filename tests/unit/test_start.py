"""What the provider process imports before it prints its port, and for the schema."""

from __future__ import annotations

import os
import subprocess
import sys


def in_a_fresh_process(code: str, env: dict[str, str] | None = None) -> str:
    """Run ``code`` in a new interpreter (so nothing this test process imported counts); its standard output."""
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout


def test_the_entry_point_leaves_the_sdk_and_the_resources_for_later() -> None:
    """Up to the port: the generated protocol modules without the Pulumi SDK; no HTTP client, cryptography,
    resources or SQL (each is imported by the first call that needs it)."""
    code = ("import sys; from deltastream_provider.plugin.protocol import stand_in_for_the_sdk; "
            "stand_in_for_the_sdk(); "
            "import deltastream_provider.plugin.servicer; "
            "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('pulumi', 'httpx', 'cryptography', 'yaml', 'sqlparse', 'deltastream_local') "
            "or m.startswith(('deltastream_provider.resources', 'deltastream_provider.kinds.registry')))))")
    loaded = in_a_fresh_process(code).split()
    assert all(m.startswith("pulumi.runtime.proto") or m in ("pulumi", "pulumi.runtime") for m in loaded), loaded
    assert "pulumi.runtime.proto.provider_pb2" in loaded


def test_the_executable_chooses_between_provider_and_doctor_before_importing_either() -> None:
    """The executable's entry reads its arguments with nothing of the provider, the doctor or click imported."""
    code = ("import sys; before = set(sys.modules); import deltastream_provider.entry; "
            "print(' '.join(sorted(set(sys.modules) - before)))")
    loaded = in_a_fresh_process(code).split()
    assert sorted(loaded) == ["__future__", "deltastream_provider", "deltastream_provider.entry"], loaded


def test_the_schema_is_built_without_the_sdk() -> None:
    """GetSchema (every YAML program asks for it) describes the components from their models alone."""
    code = ("import sys; from deltastream_provider.plugin.protocol import stand_in_for_the_sdk; "
            "stand_in_for_the_sdk(); "
            "from deltastream_provider.kinds.schema import build; schema = build(); "
            "assert 'deltastream:index:Pipeline' in schema['resources'], sorted(schema['resources']); "
            "assert 'pulumi.automation' not in sys.modules and not hasattr(sys.modules['pulumi'], 'Output'); "
            "assert 'httpx' not in sys.modules, 'the resources describe themselves without the HTTP client'")
    in_a_fresh_process(code)


def test_the_sdk_loads_after_the_stand_ins_with_the_protocol_modules_shared() -> None:
    code = ("from deltastream_provider.plugin.protocol import load_the_sdk, stand_in_for_the_sdk; "
            "stand_in_for_the_sdk(); "
            "from pulumi.runtime.proto import provider_pb2; load_the_sdk(); "
            "import pulumi, pulumi.provider.server; from pulumi.runtime import proto; "
            "assert proto.provider_pb2 is provider_pb2 and hasattr(pulumi, 'ComponentResource')")
    in_a_fresh_process(code)


def test_a_call_imports_only_its_own_resource() -> None:
    """The registry imports a resource's module (with the helpers kinds share, ``base``, ``lifecycle`` and, for a kind
    whose replacement is guarded, ``dependents``) on
    the first call for its token, the lookups on the first Invoke; the schema is served from the packaged copy without
    importing any."""
    code = ("import sys; from deltastream_provider.plugin.protocol import stand_in_for_the_sdk; "
            "stand_in_for_the_sdk(); "
            "import json, deltastream_provider.plugin.servicer; from deltastream_provider.kinds import registry; "
            "from deltastream_provider.kinds.schema import PACKAGED; "
            "assert 'deltastream:index:Secret' in json.loads(PACKAGED.read_text())['resources']; "
            "assert not [m for m in sys.modules if m.startswith('deltastream_provider.resources.')], 'schema'; "
            "registry.resource('deltastream:index:DeltaStreamObject'); "
            "loaded = sorted(m.rsplit('.', 1)[1] for m in sys.modules "
            "                if m.startswith('deltastream_provider.resources.')); "
            "assert loaded == ['base', 'dependents', 'lifecycle', 'object', 'ownership'], loaded; "
            "assert 'deltastream_provider.functions.lookups' not in sys.modules and 'httpx' not in sys.modules")
    in_a_fresh_process(code)


def test_the_entry_point_caches_bytecode_even_when_told_not_to() -> None:
    code = ("import sys; assert sys.dont_write_bytecode; from deltastream_provider.plugin.main import keep_bytecode; "
            "keep_bytecode(); assert not sys.dont_write_bytecode")
    in_a_fresh_process(code, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})


def test_the_entry_point_leaves_out_the_httpx_command_line() -> None:
    """click and pygments (installed beside the provider) are not imported with httpx in the provider process."""
    code = ("import sys; from deltastream_provider.plugin.main import skip_the_httpx_command_line; "
            "skip_the_httpx_command_line(); import deltastream_provider.deltastream.client, httpx; "
            "assert 'click' not in sys.modules and 'pygments' not in sys.modules, 'httpx CLI imported'; "
            "assert callable(httpx.main)")
    in_a_fresh_process(code)
    without = in_a_fresh_process("import sys, httpx; print('click' in sys.modules)").strip()
    assert without == "True", "click is installed here, so httpx imports it unless told not to"


def test_the_engines_command_lines_are_served_and_anything_else_gets_usage() -> None:
    """What Pulumi passes a provider (its flags, then its address) is served; anything else is a person's mistake."""
    from deltastream_provider.entry import problem

    for served in ([], ["127.0.0.1:40123"], ["--logtostderr", "-v=9", "--logflow", "127.0.0.1:40123"],
                   ["--tracing", "http://127.0.0.1:9411/api/v1/spans", "[::1]:40123"], ["--root=/tmp", "h:1"]):
        assert problem(served) is None, served
    for wrong, said in ((["bogus-arg"], "unknown command 'bogus-arg'"), (["--bogus"], "unknown option --bogus"),
                        (["-v"], "unknown option -v"), (["--tracing"], "--tracing needs a value"),
                        (["h:1", "h:2"], "one engine address expected")):
        assert (problem(wrong) or "").startswith(said), wrong
