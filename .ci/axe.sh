#!/usr/bin/env bash
# axe-core for the pages' accessibility test (tests/api/test_accessibility.py, run in
# Debian's Chromium): its locked package from the npm registry (npm ci: exactly
# tests/api/axe/package-lock.json; node_modules is not committed). Installs Node from
# Debian when missing (needs root and the Debian mirror).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq nodejs npm >&2
fi
npm ci --prefix tests/api/axe --no-audit --no-fund --loglevel=error >&2
