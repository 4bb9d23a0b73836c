#!/usr/bin/env bash
# Refresh the Scottish Government Design System's built files that the pages use
# (api/static/sgds/) from the npm registry at the pinned version below, so that geo_era
# serves them itself (no CDN) and `make demo` needs no npm. Run: make sgds
# Needs npm and the registry; checks the package's integrity against the registry's.
set -euo pipefail

PACKAGE="@scottish-government/design-system"
VERSION="4.2.0"
# npm's record of the tarball (npm view "$PACKAGE@$VERSION" dist.integrity)
INTEGRITY="sha512-kCIG0P4kN+G1rJay9lOplMoEYVnfEDqI7iU2IUHw/BJbTVADvdqV8gT0wVlA35OFs17Rqy+gLyNbveiwgb4qBw=="
OUT="$(cd "$(dirname "$0")/.." && pwd)/api/static/sgds"

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
found="$(npm view "$PACKAGE@$VERSION" dist.integrity)"
if [ "$found" != "$INTEGRITY" ]; then
  echo "sgds: the registry's integrity of $PACKAGE@$VERSION is $found, not the pinned $INTEGRITY" >&2
  exit 1
fi
(cd "$work" && npm pack --silent "$PACKAGE@$VERSION" >/dev/null)
tarball="$(ls "$work"/*.tgz)"
got="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
if [ "$got" != "$INTEGRITY" ]; then
  echo "sgds: the downloaded tarball's integrity is $got, not the pinned $INTEGRITY" >&2
  exit 1
fi
tar -xzf "$tarball" -C "$work"
dist="$work/package/dist"
licence="$(node -p "require('$work/package/package.json').license")"

rm -rf "$OUT"
mkdir -p "$OUT"
# the stylesheet without its source-map comment (the map is not shipped)
sed -e 's#/\*\# sourceMappingURL=[^*]*\*/##' "$dist/css/design-system.min.css" > "$OUT/design-system.min.css"
cp "$dist/scripts/design-system.js" "$OUT/design-system.js"
cp "$dist/images/icons/icons.stack.svg" "$OUT/icons.stack.svg"
cp "$work/package/LICENSE.txt" "$OUT/LICENSE.txt"
cat > "$OUT/VERSION" <<INFO
package: $PACKAGE
version: $VERSION
licence: $licence (LICENSE.txt)
integrity: $INTEGRITY
files: dist/css/design-system.min.css, dist/scripts/design-system.js, dist/images/icons/icons.stack.svg
refreshed by: scripts/sgds.sh (make sgds)
INFO
echo "sgds: $PACKAGE@$VERSION ($licence) in $OUT"
