#!/usr/bin/env bash
# The main job on a fresh machine: set up, start the local DeltaStream server, and run the example
# Pulumi program against it (up, a no-change preview, destroy) with the real Pulumi CLI.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
BIN="$(bash scripts/toolchain.sh)"
WORK="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT

PORT="${DEMO_PORT:-8787}"
.venv/bin/deltastream-provider local --in-memory --port "$PORT" >"$WORK/local.log" 2>&1 &
SERVER=$!
for _ in $(seq 50); do grep -q "export DELTASTREAM_API_KEY" "$WORK/local.log" 2>/dev/null && break; sleep 0.2; done
cat "$WORK/local.log"

export PATH="$BIN:$PATH" PULUMI_HOME="$WORK/home" PULUMI_BACKEND_URL="file://$WORK/state" \
  PULUMI_CONFIG_PASSPHRASE=demo PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true \
  DELTASTREAM_SERVER="http://127.0.0.1:$PORT/v2" DELTASTREAM_API_KEY=deltastream-local-token
mkdir -p "$WORK/state"
cd examples/yaml
pulumi stack select --create demo --non-interactive
pulumi config set --secret kafkaPassword "demo-$RANDOM-password" --non-interactive
pulumi up --yes --non-interactive
pulumi preview --expect-no-changes --non-interactive
pulumi destroy --yes --non-interactive
pulumi stack rm demo --yes --non-interactive
