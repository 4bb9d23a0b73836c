#!/usr/bin/env bash
# Debian's Chromium for the browser tests (driven by Playwright with executable_path;
# Playwright downloads no browser). Installs it when missing (needs root and the Debian
# mirror), then prints its path.
set -euo pipefail
if ! command -v chromium >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq chromium fonts-dejavu-core >&2
fi
command -v chromium
