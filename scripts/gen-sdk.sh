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
# The Go SDK is a module of its own: pin its dependencies so that `go build ./...` works in it as published.
# Codegen requires an older Go SDK whose dependencies the module proxy no longer serves; require the Pulumi
# release this project is tested with.
(cd "$OUT/go" && go mod edit -require="github.com/pulumi/pulumi/sdk/v3@v$("$BIN/pulumi" version | tr -d v)" \
  && go mod tidy)
echo "sdk: generated nodejs, go and python in $OUT" >&2
