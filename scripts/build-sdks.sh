#!/usr/bin/env bash
# Builds the checked-in SDKs for use by the examples and tests (nothing in sdk/ is edited):
# the Node.js SDK with tsc into sdk/nodejs/bin, the Python SDK into .venv, and each example's
# dependencies (npm, Go modules) from the registries. A second run with nothing changed is a no-op.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

hash_of() { find "$@" -type f -not -path '*/node_modules/*' -not -path '*/bin/*' -print0 | sort -z \
  | xargs -0 sha256sum | sha256sum | cut -c1-16; }

node_stamp="sdk/nodejs/bin/.built-$(hash_of sdk/nodejs)"
if [ ! -f "$node_stamp" ]; then
  echo "sdks: building the Node.js SDK (npm install, tsc)" >&2
  (cd sdk/nodejs && npm install --no-audit --no-fund --loglevel=error >/dev/null && npx --no-install tsc)
  cp sdk/nodejs/package.json sdk/nodejs/README.md sdk/nodejs/bin/
  touch "$node_stamp"
fi

python_stamp=".venv/.sdk-$(hash_of sdk/python)"
if [ ! -f "$python_stamp" ]; then
  echo "sdks: installing the Python SDK into .venv" >&2
  .venv/bin/pip install -q --force-reinstall --no-deps ./sdk/python >/dev/null 2>&1
  rm -f .venv/.sdk-* && touch "$python_stamp"
fi

for dir in examples/typescript examples/pipeline-typescript examples/catalog-typescript examples/analytics-typescript \
    examples/access-typescript; do
  # The SDK's build stamp names its content hash: a changed SDK is installed again.
  stamp="$dir/node_modules/.installed-$( (echo "$node_stamp"; cat "$dir/package.json") | sha256sum | cut -c1-16)"
  if [ ! -f "$stamp" ]; then
    echo "sdks: installing the packages of $dir" >&2
    (cd "$dir" && rm -rf node_modules/@pulumi-deltastream && npm install --no-audit --no-fund --loglevel=error >/dev/null)
    touch "$stamp"
  fi
done

# Compiling a Pulumi Go program from a cold build cache takes minutes on two cores: do it here, once,
# so that no test spends its time limit on it (the Go language host then reuses the cache).
for dir in examples/go examples/pipeline-go examples/catalog-go examples/analytics-go examples/access-go; do
  (cd "$dir" && go mod download >/dev/null && go build -buildvcs=false -o /dev/null . && go vet ./...)
done
echo "sdks: ready" >&2
