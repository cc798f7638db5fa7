#!/usr/bin/env bash
# From a checkout, offline: builds what a user installs (this machine's executable plugin, the source plugin,
# the Node.js SDK package, the Go SDK module, the provider's wheel) into OUT and prints the commands that use
# them, with the paths and version filled in. Needs `bash scripts/setup.sh` to have run once; installing the
# plugin then needs no Python and no network.
#   bash scripts/from-checkout.sh [OUT]
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT="$(mkdir -p "${1:-$ROOT/dist-local}" && cd "${1:-$ROOT/dist-local}" && pwd)"
CACHE="${DELTASTREAM_TOOLCHAIN_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/pulumi-deltastream}/plugin-binary"
VERSION="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$ROOT/src/deltastream_provider/__init__.py")"
PLATFORM="$("$ROOT/.venv/bin/python" -c 'import sys; sys.path.insert(0, sys.argv[1]); import build_binary; print(build_binary.platform_name())' "$ROOT/scripts")"

"$ROOT/.venv/bin/python" "$ROOT/scripts/build_release.py" --out "$OUT" --binary --cache "$CACHE" >/dev/null
npm pack --silent --pack-destination "$OUT" "$ROOT/sdk/nodejs/bin" >/dev/null
rm -rf "$OUT/sdk-go" && cp -r "$ROOT/sdk/go" "$OUT/sdk-go"

cat <<USAGE
# The plugin (no Python, no network):
pulumi plugin install resource deltastream $VERSION --file $OUT/pulumi-resource-deltastream-v$VERSION-$PLATFORM.tar.gz
# or, on a platform without an executable, the source plugin (python3 3.11+ and PyPI at install):
#   pulumi plugin install resource deltastream $VERSION --file $OUT/pulumi-resource-deltastream-v$VERSION-source.tar.gz
# In a Node.js program's folder:
npm install $OUT/pulumi-deltastream-deltastream-$VERSION.tgz
# In a Go program's folder (the SDK needs go 1.26 or newer in the program's go.mod; its dependencies go in go.sum):
go mod edit -replace=github.com/pulumi-deltastream/pulumi-deltastream/sdk/go=$OUT/sdk-go
# The operator commands (deltastream-provider doctor, schema) and, with [local], the local server:
python3 -m pip install '$OUT/pulumi_deltastream_provider-$VERSION-py3-none-any.whl[local]'
USAGE
