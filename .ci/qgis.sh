#!/usr/bin/env bash
# Debian's QGIS Python bindings (python3-qgis, for Debian's /usr/bin/python3): the OGC API
# Features test loads geo_era's layers in headless QGIS with its OAPIF provider, and the
# export tests open the styled GeoPackages geo_era writes and check the style QGIS loads
# from the file. Installs them when missing (needs root and the Debian mirror; about a
# minute), then prints the QGIS version.
set -euo pipefail
if ! /usr/bin/python3 -c "import qgis.core" >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends python3-qgis >&2
fi
QT_QPA_PLATFORM=offscreen /usr/bin/python3 -c "from qgis.core import Qgis; print(Qgis.QGIS_VERSION)"
