#!/usr/bin/env bash
# GDAL's command-line tools from Debian (gdal-bin): the export tests open the
# GeoPackages geo_era writes with `ogrinfo`, a reader independent of the writer.
# Installs them when missing (needs root and the Debian mirror), then prints the path.
set -euo pipefail
if ! command -v ogrinfo >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq gdal-bin >&2
fi
command -v ogrinfo
