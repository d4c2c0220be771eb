#!/bin/sh
# Fetch axe-core from the npm registry (version pinned in tests/axe/package.json) and copy the
# one file the browser tests inject into tests/axe/. Run again to upgrade; commit the result.
set -eu
cd "$(dirname "$0")/../tests/axe"
npm install --no-audit --no-fund --ignore-scripts
cp node_modules/axe-core/axe.min.js axe.min.js
cp node_modules/axe-core/LICENSE LICENSE.axe-core
echo "tests/axe/axe.min.js: $(head -c 40 axe.min.js | head -1)"
