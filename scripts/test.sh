#!/usr/bin/env bash
# Sets up (if needed) and runs every test: unit, contract and end-to-end (real Pulumi CLI).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
exec .venv/bin/pytest -n "${PYTEST_WORKERS:-auto}" -p no:cacheprovider "$@" tests
