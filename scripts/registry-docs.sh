#!/usr/bin/env bash
# Puts the registry pages where the Pulumi registry reads them at a release tag: registry-docs/ (the
# source, with front matter) copied to docs/. The release workflow runs it before it tags.
#   scripts/registry-docs.sh [OUT_DIR]   (default: docs)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/docs}"
mkdir -p "$OUT"
for path in "$ROOT"/registry-docs/*.md; do
  page="$(basename "$path")"
  head -1 "$path" | grep -qx -- "---" || { echo "registry-docs/$page has no front matter" >&2; exit 1; }
  cp "$path" "$OUT/$page"
done
echo "registry-docs: $OUT" >&2
