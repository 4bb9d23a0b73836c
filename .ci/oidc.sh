#!/usr/bin/env bash
# The OpenID Connect provider of the single sign-on tests (tests/oidc: oidc-provider on
# Node, FICTIONAL accounts, started by the tests on 127.0.0.1). Installs Node from Debian
# when missing (needs root and the Debian mirror), then the provider's locked packages
# from the npm registry (npm ci: exactly package-lock.json; node_modules is not committed).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq nodejs npm >&2
fi
npm ci --prefix tests/oidc --no-audit --no-fund --loglevel=error >&2
node --version
