#!/usr/bin/env bash
# Regenerates sdk/{nodejs,go,python} from schema.yaml with `pulumi package gen-sdk` (never edit them by hand).
#   scripts/gen-sdk.sh [OUT_DIR]   (default: sdk)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="${1:-$ROOT/sdk}"
BIN="$(bash "$ROOT/scripts/toolchain.sh")"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
# gen-sdk reads a schema's language sections only from JSON, so schema.yaml is handed over as JSON.
"$ROOT/.venv/bin/python" -c 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), open(sys.argv[2], "w"), indent=2)' \
  "$ROOT/schema.yaml" "$WORK/schema.json"
for language in nodejs go python; do
  PULUMI_HOME="$WORK/home" PULUMI_SKIP_UPDATE_CHECK=true "$BIN/pulumi" package gen-sdk "$WORK/schema.json" \
    --language "$language" -o "$OUT" >/dev/null
done
echo "sdk: generated nodejs, go and python in $OUT" >&2
