#!/bin/sh
# Copy Leaflet and its marker clusters from the npm registry into gallery/static/vendor/leaflet.
# Versions come from package.json; the copied files are committed, so serving never needs npm.
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "leaflet@$(node -p "require('$root/package.json').dependencies.leaflet")" \
  "leaflet.markercluster@$(node -p "require('$root/package.json').dependencies['leaflet.markercluster']")" >/dev/null
mkdir leaflet cluster
tar xzf leaflet-*.tgz -C leaflet --strip-components=1
tar xzf leaflet.markercluster-*.tgz -C cluster --strip-components=1
dest="$root/gallery/static/vendor/leaflet"
mkdir -p "$dest/images"
cp leaflet/dist/leaflet.js leaflet/dist/leaflet.css "$dest/"
cp leaflet/dist/images/*.png "$dest/images/"
cp leaflet/LICENSE "$dest/LICENSE"
cp cluster/dist/leaflet.markercluster.js cluster/dist/MarkerCluster.css cluster/dist/MarkerCluster.Default.css "$dest/"
cp cluster/MIT-LICENCE.txt "$dest/LICENSE.markercluster"
sed -i '/sourceMappingURL/d' "$dest"/*.js
chmod 644 "$dest"/* "$dest"/images/*
