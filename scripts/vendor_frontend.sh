#!/usr/bin/env bash
# Refresh the vendored front-end libraries from the npm registry (build time only; the dashboard
# never loads anything from the internet). Versions are pinned in frontend/package.json.
set -euo pipefail
cd "$(dirname "$0")/.."
tmp=$(mktemp -d)
cp frontend/package.json "$tmp/"
(cd "$tmp" && npm install --silent --no-audit --no-fund)
dest=src/clearpicture/web/static/vendor
mkdir -p "$dest"
cp "$tmp/node_modules/cytoscape/dist/cytoscape.min.js" "$dest/"
cp "$tmp/node_modules/cytoscape/LICENSE" "$dest/cytoscape.LICENSE.txt"
cp "$tmp/node_modules/htmx.org/dist/htmx.min.js" "$dest/"
cp "$tmp/node_modules/htmx.org/LICENSE" "$dest/htmx.LICENSE.txt"
rm -rf "$tmp"
echo "vendored into $dest"
