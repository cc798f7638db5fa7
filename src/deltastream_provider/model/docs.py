"""Registry examples: complete programs in every SDK language, assembled from parts of one shared story.

A registry page's example must run as pasted, so each is a whole program (imports; Go's ``package main`` and
``pulumi.Run``; YAML's project, ``packages:`` pin and config) and names everything it references: a part lists
the parts it needs, which come first. Examples built from the same parts share their names and columns, so any
set of them also assembles into one program (the story is :mod:`.story`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .. import __version__

FENCE = "```"
LANGUAGES = ("typescript", "python", "go", "yaml")
YAML_SECTIONS = ("config", "variables", "resources", "outputs")
_SECTION = re.compile(r"^([a-z]+):\s*$")


@dataclass(frozen=True)
class Part:
    """A piece of program in each language, the parts it references and the secret config keys it reads.

    ``yaml`` is top-level sections (``resources:``, ``variables:``, ``outputs:``) that are merged with the
    other parts' sections."""

    typescript: str
    python: str
    go: str
    yaml: str
    needs: tuple[Part, ...] = ()
    secrets: tuple[str, ...] = ()


def ordered(part: Part) -> list[Part]:
    """The part after everything it needs, each part once, in the order the needs are listed."""
    found: list[Part] = []

    def visit(p: Part) -> None:
        for need in p.needs:
            visit(need)
        if p not in found:
            found.append(p)

    visit(part)
    return found


def _secrets(parts: list[Part]) -> list[str]:
    return list(dict.fromkeys(key for p in parts for key in p.secrets))


def typescript(parts: list[Part]) -> str:
    config = "const config = new pulumi.Config();\n\n" if _secrets(parts) else ""
    body = config + "\n\n".join(p.typescript.strip() for p in parts)
    imports = 'import * as pulumi from "@pulumi/pulumi";\n' if "pulumi." in body else ""
    return f'{imports}import * as deltastream from "@pulumi-deltastream/deltastream";\n\n{body}\n'


def python(parts: list[Part]) -> str:
    config = "config = pulumi.Config()\n\n" if _secrets(parts) else ""
    body = config + "\n\n".join(p.python.strip() for p in parts)
    return f"import pulumi\nimport pulumi_deltastream_community as deltastream\n\n{body}\n"


def go(parts: list[Part]) -> str:
    body = "\n\n".join(p.go.strip() for p in parts)
    indented = "\n".join("\t\t" + line if line else "" for line in body.splitlines())
    config = '\t"github.com/pulumi/pulumi/sdk/v3/go/pulumi/config"\n' if "config." in body else ""
    return ("package main\n\nimport (\n"
            '\t"github.com/pulumi-deltastream/pulumi-deltastream/sdk/go/deltastream"\n'
            f'\t"github.com/pulumi/pulumi/sdk/v3/go/pulumi"\n{config})\n\n'
            "func main() {\n\tpulumi.Run(func(ctx *pulumi.Context) error {\n"
            f"{indented}\n\t\treturn nil\n\t}})\n}}\n")


def yaml(parts: list[Part]) -> str:
    sections: dict[str, list[str]] = {name: [] for name in YAML_SECTIONS}
    for key in _secrets(parts):
        sections["config"].append(f"  {key}:\n    type: string\n    secret: true")
    for part in parts:
        current: list[str] | None = None
        for line in part.yaml.strip().splitlines():
            header = _SECTION.match(line)
            if header:
                current = sections[header.group(1)]
                current.append("")
            elif current is not None:
                current[-1] += line + "\n"
            else:
                raise ValueError(f"YAML part line outside a section: {line!r}")
    text = f"name: shop\nruntime: yaml\npackages:\n  deltastream: deltastream@{__version__}\n"
    for name in YAML_SECTIONS:
        entries = [e.rstrip("\n") for e in sections[name] if e.strip()]
        if entries:
            text += f"{name}:\n" + "\n".join(entries) + "\n"
    return text


def programs(part: Part) -> dict[str, str]:
    """The complete program of ``part`` in each language."""
    parts = ordered(part)
    return {"typescript": typescript(parts), "python": python(parts), "go": go(parts), "yaml": yaml(parts)}


def examples(title: str, part: Part) -> str:
    """An ``## Example Usage`` block; each SDK's docs keep the program in its own language."""
    snippets = "\n".join(f"{FENCE}{language}\n{code.rstrip()}\n{FENCE}" for language, code in programs(part).items())
    return (f"{{{{% examples %}}}}\n## Example Usage\n{{{{% example %}}}}\n### {title}\n\n{snippets}\n"
            f"{{{{% /example %}}}}\n{{{{% /examples %}}}}")
