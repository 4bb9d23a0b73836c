#!/usr/bin/env bash
# QGIS's Python bindings from Debian (python3-qgis): the export tests open the styled
# GeoPackages geo_era writes in QGIS itself (headless, QT_QPA_PLATFORM=offscreen) and
# check the style QGIS loads from the file. Installs them when missing (needs root and
# the Debian mirror), then prints the Python that has them.
set -euo pipefail
if ! /usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends python3-qgis >&2
fi
echo /usr/bin/python3
