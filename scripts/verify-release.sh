#!/usr/bin/env bash
# Checks built release artifacts as a user would use them: installs the plugin from its tarball into a
# fresh Pulumi home (no provider on PATH, no `plugins:` in the program), starts `deltastream-provider local`
# from the built wheel, and runs a YAML program up, preview (no changes) and destroy against it.
#   scripts/verify-release.sh DIST_DIR
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DIST="$(cd "${1:?usage: verify-release.sh DIST_DIR}" && pwd)"
VERSION="$(sed -n 's/^version: //p' "$DIST/schema.yaml")"
BIN="$(bash "$ROOT/scripts/toolchain.sh")"
WORK="$(mktemp -d)"
trap 'kill "$SERVER" 2>/dev/null || true; rm -rf "$WORK"' EXIT

(cd "$DIST" && sha256sum --check --quiet checksums.txt)

python3 -m venv "$WORK/local-venv"
"$WORK/local-venv/bin/pip" install -q "$DIST/pulumi_deltastream_provider-$VERSION-py3-none-any.whl[local]"
source "$ROOT/scripts/local-server.sh"
start_local_server "$WORK/local-venv/bin/deltastream-provider" "$WORK/local.log"

export PATH="$BIN:/usr/local/bin:/usr/bin:/bin" PULUMI_HOME="$WORK/home" PULUMI_BACKEND_URL="file://$WORK/state" \
  PULUMI_CONFIG_PASSPHRASE=verify PULUMI_SKIP_UPDATE_CHECK=true PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true \
  DELTASTREAM_SERVER="$URL" \
  DELTASTREAM_API_KEY=deltastream-local-token
mkdir -p "$WORK/state" "$WORK/program"
pulumi plugin install resource deltastream "$VERSION" --file "$DIST/pulumi-resource-deltastream-v$VERSION-linux-amd64.tar.gz"
sed '/^plugins:/,/^ *path:/d' "$ROOT/examples/yaml/Pulumi.yaml" >"$WORK/program/Pulumi.yaml"
cd "$WORK/program"
pulumi stack init verify --non-interactive
pulumi config set --secret kafkaPassword "verify-$RANDOM" --non-interactive
pulumi up --yes --non-interactive
pulumi preview --expect-no-changes --non-interactive
pulumi destroy --yes --non-interactive
echo "verify-release: $VERSION OK" >&2
