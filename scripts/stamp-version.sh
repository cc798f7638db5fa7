#!/usr/bin/env bash
# Sets the release version everywhere it is written: the provider package, schema.yaml, the schema the provider
# serves, the SDKs generated from it and the install guide's commands (README, registry docs).
#   scripts/stamp-version.sh 1.2.3
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VERSION="${1#v}"
[[ "$VERSION" =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] || { echo "stamp-version: not a version: $1" >&2; exit 2; }
OLD="$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' "$ROOT/src/deltastream_provider/__init__.py")"
sed -i "s/^__version__ = \".*\"$/__version__ = \"$VERSION\"/" "$ROOT/src/deltastream_provider/__init__.py"
# The install guide's commands and the YAML examples name the version: deltastream 1.2.3, deltastream@1.2.3, -v1.2.3-, @v1.2.3, ==1.2.3.
sed -i -E "s/(deltastream |deltastream@|-v|@v|sdk\/go\/v|release v|==)${OLD//./\\.}([^0-9]|$)/\1$VERSION\2/g" \
  "$ROOT/README.md" "$ROOT"/registry-docs/*.md
"$ROOT/.venv/bin/deltastream-provider" schema -o "$ROOT/schema.yaml" --packaged
bash "$ROOT/scripts/gen-sdk.sh"
echo "stamp-version: $VERSION" >&2
