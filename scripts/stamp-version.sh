#!/usr/bin/env bash
# Sets the release version everywhere it is written: the provider package, schema.yaml, the schema the provider
# serves and the SDKs generated from it.   scripts/stamp-version.sh 1.2.3
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${1#v}"
[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] || { echo "stamp-version: not a version: $1" >&2; exit 2; }
sed -i "s/^__version__ = \".*\"$/__version__ = \"$VERSION\"/" "$ROOT/src/deltastream_provider/__init__.py"
"$ROOT/.venv/bin/deltastream-provider" schema -o "$ROOT/schema.yaml" --packaged
bash "$ROOT/scripts/gen-sdk.sh"
echo "stamp-version: $VERSION" >&2
