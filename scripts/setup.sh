#!/usr/bin/env bash
# Sets up a fresh clone: the Python venv with the provider installed, the Pulumi CLI and language
# hosts (scripts/toolchain.sh), and PostgreSQL for the store checks. A second run takes seconds.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$PYTHON" -m venv .venv
fi
stamp=".venv/.installed-$(cat pyproject.toml constraints.txt | sha256sum | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setup: installing the provider and test dependencies into .venv" >&2
  .venv/bin/pip install -q --upgrade pip
  .venv/bin/pip install -q -c constraints.txt -e '.[local,test,release]'
  rm -f .venv/.installed-* && touch "$stamp"
fi

if ! ls -d /usr/lib/postgresql/*/bin >/dev/null 2>&1; then
  echo "setup: installing Debian's postgresql (used by the local server's store checks)" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq postgresql >/dev/null
fi

bash scripts/toolchain.sh >/dev/null
bash scripts/build-sdks.sh
echo "setup: done" >&2
