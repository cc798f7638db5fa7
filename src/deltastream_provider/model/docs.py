"""Per-language examples in resource descriptions, in the block format Pulumi's code generators read."""

from __future__ import annotations

FENCE = "```"


def examples(title: str, *, typescript: str, python: str, go: str, yaml: str) -> str:
    """An ``## Example Usage`` block; each SDK's docs keep the snippet in its own language."""
    snippets = "\n".join(f"{FENCE}{language}\n{code.strip()}\n{FENCE}" for language, code in
                         (("typescript", typescript), ("python", python), ("go", go), ("yaml", yaml)))
    return (f"{{{{% examples %}}}}\n## Example Usage\n{{{{% example %}}}}\n### {title}\n\n{snippets}\n"
            f"{{{{% /example %}}}}\n{{{{% /examples %}}}}")
