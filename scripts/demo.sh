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

# Port 0 (the default): the server binds a free port and prints its URL once it listens.
source scripts/local-server.sh
LOCAL_PORT="${DEMO_PORT:-0}" start_local_server .venv/bin/deltastream-provider "$WORK/local.log"
cat "$WORK/local.log"

export PATH="$BIN:$PATH" PULUMI_HOME="$WORK/home" PULUMI_BACKEND_URL="file://$WORK/state" \
  PULUMI_CONFIG_PASSPHRASE=demo PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true \
  DELTASTREAM_SERVER="$URL" DELTASTREAM_API_KEY=deltastream-local-token
mkdir -p "$WORK/state"
cd examples/yaml
pulumi stack select --create demo --non-interactive
pulumi config set --secret kafkaPassword "demo-$RANDOM-password" --non-interactive
pulumi up --yes --non-interactive
pulumi preview --expect-no-changes --non-interactive
pulumi destroy --yes --non-interactive
pulumi stack rm demo --yes --non-interactive
