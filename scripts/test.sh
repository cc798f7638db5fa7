#!/usr/bin/env bash
# Sets up (if needed) and runs every test: unit, contract and end-to-end (real Pulumi CLI).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
bash scripts/setup.sh
# The resident provider processes the tests start (see CONTRIBUTING's "Keeping it fast") exit a minute after them.
export DELTASTREAM_PROVIDER_RESIDENT_IDLE="${DELTASTREAM_PROVIDER_RESIDENT_IDLE:-60}"
exec .venv/bin/pytest -n "${PYTEST_WORKERS:-auto}" -p no:cacheprovider "$@" tests
